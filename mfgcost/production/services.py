"""Production services: create, release, consume, post time and output, finish.

Every posting service is a transaction, idempotent on ``source_key`` (a repeat returns what the
first call posted and writes nothing), refused on a finished order and in a closed period, and
raises ``BusinessError`` naming the field for bad input. Locks are taken in one order: the
posting record (``begin_posting``), the period (shared), the order row, then the items by
primary key (``lock_items``), so postings on one order are serialised and postings on one item
never take the same quantity twice.

Production knows nothing of costing: it sends signals (``signals.py``) that costing receives.
A cost change on an order's capacity entry, or its finish, sends ``order_cost_changed``; the
finish also sends ``order_finished`` (costing queues Adjust Cost after commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ledger.services import open_period_for_date
from mfgcost.core.errors import BusinessError
from mfgcost.core.money import ZERO, round_amount, round_quantity, to_decimal
from mfgcost.inventory.models import CapacityLedgerEntry, Location, ValueEntry
from mfgcost.inventory.services import (
    PostingResult,
    begin_posting,
    clean_quantity,
    clean_unit_cost,
    lock_items,
    posting_digest,
)
from mfgcost.items.models import Item

from . import estimate, selectors
from .models import (
    ORDER_TYPE,
    ProductionOrder,
    ProductionOrderComponent,
    ProductionOrderEstimate,
    ProductionOrderOperation,
    ProductionOrderOutput,
)
from .posting import OrderPosting
from .signals import order_cost_changed, order_finished, order_released

STATUS = ProductionOrder.Status
FLUSHING = ProductionOrderComponent.Flushing
# A bound on the setup or run hours of one time posting (more than a year of one machine
# running day and night): a typo of a few digits is refused rather than valued.
MAX_HOURS_PER_POSTING = Decimal("10000")


# --------------------------------------------------------------------------- signals


def _mark_changed(order: ProductionOrder) -> None:
    order_cost_changed.send(sender=ProductionOrder, order=order)


# --------------------------------------------------------------------------- checks


def _clean_signed_quantity(value: object, *, field_name: str) -> Decimal:
    """A non-zero quantity that may be negative (a correction or a return)."""
    try:
        quantity = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise BusinessError(f"{value!r} is not a valid quantity.", field=field_name) from exc
    if quantity.as_tuple().exponent < -6:  # type: ignore[operator]
        raise BusinessError("A quantity has at most six decimal places.", field=field_name)
    if quantity == 0:
        raise BusinessError("The quantity cannot be zero.", field=field_name)
    return quantity


def _lock_order(order: ProductionOrder) -> ProductionOrder:
    return (
        ProductionOrder.objects.select_for_update(of=("self",))
        .select_related("item", "location", "costing_sheet")
        .get(pk=order.pk)
    )


def _check_postable(order: ProductionOrder, posting_date: dt.date) -> None:
    if order.is_finished:
        raise BusinessError(
            f"Order {order} is finished; nothing can be posted to it.", field="order"
        )
    if not order.is_released:
        raise BusinessError(f"Order {order} is not released.", field="order")
    if posting_date < order.released_on:
        raise BusinessError(
            f"Order {order} was released on {order.released_on.isoformat()}; "
            "nothing can be posted before.",
            field="posting_date",
        )


def _lock_stocked_items(item_ids: Iterable[int], *, field_name: str = "item") -> dict[int, Item]:
    items = lock_items([Item(pk=pk) for pk in set(item_ids)])
    for item in items.values():
        if item.blocked:
            raise BusinessError(f"Item {item} is blocked.", field=field_name)
        if not item.is_stocked:
            raise BusinessError(f"Item {item} is a service and has no stock.", field=field_name)
    return items


def _begin(
    *,
    order: ProductionOrder,
    kind: str,
    posting_date: dt.date,
    source_key: str,
    document_no: str = "",
    user=None,
    **request: object,
):
    """The posting record for ``source_key`` and whether it is new; a new one must be dated in
    an open period.

    ``request`` (with the order, the date, the document number and the user) is what the
    posting was asked to do: a repeat of the key must ask the same, or it is refused
    (``begin_posting``).
    """
    posting, created = begin_posting(
        source_key=source_key,
        kind=kind,
        posting_date=posting_date,
        document_no=document_no or order.number,
        request_digest=posting_digest(
            kind=kind,
            user=user,
            order=order,
            posting_date=posting_date,
            document_no=document_no,
            **request,
        ),
    )
    if created:
        open_period_for_date(posting_date)
    return posting, created


def _start(
    *,
    order: ProductionOrder,
    kind: str,
    posting_date: dt.date,
    source_key: str,
    document_no: str,
    user=None,
    **request: object,
):
    """Begin an order posting: (posting, created, locked order). Refuses what cannot be posted."""
    posting, created = _begin(
        order=order,
        kind=kind,
        posting_date=posting_date,
        source_key=source_key,
        document_no=document_no,
        user=user,
        **request,
    )
    if not created:
        return posting, False, order
    order = _lock_order(order)
    _check_postable(order, posting_date)
    return posting, True, order


# --------------------------------------------------------------------------- orders


def _clean_order_fields(*, quantity: object, output_tolerance_percent: object) -> tuple:
    quantity = clean_quantity(quantity)
    try:
        tolerance = to_decimal(output_tolerance_percent)
    except (TypeError, ValueError) as exc:
        raise BusinessError("Not a valid percentage.", field="output_tolerance_percent") from exc
    if tolerance < 0:
        raise BusinessError("A tolerance cannot be negative.", field="output_tolerance_percent")
    return quantity, tolerance


def _check_order_item(item: Item, location: Location) -> None:
    if item.blocked:
        raise BusinessError(f"Item {item} is blocked.", field="item")
    if not item.is_stocked:
        raise BusinessError(f"Item {item} is a service and cannot be produced.", field="item")
    if location.blocked:
        raise BusinessError(f"Location {location} is blocked.", field="location")


@transaction.atomic
def production_order_create(
    *,
    number: str,
    item: Item,
    quantity: object,
    location: Location,
    due_date: dt.date,
    description: str = "",
    output_tolerance_percent: object = ZERO,
) -> ProductionOrder:
    """A planned order."""
    if not number:
        raise BusinessError("An order number is required.", field="number")
    if ProductionOrder.objects.filter(number=number).exists():
        raise BusinessError(f"Order {number} already exists.", field="number")
    quantity, tolerance = _clean_order_fields(
        quantity=quantity, output_tolerance_percent=output_tolerance_percent
    )
    _check_order_item(item, location)
    return ProductionOrder.objects.create(
        number=number,
        item=item,
        quantity=quantity,
        location=location,
        due_date=due_date,
        description=description,
        output_tolerance_percent=tolerance,
    )


PLANNED_FIELDS = (
    "item",
    "quantity",
    "location",
    "due_date",
    "description",
    "output_tolerance_percent",
)


@transaction.atomic
def production_order_update(*, order: ProductionOrder, **fields) -> ProductionOrder:
    """Change a planned order; released and finished orders change only through postings."""
    order = _lock_order(order)
    if not order.is_planned:
        raise BusinessError(
            f"Order {order} is {order.status}; it cannot be changed.", field="status"
        )
    unknown = set(fields) - set(PLANNED_FIELDS)
    if unknown:
        raise BusinessError(f"{sorted(unknown)[0]} cannot be changed.", field=sorted(unknown)[0])
    for name, value in fields.items():
        setattr(order, name, value)
    order.quantity, order.output_tolerance_percent = _clean_order_fields(
        quantity=order.quantity, output_tolerance_percent=order.output_tolerance_percent
    )
    _check_order_item(order.item, order.location)
    order.save()
    return order


@transaction.atomic
def production_order_delete(*, order: ProductionOrder) -> None:
    order = _lock_order(order)
    if not order.is_planned:
        raise BusinessError(
            f"Order {order} is {order.status}; it cannot be deleted.", field="status"
        )
    order.delete()


# --------------------------------------------------------------------------- release


def _standard_unit_cost(item: Item) -> Decimal:
    return item.standard_cost if item.standard_cost > 0 else item.unit_cost


def _freeze_components(order: ProductionOrder) -> list[ProductionOrderComponent]:
    if order.bom is None:
        return []
    components = []
    for line in order.bom.lines.select_related("component", "component__base_unit", "unit"):
        component = line.component
        factor = selectors.unit_factor(component, line.unit, component.base_unit)
        quantity_per = estimate.component_quantity_per(
            line_quantity=line.quantity_per, bom_quantity=order.bom.quantity, unit_factor=factor
        )
        components.append(
            ProductionOrderComponent(
                order=order,
                line_no=line.line_no,
                item=component,
                quantity_per=quantity_per,
                formula_quantity=line.quantity_per * factor,
                formula_size=order.bom.quantity,
                scrap_percent=line.scrap_percent,
                expected_quantity=estimate.flush_quantity(
                    quantity_per=quantity_per,
                    scrap_percent=line.scrap_percent,
                    output_quantity=order.quantity,
                    formula_quantity=line.quantity_per * factor,
                    formula_size=order.bom.quantity,
                ),
                flushing_method=line.flushing_method,
                operation_no=line.operation_no,
                location=order.location,
                unit_cost_standard=_standard_unit_cost(component),
            )
        )
    return ProductionOrderComponent.objects.bulk_create(components)


def _freeze_operations(order: ProductionOrder) -> list[ProductionOrderOperation]:
    if order.routing is None:
        return []
    operations = []
    for op in order.routing.operations.select_related("work_center", "service_item"):
        center = op.work_center
        operations.append(
            ProductionOrderOperation(
                order=order,
                operation_no=op.operation_no,
                description=op.description,
                work_center=center,
                setup_time=op.setup_time,
                run_time=op.run_time,
                lot_size=order.item.lot_size,
                expected_setup_time=op.setup_time,
                expected_run_time=round_quantity(op.run_time * order.quantity),
                direct_cost_per_hour=center.direct_cost_per_hour,
                direct_cost_group_id=center.direct_cost_group_id,
                overhead_per_hour=center.overhead_per_hour,
                overhead_percent=center.overhead_percent,
                overhead_cost_group_id=center.overhead_cost_group_id,
                subcontracted=op.subcontracted,
                service_item=op.service_item,
                vendor_id=center.vendor_id,
                service_unit_cost=(
                    _standard_unit_cost(op.service_item) if op.service_item else ZERO
                ),
            )
        )
    return ProductionOrderOperation.objects.bulk_create(operations)


def _freeze_outputs(order: ProductionOrder) -> list[ProductionOrderOutput]:
    if order.bom is None:
        return []
    outputs = []
    for line_no, output in enumerate(
        order.bom.outputs.select_related("item").order_by("id"), start=1
    ):
        quantity_per = round_quantity(output.quantity / order.bom.quantity)
        outputs.append(
            ProductionOrderOutput(
                order=order,
                line_no=line_no,
                item=output.item,
                kind=output.kind,
                quantity_per=quantity_per,
                expected_quantity=round_quantity(quantity_per * order.quantity),
                cost_allocation_percent=output.cost_allocation_percent,
                fixed_credit_per_unit=output.fixed_credit_per_unit,
                unit_cost_standard=_standard_unit_cost(output.item),
            )
        )
    return ProductionOrderOutput.objects.bulk_create(outputs)


def _computed_unit_estimate(
    order: ProductionOrder,
    components: list[ProductionOrderComponent],
    operations: list[ProductionOrderOperation],
) -> estimate.UnitEstimate:
    surcharges, rates = selectors.costing_sheet_rules(order.costing_sheet)
    return estimate.unit_estimate(
        components=[
            estimate.ComponentStandard(
                quantity_per=c.quantity_per,
                scrap_percent=c.scrap_percent,
                unit_cost=c.unit_cost_standard,
                cost_group_id=c.item.cost_group_id,
            )
            for c in components
        ],
        operations=[
            estimate.OperationStandard(
                work_center_id=op.work_center_id,
                setup_time=op.setup_time,
                run_time=op.run_time,
                lot_size=op.lot_size,
                direct_cost_per_hour=op.direct_cost_per_hour,
                direct_cost_group_id=op.direct_cost_group_id,
                overhead_per_hour=op.overhead_per_hour,
                overhead_percent=op.overhead_percent,
                overhead_cost_group_id=op.overhead_cost_group_id,
                subcontracted=op.subcontracted,
                service_unit_cost=op.service_unit_cost,
                service_cost_group_id=op.service_item.cost_group_id if op.service_item else None,
            )
            for op in operations
        ],
        surcharges=surcharges,
        rates=rates,
        net_weight_kg=order.item.net_weight_kg,
    )


def _make_estimate(
    order: ProductionOrder,
    components: list[ProductionOrderComponent],
    operations: list[ProductionOrderOperation],
) -> Decimal:
    """Estimate lines by cost group; returns the standard unit cost the order is valued at.

    The item's active standard when there is one, else computed from the frozen BOM and
    routing at the components' standards and the work centres' rates. The standard is taken
    single level (its this-level lines: a subassembly's whole standard counts as material),
    because that is how the order's own postings arrive: a consumed subassembly is material to
    this order, whatever labour went into it one level down. The cost sheet compares actuals
    with the same split.
    """
    standard = selectors.active_standard_cost(order.item)
    lines = list(standard.lines.all()) if standard is not None else []
    if lines:
        source = ProductionOrderEstimate.Source.STANDARD
        unit_amounts = {line.cost_group_id: line.this_level for line in lines if line.this_level}
        unit_cost = standard.unit_cost
        order.standard_cost = standard
    else:
        source = ProductionOrderEstimate.Source.COMPUTED
        unit_amounts = _computed_unit_estimate(order, components, operations).by_cost_group
        unit_cost = sum(unit_amounts.values(), ZERO)
    amounts = estimate.order_amounts(unit_amounts, order.quantity)
    ProductionOrderEstimate.objects.bulk_create(
        ProductionOrderEstimate(
            order=order, cost_group_id=group, unit_amount=unit, amount=amounts[group], source=source
        )
        for group, unit in unit_amounts.items()
    )
    if order.item.costing_method == Item.CostingMethod.STANDARD and order.item.standard_cost > 0:
        return order.item.standard_cost
    return unit_cost


@transaction.atomic
def production_order_release(
    *, order: ProductionOrder, posting_date: dt.date, source_key: str, user=None
) -> ProductionOrder:
    """Release a planned order on ``posting_date``.

    Freezes the BOM and routing versions valid on that date (or the ones set on the planned
    order) into components, operations and outputs, writes the estimate, flushes the
    forward-flushed components, and sends ``order_released`` inside the transaction.
    """
    posting, created = _begin(
        order=order,
        kind="production_release",
        posting_date=posting_date,
        source_key=source_key,
        user=user,
    )
    if not created:
        return ProductionOrder.objects.get(pk=order.pk)
    order = _lock_order(order)
    if not order.is_planned:
        raise BusinessError(f"Order {order} is already {order.status}.", field="order")
    _check_order_item(order.item, order.location)
    if order.bom is None:
        order.bom = selectors.bom_version_valid_on(order.item, posting_date)
    elif order.bom.item_id != order.item_id:
        raise BusinessError(f"BOM {order.bom} is not for item {order.item}.", field="bom")
    if order.routing is None:
        order.routing = selectors.routing_version_valid_on(order.item, posting_date)
    elif order.routing.item_id != order.item_id:
        raise BusinessError(
            f"Routing {order.routing} is not for item {order.item}.", field="routing"
        )
    order.costing_sheet = order.item.costing_sheet
    if order.bom is not None:
        order.main_allocation_percent = order.bom.main_allocation_percent
    components = _freeze_components(order)
    operations = _freeze_operations(order)
    _freeze_outputs(order)
    order.unit_cost_standard = _make_estimate(order, components, operations)
    order.status = STATUS.RELEASED
    order.released_on = posting_date
    order.released_at = timezone.now()
    order.save()

    forward = [c for c in components if c.flushing_method == FLUSHING.FORWARD]
    if forward:
        items = _lock_stocked_items(c.item_id for c in forward)
        builder = OrderPosting(
            order=order,
            posting=posting,
            posting_date=posting_date,
            items=items,
            document_no=order.number,
        )
        for component in forward:
            builder.consume(
                item_id=component.item_id,
                quantity=component.expected_quantity,
                location=component.location,
                component=component,
            )
        builder.post(description=f"Release {order.number}: forward flushing", user=user)
    order_released.send(sender=ProductionOrder, order=order, user=user)
    return order


# --------------------------------------------------------------------------- consumption


def _component_for(
    order: ProductionOrder, *, component: ProductionOrderComponent | None, item: Item | None
) -> tuple[ProductionOrderComponent | None, Item]:
    if component is not None:
        if component.order_id != order.pk:
            raise BusinessError(
                f"Line {component.line_no} is not on order {order}.", field="component"
            )
        return component, component.item
    if item is None:
        raise BusinessError("Give a component line or an item.", field="component")
    match = order.components.filter(item=item).order_by("line_no").first()
    return match, item  # an item not on the BOM is a substitute, on no line


@transaction.atomic
def production_consumption_post(
    *,
    order: ProductionOrder,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    component: ProductionOrderComponent | None = None,
    item: Item | None = None,
    location: Location | None = None,
    document_no: str = "",
    user=None,
) -> PostingResult:
    """Consume a component (or a substitute ``item``) from stock into the order's WIP.

    A negative quantity returns material to stock, at the cost of the order's earlier
    consumption of that item (latest first).
    """
    quantity = _clean_signed_quantity(quantity, field_name="quantity")
    posting, created, order = _start(
        order=order,
        kind="production_consumption",
        posting_date=posting_date,
        source_key=source_key,
        document_no=document_no,
        user=user,
        quantity=quantity,
        component=component,
        item=item,
        location=location,
    )
    if not created:
        return PostingResult.existing(posting)
    component, item = _component_for(order, component=component, item=item)
    location = location or (component.location if component else order.location)
    items = _lock_stocked_items([item.pk])
    builder = OrderPosting(
        order=order,
        posting=posting,
        posting_date=posting_date,
        items=items,
        document_no=document_no,
    )
    builder.consume(item_id=item.pk, quantity=quantity, location=location, component=component)
    return builder.post(user=user)


# --------------------------------------------------------------------------- time


def _operation_of(order: ProductionOrder, operation_no: object) -> ProductionOrderOperation:
    try:
        number = int(operation_no)
    except (TypeError, ValueError) as exc:
        raise BusinessError(
            f"{operation_no!r} is not an operation number.", field="operation_no"
        ) from exc
    operation = (
        order.operations.select_related("work_center", "service_item")
        .filter(operation_no=number)
        .first()
    )
    if operation is None:
        raise BusinessError(f"Operation {number} is not on order {order}.", field="operation_no")
    return operation


def _own_operation(operation: ProductionOrderOperation | None):
    """The operation, refused when a vendor does it (its receipt posts time and output)."""
    if operation is not None and operation.subcontracted:
        raise BusinessError(
            f"Operation {operation.operation_no} is subcontracted: its vendor's receipt posts it.",
            field="operation_no",
        )
    return operation


def _clean_hours(value: object, *, field_name: str) -> Decimal:
    try:
        hours = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise BusinessError(f"{value!r} is not a valid time.", field=field_name) from exc
    if hours.as_tuple().exponent < -6:  # type: ignore[operator]
        raise BusinessError("A time has at most six decimal places.", field=field_name)
    if abs(hours) > MAX_HOURS_PER_POSTING:
        raise BusinessError(
            f"One time posting holds at most {MAX_HOURS_PER_POSTING} hours of setup or run "
            "time; post more in several postings.",
            field=field_name,
        )
    return hours


@transaction.atomic
def production_time_post(
    *,
    order: ProductionOrder,
    operation_no: object,
    posting_date: dt.date,
    source_key: str,
    setup_time: object = ZERO,
    run_time: object = ZERO,
    document_no: str = "",
    user=None,
) -> PostingResult:
    """Setup and run hours on an operation, valued at the work centre's rates.

    Negative hours correct earlier time; an operation's posted setup and run time never go
    below zero.
    """
    setup = _clean_hours(setup_time, field_name="setup_time")
    run = _clean_hours(run_time, field_name="run_time")
    if setup == 0 and run == 0:
        raise BusinessError("Post some setup or run time.", field="run_time")
    posting, created, order = _start(
        order=order,
        kind="production_time",
        posting_date=posting_date,
        source_key=source_key,
        document_no=document_no,
        user=user,
        operation_no=operation_no,
        setup_time=setup,
        run_time=run,
    )
    if not created:
        return PostingResult.existing(posting)
    operation = _own_operation(_operation_of(order, operation_no))
    posted_setup, posted_run = selectors.operation_posted_time(order, operation.operation_no)
    if posted_setup + setup < 0:
        raise BusinessError("Posted setup time would go below zero.", field="setup_time")
    if posted_run + run < 0:
        raise BusinessError("Posted run time would go below zero.", field="run_time")
    builder = OrderPosting(
        order=order,
        posting=posting,
        posting_date=posting_date,
        items={},
        document_no=document_no,
    )
    builder.time(operation=operation, setup_time=setup, run_time=run)
    return builder.post(user=user)


# --------------------------------------------------------------------------- output


def _last_operation(order: ProductionOrder) -> ProductionOrderOperation | None:
    return order.operations.select_related("work_center").order_by("-operation_no").first()


def _post_output(
    builder: OrderPosting,
    *,
    operation: ProductionOrderOperation | None,
    good: Decimal,
    scrap: Decimal,
    exclude_lines: frozenset[int] = frozenset(),
) -> None:
    """Backflush an operation's components for good + scrap, and at the last operation post
    the item's output."""
    last = _last_operation(builder.order)
    is_last = operation is None or last is None or operation.pk == last.pk
    builder.backflush(
        operation_no=operation.operation_no if operation else None,
        is_last=is_last,
        quantity=good + scrap,
        exclude_lines=exclude_lines,
    )
    if is_last and good > 0:
        builder.output(good_quantity=good)


def _output_item_ids(order: ProductionOrder) -> set[int]:
    ids = {order.item_id}
    ids |= set(order.outputs.values_list("item_id", flat=True))
    ids |= set(
        order.components.filter(flushing_method=FLUSHING.BACKWARD).values_list("item_id", flat=True)
    )
    return ids


@transaction.atomic
def production_output_post(
    *,
    order: ProductionOrder,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    scrap_quantity: object = ZERO,
    operation_no: object | None = None,
    document_no: str = "",
    user=None,
) -> PostingResult:
    """Report good ``quantity`` and ``scrap_quantity`` done on an operation (default: the last).

    Backward-flushed components of the operation are consumed for good plus scrap. At the last
    operation (or on an order without routing) the good quantity enters stock as output at
    standard (expected cost), with the BOM's co- and by-products in proportion. Good output may
    not pass the order quantity plus its tolerance.
    """
    good = clean_quantity(quantity, allow_zero=True)
    scrap = clean_quantity(scrap_quantity, field_name="scrap_quantity", allow_zero=True)
    if good + scrap == 0:
        raise BusinessError("Report a good or a scrapped quantity.", field="quantity")
    posting, created, order = _start(
        order=order,
        kind="production_output",
        posting_date=posting_date,
        source_key=source_key,
        document_no=document_no,
        user=user,
        quantity=good,
        scrap_quantity=scrap,
        operation_no=operation_no,
    )
    if not created:
        return PostingResult.existing(posting)
    operation = _own_operation(
        _operation_of(order, operation_no) if operation_no is not None else _last_operation(order)
    )
    items = _lock_stocked_items(_output_item_ids(order))
    builder = OrderPosting(
        order=order,
        posting=posting,
        posting_date=posting_date,
        items=items,
        document_no=document_no,
    )
    builder.check_output_allowed(
        operation_no=operation.operation_no if operation else None,
        good_quantity=good,
        field_name="quantity",
    )
    if operation is not None:
        builder.capacity_entry(
            capacity_type=CapacityLedgerEntry.CapacityType.WORK_CENTER,
            work_center=operation.work_center,
            operation_no=str(operation.operation_no),
            quantity=good + scrap,
            scrap_quantity=scrap,
            description="Output",
        )
    _post_output(builder, operation=operation, good=good, scrap=scrap)
    return builder.post(user=user)


# --------------------------------------------------------------------------- subcontracting


@transaction.atomic
def production_subcontracted_operation_post(
    *,
    operation: ProductionOrderOperation,
    good_quantity: object,
    scrap_quantity: object,
    unit_cost: object,
    location: Location,
    consumption: list[tuple[ProductionOrderComponent, object]] | None = None,
    posting_date: dt.date,
    source_key: str,
    document_no: str = "",
    user=None,
) -> PostingResult:
    """A vendor's work on a subcontracted operation, received.

    Consumes the components tied to the operation from the vendor's ``location`` (as the vendor
    reported them in ``consumption``, or by the BOM for good + scrap), posts a subcontracting
    capacity entry with the service at ``unit_cost`` x (good + scrap) (Dr WIP / Cr
    subcontracting applied), and at the order's last operation posts the output like
    ``production_output_post``.
    """
    good = clean_quantity(good_quantity, field_name="good_quantity", allow_zero=True)
    scrap = clean_quantity(scrap_quantity, field_name="scrap_quantity", allow_zero=True)
    if good + scrap == 0:
        raise BusinessError("Report a good or a scrapped quantity.", field="good_quantity")
    unit = clean_unit_cost(unit_cost)
    posting, created, order = _start(
        order=operation.order,
        kind="production_subcontracting",
        posting_date=posting_date,
        source_key=source_key,
        document_no=document_no,
        user=user,
        operation=operation,
        good_quantity=good,
        scrap_quantity=scrap,
        unit_cost=unit,
        location=location,
        consumption=[(c, q) for c, q in consumption or []],
    )
    if not created:
        return PostingResult.existing(posting)
    operation = ProductionOrderOperation.objects.select_related("work_center", "service_item").get(
        pk=operation.pk
    )
    if not operation.subcontracted:
        raise BusinessError(
            f"Operation {operation.operation_no} is not subcontracted.", field="operation"
        )
    service_group = operation.service_item.cost_group_id
    if service_group is None:
        raise BusinessError(
            f"Service {operation.service_item} has no cost group.", field="operation"
        )
    tied = list(order.components.filter(operation_no=operation.operation_no))
    if consumption is None:
        lines = [
            (
                c,
                estimate.flush_quantity(
                    quantity_per=c.quantity_per,
                    scrap_percent=c.scrap_percent,
                    output_quantity=good + scrap,
                    formula_quantity=c.formula_quantity,
                    formula_size=c.formula_size,
                ),
            )
            for c in tied
        ]
    else:
        lines = []
        for component, quantity in consumption:
            if component.order_id != order.pk:
                raise BusinessError(
                    f"Line {component.line_no} is not on order {order}.", field="consumption"
                )
            lines.append((component, clean_quantity(quantity, field_name="consumption")))
    items = _lock_stocked_items({c.item_id for c, _ in lines} | _output_item_ids(order))
    builder = OrderPosting(
        order=order,
        posting=posting,
        posting_date=posting_date,
        items=items,
        document_no=document_no,
    )
    builder.check_output_allowed(
        operation_no=operation.operation_no, good_quantity=good, field_name="good_quantity"
    )
    for component, quantity in lines:
        if quantity:
            builder.consume(
                item_id=component.item_id, quantity=quantity, location=location, component=component
            )
    entry = builder.capacity_entry(
        capacity_type=CapacityLedgerEntry.CapacityType.SUBCONTRACTING,
        work_center=operation.work_center,
        operation_no=str(operation.operation_no),
        quantity=good + scrap,
        scrap_quantity=scrap,
        description=f"{operation.service_item} {operation.description}".strip(),
    )
    builder.capacity_value(
        entry,
        entry_type=ValueEntry.EntryType.DIRECT_COST,
        cost_group_id=service_group,
        amount=round_amount(unit * (good + scrap)),
        valued_quantity=good + scrap,
        cost_per_unit=unit,
    )
    _post_output(
        builder,
        operation=operation,
        good=good,
        scrap=scrap,
        exclude_lines=frozenset(c.line_no for c in tied),
    )
    return builder.post(user=user)


@transaction.atomic
def capacity_cost_adjust_post(
    *,
    capacity_entry: CapacityLedgerEntry,
    amount: object,
    posting_date: dt.date,
    source_key: str,
    description: str = "",
    user=None,
) -> PostingResult:
    """A further direct cost on a capacity entry (a vendor invoiced more or less than the
    receipt price): Dr WIP / Cr the applied account of its cost group.

    Allowed on a finished order (invoices come late); the order is marked changed for Adjust
    Cost, which turns the difference into a variance.
    """
    try:
        amount = to_decimal(amount)
    except (TypeError, ValueError) as exc:
        raise BusinessError(f"{amount!r} is not a valid amount.", field="amount") from exc
    if amount == 0 or round_amount(amount) != amount:
        raise BusinessError("The amount must be non-zero, in cents.", field="amount")
    if capacity_entry.order_type != ORDER_TYPE:
        raise BusinessError("Not a production capacity entry.", field="capacity_entry")
    posting, created = begin_posting(
        source_key=source_key,
        kind="capacity_cost_adjustment",
        posting_date=posting_date,
        document_no=capacity_entry.order_no,
    )
    if not created:
        return PostingResult.existing(posting)
    open_period_for_date(posting_date)
    order = ProductionOrder.objects.filter(number=capacity_entry.order_no).first()
    if order is None:
        raise BusinessError(f"No order {capacity_entry.order_no}.", field="capacity_entry")
    order = _lock_order(order)
    direct = (
        capacity_entry.value_entries.filter(entry_type=ValueEntry.EntryType.DIRECT_COST)
        .order_by("id")
        .first()
    )
    if direct is None:
        raise BusinessError(
            "The capacity entry has no direct cost to adjust.", field="capacity_entry"
        )
    builder = OrderPosting(
        order=order,
        posting=posting,
        posting_date=posting_date,
        items={},
        document_no=capacity_entry.document_no,
    )
    builder.overhead_carrier = capacity_entry
    builder.capacity_value(
        capacity_entry,
        entry_type=ValueEntry.EntryType.DIRECT_COST,
        cost_group_id=direct.cost_group_id,
        amount=amount,
        description=description or "Cost adjustment",
    )
    result = builder.post(user=user)
    _mark_changed(order)
    return result


# --------------------------------------------------------------------------- finish


@transaction.atomic
def production_order_finish(
    *, order: ProductionOrder, posting_date: dt.date, source_key: str, user=None
) -> ProductionOrder:
    """Finish a released order that has postings; Adjust Cost is queued after commit."""
    _, created, order = _start(
        order=order,
        kind="production_finish",
        posting_date=posting_date,
        source_key=source_key,
        document_no="",
        user=user,
    )
    if not created:
        return ProductionOrder.objects.get(pk=order.pk)
    if not selectors.order_has_postings(order):
        raise BusinessError(f"Nothing has been posted on order {order}.", field="order")
    order.status = STATUS.FINISHED
    order.finished_on = posting_date
    order.finished_at = timezone.now()
    order.save(update_fields=["status", "finished_on", "finished_at"])
    _mark_changed(order)
    order_finished.send(sender=ProductionOrder, order=order, user=user)
    return order
