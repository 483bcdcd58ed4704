from django.apps import AppConfig


class SubcontractingConfig(AppConfig):
    name = "subcontracting"
    verbose_name = "Subcontracting"

    def ready(self) -> None:
        from mfgcost.core.permissions import outside_user_check_register
        from mfgcost.production.signals import order_released

        from . import reports  # noqa: F401 - registers the app's report pages

        # A vendor's user reaches only the vendor routes: core refuses it everywhere else.
        outside_user_check_register(_is_vendor_user)
        from mfgcost.core.links import related_register, source_register

        from . import selectors

        source_register("ledger.journalentry", selectors.journal_entry_vendor_invoices)
        related_register("inventory.inventoryposting", selectors.posting_documents)

        order_released.connect(
            _order_released, dispatch_uid="subcontracting.production_order_released"
        )


def _is_vendor_user(user) -> bool:
    from .selectors import vendor_of_user

    return vendor_of_user(user) is not None


def _order_released(sender, order, user=None, **kwargs) -> None:
    """Order or propose the released order's subcontracted operations (same transaction)."""
    from .services import production_order_released_handle

    production_order_released_handle(order=order, user=user)
