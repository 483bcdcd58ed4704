from django.apps import AppConfig


class LeanConfig(AppConfig):
    name = "mfgcost.lean"
    label = "lean"
    verbose_name = "Lean production flows"
