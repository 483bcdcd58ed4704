from django.apps import AppConfig


class CostAccountingConfig(AppConfig):
    name = "mfgcost.costacct"
    label = "costacct"
    verbose_name = "Cost accounting"
