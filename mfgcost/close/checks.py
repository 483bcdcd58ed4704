"""The readiness checks of the apps below the close, registered in ``CloseConfig.ready``.

Each returns the rows that block the close of ``period`` (values made JSON-safe: decimals as
strings). Checks of lean (open kanban jobs) and cost accounting register themselves.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import Coalesce

from mfgcost.core.money import ZERO

from .registry import BLOCKER, WARNING, ReadinessCheck, check_register

ZERO_DEC = Decimal("0")


def _text(value) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def unfinished_orders(period) -> list[dict]:
    """Released orders with postings up to the period end, with the WIP they hold."""
    from mfgcost.costing.selectors import OrderLedger
    from mfgcost.inventory.models import ValueEntry
    from mfgcost.production.models import ORDER_TYPE, ProductionOrder

    numbers = (
        ValueEntry.objects.filter(order_type=ORDER_TYPE, posting_date__lte=period.end_date)
        .values_list("order_no", flat=True)
        .distinct()
    )
    orders = ProductionOrder.objects.filter(
        number__in=numbers, status=ProductionOrder.Status.RELEASED
    ).select_related("item")
    return [
        {
            "order": order.number,
            "item": order.item.number,
            "status": order.status,
            "wip": _text(OrderLedger(order, as_of=period.end_date).wip()),
        }
        for order in orders.order_by("number")
    ]


def receipts_not_invoiced(period) -> list[dict]:
    """Purchase receipts up to the period end with a quantity not yet invoiced."""
    from mfgcost.inventory.models import ItemLedgerEntry

    receipts = (
        ItemLedgerEntry.objects.filter(
            entry_type=ItemLedgerEntry.EntryType.PURCHASE,
            quantity__gt=0,
            posting_date__lte=period.end_date,
        )
        .annotate(invoiced=Coalesce(Sum("value_entries__invoiced_quantity"), ZERO_DEC))
        .filter(invoiced__lt=F("quantity"))
        .select_related("item", "location")
        .order_by("id")
    )
    return [
        {
            "item_ledger_entry": entry.pk,
            "item": entry.item.number,
            "location": entry.location.code,
            "posting_date": entry.posting_date.isoformat(),
            "document_no": entry.document_no,
            "quantity": _text(entry.quantity),
            "not_invoiced": _text(entry.quantity - entry.invoiced),
        }
        for entry in receipts
    ]


def subcontracting_receipts_not_invoiced(period) -> list[dict]:
    """Processed goods received from vendors up to the period end, not fully invoiced."""
    from subcontracting.models import SubcontractingReceipt

    receipts = (
        SubcontractingReceipt.objects.filter(posting_date__lte=period.end_date)
        .annotate(received=F("good_quantity") + F("scrapped_quantity"))
        .filter(invoiced_quantity__lt=F("received"))
        .select_related("order_line__order__vendor")
        .order_by("id")
    )
    return [
        {
            "receipt": receipt.number,
            "order": receipt.order_line.order.number,
            "vendor": receipt.order_line.order.vendor.code,
            "posting_date": receipt.posting_date.isoformat(),
            "received": _text(receipt.received),
            "not_invoiced": _text(receipt.received - receipt.invoiced_quantity),
        }
        for receipt in receipts
    ]


def negative_stock(period) -> list[dict]:
    """Outbound entries up to the period end still not covered by stock (valued provisionally)."""
    from mfgcost.inventory.models import ItemLedgerEntry

    entries = (
        ItemLedgerEntry.objects.filter(remaining_quantity__lt=0, posting_date__lte=period.end_date)
        .select_related("item", "location")
        .order_by("id")
    )
    return [
        {
            "item_ledger_entry": entry.pk,
            "item": entry.item.number,
            "location": entry.location.code,
            "posting_date": entry.posting_date.isoformat(),
            "open_quantity": _text(-entry.remaining_quantity),
        }
        for entry in entries
    ]


def adjust_cost_pending(period) -> list[dict]:
    """Work waiting for Adjust Cost (the close runs it next; a warning by default)."""
    from mfgcost.costing.selectors import adjust_cost_pending as pending

    return [{"work": work, "count": count} for work, count in pending().items() if count]


def reconciliation_differences(period) -> list[dict]:
    """Inventory and WIP accounts whose GL balance differs from the ledgers at the period end."""
    from mfgcost.inventory.selectors import reconciliation

    return [
        {
            "account": row["account"],
            "name": row["name"],
            "ledger_value": _text(row["ledger_value"]),
            "gl_balance": _text(row["gl_balance"]),
            "difference": _text(row["difference"]),
        }
        for row in reconciliation(as_of=period.end_date)
        if row["difference"] != ZERO
    ]


def register() -> None:
    for name, label, rows, severity in (
        ("unfinished_orders", "Orders with postings, not finished", unfinished_orders, BLOCKER),
        ("receipts_not_invoiced", "Purchase receipts not invoiced", receipts_not_invoiced, WARNING),
        (
            "subcontracting_receipts_not_invoiced",
            "Subcontracting receipts awaiting invoices",
            subcontracting_receipts_not_invoiced,
            WARNING,
        ),
        ("negative_stock", "Negative stock", negative_stock, BLOCKER),
        ("adjust_cost_pending", "Pending Adjust Cost work", adjust_cost_pending, WARNING),
        (
            "reconciliation_differences",
            "Inventory and WIP accounts not reconciled",
            reconciliation_differences,
            BLOCKER,
        ),
    ):
        check_register(ReadinessCheck(name=name, label=label, rows=rows, severity=severity))
