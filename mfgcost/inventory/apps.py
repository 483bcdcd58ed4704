from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mfgcost.inventory"
    label = "inventory"
    verbose_name = "Inventory ledgers"

    def ready(self) -> None:
        from mfgcost.core.links import related_register, source_register

        from . import selectors

        source_register("ledger.journalentry", selectors.journal_entry_postings)
        related_register("ledger.journalentry", selectors.journal_entry_documents)
        related_register("inventory.inventoryposting", selectors.posting_links)
        related_register("inventory.valueentry", selectors.value_entry_links)
        related_register("inventory.itemledgerentry", selectors.ledger_entry_links)
        related_register("inventory.capacityledgerentry", selectors.ledger_entry_links)
