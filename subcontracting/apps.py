from django.apps import AppConfig


class SubcontractingConfig(AppConfig):
    name = "subcontracting"
    verbose_name = "Subcontracting"

    def ready(self) -> None:
        from mfgcost.core.links import related_register, source_register
        from mfgcost.production.signals import order_released

        from . import selectors

        source_register("ledger.journalentry", selectors.journal_entry_vendor_invoices)
        related_register("inventory.inventoryposting", selectors.posting_documents)

        order_released.connect(
            _order_released, dispatch_uid="subcontracting.production_order_released"
        )


def _order_released(sender, order, user=None, **kwargs) -> None:
    """Order or propose the released order's subcontracted operations (same transaction)."""
    from .services import production_order_released_handle

    production_order_released_handle(order=order, user=user)
