from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mfgcost.inventory"
    label = "inventory"
    verbose_name = "Inventory ledgers"

    def ready(self) -> None:
        # The ledger asks before a changed account is saved; a control account that the
        # inventory ledgers have posted to stays closed to direct posting.
        from ledger.signals import account_changing

        from . import reports  # noqa: F401 - registers the app's report pages
        from .links import account_change_check

        def refuse_breaking_change(sender, *, account, previous, **kwargs):
            account_change_check(account=account, previous=previous)

        account_changing.connect(refuse_breaking_change, weak=False, dispatch_uid="inventory")
        from mfgcost.core.links import related_register, source_register

        from . import selectors

        source_register("ledger.journalentry", selectors.journal_entry_postings)
        related_register("ledger.journalentry", selectors.journal_entry_documents)
        related_register("inventory.inventoryposting", selectors.posting_links)
        related_register("inventory.valueentry", selectors.value_entry_links)
        related_register("inventory.itemledgerentry", selectors.ledger_entry_links)
        related_register("inventory.capacityledgerentry", selectors.ledger_entry_links)
