"""Release: frozen copy of BOM and routing, estimate by cost group, forward flushing, signal."""

import datetime as dt
from decimal import Decimal

import pytest

from ledger.models import Period
from mfgcost.core.errors import BusinessError
from mfgcost.inventory.models import InventoryPosting, ItemLedgerEntry, ValueEntry
from mfgcost.items.models import BomLine, BomVersion, StandardCost, UnitConversion
from mfgcost.production import selectors
from mfgcost.production.models import ProductionOrder, ProductionOrderEstimate
from mfgcost.production.services import production_order_release
from mfgcost.production.signals import order_released

from .conftest import RELEASE_DAY

D = Decimal
pytestmark = pytest.mark.django_db


def estimate_of(order):
    return {
        line.cost_group.code: (line.unit_amount, line.amount, line.source)
        for line in ProductionOrderEstimate.objects.filter(order=order)
    }


def test_release_freezes_a_copy_that_later_bom_changes_do_not_touch(bracket):
    order = bracket.released()
    assert (order.status, order.released_on) == ("released", RELEASE_DAY)
    assert (order.bom, order.routing) == (bracket.bom, bracket.routing)
    frozen = [
        (c.line_no, c.item.number, c.quantity_per, c.expected_quantity, c.operation_no)
        for c in order.components.all()
    ]
    assert frozen == [
        (10, "STEEL", D("2"), D("20"), 10),
        (20, "PAINT", D("1"), D("10"), 10),
    ]
    operation = order.operations.get()
    assert (operation.setup_time, operation.run_time, operation.lot_size) == (
        D("1"),
        D("0.5"),
        D("10"),
    )
    assert (operation.expected_setup_time, operation.expected_run_time) == (D("1"), D("5"))
    assert operation.direct_cost_per_hour == D("20")

    BomLine.objects.filter(bom=bracket.bom, line_no=10).update(quantity_per=D("3"))
    BomLine.objects.create(
        bom=bracket.bom,
        line_no=30,
        component=bracket.paint,
        quantity_per=D("1"),
        unit=bracket.company.units["l"],
    )
    bracket.routing.operations.update(run_time=D("2"))
    bracket.work_center.direct_cost_per_hour = D("99")
    bracket.work_center.save()

    order.refresh_from_db()
    assert [
        (c.line_no, c.item.number, c.quantity_per, c.expected_quantity, c.operation_no)
        for c in order.components.all()
    ] == frozen
    operation.refresh_from_db()
    assert (operation.run_time, operation.direct_cost_per_hour) == (D("0.5"), D("20"))


def test_estimate_from_the_active_standard_by_cost_group(bracket):
    order = bracket.released()
    assert estimate_of(order) == {
        "MAT": (D("13.00"), D("130.00"), "standard"),
        "LAB": (D("12.00"), D("120.00"), "standard"),
        "COH": (D("3.00"), D("30.00"), "standard"),
        "MOH": (D("1.30"), D("13.00"), "standard"),
    }
    assert order.unit_cost_standard == D("29.30")
    assert order.standard_cost == StandardCost.objects.get(item=bracket.item)


def test_estimate_computed_from_the_frozen_bom_and_routing_without_a_standard(bracket):
    StandardCost.objects.filter(item=bracket.item).update(status="superseded")
    order = bracket.released()
    # steel 2 x 5.00 + paint 1 x 3.00; (1 h / 10 + 0.5 h) x 20.00; 25 % of that; 10 % of material
    assert estimate_of(order) == {
        "MAT": (D("13.00"), D("130.00"), "computed"),
        "LAB": (D("12.00"), D("120.00"), "computed"),
        "COH": (D("3.00"), D("30.00"), "computed"),
        "MOH": (D("1.30"), D("13.00"), "computed"),
    }
    assert order.standard_cost is None


def test_bom_valid_on_the_release_date_with_formula_size_and_unit_conversion(bracket):
    units = bracket.company.units
    BomVersion.objects.filter(pk=bracket.bom.pk).update(valid_to=dt.date(2026, 2, 28))
    later = BomVersion.objects.create(
        item=bracket.item, version="2", valid_from=dt.date(2026, 3, 1), quantity=D("4")
    )
    UnitConversion.objects.create(from_unit=units["t"], to_unit=units["kg"], factor=D("1000"))
    # 0.01 t of steel per 4 brackets = 2.5 kg per bracket, 10 % scrap
    BomLine.objects.create(
        bom=later,
        line_no=10,
        component=bracket.steel,
        quantity_per=D("0.01"),
        unit=units["t"],
        scrap_percent=D("10"),
    )
    order = bracket.released()
    assert order.bom == later
    component = order.components.get()
    assert (component.quantity_per, component.expected_quantity) == (D("2.5"), D("27.5"))


def test_forward_flushing_consumes_at_release(bracket):
    BomLine.objects.filter(bom=bracket.bom, line_no=10).update(flushing_method="forward")
    order = bracket.released()
    entry = ItemLedgerEntry.objects.get(entry_type="consumption")
    assert (entry.item, entry.quantity, entry.posting_date, entry.order_line) == (
        bracket.steel,
        D("-20"),
        RELEASE_DAY,
        10,
    )
    assert entry.value_entries.get().cost_amount_actual == D("-104.00")  # 20 kg x 5.20
    assert selectors.order_wip_by_cost_group(order) == {"MAT": D("104.00"), "MOH": D("10.40")}
    assert entry.posting.kind == "production_release"


def test_release_is_idempotent_and_refused_a_second_time(bracket):
    order = bracket.order()
    first = production_order_release(order=order, posting_date=RELEASE_DAY, source_key="k:rel")
    rows = (InventoryPosting.objects.count(), ValueEntry.objects.count(), first.components.count())
    again = production_order_release(order=order, posting_date=RELEASE_DAY, source_key="k:rel")
    assert again.pk == first.pk and again.status == "released"
    assert (
        InventoryPosting.objects.count(),
        ValueEntry.objects.count(),
        again.components.count(),
    ) == rows
    with pytest.raises(BusinessError) as error:
        production_order_release(order=order, posting_date=RELEASE_DAY, source_key="k:other")
    assert error.value.field == "order"


def test_release_sends_order_released_inside_the_transaction(bracket):
    seen = []

    def receiver(sender, order, **kwargs):
        seen.append((order.number, order.status, order.components.count()))

    order_released.connect(receiver, dispatch_uid="test-receiver")
    try:
        bracket.released()
    finally:
        order_released.disconnect(dispatch_uid="test-receiver")
    assert seen == [("PO-1", "released", 2)]


def test_a_receiver_that_fails_rolls_the_release_back(bracket):
    def receiver(sender, order, **kwargs):
        raise BusinessError("no vendor price", field="operation")

    BomLine.objects.filter(bom=bracket.bom, line_no=10).update(flushing_method="forward")
    order = bracket.order()
    order_released.connect(receiver, dispatch_uid="test-failing")
    try:
        with pytest.raises(BusinessError):
            production_order_release(order=order, posting_date=RELEASE_DAY, source_key="k:rel")
    finally:
        order_released.disconnect(dispatch_uid="test-failing")
    order = ProductionOrder.objects.get(pk=order.pk)
    assert (order.status, order.components.count()) == ("planned", 0)
    assert not ItemLedgerEntry.objects.filter(entry_type="consumption").exists()
    assert not InventoryPosting.objects.filter(source_key="k:rel").exists()


def test_release_in_a_closed_period_is_refused(bracket):
    Period.objects.filter(start_date=dt.date(2026, 3, 1)).update(status="closed")
    order = bracket.order()
    with pytest.raises(BusinessError) as error:
        production_order_release(order=order, posting_date=RELEASE_DAY, source_key="k:rel")
    assert error.value.field == "posting_date"
    assert ProductionOrder.objects.get(pk=order.pk).status == "planned"
