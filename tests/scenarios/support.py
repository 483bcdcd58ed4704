"""Posting helpers for the costing tests: every service call with a fresh source key."""

import datetime as dt
import itertools
from decimal import Decimal

from django.db.models import Sum

from mfgcost.inventory import services as inventory
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.production import services as production

D = Decimal


def march(day: int) -> dt.date:
    return dt.date(2026, 3, day)


def _value(entries) -> Decimal:
    totals = entries.aggregate(e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual"))
    return (totals["e"] or D("0")) + (totals["a"] or D("0"))


def entry_value(entry: ItemLedgerEntry) -> Decimal:
    return _value(ValueEntry.objects.filter(item_ledger_entry=entry))


def stock_value(item, location=None) -> Decimal:
    entries = ValueEntry.objects.filter(item=item, item_ledger_entry__isnull=False)
    if location is not None:
        entries = entries.filter(location=location)
    return _value(entries)


class Postings:
    """Inventory and production services at MAIN by default, dated in March 2026."""

    def __init__(self, company):
        self.company = company
        self._keys = itertools.count(1)

    def key(self, kind: str) -> str:
        return f"test:{kind}:{next(self._keys)}"

    # inventory

    def receipt(self, item, quantity, unit_cost, day=2, location=None):
        return inventory.purchase_receipt_post(
            item=item,
            location=location or self.company.main,
            quantity=D(quantity),
            unit_cost=D(unit_cost),
            posting_date=march(day),
            source_key=self.key("receipt"),
        ).item_entries[0]

    def invoice(self, receipt, quantity, unit_price, day=2):
        return inventory.purchase_invoice_post(
            receipt_entry=receipt,
            quantity=D(quantity),
            unit_price=D(unit_price),
            posting_date=march(day),
            source_key=self.key("invoice"),
        )

    def sale(self, item, quantity, day=2, location=None):
        return inventory.sale_post(
            item=item,
            location=location or self.company.main,
            quantity=D(quantity),
            posting_date=march(day),
            source_key=self.key("sale"),
        ).item_entries[0]

    def transfer(self, item, quantity, to_location, day=2, from_location=None):
        return inventory.transfer_post(
            item=item,
            from_location=from_location or self.company.main,
            to_location=to_location,
            quantity=D(quantity),
            posting_date=march(day),
            source_key=self.key("transfer"),
        ).item_entries

    # production

    def release(self, item, quantity, number, day=2):
        order = production.production_order_create(
            number=number,
            item=item,
            quantity=D(quantity),
            location=self.company.main,
            due_date=march(31),
        )
        return production.production_order_release(
            order=order, posting_date=march(day), source_key=self.key("release")
        )

    def consume(self, order, item, quantity, day=3):
        return production.production_consumption_post(
            order=order,
            item=item,
            quantity=D(quantity),
            posting_date=march(day),
            source_key=self.key("consume"),
        )

    def time(self, order, setup, run, day=3, operation_no=10):
        return production.production_time_post(
            order=order,
            operation_no=operation_no,
            setup_time=D(setup),
            run_time=D(run),
            posting_date=march(day),
            source_key=self.key("time"),
        )

    def output(self, order, quantity, day=4, scrap="0"):
        return production.production_output_post(
            order=order,
            quantity=D(quantity),
            scrap_quantity=D(scrap),
            posting_date=march(day),
            source_key=self.key("output"),
        )

    def finish(self, order, day=5):
        return production.production_order_finish(
            order=order, posting_date=march(day), source_key=self.key("finish")
        )
