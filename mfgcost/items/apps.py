from django.apps import AppConfig


class ItemsConfig(AppConfig):
    name = "mfgcost.items"
    label = "items"
    verbose_name = "Items and standard costs"
