"""Helpers for the production tests."""

from ledger.models import JournalLine
from mfgcost.inventory.models import (
    CapacityLedgerEntry,
    InventoryPosting,
    ItemLedgerEntry,
    ValueEntry,
)


def ledger_rows() -> tuple[int, ...]:
    """Row counts of every ledger a production posting writes, to show nothing was written."""
    return tuple(
        model.objects.count()
        for model in (InventoryPosting, ItemLedgerEntry, CapacityLedgerEntry, ValueEntry)
    ) + (JournalLine.objects.count(),)
