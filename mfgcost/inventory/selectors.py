"""Reads of the inventory ledgers: valuation, item ledger with values, reconciliation.

Every figure is aggregated in the database (grouped sums), never by loading one Python object per
value entry: the reports stay cheap however long the ledgers grow.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from ledger.models import Account, JournalLine
from ledger.selectors import account_balance
from mfgcost.core.errors import BusinessError
from mfgcost.core.links import Link

from .models import (
    CapacityLedgerEntry,
    InventoryPosting,
    InventoryPostingSetup,
    ItemApplication,
    ItemLedgerEntry,
    ValueEntry,
)
from .posting import EntryKey, SetupResolver, entry_lines

ZERO = Decimal("0")
ZERO_AMOUNT = Value(ZERO, output_field=DecimalField(max_digits=20, decimal_places=2))


def _sum(field: str, **filter_kwargs) -> Coalesce:
    condition = Q(**filter_kwargs) if filter_kwargs else None
    return Coalesce(Sum(field, filter=condition), ZERO_AMOUNT)


def inventory_valuation(
    *,
    as_of: dt.date | None = None,
    item_id: int | None = None,
    location_id: int | None = None,
    include_empty: bool = False,
) -> list[dict]:
    """Quantity and value of each item at each location, at the end of ``as_of`` (or now).

    Quantity: item ledger entries posted on or before the date. Value: their value entries
    posted on or before it (expected and actual). Rows are ordered by item number and location
    code; rows with neither quantity nor value are left out unless ``include_empty``.
    """
    entries = ItemLedgerEntry.objects.all()
    values = ValueEntry.objects.filter(item_ledger_entry__isnull=False)
    if as_of is not None:
        entries = entries.filter(posting_date__lte=as_of)
        values = values.filter(posting_date__lte=as_of)
    if item_id is not None:
        entries = entries.filter(item_id=item_id)
        values = values.filter(item_id=item_id)
    if location_id is not None:
        entries = entries.filter(location_id=location_id)
        values = values.filter(location_id=location_id)

    keys = ("item_id", "item__number", "location_id", "location__code")
    rows: dict[tuple, dict] = {}

    def row(record: dict) -> dict:
        key = tuple(record[k] for k in keys)
        if key not in rows:
            rows[key] = {
                "item_id": record["item_id"],
                "item": record["item__number"],
                "location_id": record["location_id"],
                "location": record["location__code"],
                "quantity": ZERO,
                "cost_amount_expected": ZERO,
                "cost_amount_actual": ZERO,
            }
        return rows[key]

    for record in entries.values(*keys).annotate(quantity=Sum("quantity")).order_by():
        row(record)["quantity"] = record["quantity"]
    for record in (
        values.values(*keys)
        .annotate(expected=_sum("cost_amount_expected"), actual=_sum("cost_amount_actual"))
        .order_by()
    ):
        target = row(record)
        target["cost_amount_expected"] = record["expected"]
        target["cost_amount_actual"] = record["actual"]

    result = []
    for key in sorted(rows, key=lambda k: (k[1], k[3])):
        item_row = rows[key]
        item_row["value"] = item_row["cost_amount_expected"] + item_row["cost_amount_actual"]
        quantity = item_row["quantity"]
        item_row["unit_cost"] = (
            (item_row["value"] / quantity).quantize(Decimal("0.000001")) if quantity else None
        )
        if include_empty or quantity or item_row["value"]:
            result.append(item_row)
    return result


def item_ledger_entries_with_values(
    *, as_of: dt.date | None = None, posting_id: int | None = None
) -> QuerySet[ItemLedgerEntry]:
    """Item ledger entries with the sums of their value entries.

    Annotations: ``cost_amount_expected``, ``cost_amount_actual``, ``cost_amount`` and
    ``invoiced_quantity``, of the value entries posted on or before ``as_of`` and, with
    ``posting_id``, only of those that posting wrote (what one document did to each entry).
    """
    condition = {}
    if as_of is not None:
        condition["value_entries__posting_date__lte"] = as_of
    if posting_id is not None:
        condition["value_entries__posting_id"] = posting_id
    return (
        ItemLedgerEntry.objects.select_related("item", "location", "posting")
        .annotate(
            cost_amount_expected=_sum("value_entries__cost_amount_expected", **condition),
            cost_amount_actual=_sum("value_entries__cost_amount_actual", **condition),
            invoiced_quantity=Coalesce(
                Sum(
                    "value_entries__invoiced_quantity", filter=Q(**condition) if condition else None
                ),
                Value(ZERO, output_field=DecimalField(max_digits=20, decimal_places=6)),
            ),
        )
        .annotate(cost_amount=F("cost_amount_expected") + F("cost_amount_actual"))
        .order_by("id")
    )


def value_entries() -> QuerySet[ValueEntry]:
    """Value entries with what a listing shows next to them."""
    return ValueEntry.objects.select_related(
        "item", "location", "cost_group", "journal_entry__journal", "journal_entry__fiscal_year"
    ).order_by("id")


def item_applications() -> QuerySet[ItemApplication]:
    return ItemApplication.objects.select_related(
        "inbound_entry__item", "inbound_entry__location", "outbound_entry"
    ).order_by("id")


# --------------------------------------------------------------------------- reconciliation

KEY_FIELDS = (
    "item_ledger_entry_type",
    "entry_type",
    "variance_type",
    "cost_group__group_type",
    "posting_group_id",
    "location_id",
    "wip_posting_group_id",
    "wip_location_id",
)


def ledger_value_by_account(*, as_of: dt.date | None = None) -> dict[int, Decimal]:
    """Signed movement of every account that value entries post to, from the ledgers alone.

    Value entries are summed in the database per ``EntryKey`` (the fields that decide their
    accounts); each sum goes through the same mapping the posting services use.
    """
    values = ValueEntry.objects.all()
    if as_of is not None:
        values = values.filter(posting_date__lte=as_of)
    groups = (
        values.values(*KEY_FIELDS)
        .annotate(expected=_sum("cost_amount_expected"), actual=_sum("cost_amount_actual"))
        .order_by()
    )
    setup = SetupResolver()
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for group in groups:
        if not group["expected"] and not group["actual"]:
            continue
        key = EntryKey(
            item_ledger_entry_type=group["item_ledger_entry_type"],
            entry_type=group["entry_type"],
            variance_type=group["variance_type"],
            cost_group_type=group["cost_group__group_type"] or "",
            posting_group_id=group["posting_group_id"],
            location_id=group["location_id"],
            wip_posting_group_id=group["wip_posting_group_id"],
            wip_location_id=group["wip_location_id"],
        )
        for account, amount in entry_lines(key, group["expected"], group["actual"], setup):
            totals[account.pk] += amount
    return dict(totals)


def reconciliation_accounts() -> list[Account]:
    """Every inventory and WIP account named in the inventory posting setup, by number."""
    ids = set()
    for inventory_id, wip_id in InventoryPostingSetup.objects.values_list(
        "inventory_account_id", "wip_account_id"
    ):
        ids.update((inventory_id, wip_id))
    return list(Account.objects.filter(pk__in=ids).order_by("number"))


def _direct_lines_by_account(account_ids: set[int], as_of: dt.date | None) -> dict[int, dict]:
    """Per account: general-ledger lines in journal entries no value entry posted (manual
    entries and any other posting outside the item and capacity ledgers)."""
    lines = JournalLine.objects.filter(account_id__in=account_ids).filter(
        ~Exists(ValueEntry.objects.filter(journal_entry_id=OuterRef("entry_id")))
    )
    if as_of is not None:
        lines = lines.filter(entry__posting_date__lte=as_of)
    rows = (
        lines.values("account_id")
        .annotate(debit=_sum("debit"), credit=_sum("credit"), count=Count("id"))
        .order_by()
    )
    return {
        row["account_id"]: {"amount": row["debit"] - row["credit"], "count": row["count"]}
        for row in rows
    }


def _stock_on_other_accounts(as_of: dt.date | None) -> dict[int, list[dict]]:
    """Per inventory account: stock whose item's posting group now maps elsewhere.

    Value entries keep the posting group they were posted with, so stock posted under one
    group and still on hand after the item moved to another is credited, when it leaves, to
    the new group's account: the old account keeps value without quantity. The change is
    refused by the services; this finds it if it was done around them.
    """
    values = ValueEntry.objects.filter(item_ledger_entry__isnull=False).exclude(
        posting_group_id=F("item__posting_group_id")
    )
    if as_of is not None:
        values = values.filter(posting_date__lte=as_of)
    rows = (
        values.values(
            "item_id", "item__number", "item__posting_group_id", "posting_group_id", "location_id"
        )
        .annotate(expected=_sum("cost_amount_expected"), actual=_sum("cost_amount_actual"))
        .order_by()
    )
    setup = SetupResolver()
    found: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        amount = row["expected"] + row["actual"]
        if not amount:
            continue
        location_id = row["location_id"]
        posted_to = setup.inventory(row["posting_group_id"], location_id).inventory_account
        now_to = setup.inventory(row["item__posting_group_id"], location_id).inventory_account
        if posted_to.pk == now_to.pk:
            continue
        found[posted_to.pk].append(
            {
                "cause": "stock_under_former_posting_group",
                "amount": amount,
                "description": f"{amount} of item {row['item__number']} was posted to this "
                f"account under a former posting group; the item now posts to account "
                f"{now_to.number}.",
            }
        )
    return found


def reconciliation(*, as_of: dt.date | None = None) -> list[dict]:
    """Per inventory and WIP account: value by the ledgers, general-ledger balance, difference,
    and the causes of the difference.

    ``causes`` explains a difference, each with its amount (they add up to it):

    * ``direct_posting``: general-ledger lines on the account in journal entries that no value
      entry posted (a manual entry, an account opened to direct posting);
    * ``mapping_changed``: value entries whose journal lines went to another account than the
      posting setup now maps them to (the setup was changed after posting).

    A third cause, ``stock_under_former_posting_group``, makes no difference but is a break of
    the link all the same: stock still on the account although its item now posts elsewhere.
    """
    ledger_values = ledger_value_by_account(as_of=as_of)
    accounts = reconciliation_accounts()
    direct = _direct_lines_by_account({a.pk for a in accounts}, as_of)
    moved_stock = _stock_on_other_accounts(as_of)
    rows = []
    for account in accounts:
        ledger_value = ledger_values.get(account.pk, ZERO)
        balance = account_balance(account, date_to=as_of)
        causes = []
        outside = direct.get(account.pk, {"amount": ZERO, "count": 0})
        if outside["amount"] or outside["count"]:
            causes.append(
                {
                    "cause": "direct_posting",
                    "amount": outside["amount"],
                    "description": f"{outside['count']} general-ledger line(s) posted directly "
                    f"to control account {account.number}, not from the item or capacity "
                    f"ledgers: {outside['amount']}.",
                }
            )
        remapped = balance - outside["amount"] - ledger_value
        if remapped:
            causes.append(
                {
                    "cause": "mapping_changed",
                    "amount": remapped,
                    "description": f"Value entries were posted to account {account.number} "
                    f"with another account mapping than the posting setup gives now "
                    f"(the setup was changed after posting): {remapped}.",
                }
            )
        causes += moved_stock.get(account.pk, [])
        rows.append(
            {
                "account_id": account.pk,
                "account": account.number,
                "name": account.name,
                "ledger_value": ledger_value,
                "gl_balance": balance,
                "difference": balance - ledger_value,
                "causes": causes,
            }
        )
    return rows


# --------------------------------------------------------------------------- drill-down


def journal_entry_postings(entries) -> dict[int, Link]:
    """Source provider: the inventory posting behind each journal entry (one query)."""
    postings = InventoryPosting.objects.filter(journal_entry__in=[e.pk for e in entries])
    return {posting.journal_entry_id: posting_link(posting) for posting in postings}


def posting_link(posting: InventoryPosting) -> Link:
    return Link(
        kind="inventory_posting",
        id=posting.pk,
        label=f"{posting.kind.replace('_', ' ')} {posting.document_no}".strip()
        + f" (posting {posting.pk})",
        admin_url=reverse("admin:inventory_inventoryposting_change", args=[posting.pk]),
        api_url=reverse("inventory:posting-detail", args=[posting.pk]),
        value_entries_api_url=reverse("inventory:valueentry-list"),
        value_entries_admin_url=reverse("admin:inventory_valueentry_changelist"),
    )


def journal_line_value_entries(line: JournalLine) -> list[ValueEntry]:
    """The value entries that make up a general-ledger line.

    A journal entry of an inventory posting sums its value entries per account and side (a
    debit line and a credit line when movements of both signs meet on one account); the entries
    of one line are those that move the line's account on the line's side (``entry_lines``, the
    mapping the posting used). Should the posting setup have changed since, so that no entry
    maps to the account, every value entry of the journal entry is returned rather than none.
    """
    entries = list(
        value_entries().filter(journal_entry_id=line.entry_id).select_related("cost_group")
    )
    setup = SetupResolver()
    matching = []
    for entry in entries:
        group_type = entry.cost_group.group_type if entry.cost_group else ""
        try:
            moves = entry_lines(
                EntryKey.of(entry, group_type),
                entry.cost_amount_expected,
                entry.cost_amount_actual,
                setup,
            )
        except BusinessError:
            continue
        if any(
            account.pk == line.account_id and (amount > 0 if line.debit else amount < 0)
            for account, amount in moves
        ):
            matching.append(entry)
    return matching or entries


def value_entry_links(entry: ValueEntry) -> list[Link]:
    """Related provider: a value entry's item or capacity entry, posting and journal entry."""
    links = []
    if entry.item_ledger_entry_id:
        links.append(
            Link(
                kind="item_ledger_entry",
                id=entry.item_ledger_entry_id,
                label=f"Item ledger entry {entry.item_ledger_entry_id}",
                admin_url=reverse(
                    "admin:inventory_itemledgerentry_change", args=[entry.item_ledger_entry_id]
                ),
                api_url=reverse(
                    "inventory:itemledgerentry-detail", args=[entry.item_ledger_entry_id]
                ),
            )
        )
    if entry.capacity_ledger_entry_id:
        links.append(
            Link(
                kind="capacity_ledger_entry",
                id=entry.capacity_ledger_entry_id,
                label=f"Capacity ledger entry {entry.capacity_ledger_entry_id}",
                admin_url=reverse(
                    "admin:inventory_capacityledgerentry_change",
                    args=[entry.capacity_ledger_entry_id],
                ),
            )
        )
    links.append(posting_link(entry.posting))
    if entry.journal_entry_id:
        links += journal_entry_link(entry.journal_entry_id, entry.journal_entry)
    return links


def journal_entry_link(pk: int, entry=None) -> list[Link]:
    return [
        Link(
            kind="journal_entry",
            id=pk,
            label=f"Journal entry {entry or pk}",
            admin_url=reverse("admin:ledger_journalentry_change", args=[pk]),
            api_url=reverse("ledger:journalentry-detail", args=[pk]),
        )
    ]


def ledger_entry_links(entry: ItemLedgerEntry | CapacityLedgerEntry) -> list[Link]:
    """Related provider: an item or capacity entry's posting and its journal entry."""
    links = [posting_link(entry.posting)]
    if entry.posting.journal_entry_id:
        links += journal_entry_link(entry.posting.journal_entry_id)
    return links


def posting_links(posting: InventoryPosting) -> list[Link]:
    """Related provider: a posting's journal entry, and the standard cost it activates."""
    links = []
    if posting.journal_entry_id:
        links += journal_entry_link(posting.journal_entry_id, posting.journal_entry)
    parts = posting.source_key.split(":")
    if parts[:2] == ["items", "standard_cost"] and len(parts) > 2 and parts[2].isdigit():
        links.append(
            Link(
                kind="standard_cost",
                id=int(parts[2]),
                label=f"Standard cost {parts[2]} (activated)",
                admin_url=reverse("admin:items_standardcost_change", args=[int(parts[2])]),
            )
        )
    return links


def journal_entry_documents(entry) -> list[Link]:
    """Related provider: what stands behind a journal entry's inventory posting (its order,
    Adjust Cost run, subcontracting document, standard cost), as the posting's page shows."""
    from mfgcost.core.links import related_of

    posting = InventoryPosting.objects.filter(journal_entry=entry).first()
    if posting is None:
        return []
    return [link for link in related_of(posting) if link.kind != "journal_entry"]
