from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mfgcost.inventory"
    label = "inventory"
    verbose_name = "Inventory ledgers"
