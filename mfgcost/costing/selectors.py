"""Reads for costing: an order's ledgers, the cost sheet, WIP, the inventory value equation,
variance drill-down and the work waiting for Adjust Cost.

Report figures come from the value entries alone, aggregated in the database; the accounts come
from the same mapping the postings use (``inventory.posting.entry_lines``), so a report and the
general ledger can only disagree when the general ledger was posted some other way, which is
what the reconciliation columns show.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, DecimalField, ExpressionWrapper, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse

from ledger.models import Account, JournalLine
from ledger.selectors import account_balance
from mfgcost.core.errors import NotFoundError
from mfgcost.core.links import Link
from mfgcost.core.money import ZERO
from mfgcost.inventory.models import CapacityLedgerEntry, ItemLedgerEntry, ValueEntry
from mfgcost.inventory.posting import EntryKey, SetupResolver, entry_lines
from mfgcost.inventory.selectors import reconciliation_accounts
from mfgcost.items.models import CostGroup, Item, StandardCostLine
from mfgcost.production.models import ORDER_TYPE, ProductionOrder, ProductionOrderEstimate

from .adjust import group_order, split_by_weights
from .models import CostAdjustmentMark, CostAdjustmentRun, CostAdjustmentState, VarianceSource
from .variance import CAUSES

ILE = ItemLedgerEntry.EntryType
VE = ValueEntry.EntryType
ZERO_AMOUNT = Value(ZERO, output_field=DecimalField(max_digits=20, decimal_places=2))
VALUE_FIELDS = (
    "id", "item_ledger_entry_id", "capacity_ledger_entry_id", "item_ledger_entry_type",
    "entry_type", "cost_group_id", "variance_cause", "cost_amount_expected",
    "cost_amount_actual", "item_id", "valuation_date", "adjustment", "wip_posting_group_id",
    "wip_location_id",
)  # fmt: skip


def _sum(column: str, **condition) -> Coalesce:
    return Coalesce(Sum(column, filter=Q(**condition) if condition else None), ZERO_AMOUNT)


def amount_of(row: dict) -> Decimal:
    return row["cost_amount_expected"] + row["cost_amount_actual"]


# --------------------------------------------------------------------------- one order


class OrderLedger:
    """What one order's ledgers say (value, item and capacity entries), read once.

    Work in process is debited by consumption (value entries in the inventory's sign, so
    negated here) and by capacity direct and indirect cost; it is credited by output (at
    expected cost, then at actual) and by variances posted straight from it.
    """

    def __init__(self, order: ProductionOrder, *, as_of: dt.date | None = None):
        self.order = order
        refs = {"order_type": ORDER_TYPE, "order_no": order.number}
        values = ValueEntry.objects.filter(**refs)
        items = ItemLedgerEntry.objects.filter(**refs, entry_type__in=[ILE.CONSUMPTION, ILE.OUTPUT])
        capacity = CapacityLedgerEntry.objects.filter(**refs)
        if as_of is not None:
            values = values.filter(posting_date__lte=as_of)
            items = items.filter(posting_date__lte=as_of)
            capacity = capacity.filter(posting_date__lte=as_of)
        self.item_entries = {e.pk: e for e in items.select_related("item", "location")}
        self.capacity_entries = {c.pk: c for c in capacity}
        self.values = [
            v
            for v in values.order_by("id").values(*VALUE_FIELDS)
            if v["item_ledger_entry_id"] in self.item_entries or not v["item_ledger_entry_type"]
        ]

    @staticmethod
    def is_wip_input(row: dict) -> bool:
        if row["item_ledger_entry_type"] == ILE.CONSUMPTION:
            return True
        return not row["item_ledger_entry_type"] and row["entry_type"] in (
            VE.DIRECT_COST,
            VE.INDIRECT_COST,
        )

    @staticmethod
    def wip_input(row: dict) -> Decimal:
        amount = amount_of(row)
        return -amount if row["item_ledger_entry_type"] == ILE.CONSUMPTION else amount

    def actual_by_group(self) -> dict[int | None, Decimal]:
        totals: dict[int | None, Decimal] = defaultdict(Decimal)
        for row in self.values:
            if self.is_wip_input(row):
                totals[row["cost_group_id"]] += self.wip_input(row)
        return {g: v for g, v in totals.items() if v}

    def outputs(self) -> list[ItemLedgerEntry]:
        return sorted(
            (e for e in self.item_entries.values() if e.entry_type == ILE.OUTPUT),
            key=lambda e: (e.posting_date, e.pk),
        )

    def main_outputs(self) -> list[ItemLedgerEntry]:
        return [
            e for e in self.outputs() if e.item_id == self.order.item_id and e.order_line is None
        ]

    def output_values(self, entry_id: int) -> list[dict]:
        return [v for v in self.values if v["item_ledger_entry_id"] == entry_id]

    def original_expected(self, entry_id: int) -> Decimal:
        """The expected cost an output entry was posted at (before Adjust Cost)."""
        return sum(
            (
                v["cost_amount_expected"]
                for v in self.output_values(entry_id)
                if not v["adjustment"]
            ),
            ZERO,
        )

    def standard_by_output(self, weights: dict) -> dict[int, dict[int | None, Decimal]]:
        """Each output entry's standard, split by cost group in proportion to ``weights``."""
        return {
            e.pk: split_by_weights(self.original_expected(e.pk), weights) for e in self.outputs()
        }

    def variances(self) -> dict[int | None, dict[str, Decimal]]:
        """Variances posted, by cost group and cause (positive: unfavourable)."""
        totals: dict[int | None, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for row in self.values:
            if row["entry_type"] == VE.VARIANCE:
                totals[row["cost_group_id"]][row["variance_cause"]] -= row["cost_amount_actual"]
        return {g: dict(c) for g, c in totals.items()}

    def output_value(self) -> Decimal:
        """What the output is worth in inventory (at standard for a standard-cost item)."""
        return sum(
            (amount_of(v) for v in self.values if v["item_ledger_entry_type"] == ILE.OUTPUT),
            ZERO,
        )

    def wip(self) -> Decimal:
        """Inputs, less what output took out at its value before variances, less variances
        posted straight from WIP (an order without output)."""
        balance = sum(self.actual_by_group().values(), ZERO)
        for v in self.values:
            if v["item_ledger_entry_type"] == ILE.OUTPUT and v["entry_type"] != VE.VARIANCE:
                balance -= amount_of(v)
            elif not v["item_ledger_entry_type"] and v["entry_type"] == VE.VARIANCE:
                balance += amount_of(v)
        return balance


def order_standard_weights(order: ProductionOrder) -> dict[int | None, Decimal]:
    """How the order's standard splits by cost group, single level (a component's whole
    standard counts as material): the standard cost's this-level lines, else the estimate."""
    weights: dict[int | None, Decimal] = {}
    if order.standard_cost_id:
        weights = dict(
            StandardCostLine.objects.filter(standard_cost_id=order.standard_cost_id).values_list(
                "cost_group_id", "this_level"
            )
        )
    if not any(weights.values()):
        weights = dict(
            ProductionOrderEstimate.objects.filter(order=order).values_list(
                "cost_group_id", "unit_amount"
            )
        )
    weights = {g: w for g, w in weights.items() if w}
    return weights or {order.item.cost_group_id: Decimal("1")}


# --------------------------------------------------------------------------- cost sheet


@dataclass
class CostSheetRow:
    cost_group: str
    group_type: str
    standard: Decimal = ZERO
    estimate: Decimal = ZERO
    actual: Decimal = ZERO
    variance: Decimal = ZERO
    causes: dict[str, Decimal] = field(default_factory=dict)

    @property
    def difference(self) -> Decimal:
        """Actual minus the standard of the output: the variance to explain."""
        return self.actual - self.standard


@dataclass
class CostSheet:
    order: str
    item: str
    status: str
    quantity: Decimal
    output_quantity: Decimal
    rows: list[CostSheetRow]
    output_value: Decimal
    wip: Decimal

    def total(self, column: str) -> Decimal:
        return sum((getattr(row, column) for row in self.rows), ZERO)


def order_cost_sheet(order: ProductionOrder) -> CostSheet:
    """Standard (for the output), estimate (for the order quantity), actual and variance per
    cost group and cause, with the output value and what is left in WIP."""
    ledger = OrderLedger(order)
    standard: dict[int | None, Decimal] = defaultdict(Decimal)
    for by_group in ledger.standard_by_output(order_standard_weights(order)).values():
        for group, amount in by_group.items():
            standard[group] += amount
    estimate = dict(
        ProductionOrderEstimate.objects.filter(order=order).values_list("cost_group_id", "amount")
    )
    actual = ledger.actual_by_group()
    variances = ledger.variances()
    groups = {g.pk: g for g in CostGroup.objects.all()}
    rows = []
    for group_id in sorted(
        set(standard) | set(estimate) | set(actual) | set(variances), key=group_order
    ):
        group = groups.get(group_id)
        causes = variances.get(group_id, {})
        rows.append(
            CostSheetRow(
                cost_group=group.code if group else "",
                group_type=group.group_type if group else "",
                standard=standard.get(group_id, ZERO),
                estimate=estimate.get(group_id, ZERO),
                actual=actual.get(group_id, ZERO),
                variance=sum(causes.values(), ZERO),
                causes={c: causes[c] for c in CAUSES if causes.get(c)},
            )
        )
    return CostSheet(
        order=order.number,
        item=order.item.number,
        status=order.status,
        quantity=order.quantity,
        output_quantity=sum((e.quantity for e in ledger.main_outputs()), ZERO),
        rows=rows,
        output_value=ledger.output_value(),
        wip=ledger.wip(),
    )


# --------------------------------------------------------------------------- WIP


def _key_of(row: dict) -> EntryKey:
    return EntryKey(
        item_ledger_entry_type=row["item_ledger_entry_type"],
        entry_type=row["entry_type"],
        variance_type=row["variance_type"],
        cost_group_type=row["cost_group__group_type"] or "",
        posting_group_id=row["posting_group_id"],
        location_id=row["location_id"],
        wip_posting_group_id=row["wip_posting_group_id"],
        wip_location_id=row["wip_location_id"],
    )


KEY_FIELDS = (
    "item_ledger_entry_type", "entry_type", "variance_type", "cost_group__group_type",
    "posting_group_id", "location_id", "wip_posting_group_id", "wip_location_id",
)  # fmt: skip


def _balance_sheet_accounts() -> dict[int, Account]:
    return {a.pk: a for a in reconciliation_accounts()}


def _wip_account_ids() -> set[int]:
    from mfgcost.inventory.models import InventoryPostingSetup

    return set(InventoryPostingSetup.objects.values_list("wip_account_id", flat=True))


def wip_by_order(*, as_of: dt.date | None = None) -> dict:
    """WIP at the end of ``as_of`` (or now) by order and cost group, and per WIP account the
    general-ledger balance it reconciles to.

    Output at expected cost is not split by cost group in the ledger; its share of each group is
    the order's standard split (``order_standard_weights``). Returns ``{"rows": [...],
    "accounts": [...]}``; each account row has ``ledger_value``, ``gl_balance`` and
    ``difference``.
    """
    values = ValueEntry.objects.filter(wip_location_id__isnull=False).exclude(
        cost_amount_expected=0, cost_amount_actual=0
    )
    if as_of is not None:
        values = values.filter(posting_date__lte=as_of)
    wip_accounts = _wip_account_ids()
    grouped = (
        values.values(*KEY_FIELDS, "order_type", "order_no", "cost_group_id")
        .annotate(expected=_sum("cost_amount_expected"), actual=_sum("cost_amount_actual"))
        .order_by()
    )
    setup = SetupResolver()
    by_order: dict[str, dict[int | None, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    by_account: dict[int, Decimal] = defaultdict(Decimal)
    for row in grouped:
        for account, amount in entry_lines(_key_of(row), row["expected"], row["actual"], setup):
            if account.pk not in wip_accounts:
                continue
            by_account[account.pk] += amount
            order_key = row["order_no"] if row["order_type"] == ORDER_TYPE else ""
            by_order[order_key][row["cost_group_id"]] += amount
    orders = {
        o.number: o
        for o in ProductionOrder.objects.filter(
            number__in=[n for n in by_order if n]
        ).select_related("item")
    }
    groups = {g.pk: g.code for g in CostGroup.objects.all()}
    rows = []
    for number in sorted(by_order):
        amounts = dict(by_order[number])
        order = orders.get(number)
        unsplit = amounts.pop(None, ZERO)
        if unsplit and order is not None:
            for group, share in split_by_weights(unsplit, order_standard_weights(order)).items():
                amounts[group] = amounts.get(group, ZERO) + share
        elif unsplit:
            amounts[None] = unsplit
        for group in sorted(amounts, key=group_order):
            if amounts[group]:
                rows.append(
                    {
                        "order": number,
                        "item": order.item.number if order else "",
                        "status": order.status if order else "",
                        "cost_group": groups.get(group, ""),
                        "amount": amounts[group],
                    }
                )
    accounts = []
    for pk in sorted(wip_accounts):
        account = Account.objects.get(pk=pk)
        balance = account_balance(account, date_to=as_of)
        accounts.append(
            {
                "account": account.number,
                "name": account.name,
                "ledger_value": by_account.get(pk, ZERO),
                "gl_balance": balance,
                "difference": balance - by_account.get(pk, ZERO),
            }
        )
    return {"rows": rows, "accounts": accounts}


# --------------------------------------------------------------------------- value equation


def inventory_value_equation(*, date_from: dt.date, date_to: dt.date) -> dict:
    """Per inventory and WIP account and item: beginning + increases - decreases = ending.

    Beginning is what was posted before ``date_from``; increases and decreases are the period's
    movements (inbound entries and WIP debits increase, outbound entries and WIP credits
    decrease; a correction counts where its entry does, with its sign). WIP rows are by the item
    the order produces. Each account also shows its general-ledger balances, to reconcile.
    """
    accounts = _balance_sheet_accounts()
    values = ValueEntry.objects.filter(posting_date__lte=date_to).exclude(
        cost_amount_expected=0, cost_amount_actual=0
    )
    grouped = (
        values.annotate(
            inbound=ExpressionWrapper(
                Q(item_ledger_entry__quantity__gt=0), output_field=BooleanField()
            )
        )
        .values(*KEY_FIELDS, "item_id", "order_type", "order_no", "inbound")
        .annotate(
            before_e=_sum("cost_amount_expected", posting_date__lt=date_from),
            before_a=_sum("cost_amount_actual", posting_date__lt=date_from),
            during_e=_sum("cost_amount_expected", posting_date__gte=date_from),
            during_a=_sum("cost_amount_actual", posting_date__gte=date_from),
        )
        .order_by()
    )
    produced = dict(ProductionOrder.objects.values_list("number", "item_id"))
    wip_accounts = _wip_account_ids()
    setup = SetupResolver()
    cells: dict[tuple[int, int | None], dict[str, Decimal]] = defaultdict(
        lambda: {"beginning": ZERO, "increases": ZERO, "decreases": ZERO}
    )
    for row in grouped:
        key = _key_of(row)
        for when, expected, actual in (
            ("before", row["before_e"], row["before_a"]),
            ("during", row["during_e"], row["during_a"]),
        ):
            if not expected and not actual:
                continue
            for account, amount in entry_lines(key, expected, actual, setup):
                if account.pk not in accounts or not amount:
                    continue
                item_id = row["item_id"]
                if account.pk in wip_accounts and row["order_type"] == ORDER_TYPE:
                    item_id = produced.get(row["order_no"], item_id)
                cell = cells[(account.pk, item_id)]
                if when == "before":
                    cell["beginning"] += amount
                elif amount > 0:
                    cell["increases"] += amount
                else:
                    cell["decreases"] -= amount
    numbers = dict(Item.objects.filter(pk__in={i for _, i in cells}).values_list("pk", "number"))
    rows = []
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for (account_id, item_id), cell in sorted(
        cells.items(), key=lambda kv: (accounts[kv[0][0]].number, numbers.get(kv[0][1], ""))
    ):
        ending = cell["beginning"] + cell["increases"] - cell["decreases"]
        totals[account_id] += ending
        rows.append(
            {
                "account": accounts[account_id].number,
                "item": numbers.get(item_id, ""),
                **cell,
                "ending": ending,
            }
        )
    account_rows = []
    for account in sorted(accounts.values(), key=lambda a: a.number):
        beginning = account_balance(account, date_to=date_from - dt.timedelta(days=1))
        ending = account_balance(account, date_to=date_to)
        account_rows.append(
            {
                "account": account.number,
                "name": account.name,
                "gl_beginning": beginning,
                "gl_ending": ending,
                "ledger_ending": totals.get(account.pk, ZERO),
                "difference": ending - totals.get(account.pk, ZERO),
            }
        )
    return {"rows": rows, "accounts": account_rows}


# --------------------------------------------------------------------------- drill-down


def variance_sources(*, journal_line: JournalLine | None = None, value_entry_id: int | None = None):
    """The consumption, time and overhead entries behind the variances of a general-ledger line
    (its journal entry's variance value entries on that line's account) or of one variance
    value entry. Each row names the variance, the source value entry and the ledger entry it
    belongs to (an item ledger entry or a capacity entry)."""
    variances = ValueEntry.objects.filter(entry_type=VE.VARIANCE)
    if journal_line is not None:
        variances = variances.filter(journal_entry_id=journal_line.entry_id)
        setup = SetupResolver()
        groups = dict(CostGroup.objects.values_list("pk", "group_type"))
        variances = [
            v
            for v in variances
            if any(
                account.pk == journal_line.account_id
                for account, _ in entry_lines(
                    EntryKey.of(v, groups.get(v.cost_group_id, "")),
                    v.cost_amount_expected,
                    v.cost_amount_actual,
                    setup,
                )
            )
        ]
        ids = [v.pk for v in variances]
    elif value_entry_id is not None:
        ids = [value_entry_id]
    else:
        raise NotFoundError("Give a journal line or a value entry.", field="journal_line")
    links = VarianceSource.objects.filter(variance_entry_id__in=ids).select_related(
        "variance_entry__cost_group",
        "source_entry__item",
        "source_entry__item_ledger_entry",
        "source_entry__capacity_ledger_entry__work_center",
    )
    rows = []
    for link in links.order_by("variance_entry_id", "id"):
        variance, source = link.variance_entry, link.source_entry
        item_entry = source.item_ledger_entry
        capacity_entry = source.capacity_ledger_entry
        rows.append(
            {
                "variance_entry": variance.pk,
                "order": variance.order_no,
                "cost_group": variance.cost_group.code if variance.cost_group else "",
                "variance_type": variance.variance_type,
                "cause": variance.variance_cause,
                "amount": link.amount,
                "source_entry": source.pk,
                "source_amount": source.cost_amount,
                "item_ledger_entry": item_entry.pk if item_entry else None,
                "capacity_ledger_entry": capacity_entry.pk if capacity_entry else None,
                "kind": (
                    item_entry.entry_type
                    if item_entry
                    else ("time" if capacity_entry and capacity_entry.work_center_id else "cost")
                ),
                "item": source.item.number if source.item else "",
                "work_center": (
                    capacity_entry.work_center.code
                    if capacity_entry and capacity_entry.work_center
                    else ""
                ),
                "quantity": item_entry.quantity if item_entry else None,
                "hours": (
                    capacity_entry.setup_time + capacity_entry.run_time if capacity_entry else None
                ),
                "posting_date": source.posting_date,
            }
        )
    return rows


# --------------------------------------------------------------------------- pending work


def adjust_cost_pending() -> dict[str, int]:
    """How much work waits: marked items and orders, and value entries not yet collected."""
    state = CostAdjustmentState.objects.filter(pk=1).first()
    last = state.last_value_entry_id if state else 0
    marks = CostAdjustmentMark.objects
    return {
        "items": marks.filter(item__isnull=False).values("item_id").distinct().count(),
        "orders": marks.filter(order__isnull=False).values("order_id").distinct().count(),
        "value_entries_not_collected": ValueEntry.objects.filter(
            id__gt=last, adjustment=False
        ).count(),
    }


# --------------------------------------------------------------------------- variance analysis


def _variances(
    *,
    item_id: int | None = None,
    cost_group_id: int | None = None,
    cause: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    order_no: str | None = None,
):
    variances = ValueEntry.objects.filter(entry_type=VE.VARIANCE, order_type=ORDER_TYPE)
    if item_id is not None:
        variances = variances.filter(
            order_no__in=ProductionOrder.objects.filter(item_id=item_id).values("number")
        )
    if cost_group_id is not None:
        variances = variances.filter(cost_group_id=cost_group_id)
    if cause:
        variances = variances.filter(variance_cause=cause)
    if date_from is not None:
        variances = variances.filter(posting_date__gte=date_from)
    if date_to is not None:
        variances = variances.filter(posting_date__lte=date_to)
    if order_no:
        variances = variances.filter(order_no=order_no)
    return variances


def variance_analysis(**filters) -> list[dict]:
    """Variances posted on production orders, by month, order, cost group and cause.

    ``amount`` is positive when unfavourable (actual above standard), as on the cost sheet.
    Filters: ``item_id`` (the item the order produces), ``cost_group_id``, ``cause``,
    ``date_from`` / ``date_to`` (posting date, inclusive) and ``order_no``.
    """
    grouped = (
        _variances(**filters)
        .annotate(month=TruncMonth("posting_date"))
        .values(
            "month",
            "order_no",
            "cost_group_id",
            "cost_group__code",
            "variance_type",
            "variance_cause",
        )  # fmt: skip
        .annotate(expected=_sum("cost_amount_expected"), actual=_sum("cost_amount_actual"))
        .order_by("month", "order_no", "cost_group__code", "variance_cause")
    )
    orders = {
        o.number: o
        for o in ProductionOrder.objects.filter(
            number__in={row["order_no"] for row in grouped}
        ).select_related("item")
    }
    rows = []
    for row in grouped:
        amount = -(row["expected"] + row["actual"])
        if not amount:
            continue
        order = orders.get(row["order_no"])
        rows.append(
            {
                "period": row["month"].strftime("%Y-%m"),
                "order": row["order_no"],
                "order_id": order.pk if order else None,
                "item": order.item.number if order else "",
                "cost_group_id": row["cost_group_id"],
                "cost_group": row["cost_group__code"] or "",
                "variance_type": row["variance_type"],
                "cause": row["variance_cause"],
                "amount": amount,
            }
        )
    return rows


def variance_trend(**filters) -> dict[str, dict[str, Decimal]]:
    """Variances by month (``YYYY-MM``, in order) and cause, positive unfavourable; the same
    filters as ``variance_analysis``."""
    grouped = (
        _variances(**filters)
        .annotate(month=TruncMonth("posting_date"))
        .values("month", "variance_cause")
        .annotate(expected=_sum("cost_amount_expected"), actual=_sum("cost_amount_actual"))
        .order_by("month", "variance_cause")
    )
    trend: dict[str, dict[str, Decimal]] = {}
    for row in grouped:
        by_cause = trend.setdefault(row["month"].strftime("%Y-%m"), {})
        by_cause[row["variance_cause"]] = -(row["expected"] + row["actual"])
    return trend


# --------------------------------------------------------------------------- runs


def adjust_cost_runs(*, limit: int = 50) -> list[CostAdjustmentRun]:
    """The latest Adjust Cost runs, oldest first (the order a history is read in)."""
    return list(reversed(CostAdjustmentRun.objects.order_by("-id")[:limit]))


def posting_run(posting) -> list[Link]:
    """Related provider: the Adjust Cost run that made an inventory posting."""
    parts = posting.source_key.split(":")
    if parts[:2] != ["costing", "adjust"] or len(parts) < 3 or not parts[2].isdigit():
        return []
    run = CostAdjustmentRun.objects.filter(pk=int(parts[2])).first()
    return [run_link(run)] if run is not None else []


def run_link(run: CostAdjustmentRun) -> Link:
    return Link(
        kind="cost_adjustment_run",
        id=run.pk,
        label=str(run),
        admin_url=reverse("admin:costing_costadjustmentrun_change", args=[run.pk]),
        api_url=reverse("costing:run-detail", args=[run.pk]),
    )


def value_entry_variance_links(entry: ValueEntry) -> list[Link]:
    """Related provider: for a variance, the entries it was computed from; for any other
    entry, the variances it went into."""
    if entry.entry_type == ValueEntry.EntryType.VARIANCE:
        links = VarianceSource.objects.filter(variance_entry=entry).select_related("source_entry")
        return [
            Link(
                kind="variance_source",
                id=link.source_entry_id,
                label=f"Caused by value entry {link.source_entry_id} "
                f"({link.source_entry.item_ledger_entry_type or 'capacity'}, "
                f"{link.source_entry.cost_amount}): {link.amount}",
                admin_url=reverse("admin:inventory_valueentry_change", args=[link.source_entry_id]),
                api_url=reverse("inventory:valueentry-detail", args=[link.source_entry_id]),
            )
            for link in links
        ]
    return [
        Link(
            kind="variance",
            id=link.variance_entry_id,
            label=f"Part of variance value entry {link.variance_entry_id}: {link.amount}",
            admin_url=reverse("admin:inventory_valueentry_change", args=[link.variance_entry_id]),
            api_url=reverse("inventory:valueentry-detail", args=[link.variance_entry_id]),
        )
        for link in VarianceSource.objects.filter(source_entry=entry)
    ]
