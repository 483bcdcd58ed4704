from django.apps import AppConfig


class CostingConfig(AppConfig):
    name = "mfgcost.costing"
    label = "costing"
    verbose_name = "Costing"
