from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mfgcost.inventory"
    label = "inventory"
    verbose_name = "Inventory ledgers"

    def ready(self) -> None:
        from . import reports  # noqa: F401 - registers the app's report pages
