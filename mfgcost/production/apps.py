from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "mfgcost.production"
    label = "production"
    verbose_name = "Production orders"
