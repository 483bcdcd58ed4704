"""Building one production posting: consumption, time, output and their overhead.

``OrderPosting`` collects the ledger rows of one posted document (one ``InventoryPosting``) on
one production order, then writes its value entries and their journal entry in one go. Every
production service in ``services.py`` is a transaction that makes one of these.

What each part writes (accounts from ``mfgcost.inventory.posting``):

* consumption: an outbound consumption entry applied to stock (FIFO, average or standard
  cost), Dr WIP / Cr inventory; a return (negative consumption) is an inbound consumption
  entry costed from the order's earlier consumption it reverses, Dr inventory / Cr WIP;
* time: a capacity entry with direct cost at the work centre's rate (Dr WIP / Cr direct cost
  applied) and capacity overhead per hour plus % of direct (Dr WIP / Cr overhead applied);
* subcontracted operation: a capacity entry of the service (Dr WIP / Cr subcontracting applied);
* output: an inbound output entry at standard as expected cost (Dr finished goods / Cr WIP),
  with co- and by-products, and the operation's quantity and scrap on a capacity entry;
* manufacturing overhead (costing sheet): with every posting that adds a base cost to the
  order, an indirect-cost value entry of the overhead cost group (Dr WIP / Cr overhead
  applied) -- surcharge % of the base it adds, rate per hour of its time, rate per unit or kg of
  its output -- on the posting's capacity entry (or, for consumption and output, on a cost-only
  capacity entry of the order without work centre or time).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from mfgcost.core.errors import BusinessError
from mfgcost.core.money import ZERO, round_amount, round_unit_cost
from mfgcost.inventory.models import (
    CapacityLedgerEntry,
    InventoryPosting,
    ItemLedgerEntry,
    Location,
    ValueEntry,
)
from mfgcost.inventory.services import (
    PostingResult,
    apply_outbound_split,
    cover_open_outbound,
    entry_values,
    item_unit_cost_update,
    new_value_entry,
    outbound_value_entries,
    post_value_entries,
    rounding_entry_if_empty,
)
from mfgcost.items.models import Item

from . import estimate, selectors
from .models import (
    ORDER_TYPE,
    ConsumptionReturn,
    ProductionOrder,
    ProductionOrderComponent,
    ProductionOrderOperation,
)

ILE = ItemLedgerEntry.EntryType
VE = ValueEntry.EntryType
CAPACITY = CapacityLedgerEntry.CapacityType
PRODUCTION_JOURNAL = "PROD"


def _fmt(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


class OrderPosting:
    """The rows of one posting on one released order; ``post()`` writes the value side."""

    def __init__(
        self,
        *,
        order: ProductionOrder,
        posting: InventoryPosting,
        posting_date: dt.date,
        items: dict[int, Item],
        document_no: str = "",
    ) -> None:
        self.order = order
        self.posting = posting
        self.posting_date = posting_date
        self.items = items  # locked rows, by id
        self.document_no = document_no
        self.item_entries: list[ItemLedgerEntry] = []
        self.capacity_entries: list[CapacityLedgerEntry] = []
        self.value_entries: list[ValueEntry] = []
        # What this posting adds to the order, for manufacturing overhead.
        self.base: dict[int, Decimal] = defaultdict(Decimal)
        self.hours_by_work_center: dict[int, Decimal] = defaultdict(Decimal)
        self.units = ZERO
        self.kilograms = ZERO
        # Non-standard items whose stock this posting moves: their unit cost is refreshed once.
        self.costed_items: set[int] = set()
        # The capacity entry that carries manufacturing overhead (see ``overhead``).
        self.overhead_carrier: CapacityLedgerEntry | None = None

    # ------------------------------------------------------------------ helpers

    def _order_refs(self) -> dict:
        return {"order_type": ORDER_TYPE, "order_no": self.order.number}

    def _wip(self) -> dict:
        return {
            "wip_posting_group_id": self.order.item.posting_group_id,
            "wip_location_id": self.order.location_id,
        }

    def _item_entry(
        self,
        *,
        item: Item,
        location: Location,
        entry_type: str,
        quantity: Decimal,
        order_line: int | None,
        description: str = "",
    ) -> ItemLedgerEntry:
        entry = ItemLedgerEntry.objects.create(
            posting=self.posting,
            item=item,
            location=location,
            entry_type=entry_type,
            posting_date=self.posting_date,
            document_no=self.document_no,
            description=description,
            quantity=quantity,
            remaining_quantity=quantity,
            order_line=order_line,
            **self._order_refs(),
        )
        self.item_entries.append(entry)
        if item.costing_method != Item.CostingMethod.STANDARD:
            self.costed_items.add(item.pk)
        return entry

    def _item_value(self, entry: ItemLedgerEntry, **fields) -> ValueEntry:
        value = new_value_entry(entry, **self._wip(), **fields)
        self.value_entries.append(value)
        return value

    def capacity_entry(self, **fields) -> CapacityLedgerEntry:
        entry = CapacityLedgerEntry.objects.create(
            posting=self.posting,
            item=self.order.item,
            posting_date=self.posting_date,
            document_no=self.document_no,
            **self._order_refs(),
            **fields,
        )
        self.capacity_entries.append(entry)
        return entry

    def capacity_value(
        self,
        entry: CapacityLedgerEntry,
        *,
        entry_type: str,
        cost_group_id: int | None,
        amount: Decimal,
        valued_quantity: Decimal = ZERO,
        cost_per_unit: Decimal = ZERO,
        description: str = "",
    ) -> ValueEntry:
        """A value entry of a capacity entry: Dr WIP / Cr the applied account of its group."""
        value = ValueEntry(
            capacity_ledger_entry=entry,
            item=self.order.item,
            posting_group_id=self.order.item.posting_group_id,
            item_ledger_entry_type="",
            entry_type=entry_type,
            cost_group_id=cost_group_id,
            posting_date=self.posting_date,
            valuation_date=self.posting_date,
            valued_quantity=valued_quantity,
            cost_amount_actual=amount,
            cost_per_unit=cost_per_unit,
            description=description,
            **self._order_refs(),
            **self._wip(),
        )
        self.value_entries.append(value)
        if cost_group_id is not None:
            self.base[cost_group_id] += amount
        return value

    # ------------------------------------------------------------------ consumption

    def consume(
        self,
        *,
        item_id: int,
        quantity: Decimal,
        location: Location,
        component: ProductionOrderComponent | None,
        field_name: str = "quantity",
    ) -> ItemLedgerEntry:
        """Consume ``quantity`` (> 0) of an item, or return ``-quantity`` (< 0) to stock."""
        item = self.items[item_id]
        if location.blocked:
            raise BusinessError(f"Location {location} is blocked.", field="location")
        line = component.line_no if component is not None else None
        if quantity < 0:
            return self._return(
                item=item,
                quantity=-quantity,
                location=location,
                order_line=line,
                field_name=field_name,
            )
        entry = self._item_entry(
            item=item,
            location=location,
            entry_type=ILE.CONSUMPTION,
            quantity=-quantity,
            order_line=line,
        )
        values = outbound_value_entries(
            entry, apply_outbound_split(entry, field_name=field_name), **self._wip()
        )
        rounding = rounding_entry_if_empty(entry, self.value_entries + values)
        if rounding is not None:
            rounding.wip_posting_group_id = self.order.item.posting_group_id
            rounding.wip_location_id = self.order.location_id
            values.append(rounding)
        self.value_entries += values
        if item.cost_group_id is not None:
            self.base[item.cost_group_id] -= sum((v.cost_amount for v in values), ZERO)
        return entry

    def _return(
        self,
        *,
        item: Item,
        quantity: Decimal,
        location: Location,
        order_line: int | None,
        field_name: str,
    ) -> ItemLedgerEntry:
        """Negative consumption: back to stock at the cost of the consumption it reverses."""
        open_entries = selectors.open_consumption_entries(self.order, item)
        returnable = sum((left for _, left in open_entries), ZERO)
        if quantity > returnable:
            raise BusinessError(
                f"Order {self.order} has consumed {_fmt(returnable)} of item {item} not yet "
                f"returned; {_fmt(quantity)} cannot be returned.",
                field=field_name,
            )
        entry = self._item_entry(
            item=item,
            location=location,
            entry_type=ILE.CONSUMPTION,
            quantity=quantity,
            order_line=order_line,
            description="Return to stock",
        )
        values = entry_values([consumption.pk for consumption, _ in open_entries])
        cost = ZERO
        left = quantity
        returns = []
        for consumption, open_quantity in open_entries:
            if left <= 0:
                break
            take = min(left, open_quantity)
            cost += values[consumption.pk] / consumption.quantity * take
            returns.append(
                ConsumptionReturn(return_entry=entry, consumption_entry=consumption, quantity=take)
            )
            left -= take
        ConsumptionReturn.objects.bulk_create(returns)
        cost = round_amount(cost)
        self._item_value(
            entry, cost_amount_actual=cost, cost_per_unit=round_unit_cost(cost / quantity)
        )
        self._cover_negative_stock(entry, unit_cost=cost / quantity)
        if item.cost_group_id is not None:
            self.base[item.cost_group_id] -= cost
        return entry

    # ------------------------------------------------------------------ time

    def time(
        self, *, operation: ProductionOrderOperation, setup_time: Decimal, run_time: Decimal
    ) -> CapacityLedgerEntry:
        """Setup and run hours on an operation at the work centre's current rates."""
        work_center = operation.work_center
        hours = setup_time + run_time
        entry = self.capacity_entry(
            capacity_type=CAPACITY.WORK_CENTER,
            work_center=work_center,
            operation_no=str(operation.operation_no),
            setup_time=setup_time,
            run_time=run_time,
            description=operation.description,
        )
        cost = estimate.capacity_cost(
            hours=hours,
            direct_cost_per_hour=work_center.direct_cost_per_hour,
            overhead_per_hour=work_center.overhead_per_hour,
            overhead_percent=work_center.overhead_percent,
        )
        for amount, group_id, entry_type, rate in (
            (
                cost.direct,
                work_center.direct_cost_group_id,
                VE.DIRECT_COST,
                work_center.direct_cost_per_hour,
            ),
            (cost.overhead, work_center.overhead_cost_group_id, VE.INDIRECT_COST, ZERO),
        ):
            if amount and group_id is None:
                raise BusinessError(
                    f"Work centre {work_center} has no cost group for its "
                    f"{'direct cost' if entry_type == VE.DIRECT_COST else 'overhead'}.",
                    field="operation_no",
                )
            if amount:
                self.capacity_value(
                    entry,
                    entry_type=entry_type,
                    cost_group_id=group_id,
                    amount=amount,
                    valued_quantity=hours,
                    cost_per_unit=rate,
                )
        self.hours_by_work_center[work_center.pk] += hours
        return entry

    # ------------------------------------------------------------------ output

    def check_output_allowed(
        self, *, operation_no: int | None, good_quantity: Decimal, field_name: str
    ) -> None:
        """Good output on an operation (or of the item) may not pass quantity + tolerance."""
        if operation_no is None:
            reported = selectors.output_quantity(self.order)
        else:
            reported = selectors.operation_reported_quantity(self.order, operation_no)
        allowed = estimate.allowed_output(
            order_quantity=self.order.quantity,
            tolerance_percent=self.order.output_tolerance_percent,
        )
        if reported + good_quantity > allowed:
            raise BusinessError(
                f"Output of {_fmt(reported + good_quantity)} would pass the {_fmt(allowed)} "
                f"allowed for order {self.order} ({_fmt(reported)} already reported).",
                field=field_name,
            )

    def backflush(
        self,
        *,
        operation_no: int | None,
        is_last: bool,
        quantity: Decimal,
        exclude_lines: frozenset[int] = frozenset(),
    ) -> None:
        """Consume the backward-flushed components of an operation for ``quantity`` produced
        (good plus scrap). Components not tied to an operation of the order go with the last."""
        operation_nos = {op.operation_no for op in self.order.operations.all()}
        for component in self.order.components.all():
            if component.flushing_method != ProductionOrderComponent.Flushing.BACKWARD:
                continue
            if component.line_no in exclude_lines:
                continue
            tied = component.operation_no in operation_nos
            if (tied and component.operation_no != operation_no) or (not tied and not is_last):
                continue
            flushed = estimate.flush_quantity(
                quantity_per=component.quantity_per,
                scrap_percent=component.scrap_percent,
                output_quantity=quantity,
                formula_quantity=component.formula_quantity,
                formula_size=component.formula_size,
            )
            if flushed:
                self.consume(
                    item_id=component.item_id,
                    quantity=flushed,
                    location=component.location,
                    component=component,
                )

    def output(self, *, good_quantity: Decimal) -> None:
        """Output of the order's item (and its co- and by-products) at expected cost."""
        order = self.order
        item = self.items[order.item_id]
        unit = (
            item.standard_cost
            if item.costing_method == Item.CostingMethod.STANDARD
            else order.unit_cost_standard
        )
        self._output_entry(item=item, quantity=good_quantity, unit_cost=unit, order_line=None)
        for output in order.outputs.select_related("item"):
            quantity = round_unit_cost(output.quantity_per * good_quantity)
            if quantity <= 0:
                continue
            unit = (
                output.unit_cost_standard
                if output.kind == output.Kind.CO_PRODUCT
                else output.fixed_credit_per_unit
            )
            self._output_entry(
                item=self.items[output.item_id],
                quantity=quantity,
                unit_cost=unit,
                order_line=output.line_no,
            )
        self.units += good_quantity
        self.kilograms += good_quantity * item.net_weight_kg

    def _output_entry(
        self, *, item: Item, quantity: Decimal, unit_cost: Decimal, order_line: int | None
    ) -> None:
        entry = self._item_entry(
            item=item,
            location=self.order.location,
            entry_type=ILE.OUTPUT,
            quantity=quantity,
            order_line=order_line,
        )
        self._item_value(
            entry, cost_amount_expected=round_amount(unit_cost * quantity), cost_per_unit=unit_cost
        )
        self._cover_negative_stock(entry, unit_cost=unit_cost)

    def _cover_negative_stock(self, entry: ItemLedgerEntry, *, unit_cost: Decimal) -> None:
        """Apply an inbound entry to open (negative-stock) outbound entries, correcting their
        provisional cost, and clear a rounding residue if that leaves the location empty."""
        corrections = cover_open_outbound(entry, unit_cost=unit_cost)
        if not corrections:
            return
        rounding = rounding_entry_if_empty(entry, self.value_entries + corrections)
        self.value_entries += corrections + ([rounding] if rounding is not None else [])

    # ------------------------------------------------------------------ write

    def overhead(self) -> None:
        """Manufacturing overhead of what this posting added, from the order's costing sheet."""
        surcharges, rates = selectors.costing_sheet_rules(self.order.costing_sheet)
        amounts: dict[int, Decimal] = defaultdict(Decimal)
        for part in (
            estimate.surcharge_overhead(surcharges, self.base),
            estimate.rate_overhead(
                rates,
                hours_by_work_center=self.hours_by_work_center,
                units=self.units,
                kilograms=self.kilograms,
            ),
        ):
            for group, amount in part.items():
                amounts[group] += amount
        amounts = {g: a for g, a in amounts.items() if a}
        if not amounts:
            return
        carrier = self.overhead_carrier
        if carrier is None and len(self.capacity_entries) == 1:
            if self.capacity_entries[0].work_center_id:
                carrier = self.capacity_entries[0]
        if carrier is None:
            carrier = self.capacity_entry(
                capacity_type=CAPACITY.WORK_CENTER, description="Manufacturing overhead"
            )
        for group, amount in sorted(amounts.items()):
            self.capacity_value(
                carrier,
                entry_type=VE.INDIRECT_COST,
                cost_group_id=group,
                amount=amount,
                description="Manufacturing overhead",
            )

    def post(self, *, description: str = "", user=None) -> PostingResult:
        self.overhead()
        values = post_value_entries(
            posting=self.posting,
            entries=self.value_entries,
            description=description or f"{self.posting.kind} {self.order.number}",
            journal=PRODUCTION_JOURNAL,
            user=user,
            cost_object=self.order.item.cost_object,
        )
        for item_id in sorted(self.costed_items):
            item_unit_cost_update(item=self.items[item_id])
        return PostingResult(
            posting=self.posting,
            created=True,
            item_entries=self.item_entries,
            value_entries=values,
        )
