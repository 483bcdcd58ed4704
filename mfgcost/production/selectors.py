"""Reads for production: versions valid on a date, costing-sheet rules, order progress, WIP.

Postings reach an order through the inventory ledgers' order references
(``order_type="production"``, ``order_no``), components by ``order_line`` and operations by
``operation_no``; the reports here aggregate those.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from mfgcost.core.errors import BusinessError
from mfgcost.core.links import Link
from mfgcost.core.money import ZERO
from mfgcost.inventory.models import CapacityLedgerEntry, ItemLedgerEntry, ValueEntry
from mfgcost.items.models import (
    BomVersion,
    CostingSheet,
    CostingSheetRule,
    Item,
    RoutingVersion,
    StandardCost,
    UnitConversion,
    UnitOfMeasure,
)

from .estimate import RateRule, SurchargeRule
from .models import ORDER_TYPE, ProductionOrder, ProductionOrderComponent

DECIMAL = DecimalField(max_digits=20, decimal_places=6)
ZERO_DEC = Value(Decimal("0"), output_field=DECIMAL)
ILE = ItemLedgerEntry.EntryType


# --------------------------------------------------------------------------- master data


def _valid_on(queryset: QuerySet, on: dt.date) -> QuerySet:
    return queryset.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def bom_version_valid_on(item: Item, on: dt.date) -> BomVersion | None:
    """The item's BOM version valid on ``on`` (the latest start wins if ranges were to overlap)."""
    versions = _valid_on(BomVersion.objects.filter(item=item), on)
    return versions.order_by("-valid_from", "-id").first()


def routing_version_valid_on(item: Item, on: dt.date) -> RoutingVersion | None:
    versions = _valid_on(RoutingVersion.objects.filter(item=item), on)
    return versions.order_by("-valid_from", "-id").first()


def unit_factor(item: Item, from_unit: UnitOfMeasure, to_unit: UnitOfMeasure) -> Decimal:
    """How many ``to_unit`` one ``from_unit`` of ``item`` is: the item's conversion first, then
    a general one, either way round."""
    if from_unit.pk == to_unit.pk:
        return Decimal("1")
    conversions = UnitConversion.objects.filter(
        Q(item=item) | Q(item__isnull=True),
        Q(from_unit=from_unit, to_unit=to_unit) | Q(from_unit=to_unit, to_unit=from_unit),
    )
    # The item's own conversion beats a general one.
    best = sorted(conversions, key=lambda c: (c.item_id is None, c.from_unit_id != from_unit.pk))
    if not best:
        raise BusinessError(
            f"No conversion from {from_unit} to {to_unit} for item {item}.", field="bom"
        )
    conversion = best[0]
    if conversion.from_unit_id == from_unit.pk:
        return conversion.factor
    return Decimal("1") / conversion.factor


def active_standard_cost(item: Item) -> StandardCost | None:
    return (
        StandardCost.objects.filter(item=item, status=StandardCost.Status.ACTIVE)
        .prefetch_related("lines")
        .first()
    )


def costing_sheet_rules(
    sheet: CostingSheet | None,
) -> tuple[list[SurchargeRule], list[RateRule]]:
    """The sheet's surcharge rules and rate rules, as plain values for ``estimate``."""
    if sheet is None:
        return [], []
    surcharges: list[SurchargeRule] = []
    rates: list[RateRule] = []
    rules = CostingSheetRule.objects.filter(sheet=sheet).prefetch_related("base_cost_groups")
    for rule in rules:
        if rule.basis == CostingSheetRule.Basis.SURCHARGE_PERCENT:
            surcharges.append(
                SurchargeRule(
                    cost_group_id=rule.cost_group_id,
                    percent=rule.percent,
                    base_cost_group_ids=frozenset(g.pk for g in rule.base_cost_groups.all()),
                )
            )
        else:
            rates.append(
                RateRule(
                    cost_group_id=rule.cost_group_id,
                    basis=rule.basis,
                    rate=rule.rate,
                    work_center_id=rule.work_center_id,
                )
            )
    return surcharges, rates


# --------------------------------------------------------------------------- order ledgers


def order_item_entries(order: ProductionOrder) -> QuerySet[ItemLedgerEntry]:
    return ItemLedgerEntry.objects.filter(order_type=ORDER_TYPE, order_no=order.number)


def order_capacity_entries(order: ProductionOrder) -> QuerySet[CapacityLedgerEntry]:
    return CapacityLedgerEntry.objects.filter(order_type=ORDER_TYPE, order_no=order.number)


def order_value_entries(order: ProductionOrder) -> QuerySet[ValueEntry]:
    return ValueEntry.objects.filter(order_type=ORDER_TYPE, order_no=order.number)


def order_has_postings(order: ProductionOrder) -> bool:
    return order_item_entries(order).exists() or order_capacity_entries(order).exists()


def consumed_quantity(order: ProductionOrder, item: Item) -> Decimal:
    """Net quantity of ``item`` the order consumed (consumption minus returns), positive."""
    total = (
        order_item_entries(order)
        .filter(entry_type=ILE.CONSUMPTION, item=item)
        .aggregate(q=Coalesce(Sum("quantity"), ZERO_DEC))["q"]
    )
    return -total


def output_quantity(order: ProductionOrder) -> Decimal:
    """Good output of the order's main item posted so far."""
    return (
        order_item_entries(order)
        .filter(entry_type=ILE.OUTPUT, item_id=order.item_id)
        .aggregate(q=Coalesce(Sum("quantity"), ZERO_DEC))["q"]
    )


def operation_reported_quantity(order: ProductionOrder, operation_no: int) -> Decimal:
    """Good quantity reported as done on one operation (output and subcontracting entries)."""
    return (
        order_capacity_entries(order)
        .filter(operation_no=str(operation_no))
        .aggregate(
            q=Coalesce(Sum("quantity"), ZERO_DEC) - Coalesce(Sum("scrap_quantity"), ZERO_DEC)
        )["q"]
    )


def operation_posted_time(order: ProductionOrder, operation_no: int) -> tuple[Decimal, Decimal]:
    """(setup, run) hours posted on an operation so far."""
    totals = (
        order_capacity_entries(order)
        .filter(operation_no=str(operation_no))
        .aggregate(
            setup=Coalesce(Sum("setup_time"), ZERO_DEC), run=Coalesce(Sum("run_time"), ZERO_DEC)
        )
    )
    return totals["setup"], totals["run"]


def open_consumption_entries(
    order: ProductionOrder, item: Item
) -> list[tuple[ItemLedgerEntry, Decimal]]:
    """The order's consumption entries of ``item`` with the quantity not yet returned, latest
    first (a return reverses the most recent consumption first)."""
    from .models import ConsumptionReturn

    entries = list(
        order_item_entries(order)
        .filter(entry_type=ILE.CONSUMPTION, item=item, quantity__lt=0)
        .order_by("-posting_date", "-id")
    )
    returned: dict[int, Decimal] = defaultdict(Decimal)
    for row in (
        ConsumptionReturn.objects.filter(consumption_entry__in=entries)
        .values("consumption_entry_id")
        .annotate(q=Sum("quantity"))
    ):
        returned[row["consumption_entry_id"]] = row["q"]
    result = []
    for entry in entries:
        left = -entry.quantity - returned[entry.pk]
        if left > 0:
            result.append((entry, left))
    return result


# --------------------------------------------------------------------------- reports


def order_list(*, status: str | None = None) -> QuerySet[ProductionOrder]:
    """Orders with their status and progress: good output and scrap posted, % done."""
    outputs = (
        ItemLedgerEntry.objects.filter(
            order_type=ORDER_TYPE,
            order_no=OuterRef("number"),
            entry_type=ILE.OUTPUT,
            item_id=OuterRef("item_id"),
        )
        .values("order_no")
        .annotate(q=Sum("quantity"))
        .values("q")
    )
    orders = ProductionOrder.objects.select_related("item", "location").annotate(
        output_posted=Coalesce(Subquery(outputs, output_field=DECIMAL), ZERO_DEC),
    )
    if status:
        orders = orders.filter(status=status)
    return orders


@dataclass(frozen=True)
class ComponentProgress:
    line_no: int
    item: str
    expected_quantity: Decimal
    consumed_quantity: Decimal
    remaining_quantity: Decimal
    flushing_method: str
    operation_no: int | None


def component_progress(order: ProductionOrder) -> list[ComponentProgress]:
    """Expected against posted consumption per component, plus substitutes not on the BOM
    (line 0 = consumption not linked to a BOM line)."""
    consumed: dict[int, Decimal] = defaultdict(Decimal)
    extra: dict[str, Decimal] = defaultdict(Decimal)
    for row in (
        order_item_entries(order)
        .filter(entry_type=ILE.CONSUMPTION)
        .values("order_line", "item__number")
        .annotate(q=Sum("quantity"))
    ):
        if row["order_line"] is None:
            extra[row["item__number"]] -= row["q"]
        else:
            consumed[row["order_line"]] -= row["q"]
    rows = [
        ComponentProgress(
            line_no=c.line_no,
            item=c.item.number,
            expected_quantity=c.expected_quantity,
            consumed_quantity=consumed[c.line_no],
            remaining_quantity=c.expected_quantity - consumed[c.line_no],
            flushing_method=c.flushing_method,
            operation_no=c.operation_no,
        )
        for c in ProductionOrderComponent.objects.filter(order=order).select_related("item")
    ]
    rows += [
        ComponentProgress(
            line_no=0,
            item=number,
            expected_quantity=ZERO,
            consumed_quantity=quantity,
            remaining_quantity=-quantity,
            flushing_method="manual",
            operation_no=None,
        )
        for number, quantity in sorted(extra.items())
    ]
    return rows


@dataclass(frozen=True)
class OperationProgress:
    operation_no: int
    work_center: str
    subcontracted: bool
    expected_setup_time: Decimal
    expected_run_time: Decimal
    posted_setup_time: Decimal
    posted_run_time: Decimal
    output_quantity: Decimal
    scrap_quantity: Decimal


def operation_progress(order: ProductionOrder) -> list[OperationProgress]:
    """Expected against posted time, output and scrap per operation."""
    posted = {
        row["operation_no"]: row
        for row in order_capacity_entries(order)
        .values("operation_no")
        .annotate(
            setup=Coalesce(Sum("setup_time"), ZERO_DEC),
            run=Coalesce(Sum("run_time"), ZERO_DEC),
            quantity=Coalesce(Sum("quantity"), ZERO_DEC),
            scrap=Coalesce(Sum("scrap_quantity"), ZERO_DEC),
        )
    }
    rows = []
    for op in order.operations.select_related("work_center").order_by("operation_no"):
        row = posted.get(str(op.operation_no), {})
        scrap = row.get("scrap", ZERO)
        rows.append(
            OperationProgress(
                operation_no=op.operation_no,
                work_center=op.work_center.code,
                subcontracted=op.subcontracted,
                expected_setup_time=op.expected_setup_time,
                expected_run_time=op.expected_run_time,
                posted_setup_time=row.get("setup", ZERO),
                posted_run_time=row.get("run", ZERO),
                output_quantity=row.get("quantity", ZERO) - scrap,
                scrap_quantity=scrap,
            )
        )
    return rows


def order_wip_by_cost_group(order: ProductionOrder, *, date_to: dt.date | None = None) -> dict:
    """The order's WIP by cost group code ("" for output and entries without one).

    Consumption and capacity value entries add to WIP, output takes from it; consumption value
    entries carry the inventory sign (negative), so they are negated here.
    """
    entries = order_value_entries(order)
    if date_to is not None:
        entries = entries.filter(posting_date__lte=date_to)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    rows = entries.values("item_ledger_entry_type", "cost_group__code", "entry_type").annotate(
        amount=Coalesce(Sum("cost_amount_expected"), ZERO_DEC)
        + Coalesce(Sum("cost_amount_actual"), ZERO_DEC)
    )
    for row in rows:
        ile_type = row["item_ledger_entry_type"]
        if ile_type == ILE.OUTPUT and row["entry_type"] == ValueEntry.EntryType.VARIANCE:
            continue  # output variances move inventory against variance accounts, not WIP
        sign = Decimal("1") if ile_type == "" else Decimal("-1")
        key = "" if ile_type == ILE.OUTPUT else (row["cost_group__code"] or "")
        totals[key] += sign * row["amount"]
    return dict(totals)


def order_wip(order: ProductionOrder, *, date_to: dt.date | None = None) -> Decimal:
    return sum(order_wip_by_cost_group(order, date_to=date_to).values(), ZERO)


# --------------------------------------------------------------------------- drill-down


def order_link(order: ProductionOrder) -> Link:
    return Link(
        kind="production_order",
        id=order.pk,
        label=f"Production order {order.number}",
        admin_url=reverse("admin:production_productionorder_change", args=[order.pk]),
        api_url=reverse("production-order-detail", args=[order.pk]),
    )


def _orders_named(numbers) -> list[Link]:
    return [order_link(o) for o in ProductionOrder.objects.filter(number__in=set(numbers) - {""})]


def posting_orders(posting) -> list[Link]:
    """Related provider: the production orders an inventory posting posted on."""
    numbers = set(
        ValueEntry.objects.filter(posting=posting, order_type=ORDER_TYPE).values_list(
            "order_no", flat=True
        )
    )
    numbers |= set(
        ItemLedgerEntry.objects.filter(posting=posting, order_type=ORDER_TYPE).values_list(
            "order_no", flat=True
        )
    )
    numbers |= set(
        CapacityLedgerEntry.objects.filter(posting=posting, order_type=ORDER_TYPE).values_list(
            "order_no", flat=True
        )
    )
    return _orders_named(numbers)


def entry_order(entry) -> list[Link]:
    """Related provider: the production order of a value, item or capacity entry."""
    if entry.order_type != ORDER_TYPE or not entry.order_no:
        return []
    return _orders_named([entry.order_no])
