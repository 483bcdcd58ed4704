"""Production arithmetic: quantities, capacity cost, overheads and the order estimate.

Pure functions on ``Decimal`` (no database), shared by the posting services, the release
estimate and Adjust Cost. Amounts for the ledgers are rounded to cents here, once, by
``round_amount``; quantities and unit costs keep six places.

Manufacturing overhead from a costing sheet is a surcharge on other cost groups:
``surcharge_overhead(rules, base)`` says how much overhead a base amount (by cost group) carries.
The posting services call it for the base each posting adds to an order; Adjust Cost calls it
again on the adjusted base to make the overhead follow it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from mfgcost.core.money import ZERO, round_amount, round_quantity, round_unit_cost

HUNDRED = Decimal("100")


# --------------------------------------------------------------------------- quantities


def component_quantity_per(
    *, line_quantity: Decimal, bom_quantity: Decimal, unit_factor: Decimal
) -> Decimal:
    """Quantity of a component per unit of the product, in the component's base unit.

    ``line_quantity`` is per ``bom_quantity`` units of the product (the formula size) in the
    line's unit; ``unit_factor`` converts one line unit into base units.
    """
    return round_quantity(line_quantity * unit_factor / bom_quantity)


def with_scrap(quantity: Decimal, scrap_percent: Decimal) -> Decimal:
    """``quantity`` plus the expected scrap (a % on top), six places."""
    return round_quantity(quantity * (HUNDRED + scrap_percent) / HUNDRED)


def flush_quantity(
    *,
    quantity_per: Decimal,
    scrap_percent: Decimal,
    output_quantity: Decimal,
    formula_quantity: Decimal | None = None,
    formula_size: Decimal = Decimal("1"),
) -> Decimal:
    """Component quantity to flush for ``output_quantity`` units (good plus scrap) of output.

    With the BOM line's own quantity for its formula size, the ratio is applied unrounded.
    """
    if formula_quantity is not None:
        return with_scrap(formula_quantity * output_quantity / formula_size, scrap_percent)
    return with_scrap(quantity_per * output_quantity, scrap_percent)


def allowed_output(*, order_quantity: Decimal, tolerance_percent: Decimal) -> Decimal:
    """The most good output an order may report: its quantity plus the tolerance."""
    return with_scrap(order_quantity, tolerance_percent)


def hours_per_unit(*, setup_time: Decimal, run_time: Decimal, lot_size: Decimal) -> Decimal:
    """Standard hours per unit: setup spread over the standard lot, plus run time."""
    return setup_time / lot_size + run_time


# --------------------------------------------------------------------------- capacity cost


@dataclass(frozen=True)
class CapacityCost:
    direct: Decimal
    overhead: Decimal


def capacity_cost(
    *,
    hours: Decimal,
    direct_cost_per_hour: Decimal,
    overhead_per_hour: Decimal,
    overhead_percent: Decimal,
    rounded: bool = True,
) -> CapacityCost:
    """Direct cost at the work-centre rate and capacity overhead (per hour + % of direct).

    Rounded to cents for a posting; unrounded (``rounded=False``) for per-unit standards.
    The overhead % applies to the rounded direct cost when rounding, so a posting's overhead is
    exactly that % of the direct cost it shows.
    """
    direct = hours * direct_cost_per_hour
    if rounded:
        direct = round_amount(direct)
    overhead = hours * overhead_per_hour + direct * overhead_percent / HUNDRED
    if rounded:
        overhead = round_amount(overhead)
    return CapacityCost(direct=direct, overhead=overhead)


# --------------------------------------------------------------------------- overheads


@dataclass(frozen=True)
class SurchargeRule:
    """A costing-sheet surcharge: ``percent`` of the base cost groups, into ``cost_group_id``."""

    cost_group_id: int
    percent: Decimal
    base_cost_group_ids: frozenset[int]


@dataclass(frozen=True)
class RateRule:
    """A costing-sheet rate: per hour (optionally at one work centre), per unit or per kg."""

    cost_group_id: int
    basis: str  # "rate_per_hour" | "rate_per_unit" | "rate_per_kg"
    rate: Decimal
    work_center_id: int | None = None


def surcharge_overhead(
    rules: Iterable[SurchargeRule], base: Mapping[int, Decimal], *, rounded: bool = True
) -> dict[int, Decimal]:
    """Overhead by cost group that ``base`` (amounts by cost group id) carries.

    Each rule takes its percent of the sum of its base groups; rules adding to the same cost
    group are summed, then rounded once to cents (unless ``rounded=False``). Groups with no
    overhead are left out. Overhead is never a base for another surcharge: bases are the
    amounts given, not amounts computed here.
    """
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for rule in rules:
        amount = sum((base.get(g, ZERO) for g in rule.base_cost_group_ids), ZERO)
        if amount and rule.percent:
            totals[rule.cost_group_id] += amount * rule.percent / HUNDRED
    result = {g: (round_amount(v) if rounded else v) for g, v in totals.items()}
    return {g: v for g, v in result.items() if v}


def rate_overhead(
    rules: Iterable[RateRule],
    *,
    hours_by_work_center: Mapping[int, Decimal] | None = None,
    units: Decimal = ZERO,
    kilograms: Decimal = ZERO,
    rounded: bool = True,
) -> dict[int, Decimal]:
    """Overhead by cost group from rates per hour (by work centre), per unit and per kg."""
    hours_by_work_center = hours_by_work_center or {}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for rule in rules:
        if rule.basis == "rate_per_hour":
            hours = (
                sum(hours_by_work_center.values(), ZERO)
                if rule.work_center_id is None
                else hours_by_work_center.get(rule.work_center_id, ZERO)
            )
            totals[rule.cost_group_id] += hours * rule.rate
        elif rule.basis == "rate_per_unit":
            totals[rule.cost_group_id] += units * rule.rate
        elif rule.basis == "rate_per_kg":
            totals[rule.cost_group_id] += kilograms * rule.rate
    result = {g: (round_amount(v) if rounded else v) for g, v in totals.items()}
    return {g: v for g, v in result.items() if v}


# --------------------------------------------------------------------------- estimate


@dataclass(frozen=True)
class ComponentStandard:
    quantity_per: Decimal  # per unit of product, base unit, before scrap
    scrap_percent: Decimal
    unit_cost: Decimal
    cost_group_id: int | None


@dataclass(frozen=True)
class OperationStandard:
    work_center_id: int
    setup_time: Decimal
    run_time: Decimal
    lot_size: Decimal
    direct_cost_per_hour: Decimal
    direct_cost_group_id: int | None
    overhead_per_hour: Decimal
    overhead_percent: Decimal
    overhead_cost_group_id: int | None
    subcontracted: bool = False
    service_unit_cost: Decimal = ZERO
    service_cost_group_id: int | None = None


@dataclass
class UnitEstimate:
    """Standard cost of one unit of the product, by cost group (six places)."""

    by_cost_group: dict[int, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.by_cost_group.values(), ZERO)


def unit_estimate(
    *,
    components: Iterable[ComponentStandard],
    operations: Iterable[OperationStandard],
    surcharges: Iterable[SurchargeRule] = (),
    rates: Iterable[RateRule] = (),
    net_weight_kg: Decimal = ZERO,
) -> UnitEstimate:
    """Per-unit cost by cost group from a (frozen) BOM and routing at standard rates.

    Material: quantity per unit with scrap x the component's standard. Capacity: hours per unit
    (setup spread over the lot) at the work-centre rates; a subcontracted operation costs its
    service price per unit. Overheads from the costing sheet: rates, then surcharges on the
    direct groups computed so far.
    """
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for component in components:
        if component.cost_group_id is None:
            continue
        quantity = component.quantity_per * (HUNDRED + component.scrap_percent) / HUNDRED
        totals[component.cost_group_id] += quantity * component.unit_cost
    hours_by_work_center: dict[int, Decimal] = defaultdict(Decimal)
    for op in operations:
        if op.subcontracted:
            if op.service_cost_group_id is not None:
                totals[op.service_cost_group_id] += op.service_unit_cost
            continue
        hours = hours_per_unit(setup_time=op.setup_time, run_time=op.run_time, lot_size=op.lot_size)
        hours_by_work_center[op.work_center_id] += hours
        cost = capacity_cost(
            hours=hours,
            direct_cost_per_hour=op.direct_cost_per_hour,
            overhead_per_hour=op.overhead_per_hour,
            overhead_percent=op.overhead_percent,
            rounded=False,
        )
        if op.direct_cost_group_id is not None:
            totals[op.direct_cost_group_id] += cost.direct
        if op.overhead_cost_group_id is not None:
            totals[op.overhead_cost_group_id] += cost.overhead
    base = dict(totals)
    overheads = [
        rate_overhead(
            rates,
            hours_by_work_center=hours_by_work_center,
            units=Decimal("1"),
            kilograms=net_weight_kg,
            rounded=False,
        ),
        surcharge_overhead(surcharges, base, rounded=False),
    ]
    for overhead in overheads:
        for group, amount in overhead.items():
            totals[group] += amount
    return UnitEstimate(
        by_cost_group={g: round_unit_cost(v) for g, v in totals.items() if v},
    )


def order_amounts(unit_amounts: Mapping[int, Decimal], quantity: Decimal) -> dict[int, Decimal]:
    """Per-unit amounts by cost group times the order quantity, rounded to cents."""
    return {group: round_amount(unit * quantity) for group, unit in unit_amounts.items()}
