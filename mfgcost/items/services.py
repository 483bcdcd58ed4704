"""Writes of items, BOMs, routings, costing sheets and standard costs.

Every service is a transaction, keyword-only, and raises ``BusinessError`` naming the field for
bad input, so nothing is written when a rule is broken. Saving a BOM or routing version locks its
item row first: two versions of one item saved at once cannot both pass the overlap check.

The roll-up (``standard_cost_rollup``) loads its inputs in bulk (``selectors.rollup_inputs_load``),
computes them with the pure ``rollup`` module and writes records and lines in bulk; activation
(``standard_cost_activate``) makes a record the item's standard and revalues stock on hand through
the inventory service, which posts revaluation value entries and their general-ledger lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models, transaction
from django.db.models import Case, ProtectedError, Q, RestrictedError, Value, When
from django.utils import timezone

from mfgcost.core.errors import BusinessError, ConflictError
from mfgcost.core.locks import advisory_xact_lock
from mfgcost.core.money import round_unit_cost
from mfgcost.inventory.links import item_posting_group_change_check
from mfgcost.inventory.locks import documents_lock, items_lock, periods_lock
from mfgcost.inventory.services import standard_cost_revalue

from . import rollup as calc
from .models import (
    BomLine,
    BomOutput,
    BomVersion,
    CostGroup,
    CostingSheet,
    CostingSheetRule,
    CostingVersion,
    Item,
    Operation,
    RoutingVersion,
    StandardCost,
    StandardCostLine,
    UnitConversion,
    UnitOfMeasure,
    WorkCenter,
    WorkCenterRate,
)
from .selectors import bom_edges, rollup_inputs_load, unit_conversions_for
from .validation import (
    bom_cycle_check,
    co_product_split_check,
    fields_under,
    operation_check,
    scrap_percent_check,
    unit_conversion_check,
    validity_overlap_check,
    violated_check_field,
)

STATUS = StandardCost.Status


# --------------------------------------------------------------------------- master data


def _clean(instance: models.Model, *, exclude: Iterable[str] = (), context: str = "") -> None:
    """Model validation as a ``BusinessError`` on the first field at fault.

    A broken check constraint is reported by Django without a field; it is put on the field
    the constraint tests, so the API can say which value was refused.
    """
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        errors = exc.message_dict
        name = next((f for f in errors if f != NON_FIELD_ERRORS), NON_FIELD_ERRORS)
        if name == NON_FIELD_ERRORS:
            field_name = violated_check_field(instance, exclude)
            if field_name is not None:
                label = instance._meta.get_field(field_name).verbose_name
                raise BusinessError(
                    f"{context}{label.capitalize()}: this value is not allowed "
                    f"({' '.join(errors[name])})",
                    field=field_name,
                ) from exc
        field_name = "non_field_errors" if name == NON_FIELD_ERRORS else name
        raise BusinessError(f"{context}{' '.join(errors[name])}", field=field_name) from exc


def _saved(
    model: type[models.Model], instance: models.Model | None, values: Mapping
) -> models.Model:
    instance = instance if instance is not None else model()
    for name, value in values.items():
        setattr(instance, name, value)
    _clean(instance)
    instance.save()
    return instance


@transaction.atomic
def master_data_save(*, model: type[models.Model], instance=None, **values) -> models.Model:
    """Create or change a row of simple master data (units, conversions, cost groups, work
    centres, costing versions) after model validation."""
    return _saved(model, instance, values)


@transaction.atomic
def master_data_delete(*, instance: models.Model) -> None:
    """Delete master data that nothing refers to; a row still in use is a conflict."""
    try:
        instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ConflictError(f"{instance} is still in use and cannot be deleted.") from exc


@transaction.atomic
def unit_conversion_save(
    *,
    conversion: UnitConversion | None = None,
    item: Item | None = None,
    from_unit: UnitOfMeasure,
    to_unit: UnitOfMeasure,
    factor: Decimal,
) -> UnitConversion:
    """Create or change ``1 from_unit = factor to_unit`` for an item (or, without one, all).

    One conversion per pair of units and item, in either direction (the roll-up reads it both
    ways).
    """
    if from_unit == to_unit:
        raise BusinessError("A conversion is between two different units.", field="to_unit")
    if factor is None or factor <= 0:
        raise BusinessError("The factor must be greater than zero.", field="factor")
    clash = (
        UnitConversion.objects.filter(item=item)
        .filter(Q(from_unit=from_unit, to_unit=to_unit) | Q(from_unit=to_unit, to_unit=from_unit))
        .exclude(pk=conversion.pk if conversion else None)
        .first()
    )
    if clash is not None:
        scope = f"item {item}" if item else "every item"
        raise BusinessError(f"There is already a conversion {clash} for {scope}.", field="to_unit")
    values = {"item": item, "from_unit": from_unit, "to_unit": to_unit, "factor": factor}
    return _saved(UnitConversion, conversion, values)


@transaction.atomic
def item_save(*, item: Item | None = None, **values) -> Item:
    """Create or change an item. A service item is not stocked and needs a cost group."""
    item = item if item is not None else Item()
    for name, value in values.items():
        setattr(item, name, value)
    if item.item_type == Item.ItemType.SERVICE and item.cost_group_id is None:
        raise BusinessError(
            "A service item needs a cost group (direct outsourcing).", field="cost_group"
        )
    if item.lot_size is not None and item.lot_size <= 0:
        raise BusinessError("The lot size must be greater than zero.", field="lot_size")
    item_change_check(item=item)
    _clean(item)
    item.save()
    return item


def item_change_check(*, item: Item) -> None:
    """Refuse a change of a stored item that would break the link to the general ledger: a
    new posting group while it has stock or work in process (``inventory.links``)."""
    if item.pk is None:
        return
    previous = Item.objects.select_related("posting_group").filter(pk=item.pk).first()
    item_posting_group_change_check(item=item, previous=previous)


@transaction.atomic
def costing_sheet_save(
    *, sheet: CostingSheet | None = None, rules: list[dict] | None = None, **values
) -> CostingSheet:
    """Create or change a costing sheet; ``rules`` (if given) replace its rules."""
    sheet = _saved(CostingSheet, sheet, values)
    if rules is not None:
        sheet.rules.all().delete()
        for index, rule_values in enumerate(rules):
            rule_values = dict(rule_values)
            base_groups = rule_values.pop("base_cost_groups", [])
            rule_values.setdefault("sequence", (index + 1) * 10)
            with fields_under(f"rules[{index}]"):
                basis = rule_values.get("basis")
                if basis == CostingSheetRule.Basis.SURCHARGE_PERCENT and not base_groups:
                    raise BusinessError(
                        "A surcharge needs the cost groups it is a % of.", field="base_cost_groups"
                    )
                rule = CostingSheetRule(sheet=sheet, **rule_values)
                _clean(rule, exclude=["sheet"])
            rule.save()
            rule.base_cost_groups.set(base_groups)
    return sheet


# --------------------------------------------------------------------------- BOMs and routings


def _lock_item(item: Item) -> Item:
    return Item.objects.select_for_update().get(pk=item.pk)


def _children_sync(
    *,
    parent_field: str,
    parent: models.Model,
    model: type[models.Model],
    key: str,
    rows: list[dict],
    name: str,
) -> None:
    """Make ``parent``'s children exactly ``rows``: update those whose ``key`` exists, create the
    rest, delete the ones not given (rows referred to elsewhere stay protected)."""
    existing = {
        getattr(child, key): child for child in model.objects.filter(**{parent_field: parent})
    }
    kept = []
    for index, row in enumerate(rows):
        child = existing.get(row[key.removesuffix("_id")].pk if key.endswith("_id") else row[key])
        if child is None:
            child = model(**{parent_field: parent})
        for field_name, value in row.items():
            setattr(child, field_name, value)
        with fields_under(f"{name}[{index}]"):
            _clean(child, exclude=[parent_field])
        child.save()
        kept.append(child.pk)
    stale = model.objects.filter(**{parent_field: parent}).exclude(pk__in=kept)
    try:
        stale.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ConflictError(f"A removed {model._meta.verbose_name} is still in use.") from exc


@transaction.atomic
def routing_version_save(
    *,
    routing: RoutingVersion | None = None,
    item: Item,
    version: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    operations: list[dict] | None = None,
) -> RoutingVersion:
    """Create or change a routing version; ``operations`` (if given) become its operations."""
    item = _lock_item(item)
    validity_overlap_check(
        model=RoutingVersion,
        item=item,
        valid_from=valid_from,
        valid_to=valid_to,
        exclude_pk=routing.pk if routing else None,
    )
    for index, op in enumerate(operations or []):
        with fields_under(f"operations[{index}]"):
            operation_check(op)
    routing = _saved(
        RoutingVersion,
        routing,
        {"item": item, "version": version, "valid_from": valid_from, "valid_to": valid_to},
    )
    if operations is not None:
        _children_sync(
            parent_field="routing",
            parent=routing,
            model=Operation,
            key="operation_no",
            rows=operations,
            name="operations",
        )
    return routing


@transaction.atomic
def bom_version_save(
    *,
    bom: BomVersion | None = None,
    item: Item,
    version: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    quantity: Decimal = Decimal("1"),
    main_allocation_percent: Decimal = Decimal("100"),
    lines: list[dict] | None = None,
    outputs: list[dict] | None = None,
) -> BomVersion:
    """Create or change a BOM version; ``lines`` and ``outputs`` (if given) replace its own.

    Refused, with nothing written: overlapping validity with another version of the item, a
    line unit that does not convert to the component's base unit, scrap outside [0, 100), a
    component that leads back to the item (the error names the cycle), and co-product
    percentages that do not add up to 100 with the main product's.
    """
    item = _lock_item(item)
    validity_overlap_check(
        model=BomVersion,
        item=item,
        valid_from=valid_from,
        valid_to=valid_to,
        exclude_pk=bom.pk if bom else None,
    )
    if quantity is None or quantity <= 0:
        raise BusinessError(
            "The BOM quantity (formula size) must be greater than zero.", field="quantity"
        )
    if lines is not None:
        for index, line in enumerate(lines):
            line.setdefault("line_no", (index + 1) * 10)
        bom_lines_check(item=item, lines=lines)
    if outputs is None and bom is not None:
        outputs_now = [
            {"item": o.item, "kind": o.kind, "cost_allocation_percent": o.cost_allocation_percent}
            for o in bom.outputs.select_related("item")
        ]
    else:
        outputs_now = outputs or []
    bom_outputs_check(
        item=item, main_allocation_percent=main_allocation_percent, outputs=outputs_now
    )
    if lines is not None or outputs is not None:
        components = (
            [line["component"] for line in lines]
            if lines is not None
            else [line.component for line in bom.lines.select_related("component")]
            if bom
            else []
        )
        co_products = [o["item"] for o in outputs_now if o["kind"] == BomOutput.Kind.CO_PRODUCT]
        try:
            bom_cycle_check(
                item=item,
                components=components,
                co_products=co_products,
                exclude_bom_id=bom.pk if bom else None,
            )
        except calc.BomCycleError as error:
            error.field = _cycle_field(error.path, components, co_products)
            raise
    bom = _saved(
        BomVersion,
        bom,
        {
            "item": item,
            "version": version,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "quantity": quantity,
            "main_allocation_percent": main_allocation_percent,
        },
    )
    if lines is not None:
        _children_sync(
            parent_field="bom", parent=bom, model=BomLine, key="line_no", rows=lines, name="lines"
        )
    if outputs is not None:
        _children_sync(
            parent_field="bom",
            parent=bom,
            model=BomOutput,
            key="item_id",
            rows=outputs,
            name="outputs",
        )
    item_low_level_codes_update()
    return bom


def _cycle_field(path: list[str], components: list[Item], co_products: list[Item]) -> str:
    """The line (or co-product) of the BOM being saved where the cycle ``path`` leaves it."""
    for index, component in enumerate(components):
        if component.number == path[1]:  # the item's own line starts the path
            return f"lines[{index}].component"
    for index, co_product in enumerate(co_products):
        if co_product.number == path[-2]:  # a co-product costed through the item closes it
            return f"outputs[{index}].item"
    return "component"


def bom_lines_check(*, item: Item, lines: list[Mapping]) -> None:
    """Each line: a stocked component other than the item, scrap in [0, 100), a unit that
    converts to the component's base unit. Errors name the line: ``lines[2].unit``."""
    conversions = unit_conversions_for([line["component"].pk for line in lines])
    for index, line in enumerate(lines):
        context = f"Line {line.get('line_no')}: "
        component = line["component"]
        with fields_under(f"lines[{index}]"):
            if component.pk == item.pk:
                raise calc.BomCycleError([item.number, item.number])
            if component.item_type == Item.ItemType.SERVICE:
                raise BusinessError(
                    f"{context}{component} is a service, not a component.", field="component"
                )
            scrap_percent_check(line.get("scrap_percent", Decimal("0")), context=context)
            unit_conversion_check(
                component=component, unit=line["unit"], conversions=conversions, context=context
            )


def bom_outputs_check(
    *, item: Item, main_allocation_percent: Decimal, outputs: list[Mapping]
) -> None:
    """Co-products and by-products: not the item itself; a by-product has no allocation; the
    main product and the co-products share 100 %."""
    if main_allocation_percent is None or not 0 < main_allocation_percent <= 100:
        raise BusinessError(
            "The main product's share must be above 0 and at most 100 %.",
            field="main_allocation_percent",
        )
    for index, output in enumerate(outputs):
        with fields_under(f"outputs[{index}]"):
            if output["item"].pk == item.pk:
                raise BusinessError(
                    "The product cannot be its own co- or by-product.", field="item"
                )
            kind = output["kind"]
            if kind == BomOutput.Kind.BY_PRODUCT and output.get("cost_allocation_percent"):
                raise BusinessError(
                    f"By-product {output['item']} carries no cost allocation.",
                    field="cost_allocation_percent",
                )
    co_product_split_check(
        main_percent=main_allocation_percent,
        co_product_percents=[
            output.get("cost_allocation_percent") or Decimal("0")
            for output in outputs
            if output["kind"] == BomOutput.Kind.CO_PRODUCT
        ],
    )


@transaction.atomic
def item_low_level_codes_update() -> int:
    """Recompute every item's low-level code from all BOM versions; return how many changed.

    A BOM cycle is refused with its path.
    """
    edges = bom_edges()
    nodes = {n for edge in edges for n in edge[:2]}
    codes = calc.low_level_codes(nodes, edges)
    changed: dict[int, list[int]] = defaultdict(list)
    for pk, number, current in Item.objects.values_list("pk", "number", "low_level_code"):
        code = codes.get(number, 0)
        if current != code:
            changed[code].append(pk)
    if changed:  # one UPDATE with a branch per level, not one per item
        Item.objects.filter(pk__in=[pk for pks in changed.values() for pk in pks]).update(
            low_level_code=Case(
                *(When(pk__in=pks, then=Value(code)) for code, pks in changed.items()),
                output_field=models.PositiveSmallIntegerField(),
            )
        )
    return sum(len(pks) for pks in changed.values())


# --------------------------------------------------------------------------- standard costs


@dataclass
class RollupOutcome:
    """What a roll-up wrote: pending records computed, records kept because already active,
    and chosen items that are not produced (no valid BOM or routing) and so have no roll-up."""

    records: list[StandardCost] = field(default_factory=list)
    kept: list[StandardCost] = field(default_factory=list)
    not_produced: list[Item] = field(default_factory=list)


@transaction.atomic
def standard_cost_rollup(
    *,
    version: CostingVersion,
    items: Iterable[Item],
    as_of: dt.date,
    activation_date: dt.date | None = None,
    service_price: calc.ServicePrice = calc.standard_service_price,
) -> RollupOutcome:
    """Compute ``version``'s standard cost of ``items`` and every produced item below them.

    BOMs and routings are the versions valid on ``as_of``; records are written (pending) for
    ``activation_date`` (default ``as_of``), replacing pending ones of that date. A record that
    is already active is kept as it is and used as the item's cost. ``service_price`` prices
    subcontracted operations (default: the service item's standard cost).
    """
    items = list(items)
    if not items:
        raise BusinessError("Choose at least one item to roll up.", field="items")
    activation_date = activation_date or as_of
    advisory_xact_lock("standard_cost_rollup", version.pk)
    item_low_level_codes_update()
    inputs = rollup_inputs_load(
        version=version, items=items, as_of=as_of, activation_date=activation_date
    )
    results = calc.rollup(
        inputs.items,
        [item.number for item in items],
        conversions=inputs.conversions,
        default_material_group=inputs.default_material_group,
        service_price=service_price,
    )
    outcome = RollupOutcome(
        kept=list(inputs.frozen.values()),
        not_produced=[i for i in items if i.number not in results and i.pk not in inputs.frozen],
    )
    records = {inputs.records[number].pk: number for number in results}
    existing = {
        record.item_id: record
        for record in StandardCost.objects.filter(
            version=version, activation_date=activation_date, item_id__in=records
        )
    }
    now = timezone.now()
    to_create, to_update = [], []
    for item_id, number in records.items():
        result = results[number]
        record = existing.get(item_id)
        if record is not None and record.status != STATUS.PENDING:
            outcome.kept.append(record)
            continue
        item = inputs.records[number]
        source = inputs.records[result.main_product] if result.main_product else item
        values = {
            "unit_cost": result.unit_cost,
            "lot_size": source.lot_size,
            "bom": inputs.boms.get(source.pk),
            "routing": inputs.routings.get(source.pk),
            "calculated_at": now,
        }
        if record is None:
            record = StandardCost(version=version, item=item, activation_date=activation_date)
            to_create.append(record)
        else:
            to_update.append(record)
        for name, value in values.items():
            setattr(record, name, value)
        outcome.records.append(record)
    StandardCostLine.objects.filter(standard_cost__in=to_update).delete()
    _records_refresh(to_update, now)
    StandardCost.objects.bulk_create(to_create)
    lines = []
    for record in outcome.records:
        result = results[records[record.item_id]]
        for code in sorted(result.this_level.keys() | result.rolled_up.keys()):
            lines.append(
                StandardCostLine(
                    standard_cost=record,
                    cost_group=inputs.cost_groups[code],
                    this_level=result.this_level.get(code, Decimal("0")),
                    rolled_up=result.rolled_up.get(code, Decimal("0")),
                )
            )
    StandardCostLine.objects.bulk_create(lines)
    return outcome


def _records_refresh(records: list[StandardCost], now: dt.datetime) -> None:
    """Write the recomputed fields of pending records with one ``UPDATE ... FROM (VALUES ...)``.

    ``bulk_update`` would send a ``CASE`` with one branch per record, which the database
    evaluates for every row: quadratic in the number of records.
    """
    if not records:
        return
    quote = connection.ops.quote_name
    table = quote(StandardCost._meta.db_table)
    params: list = [connection.ops.adapt_datetimefield_value(now)]
    for record in records:
        params += [record.pk, record.unit_cost, record.lot_size, record.bom_id, record.routing_id]
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(records))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {quote('calculated_at')} = %s, "
            f"{quote('unit_cost')} = CAST(v.column2 AS NUMERIC), "
            f"{quote('lot_size')} = CAST(v.column3 AS NUMERIC), "
            f"{quote('bom_id')} = CAST(v.column4 AS BIGINT), "
            f"{quote('routing_id')} = CAST(v.column5 AS BIGINT) "
            f"FROM (VALUES {values}) AS v WHERE {table}.{quote('id')} = CAST(v.column1 AS BIGINT)",
            params,
        )


@transaction.atomic
def standard_cost_enter(
    *,
    version: CostingVersion,
    item: Item,
    activation_date: dt.date,
    amounts: Mapping[CostGroup, Decimal],
) -> StandardCost:
    """Enter a pending cost (say a bought item's price for the version) by cost group.

    A pending record of the same version, item and date is replaced; an active one is not.
    """
    if not amounts:
        raise BusinessError("Give the cost of at least one cost group.", field="lines")
    for group, amount in amounts.items():
        if amount is None or amount < 0 or round_unit_cost(amount) != amount:
            raise BusinessError(
                f"The amount of {group} must be zero or more with at most six decimal places.",
                field="lines",
            )
    record = (
        StandardCost.objects.select_for_update()
        .filter(version=version, item=item, activation_date=activation_date)
        .first()
    )
    if record is not None and record.status != STATUS.PENDING:
        raise ConflictError(
            f"The standard cost of {item} on {activation_date} is already "
            f"{record.get_status_display().lower()}.",
            field="activation_date",
        )
    record = record or StandardCost(version=version, item=item, activation_date=activation_date)
    record.unit_cost = sum(amounts.values(), Decimal("0"))
    record.lot_size = item.lot_size
    record.save()
    record.lines.all().delete()
    StandardCostLine.objects.bulk_create(
        StandardCostLine(
            standard_cost=record, cost_group=group, this_level=amount, rolled_up=amount
        )
        for group, amount in amounts.items()
    )
    return record


@transaction.atomic
def standard_cost_activate(
    *,
    standard_costs: Iterable[StandardCost],
    posting_date: dt.date | None = None,
    user=None,
) -> list[StandardCost]:
    """Make pending records active (superseding each item's previous one) and revalue stock.

    The item's standard cost becomes the record's unit cost. Stock on hand of a standard-cost
    item is revalued to it through ``inventory.services.standard_cost_revalue`` on
    ``posting_date`` (default: each record's activation date), which posts revaluation value
    entries and general-ledger lines (inventory / revaluation). Activating an active record again
    changes nothing; a superseded record cannot come back.
    """
    ids = sorted({record.pk for record in standard_costs})
    if not ids:
        raise BusinessError(
            "Choose at least one standard cost to activate.", field="standard_costs"
        )
    # The lock order of every posting (``inventory.locks``): the periods of the revaluations
    # (standard-cost items' stock is revalued), then the records, then the items. The dates
    # are read before the records are locked and checked again after.
    dates = {
        posting_date or activation_date
        for activation_date in StandardCost.objects.filter(
            pk__in=ids, item__costing_method=Item.CostingMethod.STANDARD
        )
        .exclude(status=STATUS.ACTIVE)
        .values_list("activation_date", flat=True)
    }
    periods = periods_lock(dates)
    records = documents_lock(StandardCost.objects.filter(pk__in=ids).select_related("item"))
    if len(records) != len(ids):
        raise BusinessError("A standard cost to activate does not exist.", field="standard_costs")
    pending = [r for r in records if r.status != STATUS.ACTIVE]
    by_item: dict[int, StandardCost] = {}
    for record in pending:
        if record.status == STATUS.SUPERSEDED:
            raise ConflictError(
                f"{record} was superseded and cannot be activated again.", field="standard_costs"
            )
        if record.item_id in by_item:
            raise BusinessError(
                f"Two standard costs of item {record.item} cannot both become active.",
                field="standard_costs",
            )
        by_item[record.item_id] = record
        date = posting_date or record.activation_date
        if date < record.activation_date:
            raise BusinessError(
                f"{record} becomes active on {record.activation_date}; it cannot be posted "
                f"before that.",
                field="posting_date",
            )
        revalued = record.item.costing_method == Item.CostingMethod.STANDARD
        if revalued and date not in periods:  # its date changed while we took the periods
            raise ConflictError(f"{record} changed meanwhile; try again.", field="standard_costs")
    locked = items_lock([record.item for record in pending])
    now = timezone.now()
    for record in sorted(pending, key=lambda r: r.item_id):
        item = locked[record.item_id]
        StandardCost.objects.filter(item_id=item.pk, status=STATUS.ACTIVE).update(
            status=STATUS.SUPERSEDED
        )
        record.status = STATUS.ACTIVE
        record.activated_at = now
        record.save(update_fields=["status", "activated_at"])
        if item.costing_method == Item.CostingMethod.STANDARD:
            standard_cost_revalue(
                item=item,
                new_standard_cost=record.unit_cost,
                posting_date=posting_date or record.activation_date,
                source_key=f"items:standard_cost:{record.pk}:activate",
                user=user,
            )
        else:
            Item.objects.filter(pk=item.pk).update(standard_cost=record.unit_cost)
    return records


@transaction.atomic
def work_center_rates_propose(
    *,
    version_code: str,
    name: str,
    rates: Mapping[WorkCenter, Decimal],
    notes: Mapping[WorkCenter, str] | None = None,
) -> CostingVersion:
    """A new planned costing version holding ``rates`` as pending work-centre rates.

    The code must be new: a proposal is never written over an existing version.
    """
    if not version_code:
        raise BusinessError("A costing version needs a code.", field="version_code")
    if CostingVersion.objects.filter(code=version_code).exists():
        raise ConflictError(f"Costing version {version_code} already exists.", field="version_code")
    if not rates:
        raise BusinessError("There are no rates to propose.", field="rates")
    version = CostingVersion.objects.create(
        code=version_code, name=name, version_type=CostingVersion.VersionType.PLANNED
    )
    notes = notes or {}
    WorkCenterRate.objects.bulk_create(
        WorkCenterRate(
            version=version,
            work_center=work_center,
            direct_cost_per_hour=rate,
            note=notes.get(work_center, "")[:200],
        )
        for work_center, rate in sorted(rates.items(), key=lambda pair: pair[0].pk)
    )
    return version


@transaction.atomic
def work_center_rates_activate(*, version: CostingVersion) -> int:
    """Make a version's pending rates the work centres' standard direct cost per hour."""
    rates = list(
        WorkCenterRate.objects.select_for_update()
        .filter(version=version, status=WorkCenterRate.Status.PENDING)
        .order_by("pk")
    )
    for rate in rates:
        WorkCenter.objects.filter(pk=rate.work_center_id).update(
            direct_cost_per_hour=rate.direct_cost_per_hour
        )
        rate.status = WorkCenterRate.Status.ACTIVE
        rate.save(update_fields=["status"])
    return len(rates)
