from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "mfgcost.production"
    label = "production"
    verbose_name = "Production orders"

    def ready(self) -> None:
        from mfgcost.core.links import related_register

        from . import selectors

        related_register("inventory.inventoryposting", selectors.posting_orders)
        for model in ("valueentry", "itemledgerentry", "capacityledgerentry"):
            related_register(f"inventory.{model}", selectors.entry_order)
