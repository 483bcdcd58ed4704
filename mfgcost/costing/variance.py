"""Production variances by cost group, explained by cause.

Pure functions on ``Decimal`` (no database). The variance of a cost group is what the order
actually put into work in process minus the standard cost of its output in that group. It is
explained by cause:

=============  ==============================================================================
cause          amount
=============  ==============================================================================
price          actual cost - standard unit cost x actual quantity (material, services); for time,
               actual cost - actual hours x the operation's standard rate
quantity       (actual quantity - standard quantity for the good output - standard quantity
               for the scrap) x standard unit cost; for time, the same with run hours
lot_size       (actual setup hours - standard setup for the output and scrap) x rate: setup is
               spread over the standard lot, so a smaller lot costs more per unit
scrap          standard quantity (hours) for the scrapped units x standard unit cost (rate)
substitution   the actual cost of a component that is not on the order's frozen BOM
=============  ==============================================================================

Manufacturing overhead charged as a surcharge on other cost groups takes its percentage of each
cause of its base. Overhead charged at a costing-sheet rate per hour follows the hours of the
operations it is charged on (all own operations, or those at its work centre): it has the lot
size, quantity and scrap causes of those hours at its rate, and price only for a rate that
differs. A rate per unit or per kg is charged on the good output, as its standard is, so its
variance is all price (a rate that differs). The causes other than price are rounded to cents
and price takes what is left of the group's variance, so the causes always add up to it
exactly: price also holds what the frozen BOM and routing do not explain (a standard that
differs from them, rounding).

Every cause is also kept by *source* (a consumed item, an operation, a subcontracted
operation), unrounded: what each source contributed, so that a variance can be traced back to
the entries that caused it. For price the per-source figure is the raw price difference; the
posted price variance is the group's remainder, shared among the sources in proportion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from mfgcost.core.money import ZERO, round_amount
from mfgcost.production.estimate import RateRule, SurchargeRule

HUNDRED = Decimal("100")
PRICE = "price"
QUANTITY = "quantity"
LOT_SIZE = "lot_size"
SCRAP = "scrap"
SUBSTITUTION = "substitution"
CAUSES = (PRICE, QUANTITY, LOT_SIZE, SCRAP, SUBSTITUTION)

Group = int | None
Source = tuple[str, int]  # ("item", item id) | ("operation", number) | ("service", number)
Causes = dict[str, Decimal]
SourcedCauses = dict[Group, dict[str, dict[Source, Decimal]]]


@dataclass(frozen=True)
class ComponentUsage:
    """One item consumed by the order (all its lines together) and its standard."""

    item_id: int
    cost_group_id: Group
    on_bom: bool
    quantity_per: Decimal  # per unit of output, base unit, before scrap
    scrap_percent: Decimal
    standard_unit_cost: Decimal
    actual_quantity: Decimal
    actual_cost: Decimal
    scrap_units: Decimal = ZERO  # units of output scrapped after this component went in


@dataclass(frozen=True)
class OperationUsage:
    """Time on one work-centre operation and its standard."""

    operation_no: int
    setup_time: Decimal  # hours per standard lot
    run_time: Decimal  # hours per unit
    lot_size: Decimal
    actual_setup: Decimal
    actual_run: Decimal
    direct_cost_group_id: Group
    direct_rate: Decimal
    actual_direct: Decimal
    overhead_cost_group_id: Group
    overhead_rate: Decimal  # per hour: overhead per hour + % of the direct rate
    actual_overhead: Decimal
    scrap_units: Decimal = ZERO
    work_center_id: int | None = None


@dataclass(frozen=True)
class ServiceUsage:
    """A subcontracted operation: the service bought per unit of output."""

    operation_no: int
    cost_group_id: Group
    standard_unit_cost: Decimal
    actual_quantity: Decimal
    actual_cost: Decimal
    scrap_units: Decimal = ZERO


def _add(causes: SourcedCauses, group: Group, cause: str, source: Source, amount) -> None:
    if amount:
        by_source = causes.setdefault(group, {}).setdefault(cause, {})
        by_source[source] = by_source.get(source, ZERO) + amount


def _time_causes(
    causes: SourcedCauses,
    op: OperationUsage,
    *,
    good_quantity: Decimal,
    group: Group,
    rate: Decimal,
    actual: Decimal | None = None,
) -> None:
    """The causes of a cost charged at ``rate`` on an operation's hours; price only when the
    ``actual`` cost charged on the operation is known."""
    source = ("operation", op.operation_no)
    per_unit_setup = op.setup_time / op.lot_size
    setup = (good_quantity + op.scrap_units) * per_unit_setup
    run = (good_quantity + op.scrap_units) * op.run_time
    scrap_hours = op.scrap_units * (per_unit_setup + op.run_time)
    if actual is not None:
        _add(causes, group, PRICE, source, actual - (op.actual_setup + op.actual_run) * rate)
    _add(causes, group, LOT_SIZE, source, (op.actual_setup - setup) * rate)
    _add(causes, group, QUANTITY, source, (op.actual_run - run) * rate)
    _add(causes, group, SCRAP, source, scrap_hours * rate)


def raw_causes(
    *,
    good_quantity: Decimal,
    components: Iterable[ComponentUsage] = (),
    operations: Iterable[OperationUsage] = (),
    services: Iterable[ServiceUsage] = (),
    surcharges: Iterable[SurchargeRule] = (),
    rates: Iterable[RateRule] = (),
) -> SourcedCauses:
    """Unrounded amounts by cost group, cause and source."""
    causes: SourcedCauses = {}
    operations = tuple(operations)
    for c in components:
        group, source = c.cost_group_id, ("item", c.item_id)
        if not c.on_bom:
            _add(causes, group, SUBSTITUTION, source, c.actual_cost)
            continue
        factor = (HUNDRED + c.scrap_percent) / HUNDRED
        standard = c.quantity_per * good_quantity * factor
        scrap = c.quantity_per * c.scrap_units * factor
        unit = c.standard_unit_cost
        _add(causes, group, PRICE, source, c.actual_cost - unit * c.actual_quantity)
        _add(causes, group, SCRAP, source, scrap * unit)
        _add(causes, group, QUANTITY, source, (c.actual_quantity - standard - scrap) * unit)
    for op in operations:
        for group, rate, actual in (
            (op.direct_cost_group_id, op.direct_rate, op.actual_direct),
            (op.overhead_cost_group_id, op.overhead_rate, op.actual_overhead),
        ):
            _time_causes(
                causes, op, good_quantity=good_quantity, group=group, rate=rate, actual=actual
            )
    for s in services:
        group, source, unit = s.cost_group_id, ("service", s.operation_no), s.standard_unit_cost
        _add(causes, group, PRICE, source, s.actual_cost - unit * s.actual_quantity)
        _add(causes, group, SCRAP, source, s.scrap_units * unit)
        _add(
            causes,
            group,
            QUANTITY,
            source,
            (s.actual_quantity - good_quantity - s.scrap_units) * unit,
        )
    base = {g: {c: dict(v) for c, v in by_cause.items()} for g, by_cause in causes.items()}
    for rule in surcharges:
        for group in sorted(rule.base_cost_group_ids):
            for cause, by_source in base.get(group, {}).items():
                for source, amount in by_source.items():
                    _add(causes, rule.cost_group_id, cause, source, amount * rule.percent / HUNDRED)
    # A rate per hour follows the hours (never a surcharge's base). Its actual cost is not kept
    # by operation, so it has no price by source: the group's price is its remainder.
    for rule in rates:
        if rule.basis != "rate_per_hour" or not rule.rate:
            continue
        for op in operations:
            if rule.work_center_id is None or op.work_center_id == rule.work_center_id:
                _time_causes(
                    causes,
                    op,
                    good_quantity=good_quantity,
                    group=rule.cost_group_id,
                    rate=rule.rate,
                )
    return causes


def explain(
    *,
    actual_by_group: Mapping[Group, Decimal],
    standard_by_group: Mapping[Group, Decimal],
    causes: SourcedCauses,
) -> dict[Group, Causes]:
    """Variance (actual - standard) of each cost group split by cause, in cents, exactly.

    Causes other than price are rounded; price takes the rest of the group's variance. Groups
    with no variance and causes of zero are left out.
    """
    result: dict[Group, Causes] = {}
    for group in set(actual_by_group) | set(standard_by_group):
        variance = actual_by_group.get(group, ZERO) - standard_by_group.get(group, ZERO)
        if not variance:
            continue
        split: Causes = {}
        for cause in CAUSES:
            if cause == PRICE:
                continue
            amount = round_amount(sum(causes.get(group, {}).get(cause, {}).values(), ZERO))
            if amount:
                split[cause] = amount
        price = variance - sum(split.values(), ZERO)
        if price:
            split[PRICE] = price
        result[group] = {cause: split[cause] for cause in CAUSES if cause in split}
    return result


def by_group_total(explained: Mapping[Group, Causes]) -> dict[Group, Decimal]:
    return {group: sum(split.values(), ZERO) for group, split in explained.items()}


def source_weights(causes: SourcedCauses, group: Group, cause: str) -> dict[Source, Decimal]:
    """What each source contributed to a cause of a group (unrounded, may be of mixed sign)."""
    return {s: a for s, a in causes.get(group, {}).get(cause, {}).items() if a}
