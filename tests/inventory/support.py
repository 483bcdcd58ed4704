"""Helpers for the inventory tests: postings with generated source keys, balances."""

import datetime as dt
import itertools
from decimal import Decimal

from ledger.selectors import account_balance
from mfgcost.inventory import services
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.selectors import inventory_valuation, reconciliation

D = Decimal


def march(day: int) -> dt.date:
    return dt.date(2026, 3, day)


class Postings:
    """Calls the inventory services with a fresh source key each time, at MAIN by default."""

    def __init__(self, company):
        self.company = company
        self._keys = itertools.count(1)

    def key(self, kind: str) -> str:
        return f"test:{kind}:{next(self._keys)}"

    def receipt(self, item, quantity, unit_cost, day=2, location=None, **kw):
        result = services.purchase_receipt_post(
            item=item,
            location=location or self.company.main,
            quantity=D(quantity),
            unit_cost=D(unit_cost),
            posting_date=march(day),
            source_key=kw.pop("source_key", None) or self.key("receipt"),
            **kw,
        )
        return result.item_entries[0]

    def invoice(self, receipt_entry, quantity, unit_price, day=2, **kw):
        return services.purchase_invoice_post(
            receipt_entry=receipt_entry,
            quantity=D(quantity),
            unit_price=D(unit_price),
            posting_date=march(day),
            source_key=kw.pop("source_key", None) or self.key("invoice"),
            **kw,
        )

    def sale(self, item, quantity, day=2, location=None, **kw):
        return services.sale_post(
            item=item,
            location=location or self.company.main,
            quantity=D(quantity),
            posting_date=march(day),
            source_key=kw.pop("source_key", None) or self.key("sale"),
            **kw,
        )

    def transfer(self, item, quantity, to_location, day=2, from_location=None, **kw):
        return services.transfer_post(
            item=item,
            from_location=from_location or self.company.main,
            to_location=to_location,
            quantity=D(quantity),
            posting_date=march(day),
            source_key=kw.pop("source_key", None) or self.key("transfer"),
            **kw,
        )

    def negative_adjustment(self, item, quantity, day=2, location=None, **kw):
        return services.negative_adjustment_post(
            item=item,
            location=location or self.company.main,
            quantity=D(quantity),
            posting_date=march(day),
            source_key=kw.pop("source_key", None) or self.key("nadj"),
            **kw,
        )

    def positive_adjustment(self, item, quantity, day=2, location=None, **kw):
        return services.positive_adjustment_post(
            item=item,
            location=location or self.company.main,
            quantity=D(quantity),
            posting_date=march(day),
            source_key=kw.pop("source_key", None) or self.key("padj"),
            **kw,
        )

    def balance(self, number: str) -> Decimal:
        return account_balance(self.company.account(number))

    def stock(self, item, location=None) -> tuple[Decimal, Decimal]:
        """(quantity, value) of ``item`` at a location (default MAIN)."""
        location = location or self.company.main
        rows = inventory_valuation(item_id=item.pk, location_id=location.pk, include_empty=True)
        if not rows:
            return D("0"), D("0")
        return rows[0]["quantity"], rows[0]["value"]


def assert_reconciled():
    rows = reconciliation()
    assert rows, "the reconciliation lists the inventory and WIP accounts"
    assert [(r["account"], r["difference"]) for r in rows if r["difference"]] == []


def ledger_counts() -> tuple[int, int]:
    return ItemLedgerEntry.objects.count(), ValueEntry.objects.count()
