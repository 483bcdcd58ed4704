"""Adjust Cost, one production order: overhead that follows its base, and the finished order
valued at actual cost with its variances.

``order_costs_settle`` is one transaction for one order. It takes the order's advisory lock (a
second run skips it), then the order row like every production posting does, and reads the
order's ledgers (consumption, capacity and output value entries by ``order_no``):

1. Manufacturing overhead from the order's costing sheet is recomputed on the actual base (the
   order's consumption and time as they stand after earlier adjustments) and the difference is
   posted as indirect cost (Dr WIP / Cr overhead applied). This is how overhead follows a base
   that Adjust Cost changed.
2. A finished order is settled. Every output entry's expected cost is reversed and its actual
   cost posted, by cost group:

   * standard-cost item: the output stays at standard (the standard split by the order's
     estimate); the difference between what went into WIP and the standard of the output is
     posted on the last output entry as direct cost (Cr WIP) and, with the opposite sign, as
     variance value entries per cost group and cause (Dr variance / Cr inventory), each linked
     to the entries it came from (``VarianceSource``);
   * FIFO or average item: the output takes the actual cost. By-products keep their fixed
     value and co-products of standard-cost items their standard; the rest is shared by the
     outputs that take actual cost, by their allocation % among themselves (when none has a
     share, the order is settled as a standard one). The changed output entries are marked so
     that the item forwards the new cost to whatever took it.

   An order without output posts its whole cost as variance straight from WIP.

Every amount is a target compared with what is already posted; only differences are posted, so
the order ends with zero WIP however often it is settled.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from mfgcost.core.money import ZERO, round_unit_cost, split_amount
from mfgcost.inventory.models import CapacityLedgerEntry, ItemLedgerEntry, ValueEntry
from mfgcost.inventory.services import new_value_entry
from mfgcost.items.models import CostGroup, Item
from mfgcost.production import estimate
from mfgcost.production.models import (
    ORDER_TYPE,
    ProductionOrder,
    ProductionOrderOutput,
)
from mfgcost.production.selectors import costing_sheet_rules

from . import variance
from .adjust import OutputShare, PostingCalendar, allocate_output_cost, group_order
from .models import CostAdjustmentMark, VarianceSource
from .posting import AdjustmentBatch, unit_claim
from .selectors import OrderLedger, amount_of, order_standard_weights

ILE = ItemLedgerEntry.EntryType
VE = ValueEntry.EntryType
METHOD = Item.CostingMethod
ORDER_LOCK = "costing.adjust.order"
HUNDRED = Decimal("100")
ONE = Decimal("1")
REST = 0  # the share key of what is left of an order's cost (output entry ids are positive)

VARIANCE_TYPE = {
    CostGroup.GroupType.DIRECT_MATERIAL: ValueEntry.VarianceType.MATERIAL,
    CostGroup.GroupType.DIRECT_MANUFACTURING: ValueEntry.VarianceType.CAPACITY,
    CostGroup.GroupType.DIRECT_OUTSOURCING: ValueEntry.VarianceType.SUBCONTRACTED,
    CostGroup.GroupType.CAPACITY_OVERHEAD: ValueEntry.VarianceType.CAPACITY_OVERHEAD,
    CostGroup.GroupType.MANUFACTURING_OVERHEAD: ValueEntry.VarianceType.MANUFACTURING_OVERHEAD,
}


def _exact_quantity_per(component) -> Decimal:
    """Quantity per unit from the BOM line's formula (1.3 t / 1.4 t), not the six-place rounding
    frozen for display, so a formula size does not show up as a quantity variance."""
    if component.formula_quantity is not None and component.formula_size:
        return component.formula_quantity / component.formula_size
    return component.quantity_per


@dataclass
class SettleResult:
    worked: bool = False
    skipped: bool = False
    value_entries: list[ValueEntry] = field(default_factory=list)
    item_ids: set[int] = field(default_factory=set)


class _Settler:
    def __init__(self, order: ProductionOrder, batch: AdjustmentBatch):
        self.order = order
        self.batch = batch
        self.ledger = OrderLedger(order)
        self.group_types = dict(CostGroup.objects.values_list("pk", "group_type"))
        self.surcharges, self.rates = costing_sheet_rules(order.costing_sheet)
        self.changed_outputs: list[ItemLedgerEntry] = []
        self.causes: variance.SourcedCauses = {}

    @property
    def valuation_date(self) -> dt.date:
        if self.order.finished_on is not None:
            return self.order.finished_on
        return max((v["valuation_date"] for v in self.ledger.values), default=dt.date.today())

    # ---------------------------------------------------------------- overhead

    def hours_by_work_center(self) -> dict[int, Decimal]:
        hours: dict[int, Decimal] = defaultdict(Decimal)
        for entry in self.ledger.capacity_entries.values():
            if (
                entry.work_center_id
                and entry.capacity_type == CapacityLedgerEntry.CapacityType.WORK_CENTER
            ):
                hours[entry.work_center_id] += entry.setup_time + entry.run_time
        return hours

    def good_quantity(self) -> Decimal:
        return sum((e.quantity for e in self.ledger.main_outputs()), ZERO)

    def follow_overhead(self) -> None:
        overhead_groups = {r.cost_group_id for r in self.surcharges} | {
            r.cost_group_id for r in self.rates
        }
        if not overhead_groups:
            return
        actual = self.ledger.actual_by_group()
        base = {g: v for g, v in actual.items() if g is not None and g not in overhead_groups}
        units = self.good_quantity()
        target: dict[int, Decimal] = defaultdict(Decimal)
        for part in (
            estimate.surcharge_overhead(self.surcharges, base),
            estimate.rate_overhead(
                self.rates,
                hours_by_work_center=self.hours_by_work_center(),
                units=units,
                kilograms=units * self.order.item.net_weight_kg,
            ),
        ):
            for group, amount in part.items():
                target[group] += amount
        posted: dict[int, list[dict]] = defaultdict(list)
        for row in self.ledger.values:
            if (
                not row["item_ledger_entry_type"]
                and row["entry_type"] == VE.INDIRECT_COST
                and row["cost_group_id"] in overhead_groups
            ):
                posted[row["cost_group_id"]].append(row)
        for group in sorted(overhead_groups):
            difference = target.get(group, ZERO) - sum((amount_of(r) for r in posted[group]), ZERO)
            if difference:
                self.post_overhead(group, difference, posted[group][-1] if posted[group] else None)

    def post_overhead(self, group: int, amount: Decimal, last: dict | None) -> None:
        order = self.order
        entry = ValueEntry(
            capacity_ledger_entry_id=last["capacity_ledger_entry_id"] if last else None,
            item_id=order.item_id,
            posting_group_id=order.item.posting_group_id,
            wip_posting_group_id=order.item.posting_group_id,
            wip_location_id=order.location_id,
            item_ledger_entry_type="",
            entry_type=VE.INDIRECT_COST,
            cost_group_id=group,
            cost_amount_actual=amount,
            order_type=ORDER_TYPE,
            order_no=order.number,
            applies_to_entry_id=last["id"] if last else None,
            description="Manufacturing overhead follows its base",
        )
        self.batch.add(
            entry,
            valuation_date=self.valuation_date,
            carrier_order=None if last else order,
        )
        # Count it in what the order has, for the settlement that follows.
        self.ledger.values.append(
            {
                "id": None,
                "item_ledger_entry_id": None,
                "capacity_ledger_entry_id": entry.capacity_ledger_entry_id,
                "item_ledger_entry_type": "",
                "entry_type": VE.INDIRECT_COST,
                "cost_group_id": group,
                "variance_cause": "",
                "cost_amount_expected": ZERO,
                "cost_amount_actual": amount,
                "item_id": order.item_id,
                "valuation_date": self.valuation_date,
                "adjustment": True,
                "wip_posting_group_id": None,
                "wip_location_id": None,
            }
        )

    # ---------------------------------------------------------------- settlement

    def settle(self) -> None:
        outputs = self.ledger.outputs()
        actual = self.ledger.actual_by_group()
        if self.order.item.costing_method == METHOD.STANDARD or not outputs:
            self.settle_at_standard(outputs, actual)
        else:
            self.settle_at_actual(outputs, actual)

    def settle_at_standard(self, outputs: list[ItemLedgerEntry], actual: dict) -> None:
        """Every output stays at its standard; what went into WIP beyond it is variance."""
        standard_by_output = self.ledger.standard_by_output(order_standard_weights(self.order))
        standard: dict[int | None, Decimal] = defaultdict(Decimal)
        for by_group in standard_by_output.values():
            for group, amount in by_group.items():
                standard[group] += amount
        self.causes = self.raw_causes()
        explained = variance.explain(
            actual_by_group=actual, standard_by_group=standard, causes=self.causes
        )
        carrier = self.variance_carrier(outputs)
        targets = {key: dict(value) for key, value in standard_by_output.items()}
        if carrier is not None:
            for group, amount in variance.by_group_total(explained).items():
                targets[carrier.pk][group] = targets[carrier.pk].get(group, ZERO) + amount
        for entry in outputs:
            self.value_output(entry, targets[entry.pk], valuation_date=self.valuation_date)
        self.post_variances(explained, carrier)

    def variance_carrier(self, outputs: list[ItemLedgerEntry]) -> ItemLedgerEntry | None:
        """The output entry that carries the variances: the last main output, else the last
        output of a standard-cost item, else the last output (None without output)."""
        main = self.ledger.main_outputs()
        standard = [e for e in outputs if e.item.costing_method == METHOD.STANDARD]
        main_standard = [e for e in main if e.item.costing_method == METHOD.STANDARD]
        return (main_standard or standard or main or outputs or [None])[-1]

    def settle_at_actual(self, outputs: list[ItemLedgerEntry], actual: dict) -> None:
        """The outputs of a FIFO or average order take its actual cost: by-products their fixed
        credit, outputs of standard-cost items their standard, and the outputs that take actual
        cost the rest, by their allocation shares among themselves. When none of them has a
        share, the order is settled as a standard one (the rest is variance)."""
        allocation = {o.line_no: o for o in ProductionOrderOutput.objects.filter(order=self.order)}
        totals: dict[tuple[int, int | None], Decimal] = defaultdict(Decimal)
        for entry in outputs:
            totals[(entry.item_id, entry.order_line)] += entry.quantity
        fixed: list[OutputShare] = []
        weighted: list[OutputShare] = []
        standard_ids: list[int] = []
        for entry in outputs:
            line = allocation.get(entry.order_line) if entry.order_line else None
            if line is not None and line.kind == ProductionOrderOutput.Kind.BY_PRODUCT:
                fixed.append(
                    OutputShare(key=entry.pk, fixed_value=self.ledger.original_expected(entry.pk))
                )
            elif entry.item.costing_method == METHOD.STANDARD:
                standard_ids.append(entry.pk)
            else:
                part = entry.quantity / totals[(entry.item_id, entry.order_line)]
                percent = (
                    self.order.main_allocation_percent
                    if line is None
                    else line.cost_allocation_percent
                )
                weighted.append(OutputShare(key=entry.pk, weight=percent * part))
        if not any(share.weight for share in weighted):
            self.settle_at_standard(outputs, actual)
            return
        # By-products take their fixed credit out of the actual cost first (REST: what is left).
        targets = allocate_output_cost(actual, [*fixed, OutputShare(key=REST, weight=ONE)])
        rest = targets.pop(REST)
        if standard_ids:
            standard = self.ledger.standard_by_output(order_standard_weights(self.order))
            for key in standard_ids:
                targets[key] = standard[key]
                for group, amount in standard[key].items():
                    rest[group] = rest.get(group, ZERO) - amount
        targets.update(allocate_output_cost(rest, weighted))
        for entry in outputs:
            changed = self.value_output(
                entry, targets.get(entry.pk, {}), valuation_date=entry.posting_date
            )
            if changed and entry.item.costing_method != METHOD.STANDARD:
                self.changed_outputs.append(entry)

    def value_output(
        self, entry: ItemLedgerEntry, targets: dict, *, valuation_date: dt.date
    ) -> bool:
        """Reverse an output entry's expected cost and bring its actual cost by cost group to
        ``targets``; True when its value changed."""
        rows = self.ledger.output_values(entry.pk)
        original = next((r for r in rows if not r["adjustment"]), rows[0] if rows else {})
        expected = sum((r["cost_amount_expected"] for r in rows), ZERO)
        current: dict[int | None, Decimal] = defaultdict(Decimal)
        for row in rows:
            if row["entry_type"] != VE.VARIANCE:
                current[row["cost_group_id"]] += row["cost_amount_actual"]
        common = {
            "wip_posting_group_id": original.get("wip_posting_group_id"),
            "wip_location_id": original.get("wip_location_id"),
            "applies_to_entry_id": original.get("id"),
            "valued_quantity": entry.quantity,
        }
        change = ZERO
        if expected:
            self.batch.add(
                new_value_entry(
                    entry,
                    cost_amount_expected=-expected,
                    cost_group_id=original.get("cost_group_id"),
                    description="Adjust Cost: expected cost reversed",
                    **common,
                ),
                valuation_date=valuation_date,
            )
            change -= expected
        for group in sorted(set(targets) | set(current), key=group_order):
            difference = targets.get(group, ZERO) - current.get(group, ZERO)
            if difference:
                self.batch.add(
                    new_value_entry(
                        entry,
                        cost_amount_actual=difference,
                        cost_per_unit=round_unit_cost(difference / entry.quantity),
                        cost_group_id=group,
                        description="Adjust Cost: actual cost",
                        **common,
                    ),
                    valuation_date=valuation_date,
                )
                change += difference
        return change != 0

    # ---------------------------------------------------------------- variances

    def post_variances(self, explained: dict, carrier: ItemLedgerEntry | None) -> None:
        current: dict[tuple, Decimal] = defaultdict(Decimal)
        for row in self.ledger.values:
            if row["entry_type"] == VE.VARIANCE:
                current[(row["cost_group_id"], row["variance_cause"])] += row["cost_amount_actual"]
        targets = {
            (group, cause): -amount
            for group, causes in explained.items()
            for cause, amount in causes.items()
        }
        linked = self.linked_sources()
        capacity_carrier = None
        for key in sorted(set(targets) | set(current), key=lambda k: (group_order(k[0]), k[1])):
            difference = targets.get(key, ZERO) - current.get(key, ZERO)
            if not difference:
                continue
            group, cause = key
            fields = {
                "entry_type": VE.VARIANCE,
                "variance_type": VARIANCE_TYPE.get(
                    self.group_types.get(group), ValueEntry.VarianceType.MATERIAL
                ),
                "variance_cause": cause,
                "cost_group_id": group,
                "cost_amount_actual": difference,
                "description": f"Variance: {cause.replace('_', ' ')}",
            }
            sources = self.links(group, cause, -difference, linked.get(key, set()))
            if carrier is not None:
                original = self.ledger.output_values(carrier.pk)[0]
                self.batch.add(
                    new_value_entry(
                        carrier,
                        valued_quantity=carrier.quantity,
                        applies_to_entry_id=original["id"],
                        wip_posting_group_id=original["wip_posting_group_id"],
                        wip_location_id=original["wip_location_id"],
                        **fields,
                    ),
                    valuation_date=self.valuation_date,
                    sources=sources,
                )
            else:
                # No output to carry it: the variance leaves WIP directly (Dr variance / Cr WIP).
                capacity_carrier = capacity_carrier or self.any_capacity_entry()
                order = self.order
                self.batch.add(
                    ValueEntry(
                        capacity_ledger_entry_id=capacity_carrier,
                        item_id=order.item_id,
                        posting_group_id=order.item.posting_group_id,
                        wip_posting_group_id=order.item.posting_group_id,
                        wip_location_id=order.location_id,
                        item_ledger_entry_type="",
                        order_type=ORDER_TYPE,
                        order_no=order.number,
                        applies_to_entry_id=sources[0][0] if sources else None,
                        **fields,
                    ),
                    valuation_date=self.valuation_date,
                    sources=sources,
                    carrier_order=None if capacity_carrier else order,
                )

    def any_capacity_entry(self) -> int | None:
        return max(self.ledger.capacity_entries, default=None)

    def linked_sources(self) -> dict[tuple, set[int]]:
        variance_ids = {
            row["id"]: (row["cost_group_id"], row["variance_cause"])
            for row in self.ledger.values
            if row["entry_type"] == VE.VARIANCE and row["id"]
        }
        linked: dict[tuple, set[int]] = defaultdict(set)
        for variance_id, source_id in VarianceSource.objects.filter(
            variance_entry_id__in=variance_ids
        ).values_list("variance_entry_id", "source_entry_id"):
            linked[variance_ids[variance_id]].add(source_id)
        return linked

    def source_rows(self) -> dict[variance.Source, list[dict]]:
        """The order's WIP entries by the source they belong to (a consumed item, an operation,
        a subcontracted operation); overhead carried on cost-only entries belongs to none."""
        by_source: dict[variance.Source, list[dict]] = defaultdict(list)
        capacity = self.ledger.capacity_entries
        for row in self.ledger.values:
            if not row["id"] or not self.ledger.is_wip_input(row):
                continue
            if row["item_ledger_entry_type"] == ILE.CONSUMPTION:
                by_source[("item", row["item_id"])].append(row)
                continue
            entry = capacity.get(row["capacity_ledger_entry_id"])
            if entry is not None and entry.operation_no.isdigit():
                kind = (
                    "service"
                    if entry.capacity_type == CapacityLedgerEntry.CapacityType.SUBCONTRACTING
                    else "operation"
                )
                by_source[(kind, int(entry.operation_no))].append(row)
        return by_source

    def links(
        self, group, cause: str, amount: Decimal, linked: set[int]
    ) -> list[tuple[int, Decimal]]:
        """Where a variance of ``amount`` came from: shared among its sources by what each
        contributed, and within a source among its entries not yet linked to this cause (the
        new ones: a later adjustment explains a later variance), else all of them."""
        rows_by_source = self.source_rows()
        weights = variance.source_weights(self.causes, group, cause)
        if not sum(weights.values(), ZERO):
            weights = {
                source: Decimal("1")
                for source, rows in rows_by_source.items()
                if any(r["cost_group_id"] == group for r in rows)
            }
        sources = sorted(weights)
        if not sources:
            return []
        result: list[tuple[int, Decimal]] = []
        shares = split_amount(amount, [weights[s] for s in sources])
        for source, share in zip(sources, shares, strict=True):
            rows = rows_by_source.get(source, [])
            rows = [r for r in rows if r["cost_group_id"] == group] or rows
            rows = [r for r in rows if r["id"] not in linked] or rows
            if not rows:
                continue
            row_weights = [abs(self.ledger.wip_input(r)) or Decimal("1") for r in rows]
            for row, part in zip(rows, split_amount(share, row_weights), strict=True):
                result.append((row["id"], part))
        return result

    # ---------------------------------------------------------------- causes

    def raw_causes(self) -> dict:
        order = self.order
        ledger = self.ledger
        good = self.good_quantity()
        scrap_by_operation: dict[int, Decimal] = defaultdict(Decimal)
        setup: dict[int, Decimal] = defaultdict(Decimal)
        run: dict[int, Decimal] = defaultdict(Decimal)
        service_quantity: dict[int, Decimal] = defaultdict(Decimal)
        for entry in ledger.capacity_entries.values():
            if not entry.operation_no.isdigit():
                continue
            number = int(entry.operation_no)
            scrap_by_operation[number] += entry.scrap_quantity
            setup[number] += entry.setup_time
            run[number] += entry.run_time
            if entry.capacity_type == CapacityLedgerEntry.CapacityType.SUBCONTRACTING:
                service_quantity[number] += entry.quantity
        # Cost posted on each operation's capacity entries, by cost group.
        cost: dict[tuple[int, int | None], Decimal] = defaultdict(Decimal)
        for row in ledger.values:
            entry = ledger.capacity_entries.get(row["capacity_ledger_entry_id"])
            if entry is not None and entry.operation_no.isdigit() and ledger.is_wip_input(row):
                cost[(int(entry.operation_no), row["cost_group_id"])] += amount_of(row)
        total_scrap = sum(scrap_by_operation.values(), ZERO)
        operations = list(order.operations.select_related("service_item"))
        numbers = {op.operation_no for op in operations}

        def scrap_after(number: int | None) -> Decimal:
            if number not in numbers:
                return total_scrap
            return sum((q for n, q in scrap_by_operation.items() if n >= number), ZERO)

        consumed_quantity: dict[int, Decimal] = defaultdict(Decimal)
        for entry in ledger.item_entries.values():
            if entry.entry_type == ILE.CONSUMPTION:
                consumed_quantity[entry.item_id] -= entry.quantity
        consumed_cost: dict[int, Decimal] = defaultdict(Decimal)
        for row in ledger.values:
            if row["item_ledger_entry_type"] == ILE.CONSUMPTION:
                consumed_cost[row["item_id"]] -= amount_of(row)
        lines: dict[int, list] = defaultdict(list)
        for component in order.components.all():
            lines[component.item_id].append(component)
        item_groups = dict(
            Item.objects.filter(pk__in=set(lines) | set(consumed_quantity)).values_list(
                "pk", "cost_group_id"
            )
        )
        components = []
        for item_id in sorted(set(lines) | set(consumed_quantity)):
            item_lines = lines.get(item_id, [])
            first = item_lines[0] if item_lines else None
            components.append(
                variance.ComponentUsage(
                    item_id=item_id,
                    cost_group_id=item_groups.get(item_id),
                    on_bom=bool(item_lines),
                    quantity_per=sum((_exact_quantity_per(c) for c in item_lines), ZERO),
                    scrap_percent=first.scrap_percent if first else ZERO,
                    standard_unit_cost=first.unit_cost_standard if first else ZERO,
                    actual_quantity=consumed_quantity.get(item_id, ZERO),
                    actual_cost=consumed_cost.get(item_id, ZERO),
                    scrap_units=scrap_after(first.operation_no if first else None),
                )
            )
        work, services = [], []
        for op in operations:
            if op.subcontracted:
                services.append(
                    variance.ServiceUsage(
                        operation_no=op.operation_no,
                        cost_group_id=op.service_item.cost_group_id if op.service_item else None,
                        standard_unit_cost=op.service_unit_cost,
                        actual_quantity=service_quantity[op.operation_no],
                        actual_cost=cost[
                            (
                                op.operation_no,
                                op.service_item.cost_group_id if op.service_item else None,
                            )
                        ],
                        scrap_units=scrap_after(op.operation_no),
                    )
                )
                continue
            work.append(
                variance.OperationUsage(
                    operation_no=op.operation_no,
                    setup_time=op.setup_time,
                    run_time=op.run_time,
                    lot_size=op.lot_size,
                    actual_setup=setup[op.operation_no],
                    actual_run=run[op.operation_no],
                    direct_cost_group_id=op.direct_cost_group_id,
                    direct_rate=op.direct_cost_per_hour,
                    actual_direct=cost[(op.operation_no, op.direct_cost_group_id)],
                    overhead_cost_group_id=op.overhead_cost_group_id,
                    overhead_rate=op.overhead_per_hour
                    + op.direct_cost_per_hour * op.overhead_percent / HUNDRED,
                    actual_overhead=cost[(op.operation_no, op.overhead_cost_group_id)],
                    scrap_units=scrap_after(op.operation_no),
                    work_center_id=op.work_center_id,
                )
            )
        return variance.raw_causes(
            good_quantity=good,
            components=components,
            operations=work,
            services=services,
            surcharges=self.surcharges,
            rates=self.rates,
        )


@transaction.atomic
def order_costs_settle(
    *, order_id: int, calendar: PostingCalendar, source_key: str
) -> SettleResult:
    """Follow overhead and settle one marked order (one transaction; see the module doc)."""
    if not unit_claim(ORDER_LOCK, order_id):
        return SettleResult(skipped=True)
    order = (
        ProductionOrder.objects.select_for_update(of=("self",))
        .select_related("item", "costing_sheet")
        .get(pk=order_id)
    )
    marks = list(CostAdjustmentMark.objects.filter(order_id=order_id).values_list("pk", flat=True))
    if not marks:
        return SettleResult()
    batch = AdjustmentBatch(
        calendar=calendar,
        source_key=f"{source_key}:order:{order_id}",
        description=f"Adjust Cost {order.number}",
    )
    settler = _Settler(order, batch)
    if order.status != ProductionOrder.Status.PLANNED:
        settler.follow_overhead()
    if order.is_finished:
        settler.settle()
    posted = batch.post()
    changed = settler.changed_outputs
    CostAdjustmentMark.objects.bulk_create(
        CostAdjustmentMark(
            item_id=e.item_id,
            location_id=e.location_id,
            item_ledger_entry_id=e.pk,
            from_date=e.posting_date,
        )
        for e in changed
    )
    CostAdjustmentMark.objects.filter(pk__in=marks).delete()
    return SettleResult(worked=True, value_entries=posted, item_ids={e.item_id for e in changed})
