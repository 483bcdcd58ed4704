"""Orders from released production orders: automatic, through the worksheet, price lists."""

import datetime as dt
from decimal import Decimal

import pytest

from mfgcost.core.errors import BusinessError, ConflictError
from subcontracting import services
from subcontracting.matching import (
    LineProgress,
    applied_share,
    max_receipt_quantity,
    order_status_after,
    price_within_tolerance,
)
from subcontracting.models import (
    ServicePrice,
    SubcontractingOrder,
    SubcontractingOrderLine,
    Vendor,
    WorksheetProposal,
)

from .conftest import RELEASE_DAY

D = Decimal
pytestmark = pytest.mark.django_db


def test_release_makes_the_order_for_an_automatic_vendor(gear):
    production = gear.released(quantity="100")
    order = SubcontractingOrder.objects.get(vendor=gear.vendor)
    line = order.lines.get()
    assert order.status == "draft"
    assert order.order_date == RELEASE_DAY
    assert line.production_order == production
    assert line.operation.operation_no == 20
    assert line.service_item == gear.service
    assert line.quantity == D("100")
    assert line.unit_price == D("4.00")
    assert line.quantity * line.unit_price == D("400.00")
    assert line.due_date == production.due_date
    assert line.max_receipt_quantity == D("100")
    assert not WorksheetProposal.objects.exists()


def test_automatic_send_vendor_gets_a_sent_order(gear):
    Vendor.objects.filter(pk=gear.vendor.pk).update(order_creation="automatic_send")
    gear.released()
    order = SubcontractingOrder.objects.get()
    assert order.status == "sent"
    assert order.sent_at is not None


def test_worksheet_vendor_gets_a_proposal_that_purchasing_confirms(gear):
    Vendor.objects.filter(pk=gear.vendor.pk).update(order_creation="worksheet")
    gear.released("PO-1", "100")
    gear.released("PO-2", "40")
    assert not SubcontractingOrder.objects.exists()
    proposals = list(WorksheetProposal.objects.order_by("production_order__number"))
    assert [(p.production_order.number, p.quantity, p.unit_price) for p in proposals] == [
        ("PO-1", D("100"), D("4.00")),
        ("PO-2", D("40"), D("4.00")),
    ]
    (order,) = services.worksheet_confirm(proposals=proposals, order_date=dt.date(2026, 3, 3))
    assert order.vendor == gear.vendor
    assert [(line.line_no, line.quantity) for line in order.lines.order_by("line_no")] == [
        (10, D("100")),
        (20, D("40")),
    ]
    assert set(WorksheetProposal.objects.values_list("status", flat=True)) == {"confirmed"}
    with pytest.raises(BusinessError) as error:
        services.worksheet_confirm(proposals=proposals, order_date=dt.date(2026, 3, 3))
    assert error.value.field == "proposals"


def test_quantity_breaks_validity_and_lead_time_decide_price_and_due_date(gear):
    ServicePrice.objects.create(
        vendor=gear.vendor,
        service_item=gear.service,
        valid_from=dt.date(2026, 1, 1),
        min_quantity=D("500"),
        unit_price=D("3.50"),
    )
    ServicePrice.objects.create(
        vendor=gear.vendor,
        service_item=gear.service,
        valid_from=dt.date(2026, 3, 1),
        valid_to=dt.date(2026, 3, 31),
        min_quantity=D("50"),
        unit_price=D("3.80"),
        lead_time_days=6,
    )
    small, middle, large = (
        gear.released("PO-S", "10"),
        gear.released("PO-M", "100"),
        gear.released("PO-L", "600"),
    )
    prices = {
        line.production_order_id: (line.unit_price, line.due_date)
        for line in SubcontractingOrderLine.objects.all()
    }
    assert prices[small.pk] == (D("4.00"), small.due_date)
    assert prices[middle.pk] == (D("3.80"), RELEASE_DAY + dt.timedelta(days=6))
    assert prices[large.pk] == (D("3.50"), large.due_date)


def test_cancelled_order_frees_the_operation_for_the_worksheet(gear):
    gear.released()
    order = SubcontractingOrder.objects.get()
    services.subcontracting_order_send(order=order)
    services.subcontracting_order_cancel(order=order)
    order.refresh_from_db()
    assert order.status == "cancelled"
    (proposal,) = services.worksheet_refresh(on_date=dt.date(2026, 3, 4))
    assert proposal.operation == order.lines.get().operation
    assert services.worksheet_refresh(on_date=dt.date(2026, 3, 4)) == []
    with pytest.raises(ConflictError):
        services.subcontracting_order_send(order=order)


def test_an_operation_is_on_one_live_order_only(gear):
    gear.released()
    line = SubcontractingOrderLine.objects.get()
    with pytest.raises(BusinessError) as error:
        services.subcontracting_order_create(
            vendor=gear.vendor,
            lines=[services.OrderLineDraft(operation=line.operation)],
            order_date=RELEASE_DAY,
        )
    assert error.value.field == "lines[0].operation"
    assert SubcontractingOrder.objects.count() == 1


def test_acknowledge_needs_a_sent_order_and_sets_the_promise(gear):
    gear.released()
    order = SubcontractingOrder.objects.get()
    with pytest.raises(ConflictError):
        services.subcontracting_order_acknowledge(order=order, promised_date=dt.date(2026, 3, 9))
    services.subcontracting_order_send(order=order)
    services.subcontracting_order_acknowledge(
        order=order, promised_date=dt.date(2026, 3, 9), vendor_reference="AB-1"
    )
    order.refresh_from_db()
    assert (order.status, order.promised_date, order.vendor_reference) == (
        "acknowledged",
        dt.date(2026, 3, 9),
        "AB-1",
    )


# --------------------------------------------------------------------------- pure arithmetic


def test_tolerances_and_invoice_shares():
    assert max_receipt_quantity(D("100"), D("5")) == D("105")
    assert max_receipt_quantity(D("3"), D("10")) == D("3.3")
    assert price_within_tolerance(
        order_price=D("4"), invoice_price=D("4.4"), tolerance_percent=D("10")
    )
    assert not price_within_tolerance(
        order_price=D("4"), invoice_price=D("4.41"), tolerance_percent=D("10")
    )
    assert price_within_tolerance(
        order_price=D("4"), invoice_price=D("3.6"), tolerance_percent=D("10")
    )
    # 100.01 applied for 3 units: a third, a third, then the remainder.
    first = applied_share(
        applied_total=D("100.01"),
        applied_before=D("0"),
        received=D("3"),
        invoiced_before=D("0"),
        quantity=D("1"),
    )
    second = applied_share(
        applied_total=D("100.01"),
        applied_before=first,
        received=D("3"),
        invoiced_before=D("1"),
        quantity=D("1"),
    )
    last = applied_share(
        applied_total=D("100.01"),
        applied_before=first + second,
        received=D("3"),
        invoiced_before=D("2"),
        quantity=D("1"),
    )
    assert (first, second, last) == (D("33.34"), D("33.34"), D("33.33"))


def test_order_status_follows_receipts_and_invoices():
    line = LineProgress
    assert order_status_after("sent", [line(D("10"), D("0"), D("0"))]) == "sent"
    assert order_status_after("acknowledged", [line(D("10"), D("4"), D("0"))]) == "partly_received"
    assert order_status_after("partly_received", [line(D("10"), D("10"), D("4"))]) == "received"
    assert order_status_after("received", [line(D("10"), D("10"), D("10"))]) == "invoiced"
    assert (
        order_status_after(
            "sent", [line(D("10"), D("10"), D("10")), line(D("5"), D("0"), D("0"), True)]
        )
        == "invoiced"
    )
    assert order_status_after("draft", [line(D("10"), D("0"), D("0"))]) == "draft"
