"""Standard-cost roll-up: pure arithmetic on plain dataclasses and Decimals (no database).

The services load BOMs, routings, rates and prices, turn them into the inputs below (keyed by
item number and cost-group code), call ``rollup`` and write what it returns. The rules, per unit
of a produced item's base unit:

* **Order.** Items are costed lowest level first: every component before the items that use it
  (``low_level_codes``). A cycle in the bills of materials is refused with its path
  (``"A -> B -> C -> A"``).
* **Material.** A BOM line's quantity is per BOM quantity (the formula size) in the line's unit.
  It is converted to the component's base unit (item-specific conversion first, then a global
  one, each usable in either direction), divided by the BOM quantity, and scrap is added on top:
  ``needed = quantity_per x factor / bom_quantity x (1 + scrap% / 100)``; scrap must be at least 0
  and below 100 %. This level carries the component's whole unit cost in the component's cost
  group (a produced component without one: the default material group); rolled up carries the
  component's own rolled-up breakdown, so labour inside a sub-assembly stays labour.
* **Capacity.** Hours per unit = setup time / lot size + run time. Direct cost = hours x the work
  centre's rate per hour, to its direct cost group; capacity overhead = hours x overhead per hour
  + direct cost x overhead %, to its overhead cost group.
* **Subcontracting.** A subcontracted operation costs the price of its service item per unit of
  the product (``service_price``, injectable; by default the service item's standard cost), to
  the service item's cost group. It adds no work-centre time.
* **Costing sheet.** Rates per hour (of the item's own, not subcontracted, operations; optionally
  at one work centre), per unit and per kg (net weight) are added, then surcharges: a % of this
  level's amounts in the rule's base cost groups *before* any costing-sheet overhead (overhead is
  never the base of another surcharge).
* **By-products** carry no cost; one with a fixed credit per unit reduces the batch cost by
  ``quantity / bom_quantity x credit`` in the by-product's cost group.
* **Co-products** share the batch cost: the main product carries ``main_allocation_percent``,
  each co-product its ``cost_allocation_percent`` spread over its quantity per BOM quantity; the
  percentages must add up to 100. A co-product without a BOM or routing of its own gets its
  standard from the main product's BOM.
* **Rounding.** Amounts are computed exactly and each cost group is rounded once, half up, to six
  places (this level and rolled up separately). A parent uses its components' rounded amounts.
  The unit cost is the sum of the rolled-up amounts; the sum of this-level amounts can differ from
  it by at most half a millionth per cost group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from mfgcost.core.errors import BusinessError
from mfgcost.core.money import ZERO, round_unit_cost

ONE = Decimal("1")
HUNDRED = Decimal("100")
CO_PRODUCT = "co_product"
BY_PRODUCT = "by_product"
SURCHARGE_PERCENT = "surcharge_percent"
RATE_PER_HOUR = "rate_per_hour"
RATE_PER_UNIT = "rate_per_unit"
RATE_PER_KG = "rate_per_kg"

Breakdown = dict[str, Decimal]  # cost-group code -> amount per base unit


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class WorkCenterRates:
    code: str
    direct_cost_per_hour: Decimal = ZERO
    direct_cost_group: str | None = None
    overhead_per_hour: Decimal = ZERO
    overhead_percent: Decimal = ZERO
    overhead_cost_group: str | None = None
    vendor: str | None = None


@dataclass(frozen=True)
class OperationInput:
    operation_no: int
    work_center: WorkCenterRates
    setup_time: Decimal = ZERO  # hours per lot
    run_time: Decimal = ZERO  # hours per unit
    subcontracted: bool = False
    service_item: str | None = None


@dataclass(frozen=True)
class BomLineInput:
    component: str
    quantity_per: Decimal  # per BOM quantity, in ``unit``
    unit: str
    scrap_percent: Decimal = ZERO
    line_no: int = 0


@dataclass(frozen=True)
class BomOutputInput:
    item: str
    kind: str  # CO_PRODUCT or BY_PRODUCT
    quantity: Decimal  # per BOM quantity of the main product, in the output's base unit
    cost_allocation_percent: Decimal = ZERO
    fixed_credit_per_unit: Decimal = ZERO


@dataclass(frozen=True)
class BomInput:
    quantity: Decimal = ONE  # formula size, in the product's base unit
    main_allocation_percent: Decimal = HUNDRED
    lines: tuple[BomLineInput, ...] = ()
    outputs: tuple[BomOutputInput, ...] = ()


@dataclass(frozen=True)
class SheetRuleInput:
    basis: str
    cost_group: str
    percent: Decimal = ZERO
    rate: Decimal = ZERO
    base_cost_groups: frozenset[str] = frozenset()
    work_center: str | None = None


@dataclass(frozen=True)
class ItemInput:
    """An item as the roll-up sees it.

    A produced item has a BOM or operations; any other item (bought, a service, or one whose
    standard is frozen) costs ``purchase_cost`` (its breakdown per base unit).
    """

    number: str
    base_unit: str
    cost_group: str | None = None
    lot_size: Decimal = ONE
    net_weight_kg: Decimal = ZERO
    purchase_cost: Mapping[str, Decimal] = field(default_factory=dict)
    bom: BomInput | None = None
    operations: tuple[OperationInput, ...] = ()
    sheet_rules: tuple[SheetRuleInput, ...] = ()

    @property
    def is_produced(self) -> bool:
        return self.bom is not None or bool(self.operations)


@dataclass(frozen=True)
class ServicePriceQuery:
    """What a service price source is asked: the price of one unit of a subcontracted operation."""

    product: str
    operation_no: int
    work_center: str
    vendor: str | None
    service_item: str
    standard_cost: Decimal  # the service item's own standard cost


ServicePrice = Callable[[ServicePriceQuery], Decimal]


def standard_service_price(query: ServicePriceQuery) -> Decimal:
    """The default price source: the service item's standard cost."""
    return query.standard_cost


class UnitConversions:
    """``1 from_unit = factor to_unit`` rows, per item or (item ``None``) for every item."""

    def __init__(self, rows: Iterable[tuple[str | None, str, str, Decimal]] = ()) -> None:
        self._factors: dict[tuple[str | None, str, str], Decimal] = {}
        for item, from_unit, to_unit, factor in rows:
            self._factors[(item, from_unit, to_unit)] = factor

    def factor(self, item: str, from_unit: str, to_unit: str) -> Decimal | None:
        """Base quantity of one ``from_unit``: the item's own conversion first, then a global."""
        if from_unit == to_unit:
            return ONE
        for scope in (item, None):
            factor = self._factors.get((scope, from_unit, to_unit))
            if factor is not None:
                return factor
            inverse = self._factors.get((scope, to_unit, from_unit))
            if inverse is not None:
                return ONE / inverse
        return None

    def convert(
        self, quantity: Decimal, *, item: str, from_unit: str, to_unit: str, context: str = ""
    ) -> Decimal:
        factor = self.factor(item, from_unit, to_unit)
        if factor is None:
            raise BusinessError(
                f"{context}no unit conversion from {from_unit} to {to_unit} for item {item}.",
                field="unit",
                code="no_conversion",
            )
        return quantity * factor


# --------------------------------------------------------------------------- results


@dataclass
class CostResult:
    """A produced item's standard cost per base unit, by cost group (six places)."""

    item: str
    this_level: Breakdown
    rolled_up: Breakdown
    low_level_code: int = 0
    main_product: str | None = None  # set for a co-product costed through another item's BOM

    @property
    def unit_cost(self) -> Decimal:
        return sum(self.rolled_up.values(), ZERO)


# --------------------------------------------------------------------------- order


def low_level_codes(
    nodes: Iterable[str], edges: Iterable[tuple[str, str, int]], *, prefer: str | None = None
) -> dict[str, int]:
    """Low-level code of every node: how deep below a top item it is needed.

    ``edges`` are ``(parent, child, step)``: a BOM line is ``(product, component, 1)``; a
    co-product costed through its main product's BOM is ``(co-product, main product, 0)`` (the
    main product must be costed no later than it). A child's code is at least its parent's plus
    the step. A cycle raises a ``BusinessError`` naming the path, starting at ``prefer`` when it is
    on the cycle.
    """
    children: dict[str, list[tuple[str, int]]] = defaultdict(list)
    indegree: dict[str, int] = {node: 0 for node in nodes}
    for parent, child, step in edges:
        children[parent].append((child, step))
        indegree.setdefault(parent, 0)
        indegree[child] = indegree.get(child, 0) + 1
    codes = {node: 0 for node in indegree}
    ready = [node for node, count in indegree.items() if count == 0]
    done = 0
    while ready:
        node = ready.pop()
        done += 1
        for child, step in children.get(node, ()):
            codes[child] = max(codes[child], codes[node] + step)
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if done < len(indegree):
        left = {node for node, count in indegree.items() if count > 0}
        raise BomCycleError(_cycle_path(left, children, prefer))
    return codes


class BomCycleError(BusinessError):
    """Bills of materials that lead back to where they started; ``path`` lists the items."""

    def __init__(self, path: list[str]) -> None:
        super().__init__(
            "The bills of materials form a cycle: " + " -> ".join(path) + ".",
            field="component",
            code="bom_cycle",
        )
        self.path = path


def _cycle_path(
    left: set[str], children: Mapping[str, list[tuple[str, int]]], prefer: str | None
) -> list[str]:
    """One cycle among ``left`` (the nodes a topological sort could not place), as a path.

    Every node left has a parent left, so walking parents from any of them must repeat a node.
    """
    parents: dict[str, str] = {}
    for parent in sorted(left):
        for child, _ in children.get(parent, ()):
            if child in left:
                parents.setdefault(child, parent)
    node = prefer if prefer in left else min(left)
    seen: list[str] = []
    while node not in seen:
        seen.append(node)
        node = parents[node]
    cycle = list(reversed(seen[seen.index(node) :]))  # parent -> child order
    start = cycle.index(prefer) if prefer in cycle else cycle.index(min(cycle))
    cycle = cycle[start:] + cycle[:start]
    return [*cycle, cycle[0]]


# --------------------------------------------------------------------------- roll-up


def rollup(
    items: Mapping[str, ItemInput],
    targets: Iterable[str],
    *,
    conversions: UnitConversions | None = None,
    default_material_group: str | None = None,
    service_price: ServicePrice = standard_service_price,
) -> dict[str, CostResult]:
    """Standard costs of the produced items among ``targets`` and everything below them.

    ``items`` must hold every item reachable from the targets (components, service items,
    co- and by-products). Returns a result per produced item and per co-product costed through
    its main product's BOM; bought items are inputs, not results.
    """
    conversions = conversions or UnitConversions()
    produced, edges = _reachable(items, targets)
    codes = low_level_codes(produced, edges)
    costs: dict[str, Breakdown] = {}
    results: dict[str, CostResult] = {}
    for number in sorted(produced, key=lambda n: (-codes[n], n)):
        if number in results:  # a co-product already costed with its main product
            continue
        item = items[number]
        if not item.is_produced:
            continue
        shares = _item_cost(
            item,
            items,
            costs,
            conversions=conversions,
            default_material_group=default_material_group,
            service_price=service_price,
        )
        for output, (this_level, rolled_up) in shares.items():
            if output in results:
                continue
            if output != number and items[output].is_produced:
                continue  # a co-product with its own BOM is costed by that BOM
            result = CostResult(
                item=output,
                this_level=_rounded(this_level),
                rolled_up=_rounded(rolled_up),
                low_level_code=codes.get(output, codes[number]),
                main_product=None if output == number else number,
            )
            results[output] = result
            costs[output] = result.rolled_up
    return results


def _reachable(
    items: Mapping[str, ItemInput], targets: Iterable[str]
) -> tuple[set[str], list[tuple[str, str, int]]]:
    """Produced items reachable from ``targets`` (plus derived co-products) and their edges."""
    produced: set[str] = set()
    edges: list[tuple[str, str, int]] = []
    stack = [_known(items, number, field="items") for number in targets]
    while stack:
        item = stack.pop()
        if item.number in produced or not item.is_produced:
            continue
        produced.add(item.number)
        bom = item.bom
        for line in bom.lines if bom else ():
            component = _known(items, line.component, field="component")
            edges.append((item.number, component.number, 1))
            stack.append(component)
        for output in bom.outputs if bom else ():
            other = _known(items, output.item, field="item")
            if output.kind == CO_PRODUCT and not other.is_produced:
                produced.add(other.number)
                edges.append((other.number, item.number, 0))
        for op in item.operations:
            if op.subcontracted and op.service_item is not None:
                _known(items, op.service_item, field="service_item")
    return produced, edges


def _known(items: Mapping[str, ItemInput], number: str, *, field: str) -> ItemInput:
    try:
        return items[number]
    except KeyError:
        raise BusinessError(f"Item {number} is not known to the roll-up.", field=field) from None


def _rounded(amounts: Mapping[str, Decimal]) -> Breakdown:
    rounded = {group: round_unit_cost(amount) for group, amount in amounts.items()}
    return {group: amount for group, amount in sorted(rounded.items()) if amount}


def _cost_of(item: ItemInput, costs: Mapping[str, Breakdown]) -> Breakdown:
    """A component's breakdown: costed here (produced, or a derived co-product), or bought."""
    if item.number in costs:
        return costs[item.number]
    return dict(item.purchase_cost)


class _Amounts:
    """This-level and rolled-up amounts of one item being costed, by cost group."""

    def __init__(self, product: str) -> None:
        self.product = product
        self.this_level: dict[str, Decimal] = defaultdict(Decimal)
        self.rolled_up: dict[str, Decimal] = defaultdict(Decimal)

    def add(self, group: str | None, amount: Decimal, *, field: str, what: str) -> None:
        """Add a cost of this level (it is in both breakdowns)."""
        if not amount:
            return
        if group is None:
            raise BusinessError(f"{self.product}: {what} has no cost group.", field=field)
        self.this_level[group] += amount
        self.rolled_up[group] += amount


def _item_cost(
    item: ItemInput,
    items: Mapping[str, ItemInput],
    costs: Mapping[str, Breakdown],
    *,
    conversions: UnitConversions,
    default_material_group: str | None,
    service_price: ServicePrice,
) -> dict[str, tuple[Breakdown, Breakdown]]:
    """Cost of one produced item per unit, and of its co-products, before rounding."""
    if item.lot_size <= 0:
        raise BusinessError(f"{item.number}: the lot size must be positive.", field="lot_size")
    amounts = _Amounts(item.number)
    bom = item.bom
    bom_quantity = bom.quantity if bom else ONE
    if bom_quantity <= 0:
        raise BusinessError(f"{item.number}: the BOM quantity must be positive.", field="quantity")
    for line in bom.lines if bom else ():
        _add_material(
            amounts,
            line,
            items[line.component],
            costs,
            bom_quantity=bom_quantity,
            conversions=conversions,
            default_material_group=default_material_group,
        )
    hours = _add_operations(amounts, item, items, service_price=service_price)
    _add_sheet_overheads(amounts, item, hours)
    for output in bom.outputs if bom else ():
        if output.kind == BY_PRODUCT and output.fixed_credit_per_unit:
            by_product = items[output.item]
            credit = output.quantity / bom_quantity * output.fixed_credit_per_unit
            amounts.add(
                by_product.cost_group or default_material_group,
                -credit,
                field="cost_group",
                what=f"by-product {by_product.number}",
            )
    return _allocate(item, amounts, bom)


def _add_material(
    amounts: _Amounts,
    line: BomLineInput,
    component: ItemInput,
    costs: Mapping[str, Breakdown],
    *,
    bom_quantity: Decimal,
    conversions: UnitConversions,
    default_material_group: str | None,
) -> None:
    context = f"{amounts.product} BOM line {line.line_no}: "
    if line.scrap_percent < 0 or line.scrap_percent >= HUNDRED:
        raise BusinessError(
            f"{context}scrap must be at least 0 and below 100 %.", field="scrap_percent"
        )
    quantity = conversions.convert(
        line.quantity_per,
        item=component.number,
        from_unit=line.unit,
        to_unit=component.base_unit,
        context=context,
    )
    needed = quantity / bom_quantity * (HUNDRED + line.scrap_percent) / HUNDRED
    breakdown = _cost_of(component, costs)
    unit_cost = sum(breakdown.values(), ZERO)
    if unit_cost:
        group = component.cost_group or default_material_group
        if group is None:
            raise BusinessError(
                f"{context}component {component.number} has no cost group.", field="cost_group"
            )
        amounts.this_level[group] += needed * unit_cost
    for group, amount in breakdown.items():
        amounts.rolled_up[group] += needed * amount


def _add_operations(
    amounts: _Amounts,
    item: ItemInput,
    items: Mapping[str, ItemInput],
    *,
    service_price: ServicePrice,
) -> dict[str, Decimal]:
    """Add capacity and subcontracting cost; return the hours per unit by work centre."""
    hours_by_work_center: dict[str, Decimal] = defaultdict(Decimal)
    for op in item.operations:
        center = op.work_center
        what = f"operation {op.operation_no} at {center.code}"
        if op.subcontracted:
            if op.service_item is None:
                raise BusinessError(
                    f"{item.number}: subcontracted {what} has no service item.",
                    field="service_item",
                )
            service = items[op.service_item]
            price = service_price(
                ServicePriceQuery(
                    product=item.number,
                    operation_no=op.operation_no,
                    work_center=center.code,
                    vendor=center.vendor,
                    service_item=service.number,
                    standard_cost=sum(service.purchase_cost.values(), ZERO),
                )
            )
            amounts.add(
                service.cost_group,
                price,
                field="cost_group",
                what=f"service {service.number} of {what}",
            )
            continue
        hours = op.setup_time / item.lot_size + op.run_time
        hours_by_work_center[center.code] += hours
        direct = hours * center.direct_cost_per_hour
        overhead = hours * center.overhead_per_hour + direct * center.overhead_percent / HUNDRED
        amounts.add(
            center.direct_cost_group,
            direct,
            field="direct_cost_group",
            what=f"direct cost of {what}",
        )
        amounts.add(
            center.overhead_cost_group,
            overhead,
            field="overhead_cost_group",
            what=f"capacity overhead of {what}",
        )
    return hours_by_work_center


def _add_sheet_overheads(
    amounts: _Amounts, item: ItemInput, hours_by_work_center: Mapping[str, Decimal]
) -> None:
    base = dict(amounts.this_level)  # surcharges are on amounts before any sheet overhead
    rules = sorted(item.sheet_rules, key=lambda rule: rule.basis == SURCHARGE_PERCENT)
    for rule in rules:
        if rule.basis == SURCHARGE_PERCENT:
            amount = sum((base.get(g, ZERO) for g in rule.base_cost_groups), ZERO)
            amount = amount * rule.percent / HUNDRED
        elif rule.basis == RATE_PER_HOUR:
            if rule.work_center is None:
                hours = sum(hours_by_work_center.values(), ZERO)
            else:
                hours = hours_by_work_center.get(rule.work_center, ZERO)
            amount = hours * rule.rate
        elif rule.basis == RATE_PER_UNIT:
            amount = rule.rate
        elif rule.basis == RATE_PER_KG:
            if rule.rate and item.net_weight_kg <= 0:
                raise BusinessError(
                    f"{item.number}: a rate per kg needs the item's net weight.",
                    field="net_weight_kg",
                )
            amount = item.net_weight_kg * rule.rate
        else:
            raise BusinessError(f"Unknown costing-sheet basis {rule.basis!r}.", field="basis")
        amounts.add(rule.cost_group, amount, field="cost_group", what="a costing-sheet rule")


def allocation_check(main_percent: Decimal, co_product_percents: Iterable[Decimal]) -> None:
    """The main product and its co-products must share exactly 100 % of the batch cost."""
    percents = list(co_product_percents)
    total = main_percent + sum(percents, ZERO)
    if total != HUNDRED:
        parts = " + ".join(f"{p.normalize():f}" for p in [main_percent, *percents])
        raise BusinessError(
            f"The cost allocation of the main product and its co-products must add up to 100 %"
            f" ({parts} = {total.normalize():f}).",
            # With no co-products only the main product's share can be at fault.
            field="cost_allocation_percent" if percents else "main_allocation_percent",
        )


def _allocate(
    item: ItemInput, amounts: _Amounts, bom: BomInput | None
) -> dict[str, tuple[Breakdown, Breakdown]]:
    co_products = [o for o in bom.outputs if o.kind == CO_PRODUCT] if bom else []
    main_percent = bom.main_allocation_percent if bom else HUNDRED
    allocation_check(main_percent, [o.cost_allocation_percent for o in co_products])

    def scaled(factor: Decimal) -> tuple[Breakdown, Breakdown]:
        return (
            {g: a * factor for g, a in amounts.this_level.items()},
            {g: a * factor for g, a in amounts.rolled_up.items()},
        )

    shares = {item.number: scaled(main_percent / HUNDRED)}
    for output in co_products:
        if output.quantity <= 0:
            raise BusinessError(
                f"{item.number}: co-product {output.item} needs a positive quantity.",
                field="quantity",
            )
        # The batch of ``bom.quantity`` products carries this share over the co-product's units.
        factor = output.cost_allocation_percent / HUNDRED * bom.quantity / output.quantity
        shares.setdefault(output.item, scaled(factor))
    return shares
