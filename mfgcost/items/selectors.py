"""Reads of items, BOMs, routings and standard costs, and the inputs of the roll-up.

``rollup_inputs_load`` loads everything a roll-up needs level by level: per BOM level a fixed
number of queries (items, frozen records, BOM and routing versions, lines, outputs, operations),
never a query per item or per BOM line, so the count grows with the depth of the bills of
materials and not with the number of items.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from mfgcost.core.errors import BusinessError
from mfgcost.core.money import ZERO

from . import rollup as calc
from .models import (
    BomLine,
    BomOutput,
    BomVersion,
    CostGroup,
    CostingSheetRule,
    CostingVersion,
    Item,
    Operation,
    RoutingVersion,
    StandardCost,
    StandardCostLine,
    UnitConversion,
    UnitOfMeasure,
)

# --------------------------------------------------------------------------- versions


def valid_on(queryset: QuerySet, on: dt.date) -> QuerySet:
    """BOM or routing versions valid on ``on`` (from <= on, and to empty or >= on)."""
    return queryset.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def bom_version_valid_on(*, item: Item, on: dt.date) -> BomVersion | None:
    return valid_on(BomVersion.objects.filter(item=item), on).order_by("-valid_from").first()


def routing_version_valid_on(*, item: Item, on: dt.date) -> RoutingVersion | None:
    return valid_on(RoutingVersion.objects.filter(item=item), on).order_by("-valid_from").first()


def _versions_by_item(model, item_ids: Iterable[int], on: dt.date) -> dict[int, object]:
    """The version of each item valid on ``on`` (the latest start if several), one query."""
    versions = valid_on(model.objects.filter(item_id__in=item_ids), on).order_by(
        "item_id", "valid_from"
    )
    return {version.item_id: version for version in versions}


# --------------------------------------------------------------------------- units and graph


def unit_conversions_for(item_ids: Iterable[int]) -> calc.UnitConversions:
    """Conversions of these items and the global ones, keyed by item number and unit code."""
    rows = UnitConversion.objects.filter(
        Q(item_id__in=list(item_ids)) | Q(item__isnull=True)
    ).values_list("item__number", "from_unit__code", "to_unit__code", "factor")
    return calc.UnitConversions(rows)


def bom_edges(*, exclude_bom_id: int | None = None) -> list[tuple[str, str, int]]:
    """Every BOM version's dependencies as ``(parent, child, step)`` item numbers.

    A line is ``(product, component, 1)``. A co-product of an item without BOM versions of its
    own is costed through the main product: ``(co-product, main product, 0)``.
    """
    lines = BomLine.objects.all()
    outputs = BomOutput.objects.filter(kind=BomOutput.Kind.CO_PRODUCT)
    if exclude_bom_id is not None:
        lines = lines.exclude(bom_id=exclude_bom_id)
        outputs = outputs.exclude(bom_id=exclude_bom_id)
    edges = [
        (parent, child, 1)
        for parent, child in lines.values_list("bom__item__number", "component__number")
        .order_by()
        .distinct()
    ]
    with_bom = set(BomVersion.objects.values_list("item_id", flat=True).order_by().distinct())
    for co_product_id, co_product, main in (
        outputs.values_list("item_id", "item__number", "bom__item__number").order_by().distinct()
    ):
        if co_product_id not in with_bom:
            edges.append((co_product, main, 0))
    return edges


# --------------------------------------------------------------------------- standard costs


def standard_cost_current(
    *, item: Item, version: CostingVersion | None = None, on: dt.date | None = None
) -> StandardCost | None:
    """The active record of ``item``; or, in ``version``, its latest record on or before ``on``."""
    if version is None:
        return StandardCost.objects.filter(item=item, status=StandardCost.Status.ACTIVE).first()
    records = StandardCost.objects.filter(item=item, version=version)
    if on is not None:
        records = records.filter(activation_date__lte=on)
    return records.order_by("-activation_date").first()


def _latest_records(
    version: CostingVersion, item_ids: Iterable[int], on: dt.date | None
) -> dict[int, StandardCost]:
    records = StandardCost.objects.filter(version=version, item_id__in=list(item_ids))
    if on is not None:
        records = records.filter(activation_date__lte=on)
    latest: dict[int, StandardCost] = {}
    for record in records.order_by("item_id", "activation_date"):
        latest[record.item_id] = record
    return latest


def _lines_by_record(records: Iterable[StandardCost]) -> dict[int, list[StandardCostLine]]:
    lines: dict[int, list[StandardCostLine]] = defaultdict(list)
    for line in StandardCostLine.objects.filter(standard_cost__in=list(records)).select_related(
        "cost_group"
    ):
        lines[line.standard_cost_id].append(line)
    return lines


@dataclass(frozen=True)
class CostComparisonRow:
    item: str
    description: str
    base_unit_cost: Decimal | None
    other_unit_cost: Decimal | None
    difference: Decimal
    difference_percent: Decimal | None
    by_cost_group: dict[str, tuple[Decimal, Decimal]]  # code -> (base, other) rolled up


def costing_version_compare(
    *,
    base: CostingVersion,
    other: CostingVersion,
    on: dt.date | None = None,
    items: Iterable[Item] | None = None,
) -> list[CostComparisonRow]:
    """Item by item: each version's latest record on or before ``on`` and the difference.

    ``difference`` is other - base; the percentage is of the base (empty when the base is 0 or
    missing). Items costed in only one version show the other side empty.
    """
    item_filter = {"pk__in": [i.pk for i in items]} if items is not None else {}
    item_ids = list(
        StandardCost.objects.filter(
            version__in=[base, other], item__in=Item.objects.filter(**item_filter)
        )
        .values_list("item_id", flat=True)
        .order_by()  # the model's ordering would make DISTINCT keep one row per record
        .distinct()
    )
    left = _latest_records(base, item_ids, on)
    right = _latest_records(other, item_ids, on)
    lines = _lines_by_record([*left.values(), *right.values()])
    names = dict(Item.objects.filter(pk__in=item_ids).values_list("pk", "number"))
    descriptions = dict(Item.objects.filter(pk__in=item_ids).values_list("pk", "description"))
    rows = []
    for item_id in sorted(item_ids, key=names.__getitem__):
        a, b = left.get(item_id), right.get(item_id)
        groups: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for side, record in ((0, a), (1, b)):
            for line in lines.get(record.pk, []) if record else []:
                groups[line.cost_group.code][side] = line.rolled_up
        base_cost = a.unit_cost if a else None
        other_cost = b.unit_cost if b else None
        difference = (other_cost or ZERO) - (base_cost or ZERO)
        percent = None
        if base_cost:
            percent = (difference * 100 / base_cost).quantize(Decimal("0.01"))
        rows.append(
            CostComparisonRow(
                item=names[item_id],
                description=descriptions[item_id],
                base_unit_cost=base_cost,
                other_unit_cost=other_cost,
                difference=difference,
                difference_percent=percent,
                by_cost_group={g: (v[0], v[1]) for g, v in sorted(groups.items())},
            )
        )
    return rows


# --------------------------------------------------------------------------- roll-up inputs


@dataclass
class RollupInputs:
    """What a roll-up reads: its inputs by item number, and the rows they came from."""

    items: dict[str, calc.ItemInput] = field(default_factory=dict)
    records: dict[str, Item] = field(default_factory=dict)
    boms: dict[int, BomVersion] = field(default_factory=dict)  # by item id
    routings: dict[int, RoutingVersion] = field(default_factory=dict)  # by item id
    frozen: dict[int, StandardCost] = field(default_factory=dict)  # by item id
    conversions: calc.UnitConversions = field(default_factory=calc.UnitConversions)
    default_material_group: str | None = None
    cost_groups: dict[str, CostGroup] = field(default_factory=dict)  # by code


def default_material_group() -> CostGroup | None:
    """The cost group of a produced component without one: the first direct-material group."""
    return (
        CostGroup.objects.filter(group_type=CostGroup.GroupType.DIRECT_MATERIAL)
        .order_by("code")
        .first()
    )


def rollup_inputs_load(
    *, version: CostingVersion, items: Iterable[Item], as_of: dt.date, activation_date: dt.date
) -> RollupInputs:
    """Load the items, their valid BOMs and routings and everything below them, level by level.

    A produced item whose record in ``version`` at ``activation_date`` is no longer pending
    (activated) is frozen: it is not recomputed, and its BOM is not followed.
    """
    units = dict(UnitOfMeasure.objects.values_list("pk", "code"))
    groups = {group.pk: group for group in CostGroup.objects.all()}
    loaded: dict[int, Item] = {}
    boms: dict[int, BomVersion] = {}
    routings: dict[int, RoutingVersion] = {}
    frozen: dict[int, StandardCost] = {}
    lines: dict[int, list[BomLine]] = defaultdict(list)
    outputs: dict[int, list[BomOutput]] = defaultdict(list)
    operations: dict[int, list[Operation]] = defaultdict(list)
    frontier = {item.pk for item in items}
    while frontier:
        for item in Item.objects.filter(pk__in=frontier):
            loaded[item.pk] = item
        frozen.update(
            (record.item_id, record)
            for record in StandardCost.objects.filter(
                version=version, activation_date=activation_date, item_id__in=frontier
            ).exclude(status=StandardCost.Status.PENDING)
        )
        open_ids = frontier - frozen.keys()
        level_boms = _versions_by_item(BomVersion, open_ids, as_of)
        level_routings = _versions_by_item(RoutingVersion, open_ids, as_of)
        boms.update(level_boms)
        routings.update(level_routings)
        next_ids: set[int] = set()
        for line in BomLine.objects.filter(bom__in=list(level_boms.values())):
            lines[line.bom_id].append(line)
            next_ids.add(line.component_id)
        for output in BomOutput.objects.filter(bom__in=list(level_boms.values())):
            outputs[output.bom_id].append(output)
            next_ids.add(output.item_id)
        for op in Operation.objects.filter(
            routing__in=list(level_routings.values())
        ).select_related("work_center__vendor"):
            operations[op.routing_id].append(op)
            if op.service_item_id is not None:
                next_ids.add(op.service_item_id)
        frontier = next_ids - loaded.keys()

    bought = [pk for pk in loaded if pk not in boms and pk not in routings]
    prices = _latest_records(version, bought, activation_date)
    price_lines = _lines_by_record(prices.values())
    sheet_rules = _sheet_rules({item.costing_sheet_id for item in loaded.values()} - {None})
    material = default_material_group()

    def group_code(group_id: int | None) -> str | None:
        return groups[group_id].code if group_id is not None else None

    inputs = RollupInputs(
        boms=boms,
        routings=routings,
        frozen=frozen,
        conversions=unit_conversions_for(loaded),
        default_material_group=material.code if material else None,
        cost_groups={group.code: group for group in groups.values()},
    )
    numbers = {pk: item.number for pk, item in loaded.items()}
    for pk, item in loaded.items():
        bom = boms.get(pk)
        routing = routings.get(pk)
        purchase_cost: dict[str, Decimal] = {}
        if pk in prices:
            for line in price_lines.get(prices[pk].pk, []):
                purchase_cost[line.cost_group.code] = line.rolled_up
        elif bom is None and routing is None:
            price = item.standard_cost or item.unit_cost or item.last_direct_cost
            group = group_code(item.cost_group_id) or inputs.default_material_group
            if price and group is None:
                raise BusinessError(
                    f"Item {item.number} has a price but no cost group.", field="cost_group"
                )
            if price:
                purchase_cost[group] = price
        inputs.records[item.number] = item
        inputs.items[item.number] = calc.ItemInput(
            number=item.number,
            base_unit=units[item.base_unit_id],
            cost_group=group_code(item.cost_group_id),
            lot_size=item.lot_size,
            net_weight_kg=item.net_weight_kg,
            purchase_cost=purchase_cost,
            bom=_bom_input(bom, lines, outputs, numbers, units) if bom else None,
            operations=tuple(
                _operation_input(op, numbers, group_code)
                for op in sorted(operations[routing.pk], key=lambda op: op.operation_no)
            )
            if routing
            else (),
            sheet_rules=sheet_rules.get(item.costing_sheet_id, ()),
        )
    return inputs


def _bom_input(bom, lines, outputs, numbers, units) -> calc.BomInput:
    return calc.BomInput(
        quantity=bom.quantity,
        main_allocation_percent=bom.main_allocation_percent,
        lines=tuple(
            calc.BomLineInput(
                component=numbers[line.component_id],
                quantity_per=line.quantity_per,
                unit=units[line.unit_id],
                scrap_percent=line.scrap_percent,
                line_no=line.line_no,
            )
            for line in sorted(lines.get(bom.pk, []), key=lambda line: line.line_no)
        ),
        outputs=tuple(
            calc.BomOutputInput(
                item=numbers[output.item_id],
                kind=output.kind,
                quantity=output.quantity,
                cost_allocation_percent=output.cost_allocation_percent,
                fixed_credit_per_unit=output.fixed_credit_per_unit,
            )
            for output in outputs.get(bom.pk, [])
        ),
    )


def _operation_input(op: Operation, numbers, group_code) -> calc.OperationInput:
    center = op.work_center
    return calc.OperationInput(
        operation_no=op.operation_no,
        work_center=calc.WorkCenterRates(
            code=center.code,
            direct_cost_per_hour=center.direct_cost_per_hour,
            direct_cost_group=group_code(center.direct_cost_group_id),
            overhead_per_hour=center.overhead_per_hour,
            overhead_percent=center.overhead_percent,
            overhead_cost_group=group_code(center.overhead_cost_group_id),
            vendor=center.vendor.code if center.vendor_id else None,
        ),
        setup_time=op.setup_time,
        run_time=op.run_time,
        subcontracted=op.subcontracted,
        service_item=numbers.get(op.service_item_id) if op.service_item_id else None,
    )


def _sheet_rules(sheet_ids: set[int]) -> dict[int, tuple[calc.SheetRuleInput, ...]]:
    rules: dict[int, list[calc.SheetRuleInput]] = defaultdict(list)
    queryset = (
        CostingSheetRule.objects.filter(sheet_id__in=sheet_ids)
        .select_related("cost_group", "work_center")
        .prefetch_related("base_cost_groups")
        .order_by("sheet_id", "sequence", "id")
    )
    for rule in queryset:
        rules[rule.sheet_id].append(
            calc.SheetRuleInput(
                basis=rule.basis,
                cost_group=rule.cost_group.code,
                percent=rule.percent,
                rate=rule.rate,
                base_cost_groups=frozenset(g.code for g in rule.base_cost_groups.all()),
                work_center=rule.work_center.code if rule.work_center_id else None,
            )
        )
    return {sheet_id: tuple(sheet_rules) for sheet_id, sheet_rules in rules.items()}


# --------------------------------------------------------------------------- reports


def cost_groups() -> QuerySet[CostGroup]:
    """Every cost group, by code (the legend of the cost reports)."""
    return CostGroup.objects.order_by("code")


def standard_cost_breakdown(record: StandardCost) -> list[dict]:
    """A standard cost by cost group: this level, from the levels below, rolled up (per unit)."""
    rows = []
    for line in StandardCostLine.objects.filter(standard_cost=record).select_related("cost_group"):
        rows.append(
            {
                "cost_group_id": line.cost_group_id,
                "cost_group": line.cost_group.code,
                "name": line.cost_group.name,
                "group_type": line.cost_group.group_type,
                "this_level": line.this_level,
                "lower_levels": line.rolled_up - line.this_level,
                "rolled_up": line.rolled_up,
            }
        )
    return sorted(rows, key=lambda row: row["cost_group"])


UNIT_PLACES = Decimal("0.000001")


def standard_cost_explanation(record: StandardCost) -> list[dict]:
    """Where a standard cost came from, per unit of the item: each BOM line (quantity with
    scrap, per unit of the BOM's formula size, at the component's cost in the same version on
    the activation date) and each routing operation (setup over the lot size plus run time, at
    the work centre's rates as they are now: rates are not kept with the record; a subcontracted
    operation at its service item's cost). What these do not explain (costing-sheet surcharges,
    a vendor's own price, a rate changed since, rounding) is the last row.
    """
    rows: list[dict] = []
    if record.bom_id:
        bom = record.bom
        lines = list(BomLine.objects.filter(bom=bom).select_related("component__base_unit", "unit"))
        conversions = unit_conversions_for([line.component_id for line in lines])
        component_costs = _latest_records(
            record.version, [line.component_id for line in lines], record.activation_date
        )
        for line in sorted(lines, key=lambda line: line.line_no):
            component = line.component
            own = component_costs.get(component.pk)
            unit_cost = own.unit_cost if own else (component.standard_cost or component.unit_cost)
            in_base_unit = conversions.convert(
                line.quantity_per,
                item=component.number,
                from_unit=line.unit.code,
                to_unit=component.base_unit.code,
                context=f"BOM line {line.line_no}: ",
            )
            quantity = in_base_unit / bom.quantity * (100 + line.scrap_percent) / 100
            rows.append(
                {
                    "kind": "material",
                    "source": f"BOM line {line.line_no}: {component.number}",
                    "quantity": quantity,
                    "unit": component.base_unit.code,
                    "rate": unit_cost,
                    "amount": quantity * unit_cost,
                }
            )
    if record.routing_id:
        operations = Operation.objects.filter(routing_id=record.routing_id).select_related(
            "work_center", "service_item"
        )
        service_costs = _latest_records(
            record.version,
            [op.service_item_id for op in operations if op.service_item_id],
            record.activation_date,
        )
        for op in sorted(operations, key=lambda op: op.operation_no):
            center = op.work_center
            if op.subcontracted:
                service = op.service_item
                if service is None:
                    continue
                own = service_costs.get(service.pk)
                price = own.unit_cost if own else (service.standard_cost or service.unit_cost)
                rows.append(
                    {
                        "kind": "service",
                        "source": f"operation {op.operation_no} at {center.code} "
                        f"(service {service.number})",
                        "quantity": Decimal("1"),
                        "unit": "",
                        "rate": price,
                        "amount": price,
                    }
                )
                continue
            hours = op.setup_time / record.lot_size + op.run_time
            direct = hours * center.direct_cost_per_hour
            overhead = hours * center.overhead_per_hour + direct * center.overhead_percent / 100
            rows.append(
                {
                    "kind": "operation",
                    "source": f"operation {op.operation_no} at {center.code} (direct)",
                    "quantity": hours,
                    "unit": "h",
                    "rate": center.direct_cost_per_hour,
                    "amount": direct,
                }
            )
            if overhead:
                rows.append(
                    {
                        "kind": "overhead",
                        "source": f"operation {op.operation_no} at {center.code} (overhead)",
                        "quantity": hours,
                        "unit": "h",
                        "rate": overhead / hours if hours else ZERO,
                        "amount": overhead,
                    }
                )
    for row in rows:
        row["amount"] = row["amount"].quantize(UNIT_PLACES)
    rest = record.unit_cost - sum((row["amount"] for row in rows), ZERO)
    if rest:
        rows.append(
            {
                "kind": "surcharge",
                "source": "not explained above: costing-sheet surcharges, vendor prices, "
                "rates changed since, rounding",
                "quantity": None,
                "unit": "",
                "rate": None,
                "amount": rest,
            }
        )
    return rows


def standard_cost_records(*, item: Item, version: CostingVersion | None = None):
    """An item's standard cost records, newest activation first (in one version if given)."""
    records = StandardCost.objects.filter(item=item).select_related("version")
    if version is not None:
        records = records.filter(version=version)
    return records.order_by("-activation_date", "-id")
