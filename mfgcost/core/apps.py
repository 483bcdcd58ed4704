from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mfgcost.core"
    label = "core"
    verbose_name = "Core"
