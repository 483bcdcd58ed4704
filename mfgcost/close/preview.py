"""What a back-dated posting would change, found by posting it for real and rolling back.

``purchase_invoice_preview`` (and ``purchase_receipt_preview``) runs the real posting and then
Adjust Cost on the item (and whatever its change reaches: the orders that consumed it, their
output, the items above) inside one transaction, reads the value entries and journal lines those
wrote, and rolls everything back with ``transaction.set_rollback(True)``. Nothing it posted
survives:

* rows, the journal number sequence and Adjust Cost's marks and run log are rolled back with
  the transaction (ids taken from sequences are not given back, which changes no figure);
* ``transaction.on_commit`` callbacks registered inside (a finished order queueing Adjust
  Cost) are discarded with the rolled-back transaction, so no Celery task escapes; no service
  it calls sends a task directly;
* the advisory locks the postings take are transaction-scoped and end with it. Call it outside
  any transaction (an API request is one) so that they end at once; inside an outer
  transaction the rollback is to a savepoint and the locks are held until the outer one ends.

``value_entry_impact(entries)`` turns value entries into the preview's figures, so a test (or a
controller) can compare a preview with what the actual posting and Adjust Cost then post.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from ledger.models import JournalLine
from mfgcost.core.money import ZERO
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry

ILE = ItemLedgerEntry.EntryType


def _amount(entry: ValueEntry) -> Decimal:
    return entry.cost_amount_expected + entry.cost_amount_actual


def value_entry_impact(entries: list[ValueEntry]) -> dict:
    """The figures of a set of value entries: entries, outbound entries, orders, variances,
    cost of goods sold and the general-ledger amount per account (debit positive)."""
    entries = list(
        ValueEntry.objects.filter(pk__in=[e.pk for e in entries])
        .select_related("item", "item_ledger_entry", "cost_group")
        .order_by("id")
    )
    rows, outbound, orders, variances, cogs = [], defaultdict(Decimal), defaultdict(Decimal), {}, []
    for entry in entries:
        amount = _amount(entry)
        ile = entry.item_ledger_entry
        row = {
            "item_ledger_entry": ile.pk if ile else None,
            "item_ledger_entry_type": entry.item_ledger_entry_type,
            "item": entry.item.number if entry.item else "",
            "entry_type": entry.entry_type,
            "variance_type": entry.variance_type,
            "cost_group": entry.cost_group.code if entry.cost_group else "",
            "order_no": entry.order_no,
            "adjustment": entry.adjustment,
            "amount": amount,
        }
        rows.append(row)
        if ile is not None and ile.quantity < 0:
            outbound[ile.pk] += amount
        if entry.order_no:
            orders[entry.order_no] += amount
        if entry.entry_type == ValueEntry.EntryType.VARIANCE:
            key = (entry.order_no, entry.variance_type)
            variances[key] = variances.get(key, ZERO) + amount
        if entry.item_ledger_entry_type == ILE.SALE:
            cogs.append({"item_ledger_entry": ile.pk if ile else None, "amount": -amount})
    journal_ids = {e.journal_entry_id for e in entries if e.journal_entry_id}
    accounts = (
        JournalLine.objects.filter(entry_id__in=journal_ids)
        .values("account__number", "account__name")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by("account__number")
    )
    ile_types = dict(
        ItemLedgerEntry.objects.filter(pk__in=outbound).values_list("pk", "entry_type")
    )
    return {
        "value_entries": rows,
        "outbound_entries": [
            {"item_ledger_entry": pk, "entry_type": ile_types.get(pk, ""), "amount": amount}
            for pk, amount in sorted(outbound.items())
        ],
        "orders": [{"order_no": no, "amount": amount} for no, amount in sorted(orders.items())],
        "variances": [
            {"order_no": no, "variance_type": kind, "amount": amount}
            for (no, kind), amount in sorted(variances.items())
        ],
        "cogs": cogs,
        "accounts": [
            {
                "account": row["account__number"],
                "name": row["account__name"],
                "amount": row["debit"] - row["credit"],
            }
            for row in accounts
            if row["debit"] != row["credit"]
        ],
    }


def _preview(post, item_id: int) -> dict:
    """Run ``post()`` (returning a ``PostingResult``) and Adjust Cost from ``item_id``, read what
    they wrote, roll it all back."""
    from mfgcost.costing.services import adjust_cost_run

    with transaction.atomic():
        posted = post()
        adjusted = adjust_cost_run(items=[item_id], requested_by="preview")
        impact = value_entry_impact([*posted.value_entries, *adjusted.value_entries])
        impact["errors"] = list(adjusted.errors)
        transaction.set_rollback(True)
    return impact


def _key() -> str:
    return f"close:preview:{uuid.uuid4().hex}"


def purchase_invoice_preview(
    *, receipt_entry: ItemLedgerEntry, quantity, unit_price, posting_date, document_no: str = ""
) -> dict:
    """Post the invoice and Adjust Cost for real, read what changed, roll it all back.

    Bad input is refused exactly as the posting refuses it (a 4xx naming the field).
    """
    from mfgcost.inventory.services import purchase_invoice_post

    return _preview(
        lambda: purchase_invoice_post(
            receipt_entry=receipt_entry,
            quantity=quantity,
            unit_price=unit_price,
            posting_date=posting_date,
            source_key=_key(),
            document_no=document_no,
        ),
        receipt_entry.item_id,
    )


def purchase_receipt_preview(
    *, item, location, quantity, unit_cost, posting_date, document_no: str = ""
) -> dict:
    """The same for a back-dated purchase receipt (an average item's later days change)."""
    from mfgcost.inventory.services import purchase_receipt_post

    return _preview(
        lambda: purchase_receipt_post(
            item=item,
            location=location,
            quantity=quantity,
            unit_cost=unit_cost,
            posting_date=posting_date,
            source_key=_key(),
            document_no=document_no,
        ),
        item.pk,
    )
