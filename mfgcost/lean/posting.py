"""One posting on a production flow: the ledger rows of its events, then one journal entry.

``FlowPosting`` collects the item, capacity and value entries of one posted document (one
``InventoryPosting``) on one flow and the flow's WIP sub-ledger rows, then writes the value
entries and their journal entry through ``inventory.services.post_value_entries`` in one go.
Every value entry carries the flow's WIP location and posting group, so its accounts come from
the posting setup (see docs/lean.md for the table of what each event posts).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from mfgcost.core.errors import BusinessError
from mfgcost.core.money import ZERO, round_amount, round_unit_cost, split_amount
from mfgcost.costing.settlement import VARIANCE_TYPE
from mfgcost.inventory.models import (
    CapacityLedgerEntry,
    InventoryPosting,
    ItemLedgerEntry,
    ValueEntry,
)
from mfgcost.inventory.services import (
    apply_outbound_split,
    lock_items,
    new_value_entry,
    outbound_value_entries,
    post_value_entries,
    rounding_entry_if_empty,
)
from mfgcost.items.models import CostGroup, Item, StandardCostLine
from mfgcost.items.selectors import bom_version_valid_on, standard_cost_current

from .models import FLOW_ORDER_TYPE, FlowActivity, FlowWipEntry, KanbanJob, ProductionFlow

ILE = ItemLedgerEntry.EntryType
VE = ValueEntry.EntryType
CAPACITY = CapacityLedgerEntry.CapacityType
GT = CostGroup.GroupType
WIP = FlowWipEntry.Kind
FLOW_JOURNAL = "PROD"
RUN_JOURNAL = "COST"


def check_standard_item(item: Item, *, field_name: str) -> None:
    if item.costing_method != Item.CostingMethod.STANDARD:
        raise BusinessError(
            f"Item {item} is costed {item.get_costing_method_display()}; a production flow "
            "supplies only standard-cost items.",
            field=field_name,
            code="not_standard_cost",
        )
    if not item.is_stocked:
        raise BusinessError(f"Item {item} is a service.", field=field_name)


class FlowPosting:
    """The ledger rows of one posting on one flow; ``post()`` writes the value side."""

    def __init__(self, *, flow: ProductionFlow, posting: InventoryPosting, posting_date) -> None:
        self.flow = flow
        self.posting = posting
        self.posting_date = posting_date
        self.value_entries: list[ValueEntry] = []
        self.wip_rows: list[tuple[FlowWipEntry, int | None]] = []  # row, index of value entry
        self._cost_only: CapacityLedgerEntry | None = None

    def _refs(self) -> dict:
        return {"order_type": FLOW_ORDER_TYPE, "order_no": self.flow.code}

    def _wip(self) -> dict:
        return {
            "wip_posting_group_id": self.flow.posting_group_id,
            "wip_location_id": self.flow.wip_location_id,
        }

    def _row(self, value: ValueEntry | None, **fields) -> FlowWipEntry:
        index = None
        if value is not None:
            self.value_entries.append(value)
            index = len(self.value_entries) - 1
        row = FlowWipEntry(flow=self.flow, posting_date=self.posting_date, **fields)
        self.wip_rows.append((row, index))
        return row

    def _item_entry(self, item: Item, entry_type: str, quantity: Decimal) -> ItemLedgerEntry:
        return ItemLedgerEntry.objects.create(
            posting=self.posting,
            item=item,
            location=self.flow.site,
            entry_type=entry_type,
            posting_date=self.posting_date,
            document_no=self.posting.document_no,
            quantity=quantity,
            remaining_quantity=quantity,
            **self._refs(),
        )

    def capacity_entry(self, **fields) -> CapacityLedgerEntry:
        return CapacityLedgerEntry.objects.create(
            posting=self.posting,
            posting_date=self.posting_date,
            document_no=self.posting.document_no,
            **self._refs(),
            **fields,
        )

    def capacity_value(
        self, entry: CapacityLedgerEntry, *, entry_type: str, cost_group_id: int, amount, **fields
    ) -> ValueEntry:
        """A value entry of a capacity entry: its WIP side is the flow's WIP."""
        fields.setdefault("valued_quantity", ZERO)
        return ValueEntry(
            capacity_ledger_entry=entry,
            item_id=entry.item_id,
            posting_group_id=self.flow.posting_group_id,
            item_ledger_entry_type="",
            entry_type=entry_type,
            cost_group_id=cost_group_id,
            posting_date=self.posting_date,
            valuation_date=self.posting_date,
            cost_amount_actual=amount,
            **self._refs(),
            **self._wip(),
            **fields,
        )

    def cost_only_entry(self) -> CapacityLedgerEntry:
        if self._cost_only is None:
            self._cost_only = self.capacity_entry(description="Backflush costing")
        return self._cost_only

    # ------------------------------------------------------------------ events

    def stage(self, *, item: Item, quantity: Decimal, kanban=None, job=None) -> None:
        check_standard_item(item, field_name="item")
        locked = lock_items([item])[item.pk]
        entry = self._item_entry(locked, ILE.CONSUMPTION, -quantity)
        entry.item = locked
        values = outbound_value_entries(
            entry, apply_outbound_split(entry, negative_stock=False), **self._wip()
        )
        rounding = rounding_entry_if_empty(entry, values)
        if rounding is not None:
            rounding.wip_posting_group_id = self.flow.posting_group_id
            rounding.wip_location_id = self.flow.wip_location_id
            values.append(rounding)
        amount = -sum((v.cost_amount for v in values), ZERO)
        self.value_entries.extend(values[1:])
        self._row(
            values[0],
            kind=WIP.MATERIAL,
            cost_group_id=locked.cost_group_id,
            item=locked,
            quantity=quantity,
            amount=amount,
            kanban=kanban,
            job=job,
        )

    def receive(self, *, product: Item, quantity: Decimal, kanban=None, job=None) -> None:
        check_standard_item(product, field_name="product")
        product = lock_items([product])[product.pk]
        record = standard_cost_current(item=product)
        lines = list(
            StandardCostLine.objects.filter(standard_cost=record).select_related("cost_group")
            if record
            else []
        )
        lines = [line for line in lines if line.rolled_up]
        if not lines:
            raise BusinessError(
                f"Product {product} has no active standard cost breakdown.", field="product"
            )
        entry = self._item_entry(product, ILE.OUTPUT, quantity)
        entry.item = product
        total = round_amount(product.standard_cost * quantity)
        shares = split_amount(total, [line.rolled_up for line in lines])
        components = _material_weights(product, self.posting_date)
        for line, share in zip(lines, shares, strict=True):
            if not share:
                continue
            value = new_value_entry(
                entry,
                cost_group_id=line.cost_group_id,
                cost_amount_actual=share,
                cost_per_unit=line.rolled_up,
                **self._wip(),
            )
            group = line.cost_group
            parts = (
                components.get(line.cost_group_id)
                if group.group_type == GT.DIRECT_MATERIAL
                else None
            )
            if not parts:
                self._row(
                    value,
                    kind=WIP.PRODUCT,
                    cost_group_id=group.pk,
                    product=product,
                    quantity=-quantity,
                    amount=-share,
                    kanban=kanban,
                    job=job,
                )
                continue
            amounts = split_amount(share, [weight for _, _, weight in parts])
            for index, ((component_id, per_unit, _), amount) in enumerate(
                zip(parts, amounts, strict=True)
            ):
                # The first part carries the value entry; together the parts are its amount.
                self._row(
                    value if index == 0 else None,
                    kind=WIP.PRODUCT,
                    cost_group_id=group.pk,
                    item_id=component_id,
                    product=product,
                    quantity=-(per_unit * quantity),
                    amount=-amount,
                    kanban=kanban,
                    job=job,
                )

    def conversion(self, *, activity: FlowActivity, hours: Decimal, job: KanbanJob) -> None:
        cell = activity.work_cell
        if not cell.direct_cost_group_id:
            raise BusinessError(f"Work cell {cell} has no direct cost group.", field="activity")
        entry = self.capacity_entry(
            capacity_type=CAPACITY.WORK_CENTER,
            work_center=cell,
            item_id=job.kanban.item_id,
            operation_no=activity.code[:10],
            run_time=hours,
            quantity=job.kanban.quantity,
        )
        amount = round_amount(hours * cell.direct_cost_per_hour)
        value = self.capacity_value(
            entry,
            entry_type=VE.DIRECT_COST,
            cost_group_id=cell.direct_cost_group_id,
            amount=amount,
            valued_quantity=hours,
            cost_per_unit=cell.direct_cost_per_hour,
            description=f"Run time {activity.code}",
        )
        self._row(
            value,
            kind=WIP.CONVERSION,
            cost_group_id=cell.direct_cost_group_id,
            product_id=job.kanban.item_id,
            quantity=hours,
            amount=amount,
            job=job,
        )

    def outsourcing(
        self, *, activity: FlowActivity, quantity: Decimal, price: Decimal, job: KanbanJob
    ) -> None:
        service = activity.service_item
        entry = self.capacity_entry(
            capacity_type=CAPACITY.SUBCONTRACTING,
            item_id=job.kanban.item_id,
            operation_no=activity.code[:10],
            quantity=quantity,
        )
        amount = round_amount(quantity * price)
        value = self.capacity_value(
            entry,
            entry_type=VE.DIRECT_COST,
            cost_group_id=service.cost_group_id,
            amount=amount,
            valued_quantity=quantity,
            cost_per_unit=price,
            description=f"Service {service} by {activity.vendor}",
        )
        self._row(
            value,
            kind=WIP.OUTSOURCING,
            cost_group_id=service.cost_group_id,
            item=service,
            product_id=job.kanban.item_id,
            quantity=quantity,
            amount=amount,
            standard_amount=round_amount(quantity * service.standard_cost),
            vendor_id=activity.vendor_id,
            job=job,
        )

    def indirect(self, *, cost_group_id: int, amount: Decimal, run_flow) -> None:
        value = self.capacity_value(
            self.cost_only_entry(),
            entry_type=VE.INDIRECT_COST,
            cost_group_id=cost_group_id,
            amount=amount,
            description="Indirect cost on consumed material",
        )
        self._row(
            value, kind=WIP.INDIRECT, cost_group_id=cost_group_id, amount=amount, run_flow=run_flow
        )

    def variance(
        self, *, cost_group: CostGroup, item_id, cause: str, amount: Decimal, run_flow
    ) -> None:
        """Post ``amount`` (more used than standard: positive) from WIP to the variance account."""
        value = self.capacity_value(
            self.cost_only_entry(),
            entry_type=VE.VARIANCE,
            variance_type=VARIANCE_TYPE[cost_group.group_type],
            variance_cause=cause,
            cost_group_id=cost_group.pk,
            amount=-amount,
            description="Backflush variance",
        )
        self._row(
            value,
            kind=WIP.VARIANCE,
            cost_group_id=cost_group.pk,
            item_id=item_id,
            amount=-amount,
            run_flow=run_flow,
        )

    def post(self, *, period, user=None, journal: str = FLOW_JOURNAL) -> list[FlowWipEntry]:
        written = post_value_entries(
            posting=self.posting,
            entries=self.value_entries,
            journal=journal,
            user=user,
            period=period,
        )
        rows = []
        for row, index in self.wip_rows:
            if index is not None:
                row.value_entry = written[index]
            rows.append(row)
        return FlowWipEntry.objects.bulk_create(rows)


def _material_weights(product: Item, day: dt.date) -> dict[int, list[tuple[int, Decimal, Decimal]]]:
    """Per material cost group: (component id, quantity per unit, weight) of the product's BOM
    valid on ``day``; the weight (quantity x the component's standard) splits the group."""
    bom = bom_version_valid_on(item=product, on=day)
    if bom is None:
        return {}
    groups: dict[int, list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
    for line in bom.lines.select_related("component"):
        component = line.component
        per_unit = round_unit_cost(
            line.quantity_per / bom.quantity * (100 + line.scrap_percent) / 100
        )
        if component.cost_group_id:
            groups[component.cost_group_id].append(
                (component.pk, per_unit, per_unit * component.standard_cost or per_unit)
            )
    return groups
