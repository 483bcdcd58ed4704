"""Writes of subcontracting: orders, worksheet, material, vendor messages, receipts, invoices.

Every service is a transaction. Documents that post (shipments, receipts, invoices) are
idempotent on ``source_key``: a repeat returns the document posted the first time. Quantities
received and invoiced are checked against the order line while its row is locked, so two
receipts racing for the last open quantity cannot both pass. Bad input raises ``BusinessError``
naming the field as the API shows it (``lines[0].quantity``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger.services import LineDraft, journal_entry_post
from mfgcost.core.errors import BusinessError, ConflictError
from mfgcost.core.money import ZERO, round_amount
from mfgcost.inventory.locks import documents_lock, periods_lock
from mfgcost.inventory.models import Location
from mfgcost.inventory.posting import SetupResolver
from mfgcost.inventory.services import clean_quantity, clean_unit_cost, transfer_post
from mfgcost.production.models import (
    ProductionOrder,
    ProductionOrderComponent,
    ProductionOrderOperation,
)

from . import selectors
from .matching import (
    LineProgress,
    applied_share,
    max_receipt_quantity,
    order_status_after,
    price_within_tolerance,
)
from .models import (
    DocumentSequence,
    MaterialShipment,
    MaterialShipmentLine,
    ShipmentNotice,
    ShipmentNoticeLine,
    SubcontractingOrder,
    SubcontractingOrderLine,
    SubcontractingReceipt,
    Vendor,
    VendorInvoice,
    VendorInvoiceLine,
    VendorReport,
    VendorReportConsumption,
    WorksheetProposal,
)

STATUS = SubcontractingOrder.Status
ORDER_TYPE = "subcontracting"
JOURNAL = "SUB"
RECEIVING_STATUSES = (STATUS.SENT, STATUS.ACKNOWLEDGED, STATUS.PARTLY_RECEIVED, STATUS.RECEIVED)
SHIPPING_STATUSES = (STATUS.SENT, STATUS.ACKNOWLEDGED, STATUS.PARTLY_RECEIVED)


# --------------------------------------------------------------------------- helpers


def _user_or_none(user):
    return user if (user is not None and user.is_authenticated) else None


def document_number_next(*, code: str) -> str:
    """The next number of a document kind (``SC000001``), gapless under the row lock."""
    sequence = DocumentSequence.objects.select_for_update().filter(code=code).first()
    if sequence is None:
        try:
            with transaction.atomic():
                DocumentSequence.objects.create(code=code)
        except IntegrityError:
            pass  # created by a concurrent transaction; lock it below
        sequence = DocumentSequence.objects.select_for_update().get(code=code)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{code}{sequence.last_number:06d}"


def _clean_quantity(value: object, field: str, *, allow_zero: bool = False) -> Decimal:
    return clean_quantity(value, field_name=field, allow_zero=allow_zero)


def _require_vendor_usable(vendor: Vendor, *, field: str = "vendor") -> None:
    if vendor.blocked:
        raise BusinessError(f"Vendor {vendor} is blocked.", field=field)


def _vendor_location(vendor: Vendor) -> Location:
    if vendor.location_id is None:
        raise BusinessError(
            f"Vendor {vendor} has no location for our material; set one first.", field="vendor"
        )
    return vendor.location


def _operation_components(line: SubcontractingOrderLine) -> dict[int, ProductionOrderComponent]:
    """The production order's components consumed at the line's operation, by id."""
    return {
        component.pk: component
        for component in ProductionOrderComponent.objects.filter(
            order_id=line.production_order_id, operation_no=line.operation.operation_no
        ).select_related("item")
    }


def _order_status_refresh(order: SubcontractingOrder) -> SubcontractingOrder:
    lines = [
        LineProgress(
            quantity=line.quantity,
            received=line.received_quantity,
            invoiced=line.invoiced_quantity,
            cancelled=line.cancelled,
        )
        for line in order.lines.all()
    ]
    status = order_status_after(order.status, lines)
    if status != order.status:
        order.status = status
        order.save(update_fields=["status"])
    return order


def _lock_order(order: SubcontractingOrder) -> SubcontractingOrder:
    return (
        SubcontractingOrder.objects.select_for_update(of=("self",))
        .select_related("vendor")
        .get(pk=order.pk)
    )


# --------------------------------------------------------------------------- orders


@dataclass(frozen=True)
class OrderLineDraft:
    """A subcontracted operation to order; empty fields come from the price list and order."""

    operation: ProductionOrderOperation
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    due_date: dt.date | None = None


def _operation_vendor(operation: ProductionOrderOperation) -> Vendor | None:
    return operation.vendor or operation.work_center.vendor


def _line_terms(
    *, vendor: Vendor, operation: ProductionOrderOperation, quantity: Decimal, on_date: dt.date
) -> tuple[Decimal, dt.date]:
    """Price and due date for an operation: the price list, else the operation's own price.

    The due date is the order date plus the price list's lead time when it has one, else the
    production order's due date.
    """
    row = selectors.service_price_for(
        vendor=vendor, service_item=operation.service_item, quantity=quantity, on_date=on_date
    )
    price = row.unit_price if row is not None else operation.service_unit_cost
    if row is not None and row.lead_time_days:
        due = on_date + dt.timedelta(days=row.lead_time_days)
    else:
        due = operation.order.due_date
    return price, due


@transaction.atomic
def subcontracting_order_create(
    *,
    vendor: Vendor,
    lines: Sequence[OrderLineDraft],
    order_date: dt.date,
    notes: str = "",
    user=None,
) -> SubcontractingOrder:
    """A draft order to ``vendor`` with one line per subcontracted operation."""
    _require_vendor_usable(vendor)
    if not lines:
        raise BusinessError("An order needs at least one line.", field="lines")
    operations = (
        ProductionOrderOperation.objects.select_for_update(of=("self",))
        .filter(pk__in=[draft.operation.pk for draft in lines])
        .select_related("order", "work_center", "service_item")
        .order_by("pk")
    )
    locked = {op.pk: op for op in operations}
    prepared = []
    seen: set[int] = set()
    for index, draft in enumerate(lines):
        name = f"lines[{index}]"
        operation = locked[draft.operation.pk]
        if operation.pk in seen:
            raise BusinessError("The operation is on the order twice.", field=f"{name}.operation")
        seen.add(operation.pk)
        if not operation.subcontracted:
            raise BusinessError(
                f"Operation {operation} is not subcontracted.", field=f"{name}.operation"
            )
        if operation.order.status != ProductionOrder.Status.RELEASED:
            raise BusinessError(
                f"Production order {operation.order} is not released.", field=f"{name}.operation"
            )
        if SubcontractingOrderLine.objects.filter(operation=operation, cancelled=False).exists():
            raise BusinessError(
                f"Operation {operation} is already on a subcontracting order.",
                field=f"{name}.operation",
            )
        quantity = (
            operation.order.quantity
            if draft.quantity is None
            else _clean_quantity(draft.quantity, f"{name}.quantity")
        )
        price, due = _line_terms(
            vendor=vendor, operation=operation, quantity=quantity, on_date=order_date
        )
        if draft.unit_price is not None:
            price = clean_unit_cost(draft.unit_price, field_name=f"{name}.unit_price")
        prepared.append((operation, quantity, price, draft.due_date or due))
    order = SubcontractingOrder.objects.create(
        number=document_number_next(code="SC"),
        vendor=vendor,
        order_date=order_date,
        due_date=min(due for *_, due in prepared),
        notes=notes,
        created_by=_user_or_none(user),
    )
    for line_no, (operation, quantity, price, due) in enumerate(prepared, start=1):
        SubcontractingOrderLine.objects.create(
            order=order,
            line_no=line_no * 10,
            production_order=operation.order,
            operation=operation,
            service_item=operation.service_item,
            quantity=quantity,
            unit_price=price,
            due_date=due,
            over_receipt_tolerance_percent=vendor.over_receipt_tolerance_percent,
            max_receipt_quantity=max_receipt_quantity(
                quantity, vendor.over_receipt_tolerance_percent
            ),
        )
    WorksheetProposal.objects.filter(
        operation_id__in=seen, status=WorksheetProposal.Status.PROPOSED
    ).update(status=WorksheetProposal.Status.REJECTED)
    return order


@transaction.atomic
def subcontracting_order_send(*, order: SubcontractingOrder, user=None) -> SubcontractingOrder:
    """Send a draft order to the vendor (from then on the vendor sees it); repeat: no-op."""
    order = _lock_order(order)
    if order.status != STATUS.DRAFT:
        if order.sent_at is not None and order.status != STATUS.CANCELLED:
            return order
        raise ConflictError(f"Order {order} is {order.get_status_display()}.", field="status")
    _require_vendor_usable(order.vendor)
    if not order.lines.filter(cancelled=False).exists():
        raise BusinessError("An order needs at least one line.", field="lines")
    order.status = STATUS.SENT
    order.sent_at = timezone.now()
    order.save(update_fields=["status", "sent_at"])
    return order


@transaction.atomic
def subcontracting_order_cancel(*, order: SubcontractingOrder, user=None) -> SubcontractingOrder:
    """Cancel an order nothing has been received on; its operations can be ordered again."""
    order = _lock_order(order)
    if order.status == STATUS.CANCELLED:
        return order
    if order.status not in (STATUS.DRAFT, STATUS.SENT, STATUS.ACKNOWLEDGED):
        raise ConflictError(
            f"Order {order} is {order.get_status_display()}; only orders with nothing received "
            "can be cancelled.",
            field="status",
        )
    order.lines.update(cancelled=True)
    order.status = STATUS.CANCELLED
    order.save(update_fields=["status"])
    return order


@transaction.atomic
def subcontracting_order_close(*, order: SubcontractingOrder, user=None) -> SubcontractingOrder:
    """Close an order whose receipts are all invoiced (also short: less received than ordered)."""
    order = _lock_order(order)
    if order.status == STATUS.CLOSED:
        return order
    if order.status not in (STATUS.INVOICED, STATUS.RECEIVED, STATUS.PARTLY_RECEIVED):
        raise ConflictError(f"Order {order} is {order.get_status_display()}.", field="status")
    for line in order.lines.filter(cancelled=False):
        if line.invoiced_quantity != line.received_quantity:
            raise BusinessError(
                f"Line {line.line_no} has received quantity not yet invoiced.", field="status"
            )
    order.status = STATUS.CLOSED
    order.save(update_fields=["status"])
    return order


@transaction.atomic
def subcontracting_order_acknowledge(
    *,
    order: SubcontractingOrder,
    promised_date: dt.date,
    vendor_reference: str = "",
    user=None,
) -> SubcontractingOrder:
    """The vendor confirms the order and promises a date (again: the promise is updated)."""
    order = _lock_order(order)
    if order.status not in (STATUS.SENT, STATUS.ACKNOWLEDGED, STATUS.PARTLY_RECEIVED):
        raise ConflictError(
            f"Order {order} is {order.get_status_display()} and cannot be acknowledged.",
            field="status",
        )
    if promised_date < order.order_date:
        raise BusinessError("The promised date is before the order date.", field="promised_date")
    order.promised_date = promised_date
    order.vendor_reference = vendor_reference
    order.acknowledged_at = timezone.now()
    if order.status == STATUS.SENT:
        order.status = STATUS.ACKNOWLEDGED
    order.save(update_fields=["promised_date", "vendor_reference", "acknowledged_at", "status"])
    return order


# --------------------------------------------------------------------------- release and worksheet


def _proposal_for(operation: ProductionOrderOperation, vendor: Vendor, on_date: dt.date):
    quantity = operation.order.quantity
    price, due = _line_terms(vendor=vendor, operation=operation, quantity=quantity, on_date=on_date)
    return WorksheetProposal(
        operation=operation,
        production_order=operation.order,
        vendor=vendor,
        service_item=operation.service_item,
        quantity=quantity,
        unit_price=price,
        due_date=due,
    )


def production_order_released_handle(*, order: ProductionOrder, user=None) -> list:
    """Order (or propose) the subcontracted operations of an order being released.

    Runs inside the release transaction. Operations of a vendor set to automatic become draft
    orders, one per vendor (sent at once for ``automatic_send``); the others, and those of a
    blocked vendor, become worksheet proposals. Operations without a vendor wait for one.
    """
    on_date = order.released_on or timezone.localdate()
    operations = (
        order.operations.filter(subcontracted=True)
        .select_related("order", "work_center__vendor", "vendor", "service_item")
        .order_by("operation_no")
    )
    automatic: dict[Vendor, list[OrderLineDraft]] = defaultdict(list)
    proposals = []
    for operation in operations:
        vendor = _operation_vendor(operation)
        if vendor is None:
            continue
        if SubcontractingOrderLine.objects.filter(operation=operation, cancelled=False).exists():
            continue
        if vendor.order_creation != Vendor.OrderCreation.WORKSHEET and not vendor.blocked:
            automatic[vendor].append(OrderLineDraft(operation=operation))
        elif not WorksheetProposal.objects.filter(
            operation=operation, status=WorksheetProposal.Status.PROPOSED
        ).exists():
            proposals.append(_proposal_for(operation, vendor, on_date))
    created: list = WorksheetProposal.objects.bulk_create(proposals)
    for vendor, drafts in automatic.items():
        sub_order = subcontracting_order_create(
            vendor=vendor, lines=drafts, order_date=on_date, user=user
        )
        if vendor.order_creation == Vendor.OrderCreation.AUTOMATIC_SEND:
            sub_order = subcontracting_order_send(order=sub_order, user=user)
        created.append(sub_order)
    return created


@transaction.atomic
def worksheet_refresh(*, on_date: dt.date) -> list[WorksheetProposal]:
    """Propose every subcontracted operation of a released order that has no live order line
    and no open proposal (for example after its order was cancelled)."""
    operations = (
        ProductionOrderOperation.objects.filter(
            subcontracted=True, order__status=ProductionOrder.Status.RELEASED
        )
        .exclude(subcontracting_lines__cancelled=False)
        .select_related("order", "work_center__vendor", "vendor", "service_item")
        .order_by("order_id", "operation_no")
    )
    open_ops = set(
        WorksheetProposal.objects.filter(status=WorksheetProposal.Status.PROPOSED).values_list(
            "operation_id", flat=True
        )
    )
    proposals = []
    for operation in operations.distinct():
        vendor = _operation_vendor(operation)
        if vendor is None or operation.pk in open_ops:
            continue
        proposals.append(_proposal_for(operation, vendor, on_date))
    return WorksheetProposal.objects.bulk_create(proposals)


@transaction.atomic
def worksheet_confirm(
    *, proposals: Sequence[WorksheetProposal], order_date: dt.date, user=None
) -> list[SubcontractingOrder]:
    """Turn open proposals into draft orders, one per vendor, at the proposals' terms."""
    locked = list(
        WorksheetProposal.objects.select_for_update(of=("self",))
        .filter(pk__in=[p.pk for p in proposals])
        .select_related("vendor", "operation")
        .order_by("pk")
    )
    if not locked:
        raise BusinessError("Choose at least one proposal.", field="proposals")
    by_vendor: dict[Vendor, list[WorksheetProposal]] = defaultdict(list)
    for proposal in locked:
        if proposal.status != WorksheetProposal.Status.PROPOSED:
            raise BusinessError(
                f"Proposal {proposal.pk} is {proposal.get_status_display()}.", field="proposals"
            )
        by_vendor[proposal.vendor].append(proposal)
    orders = []
    for vendor, vendor_proposals in sorted(by_vendor.items(), key=lambda kv: kv[0].code):
        order = subcontracting_order_create(
            vendor=vendor,
            lines=[
                OrderLineDraft(
                    operation=p.operation,
                    quantity=p.quantity,
                    unit_price=p.unit_price,
                    due_date=p.due_date,
                )
                for p in vendor_proposals
            ],
            order_date=order_date,
            user=user,
        )
        lines = {line.operation_id: line for line in order.lines.all()}
        for proposal in vendor_proposals:
            proposal.status = WorksheetProposal.Status.CONFIRMED
            proposal.order_line = lines[proposal.operation_id]
            proposal.save(update_fields=["status", "order_line"])
        orders.append(order)
    return orders


@transaction.atomic
def worksheet_reject(*, proposals: Sequence[WorksheetProposal]) -> int:
    """Drop open proposals (the operation can be proposed again by a refresh)."""
    return WorksheetProposal.objects.filter(
        pk__in=[p.pk for p in proposals], status=WorksheetProposal.Status.PROPOSED
    ).update(status=WorksheetProposal.Status.REJECTED)


# --------------------------------------------------------------------------- material


@dataclass(frozen=True)
class MaterialLineDraft:
    order_line: SubcontractingOrderLine
    component: ProductionOrderComponent
    quantity: Decimal


@transaction.atomic
def material_shipment_post(
    *,
    order: SubcontractingOrder,
    direction: str,
    warehouse: Location,
    lines: Sequence[MaterialLineDraft],
    posting_date: dt.date,
    source_key: str,
    user=None,
) -> MaterialShipment:
    """Ship components of the order's operations to the vendor's location, or return them.

    Each line is an inventory transfer (the material stays ours and keeps its value). Only
    components the line's operation consumes may be sent.
    """
    existing = MaterialShipment.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    if not source_key:
        raise BusinessError("A source key is required.", field="source_key")
    if direction not in MaterialShipment.Direction.values:
        raise BusinessError(f"Unknown direction {direction!r}.", field="direction")
    # The lock order of every posting (``inventory.locks``): period, order, then the items
    # (each transfer below locks its item).
    periods_lock([posting_date])
    order = _lock_order(order)
    vendor_location = _vendor_location(order.vendor)
    is_shipment = direction == MaterialShipment.Direction.SHIPMENT
    if is_shipment and order.status not in SHIPPING_STATUSES:
        raise ConflictError(
            f"Order {order} is {order.get_status_display()}; material goes out for sent orders.",
            field="order",
        )
    if order.status == STATUS.DRAFT:
        raise ConflictError(f"Order {order} is a draft.", field="order")
    if warehouse.pk == vendor_location.pk or warehouse.kind == Location.Kind.VENDOR:
        raise BusinessError("Choose one of our own warehouses.", field="warehouse")
    if not lines:
        raise BusinessError("A shipment needs at least one line.", field="lines")
    prepared = []
    for index, draft in enumerate(lines):
        name = f"lines[{index}]"
        quantity = _clean_quantity(draft.quantity, f"{name}.quantity")
        if draft.order_line.order_id != order.pk or draft.order_line.cancelled:
            raise BusinessError(
                f"The line is not a live line of order {order}.", field=f"{name}.order_line"
            )
        components = _operation_components(draft.order_line)
        if draft.component.pk not in components:
            raise BusinessError(
                f"The component is not consumed at operation "
                f"{draft.order_line.operation.operation_no}.",
                field=f"{name}.component",
            )
        prepared.append((draft.order_line, components[draft.component.pk], quantity))
    shipment = MaterialShipment.objects.create(
        number=document_number_next(code="SH" if is_shipment else "SRT"),
        order=order,
        direction=direction,
        warehouse=warehouse,
        posting_date=posting_date,
        source_key=source_key,
        created_by=_user_or_none(user),
    )
    from_location, to_location = (
        (warehouse, vendor_location) if is_shipment else (vendor_location, warehouse)
    )
    for line_no, (order_line, component, quantity) in enumerate(prepared, start=1):
        try:
            result = transfer_post(
                item=component.item,
                from_location=from_location,
                to_location=to_location,
                quantity=quantity,
                posting_date=posting_date,
                source_key=f"subcontracting:material:{source_key}:{line_no}",
                document_no=shipment.number,
                order_type=ORDER_TYPE,
                order_no=order.number,
                user=user,
            )
        except BusinessError as exc:
            raise BusinessError(exc.message, field=f"lines[{line_no - 1}].{exc.field}") from exc
        MaterialShipmentLine.objects.create(
            shipment=shipment,
            line_no=line_no,
            order_line=order_line,
            component=component,
            item=component.item,
            quantity=quantity,
            posting=result.posting,
        )
    return shipment


# --------------------------------------------------------------------------- vendor messages


@dataclass(frozen=True)
class ConsumptionDraft:
    component: ProductionOrderComponent
    quantity: Decimal


def _clean_consumption(
    line: SubcontractingOrderLine, consumption: Sequence[ConsumptionDraft], *, field: str
) -> list[tuple[ProductionOrderComponent, Decimal]]:
    components = _operation_components(line)
    cleaned = []
    seen = set()
    for index, draft in enumerate(consumption):
        name = f"{field}[{index}]"
        if draft.component.pk not in components:
            raise BusinessError(
                f"The component is not consumed at operation {line.operation.operation_no}.",
                field=f"{name}.component",
            )
        if draft.component.pk in seen:
            raise BusinessError("The component is reported twice.", field=f"{name}.component")
        seen.add(draft.component.pk)
        quantity = _clean_quantity(draft.quantity, f"{name}.quantity", allow_zero=True)
        cleaned.append((components[draft.component.pk], quantity))
    return cleaned


def _line_of_order(order: SubcontractingOrder, line: SubcontractingOrderLine, field: str):
    if line.order_id != order.pk or line.cancelled:
        raise BusinessError(f"The line is not a live line of order {order}.", field=field)


@transaction.atomic
def vendor_report_create(
    *,
    order: SubcontractingOrder,
    order_line: SubcontractingOrderLine,
    good_quantity: object,
    scrapped_quantity: object = ZERO,
    consumption: Sequence[ConsumptionDraft] = (),
    note: str = "",
    user=None,
) -> VendorReport:
    """The vendor reports what it completed, scrapped and consumed on an order line.

    Completed plus scrapped may not pass what is still open on the line plus the order's
    over-receipt tolerance (what a receipt could take).
    """
    order = _lock_order(order)
    if order.status not in RECEIVING_STATUSES:
        raise ConflictError(f"Order {order} is {order.get_status_display()}.", field="order")
    _line_of_order(order, order_line, "order_line")
    good = _clean_quantity(good_quantity, "good_quantity", allow_zero=True)
    scrapped = _clean_quantity(scrapped_quantity, "scrapped_quantity", allow_zero=True)
    if good + scrapped == 0:
        raise BusinessError("Report a good or scrapped quantity.", field="good_quantity")
    line = SubcontractingOrderLine.objects.get(pk=order_line.pk)
    left = max(line.max_receipt_quantity - line.received_quantity, ZERO)
    if good + scrapped > left:
        # A report is what the receipt may take over: it stays within what can be received.
        raise BusinessError(
            f"Completed and scrapped ({(good + scrapped).normalize():f}) exceed the "
            f"{left.normalize():f} still open on {line} (ordered {line.quantity.normalize():f}, "
            f"tolerance {line.over_receipt_tolerance_percent.normalize():f} %).",
            field="good_quantity",
            code="over_receipt",
        )
    cleaned = _clean_consumption(order_line, consumption, field="consumption")
    report = VendorReport.objects.create(
        order_line=order_line,
        good_quantity=good,
        scrapped_quantity=scrapped,
        note=note,
        created_by=_user_or_none(user),
    )
    VendorReportConsumption.objects.bulk_create(
        VendorReportConsumption(report=report, component=component, quantity=quantity)
        for component, quantity in cleaned
    )
    return report


@dataclass(frozen=True)
class NoticeLineDraft:
    order_line: SubcontractingOrderLine
    quantity: Decimal


@transaction.atomic
def shipment_notice_create(
    *,
    order: SubcontractingOrder,
    shipped_on: dt.date,
    lines: Sequence[NoticeLineDraft],
    expected_on: dt.date | None = None,
    reference: str = "",
    user=None,
) -> ShipmentNotice:
    """The vendor announces processed goods on their way to us."""
    order = _lock_order(order)
    if order.status not in RECEIVING_STATUSES:
        raise ConflictError(f"Order {order} is {order.get_status_display()}.", field="order")
    if not lines:
        raise BusinessError("A notice needs at least one line.", field="lines")
    if expected_on is not None and expected_on < shipped_on:
        raise BusinessError("Goods cannot arrive before they are shipped.", field="expected_on")
    cleaned = []
    for index, draft in enumerate(lines):
        _line_of_order(order, draft.order_line, f"lines[{index}].order_line")
        cleaned.append(
            (draft.order_line, _clean_quantity(draft.quantity, f"lines[{index}].quantity"))
        )
    notice = ShipmentNotice.objects.create(
        order=order,
        shipped_on=shipped_on,
        expected_on=expected_on,
        reference=reference,
        created_by=_user_or_none(user),
    )
    ShipmentNoticeLine.objects.bulk_create(
        ShipmentNoticeLine(notice=notice, order_line=line, quantity=quantity)
        for line, quantity in cleaned
    )
    return notice


# --------------------------------------------------------------------------- receipts


@transaction.atomic
def subcontracting_receipt_post(
    *,
    order_line: SubcontractingOrderLine,
    posting_date: dt.date,
    source_key: str,
    good_quantity: object | None = None,
    scrapped_quantity: object | None = None,
    rejected_quantity: object = ZERO,
    vendor_report: VendorReport | None = None,
    consumption: Sequence[ConsumptionDraft] | None = None,
    user=None,
) -> SubcontractingReceipt:
    """Receive processed goods for an order line and post them through production.

    Quantities and consumption default to the vendor report's. Good plus scrapped counts as
    received and may not take the line past its over-receipt tolerance; rejected goods go back
    to the vendor and stay open. The posting consumes the operation's components at the
    vendor's location (as reported, else by the BOM), puts the service into WIP at the order
    price and, at the order's last operation, posts the output.
    """
    existing = SubcontractingReceipt.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    if not source_key:
        raise BusinessError("A source key is required.", field="source_key")
    # The lock order of every posting (``inventory.locks``): the period, the documents (the
    # subcontracting order, then its line), then the items (locked by the production posting).
    periods_lock([posting_date])
    order = _lock_order(order_line.order)
    line = documents_lock(
        SubcontractingOrderLine.objects.filter(pk=order_line.pk).select_related(
            "order__vendor", "operation", "production_order"
        )
    )[0]
    existing = SubcontractingReceipt.objects.filter(source_key=source_key).first()
    if existing is not None:  # a concurrent repeat of this receipt committed while we waited
        return existing
    if line.cancelled or order.status not in RECEIVING_STATUSES:
        raise ConflictError(
            f"Order {order} is {order.get_status_display()}; nothing can be received.",
            field="order_line",
        )
    if vendor_report is not None:
        vendor_report = VendorReport.objects.select_for_update().get(pk=vendor_report.pk)
        if vendor_report.order_line_id != line.pk:
            raise BusinessError("The report is for another order line.", field="vendor_report")
        if vendor_report.status != VendorReport.Status.OPEN:
            raise BusinessError("The report has already been received.", field="vendor_report")
        if good_quantity is None:
            good_quantity = vendor_report.good_quantity
        if scrapped_quantity is None:
            scrapped_quantity = vendor_report.scrapped_quantity
        if consumption is None:
            reported = list(vendor_report.consumption.select_related("component"))
            if reported:
                consumption = [
                    ConsumptionDraft(component=row.component, quantity=row.quantity)
                    for row in reported
                ]
    good = _clean_quantity(
        ZERO if good_quantity is None else good_quantity, "good_quantity", allow_zero=True
    )
    scrapped = _clean_quantity(
        ZERO if scrapped_quantity is None else scrapped_quantity,
        "scrapped_quantity",
        allow_zero=True,
    )
    rejected = _clean_quantity(rejected_quantity, "rejected_quantity", allow_zero=True)
    received = good + scrapped
    if received == 0:
        raise BusinessError("Receive a good or scrapped quantity.", field="good_quantity")
    if line.received_quantity + received > line.max_receipt_quantity:
        left = line.max_receipt_quantity - line.received_quantity
        raise BusinessError(
            f"Only {max(left, ZERO).normalize():f} more can be received on {line} "
            f"(ordered {line.quantity.normalize():f}, "
            f"tolerance {line.over_receipt_tolerance_percent.normalize():f} %).",
            field="good_quantity",
            code="over_receipt",
        )
    cleaned = None
    if consumption is not None:
        cleaned = _clean_consumption(line, consumption, field="consumption")
    number = document_number_next(code="SR")
    from mfgcost.production.services import production_subcontracted_operation_post

    result = production_subcontracted_operation_post(
        operation=line.operation,
        good_quantity=good,
        scrap_quantity=scrapped,
        unit_cost=line.unit_price,
        location=_vendor_location(order.vendor),
        consumption=cleaned,
        posting_date=posting_date,
        source_key=f"subcontracting:receipt:{source_key}",
        document_no=number,
        user=user,
    )
    receipt = SubcontractingReceipt.objects.create(
        number=number,
        order_line=line,
        posting_date=posting_date,
        good_quantity=good,
        scrapped_quantity=scrapped,
        rejected_quantity=rejected,
        unit_price=line.unit_price,
        vendor_report=vendor_report,
        posting=result.posting,
        source_key=source_key,
        created_by=_user_or_none(user),
    )
    line.received_quantity += received
    line.scrapped_quantity += scrapped
    line.rejected_quantity += rejected
    line.save(update_fields=["received_quantity", "scrapped_quantity", "rejected_quantity"])
    if vendor_report is not None:
        vendor_report.status = VendorReport.Status.RECEIVED
        vendor_report.save(update_fields=["status"])
    _order_status_refresh(order)
    return receipt


# --------------------------------------------------------------------------- invoices


@dataclass(frozen=True)
class InvoiceLineDraft:
    receipt: SubcontractingReceipt
    quantity: Decimal
    unit_price: Decimal


@transaction.atomic
def vendor_invoice_post(
    *,
    vendor: Vendor,
    vendor_invoice_no: str,
    invoice_date: dt.date,
    posting_date: dt.date,
    lines: Sequence[InvoiceLineDraft],
    source_key: str,
    user=None,
) -> VendorInvoice:
    """Post a vendor's invoice for received services.

    Each line is matched to a receipt: the quantity may not exceed what the receipt has not yet
    had invoiced, the price must be within the vendor's tolerance of the order price. The
    payable is posted at the invoice amount against subcontracting applied; the difference to
    what the receipt applied at the order price goes onto the service's capacity entry, where
    Adjust Cost makes it subcontracted variance of the production order.
    """
    existing = VendorInvoice.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    if not source_key:
        raise BusinessError("A source key is required.", field="source_key")
    vendor_invoice_no = (vendor_invoice_no or "").strip()
    if not vendor_invoice_no:
        raise BusinessError("The vendor's invoice number is required.", field="vendor_invoice_no")
    if VendorInvoice.objects.filter(vendor=vendor, vendor_invoice_no=vendor_invoice_no).exists():
        raise BusinessError(
            f"Invoice {vendor_invoice_no} of {vendor} is already posted.", field="vendor_invoice_no"
        )
    if not lines:
        raise BusinessError("An invoice needs at least one line.", field="lines")
    receipts = {
        r.pk: r
        for r in SubcontractingReceipt.objects.select_for_update(of=("self",))
        .filter(pk__in=[d.receipt.pk for d in lines])
        .select_related("order_line__order__vendor", "order_line__production_order__item")
        .order_by("pk")
    }
    order_lines = {
        line.pk: line
        for line in SubcontractingOrderLine.objects.select_for_update()
        .filter(pk__in=[r.order_line_id for r in receipts.values()])
        .order_by("pk")
    }
    invoiced_now: dict[int, Decimal] = defaultdict(Decimal)
    applied_now: dict[int, Decimal] = defaultdict(Decimal)
    prepared = []
    for index, draft in enumerate(lines):
        name = f"lines[{index}]"
        receipt = receipts[draft.receipt.pk]
        order_line = order_lines[receipt.order_line_id]
        order = receipt.order_line.order
        if order.vendor_id != vendor.pk:
            raise BusinessError(
                f"The receipt is not from vendor {vendor}.", field=f"{name}.receipt"
            )
        if order.status in (STATUS.CLOSED, STATUS.CANCELLED):
            raise ConflictError(
                f"Order {order} is {order.get_status_display()}.", field=f"{name}.receipt"
            )
        quantity = _clean_quantity(draft.quantity, f"{name}.quantity")
        price = clean_unit_cost(draft.unit_price, field_name=f"{name}.unit_price")
        invoiced_before = receipt.invoiced_quantity + invoiced_now[receipt.pk]
        uninvoiced = receipt.received_quantity - invoiced_before
        if quantity > uninvoiced:
            raise BusinessError(
                f"Only {uninvoiced.normalize():f} of receipt {receipt} is received and not yet "
                "invoiced.",
                field=f"{name}.quantity",
                code="over_invoice",
            )
        if not price_within_tolerance(
            order_price=receipt.unit_price,
            invoice_price=price,
            tolerance_percent=vendor.price_tolerance_percent,
        ):
            raise BusinessError(
                f"Price {price.normalize():f} differs from the order price "
                f"{receipt.unit_price.normalize():f} by more than "
                f"{vendor.price_tolerance_percent.normalize():f} %.",
                field=f"{name}.unit_price",
                code="price_tolerance",
            )
        applied_before = (
            sum((row.applied_amount for row in receipt.invoice_lines.all()), ZERO)
            + applied_now[receipt.pk]
        )
        applied = applied_share(
            applied_total=selectors.receipt_applied_amount(receipt),
            applied_before=applied_before,
            received=receipt.received_quantity,
            invoiced_before=invoiced_before,
            quantity=quantity,
        )
        amount = round_amount(price * quantity)
        invoiced_now[receipt.pk] += quantity
        applied_now[receipt.pk] += applied
        prepared.append((receipt, order_line, quantity, price, amount, applied))

    setup = SetupResolver()
    debits: dict = defaultdict(Decimal)
    payables: dict = defaultdict(Decimal)
    for receipt, *_, amount, _applied in prepared:
        general = setup.general(receipt.order_line.production_order.item.posting_group_id)
        debits[general.subcontracting_applied_account] += amount
        payables[general.payables_account] += amount
    total = sum((amount for *_, amount, _ in prepared), ZERO)
    if total == 0:
        raise BusinessError("An invoice of zero cannot be posted.", field="lines")
    number = document_number_next(code="VI")
    journal_entry = journal_entry_post(
        journal=JOURNAL,
        posting_date=posting_date,
        source_key=f"subcontracting:invoice:{source_key}",
        lines=[LineDraft(account=a, amount=v) for a, v in debits.items()]
        + [LineDraft(account=a, amount=-v) for a, v in payables.items()],
        description=f"Vendor invoice {vendor} {vendor_invoice_no} ({number})"[:250],
        user=user,
    )
    invoice = VendorInvoice.objects.create(
        number=number,
        vendor=vendor,
        vendor_invoice_no=vendor_invoice_no,
        invoice_date=invoice_date,
        posting_date=posting_date,
        amount=total,
        journal_entry=journal_entry,
        source_key=source_key,
        created_by=_user_or_none(user),
    )
    from mfgcost.production.services import capacity_cost_adjust_post

    for line_no, (receipt, order_line, quantity, price, amount, applied) in enumerate(
        prepared, start=1
    ):
        difference = amount - applied
        adjustment = None
        if difference:
            adjustment = capacity_cost_adjust_post(
                capacity_entry=selectors.receipt_capacity_entry(receipt),
                amount=difference,
                posting_date=posting_date,
                source_key=f"subcontracting:invoice:{source_key}:{line_no}",
                description=f"Invoice {number} price difference",
                user=user,
            ).posting
        VendorInvoiceLine.objects.create(
            invoice=invoice,
            line_no=line_no,
            receipt=receipt,
            order_line=order_line,
            quantity=quantity,
            unit_price=price,
            amount=amount,
            applied_amount=applied,
            price_difference=difference,
            adjustment_posting=adjustment,
        )
        receipt.invoiced_quantity += quantity
        receipt.save(update_fields=["invoiced_quantity"])
        order_line.invoiced_quantity += quantity
        order_line.save(update_fields=["invoiced_quantity"])
    for order in {receipt.order_line.order for receipt, *_ in prepared}:
        _order_status_refresh(_lock_order(order))
    return invoice
