"""The services subcontracting calls: a subcontracted operation received, a cost adjustment."""

import datetime as dt
from decimal import Decimal

import pytest

from ledger.selectors import account_balance
from mfgcost.company import vendor_location_create
from mfgcost.core.errors import BusinessError
from mfgcost.costing import receivers
from mfgcost.inventory.models import CapacityLedgerEntry, ItemLedgerEntry
from mfgcost.inventory.services import on_hand, transfer_post
from mfgcost.items.models import BomLine, Operation, WorkCenter
from mfgcost.production import selectors, services
from mfgcost.production.services import (
    capacity_cost_adjust_post,
    production_order_finish,
    production_output_post,
    production_subcontracted_operation_post,
    production_time_post,
)
from subcontracting.models import Vendor

from .conftest import POST_DAY

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def coated(bracket, make_item):
    """The bracket with a second, last operation: powder coating at a vendor, using the paint."""
    company = bracket.company
    location = vendor_location_create(code="V-COAT", name="Coater's stock", company=company)
    vendor = Vendor.objects.create(code="COAT", name="Coating Ltd", location=location)
    center = WorkCenter.objects.create(code="COATING", name="Coating (vendor)", vendor=vendor)
    service = make_item(
        number="SVC-COAT",
        item_type="service",
        posting_group=company.groups["SERVICE"],
        cost_group=company.cost_groups["SUB"],
        standard_cost=D("4.00"),
    )
    Operation.objects.create(
        routing=bracket.routing,
        operation_no=20,
        work_center=center,
        subcontracted=True,
        service_item=service,
    )
    BomLine.objects.filter(bom=bracket.bom, line_no=20).update(operation_no=20)
    transfer_post(
        item=bracket.paint,
        from_location=company.main,
        to_location=location,
        quantity=D("12"),
        posting_date=dt.date(2026, 3, 2),
        source_key="ship:paint",
    )
    bracket.vendor_location = location
    bracket.vendor = vendor
    return bracket


def test_release_freezes_the_vendor_and_service_price(coated):
    order = coated.released()
    operation = order.operations.get(operation_no=20)
    assert (operation.subcontracted, operation.vendor, operation.service_unit_cost) == (
        True,
        coated.vendor,
        D("4.00"),
    )
    assert operation.service_item.number == "SVC-COAT"


def test_subcontracted_operation_consumes_at_the_vendor_and_posts_output(coated):
    order = coated.released()
    operation = order.operations.get(operation_no=20)
    result = production_subcontracted_operation_post(
        operation=operation,
        good_quantity=D("9"),
        scrap_quantity=D("1"),
        unit_cost=D("4.00"),
        location=coated.vendor_location,
        posting_date=POST_DAY,
        source_key="sub:r1",
        document_no="SR-1",
    )
    paint = ItemLedgerEntry.objects.get(entry_type="consumption")
    assert (paint.item, paint.location, paint.quantity, paint.order_line) == (
        coated.paint,
        coated.vendor_location,
        D("-10"),
        20,
    )
    capacity = CapacityLedgerEntry.objects.get(capacity_type="subcontracting")
    assert (capacity.operation_no, capacity.quantity, capacity.scrap_quantity) == (
        "20",
        D("10"),
        D("1"),
    )
    service = capacity.value_entries.get(entry_type="direct_cost")
    assert (service.cost_group.code, service.cost_amount_actual) == ("SUB", D("40.00"))
    output = ItemLedgerEntry.objects.get(entry_type="output")
    assert (output.quantity, output.location) == (D("9"), coated.company.main)
    assert output.value_entries.get().cost_amount_expected == D("263.70")  # 9 x 29.30
    assert account_balance(coated.company.accounts["5220"]) == D("-40.00")
    assert on_hand(coated.paint, coated.vendor_location) == D("2")
    assert result.posting.kind == "production_subcontracting"
    # Time on a subcontracted operation goes through the vendor's receipt only.
    with pytest.raises(BusinessError) as error:
        production_time_post(
            order=order, operation_no=20, run_time=D("1"), posting_date=POST_DAY, source_key="t"
        )
    assert error.value.field == "operation_no"


def test_vendor_reported_consumption_and_over_receipt(coated):
    order = coated.released()
    operation = order.operations.get(operation_no=20)
    paint_line = order.components.get(line_no=20)
    production_subcontracted_operation_post(
        operation=operation,
        good_quantity=D("4"),
        scrap_quantity=D("0"),
        unit_cost=D("4.10"),
        location=coated.vendor_location,
        consumption=[(paint_line, D("4.5"))],
        posting_date=POST_DAY,
        source_key="sub:r1",
    )
    assert selectors.consumed_quantity(order, coated.paint) == D("4.5")
    with pytest.raises(BusinessError) as error:
        production_subcontracted_operation_post(
            operation=operation,
            good_quantity=D("7"),
            scrap_quantity=D("0"),
            unit_cost=D("4.10"),
            location=coated.vendor_location,
            posting_date=POST_DAY,
            source_key="sub:r2",
        )
    assert error.value.field == "good_quantity"


def test_capacity_cost_adjustment_after_finish(coated, monkeypatch):
    marked = []
    monkeypatch.setattr(services, "_mark_changed", lambda order: marked.append(order.number))
    order = coated.released()
    operation = order.operations.get(operation_no=20)
    production_output_post(
        order=order, quantity=D("10"), operation_no=10, posting_date=POST_DAY, source_key="o10"
    )
    production_subcontracted_operation_post(
        operation=operation,
        good_quantity=D("10"),
        scrap_quantity=D("0"),
        unit_cost=D("4.00"),
        location=coated.vendor_location,
        posting_date=POST_DAY,
        source_key="sub:r1",
    )
    production_order_finish(order=order, posting_date=POST_DAY, source_key="fin")
    capacity = CapacityLedgerEntry.objects.get(capacity_type="subcontracting")
    result = capacity_cost_adjust_post(
        capacity_entry=capacity,
        amount=D("3.00"),
        posting_date=dt.date(2026, 3, 20),
        source_key="inv:1",
        description="Invoice 4.30",
    )
    entry = result.value_entries[0]
    assert (entry.capacity_ledger_entry, entry.entry_type, entry.cost_group.code) == (
        capacity,
        "direct_cost",
        "SUB",
    )
    assert entry.cost_amount_actual == D("3.00")
    assert account_balance(coated.company.accounts["5220"]) == D("-43.00")
    assert marked == ["PO-1", "PO-1"]  # at finish, and for the adjustment
    again = capacity_cost_adjust_post(
        capacity_entry=capacity,
        amount=D("3.00"),
        posting_date=dt.date(2026, 3, 20),
        source_key="inv:1",
    )
    assert not again.created
    with pytest.raises(BusinessError) as error:
        capacity_cost_adjust_post(
            capacity_entry=capacity, amount=D("0.001"), posting_date=POST_DAY, source_key="inv:2"
        )
    assert error.value.field == "amount"


def test_finish_queues_adjust_cost_after_commit(
    bracket, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []

    class Task:
        @staticmethod
        def delay(**kwargs):
            queued.append(kwargs)

    monkeypatch.setattr("mfgcost.costing.tasks.adjust_cost_task", Task)
    order = bracket.released()
    production_output_post(order=order, quantity=D("1"), posting_date=POST_DAY, source_key="o")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        production_order_finish(order=order, posting_date=POST_DAY, source_key="fin")
    assert queued == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued == [{"order_id": order.pk}]


def test_a_task_that_cannot_be_queued_is_logged_not_raised(bracket, monkeypatch, caplog):
    class Task:
        @staticmethod
        def delay(**kwargs):
            raise ConnectionError("broker down")

    monkeypatch.setattr("mfgcost.costing.tasks.adjust_cost_task", Task)
    receivers.adjust_cost_queue(42)
    assert "Adjust Cost not queued for production order 42" in caplog.text
