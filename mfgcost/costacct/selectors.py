"""Reads of cost accounting: balances, service quantities, statements, rate comparisons."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from ledger.models import CostCenter, CostObject, Period
from mfgcost.items.models import WorkCenter

from . import statement as formula
from .models import (
    Calculation,
    CalculationEntry,
    CalculationRule,
    CalculationVersion,
    CostCategory,
    CostEntry,
    Dimension,
    LineStructure,
    ServiceEntry,
    StatementLine,
)

ZERO = Decimal("0")
Node = tuple[str, int | None]


def node_of(row: dict, prefix: str = "") -> Node:
    dimension = row[f"{prefix}dimension"]
    key = "cost_center" if dimension == Dimension.COST_CENTER else "cost_object"
    return (dimension, row[f"{prefix}{key}"])


def primary_balances(period: Period) -> dict[tuple[Node, int], Decimal]:
    """Primary cost per (dimension value, category) in the period."""
    rows = (
        CostEntry.objects.filter(period=period)
        .values("dimension", "cost_center", "cost_object", "category")
        .annotate(total=Sum("amount"))
    )
    return {(node_of(row), row["category"]): row["total"] for row in rows if row["total"]}


def service_quantities(period: Period, category_id: int) -> dict[Node, Decimal]:
    rows = (
        ServiceEntry.objects.filter(period=period, category_id=category_id)
        .values("dimension", "cost_center", "cost_object")
        .annotate(total=Sum("quantity"))
    )
    return {node_of(row): row["total"] for row in rows}


def line_categories(line: StatementLine, _seen: frozenset = frozenset()) -> set[int]:
    """The categories a line node covers, through its totals."""
    if line.pk in _seen:
        return set()
    if line.line_type in (StatementLine.LineType.CATEGORIES, StatementLine.LineType.QUANTITY):
        return set(line.categories.values_list("pk", flat=True))
    if line.line_type == StatementLine.LineType.TOTAL:
        out: set[int] = set()
        for child in line.total_of.all():
            out |= line_categories(child, _seen | {line.pk})
        return out
    return set()


def node_amounts(
    *, version: CalculationVersion, period: Period, node: Node, exclude_outflows: bool = False
) -> dict[int, Decimal]:
    """Cost per category on one dimension value: primary plus the version's calculation."""
    dimension, value = node
    key = "cost_center" if dimension == Dimension.COST_CENTER else "cost_object"
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    for row in (
        CostEntry.objects.filter(period=period, dimension=dimension, **{key: value})
        .values("category")
        .annotate(total=Sum("amount"))
    ):
        amounts[row["category"]] += row["total"]
    calculated = CalculationEntry.objects.filter(
        calculation__version=version,
        calculation__period=period,
        dimension=dimension,
        **{key: value},
    )
    if exclude_outflows:
        calculated = calculated.filter(sender_side=False)
    for row in calculated.values("category").annotate(total=Sum("amount")):
        amounts[row["category"]] += row["total"]
    return dict(amounts)


@dataclass
class StatementRow:
    code: str
    name: str
    line_type: str
    value: Decimal | None


def dimension_statement(
    *, structure: LineStructure, version: CalculationVersion, period: Period, node: Node
) -> list[StatementRow]:
    """The statement of one cost centre or cost object for a period and version."""
    amounts = node_amounts(version=version, period=period, node=node)
    dimension, value = node
    key = "cost_center" if dimension == Dimension.COST_CENTER else "cost_object"
    quantities = defaultdict(Decimal)
    for row in (
        ServiceEntry.objects.filter(period=period, dimension=dimension, **{key: value})
        .values("category")
        .annotate(total=Sum("quantity"))
    ):
        quantities[row["category"]] += row["total"]
    lines = list(structure.lines.prefetch_related("categories", "total_of"))
    by_code = {line.code: line for line in lines}
    values: dict[str, Decimal | None] = {}

    def value_of(line: StatementLine, seen: frozenset = frozenset()) -> Decimal | None:
        if line.code in values:
            return values[line.code]
        if line.code in seen:
            raise formula.FormulaError(f"Line {line.code} refers to itself.")
        seen = seen | {line.code}
        kind = StatementLine.LineType
        if line.line_type == kind.CATEGORIES:
            result = sum((amounts.get(c.pk, ZERO) for c in line.categories.all()), ZERO)
        elif line.line_type == kind.QUANTITY:
            result = sum((quantities.get(c.pk, ZERO) for c in line.categories.all()), ZERO)
        elif line.line_type == kind.TOTAL:
            parts = [value_of(child, seen) for child in line.total_of.all()]
            result = None if any(p is None for p in parts) else sum(parts, ZERO)
        else:
            operands = {
                name: value_of(by_code[name], seen)
                for name in formula.names(line.formula)
                if name in by_code
            }
            result = formula.evaluate(line.formula, operands)
        if result is not None:
            result = result.quantize(Decimal(1).scaleb(-line.decimals), rounding=ROUND_HALF_UP)
        values[line.code] = result
        return result

    return [StatementRow(line.code, line.name, line.line_type, value_of(line)) for line in lines]


def rule_validation(rule: CalculationRule) -> list[str]:
    """What keeps a rule from being calculated; empty is the green light."""
    problems = []
    if rule.sender_cost_center_id is None and rule.sender_cost_object_id is None:
        problems.append("no sender")
    if (
        rule.kind == CalculationRule.Kind.DISTRIBUTION
        and rule.sender_dimension != rule.receiver_dimension
    ):
        problems.append("a distribution stays in its dimension (CC to CC, CP to CP)")
    if rule.kind == CalculationRule.Kind.ALLOCATION:
        if rule.allocation_category_id is None or rule.offset_category_id is None:
            problems.append("an allocation needs an allocation and an offset category")
        if (
            rule.sender_dimension == Dimension.COST_OBJECT
            and rule.receiver_dimension == Dimension.COST_CENTER
        ):
            problems.append("cost objects do not allocate back to cost centres")
    if rule.source_kind == CalculationRule.SourceKind.CATEGORY and rule.source_category_id is None:
        problems.append("choose the source category")
    if rule.source_kind == CalculationRule.SourceKind.LINE and rule.source_line_id is None:
        problems.append("choose the source line")
    if rule.split_fixed_variable and rule.basis_category_id is None:
        problems.append("a fixed/variable split needs the service category of its variable part")
    if rule.basis == CalculationRule.Basis.SERVICE and rule.basis_category_id is None:
        problems.append("choose the service category of the basis")
    receivers = list(rule.receivers.all())
    fixed_shares = rule.basis == CalculationRule.Basis.FIXED or rule.split_fixed_variable
    if fixed_shares and sum((r.share for r in receivers), ZERO) <= 0:
        problems.append("the receivers' shares add up to zero")
    wrong = [
        r
        for r in receivers
        if (r.cost_center_id is not None) != (rule.receiver_dimension == Dimension.COST_CENTER)
    ]
    if wrong:
        problems.append("a receiver is not of the receiver dimension")
    return problems


@dataclass
class RateRow:
    cost_center: CostCenter
    work_centers: list[WorkCenter]
    hours: Decimal
    actual_cost: Decimal
    actual_rate: Decimal | None
    standard_rate: Decimal
    absorbed: Decimal
    under_absorbed: Decimal  # actual - absorbed: positive is under-absorption


def rate_comparison(*, calculation: Calculation, hours_category: CostCategory) -> list[RateRow]:
    """Actual cost per hour of each production cost centre against its work centres' rate.

    The actual cost is the centre's total after the calculation, before what it passed on to
    cost objects (its own outflows are left out); the hours are its service quantity.
    """
    hours = service_quantities(calculation.period, hours_category.pk)
    rows = []
    work_centers = defaultdict(list)
    for wc in WorkCenter.objects.filter(cost_center__kind=CostCenter.Kind.PRODUCTION).order_by(
        "code"
    ):
        work_centers[wc.cost_center_id].append(wc)
    for center in CostCenter.objects.filter(pk__in=work_centers).order_by("code"):
        node = (Dimension.COST_CENTER.value, center.pk)
        actual = sum(
            node_amounts(
                version=calculation.version,
                period=calculation.period,
                node=node,
                exclude_outflows=True,
            ).values(),
            ZERO,
        )
        centre_hours = hours.get(node, ZERO)
        rate = (
            (actual / centre_hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if centre_hours
            else None
        )
        standard = work_centers[center.pk][0].direct_cost_per_hour
        absorbed = (centre_hours * standard).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        rows.append(
            RateRow(
                center,
                work_centers[center.pk],
                centre_hours,
                actual,
                rate,
                standard,
                absorbed,
                actual - absorbed,
            )
        )
    return rows


def node_label(node: Node) -> str:
    dimension, value = node
    if value is None:
        return f"{dimension}:(blank)"
    model = CostCenter if dimension == Dimension.COST_CENTER else CostObject
    return f"{dimension}:{model.objects.get(pk=value).code}"
