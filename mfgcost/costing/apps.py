from django.apps import AppConfig


class CostingConfig(AppConfig):
    name = "mfgcost.costing"
    label = "costing"
    verbose_name = "Costing"

    def ready(self) -> None:
        from mfgcost.core.links import related_register

        from . import selectors

        related_register("inventory.inventoryposting", selectors.posting_run)
        related_register("inventory.valueentry", selectors.value_entry_variance_links)
