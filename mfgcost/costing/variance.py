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
cause of its base. The causes other than price are rounded to cents and price takes what is left
of the group's variance, so the causes always add up to it exactly: price also holds what the
frozen BOM and routing do not explain (a standard that differs from them, rounding).

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
from mfgcost.production.estimate import SurchargeRule

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


def raw_causes(
    *,
    good_quantity: Decimal,
    components: Iterable[ComponentUsage] = (),
    operations: Iterable[OperationUsage] = (),
    services: Iterable[ServiceUsage] = (),
    surcharges: Iterable[SurchargeRule] = (),
) -> SourcedCauses:
    """Unrounded amounts by cost group, cause and source."""
    causes: SourcedCauses = {}
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
        source = ("operation", op.operation_no)
        per_unit_setup = op.setup_time / op.lot_size
        setup = (good_quantity + op.scrap_units) * per_unit_setup
        run = (good_quantity + op.scrap_units) * op.run_time
        scrap_hours = op.scrap_units * (per_unit_setup + op.run_time)
        hours = op.actual_setup + op.actual_run
        for group, rate, actual in (
            (op.direct_cost_group_id, op.direct_rate, op.actual_direct),
            (op.overhead_cost_group_id, op.overhead_rate, op.actual_overhead),
        ):
            _add(causes, group, PRICE, source, actual - hours * rate)
            _add(causes, group, LOT_SIZE, source, (op.actual_setup - setup) * rate)
            _add(causes, group, QUANTITY, source, (op.actual_run - run) * rate)
            _add(causes, group, SCRAP, source, scrap_hours * rate)
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
