"""Backward flushing, returns, partial output and scrap, tolerance, co-products, repeats."""

import datetime as dt
from decimal import Decimal

import pytest

from ledger.models import JournalLine, Period
from mfgcost.core.errors import BusinessError
from mfgcost.inventory.models import (
    CapacityLedgerEntry,
    InventoryPosting,
    ItemLedgerEntry,
    ValueEntry,
)
from mfgcost.inventory.services import on_hand, purchase_receipt_post
from mfgcost.items.models import BomLine, BomOutput, Operation, WorkCenter
from mfgcost.production import selectors
from mfgcost.production.models import ConsumptionReturn
from mfgcost.production.services import (
    production_consumption_post,
    production_order_finish,
    production_output_post,
    production_time_post,
)

from .conftest import POST_DAY

D = Decimal
pytestmark = pytest.mark.django_db


def rows():
    return (
        InventoryPosting.objects.count(),
        ItemLedgerEntry.objects.count(),
        CapacityLedgerEntry.objects.count(),
        ValueEntry.objects.count(),
        JournalLine.objects.count(),
        ConsumptionReturn.objects.count(),
    )


def consumed(order):
    return {
        row.item: (row.consumed_quantity, row.remaining_quantity)
        for row in selectors.component_progress(order)
    }


def output(order, quantity, key, **fields):
    return production_output_post(
        order=order, quantity=quantity, posting_date=POST_DAY, source_key=key, **fields
    )


def test_backward_flushing_with_partial_output_and_scrap(bracket):
    BomLine.objects.filter(bom=bracket.bom).update(flushing_method="backward")
    order = bracket.released()
    output(order, D("4"), "o1", scrap_quantity=D("1"))  # material for 5 units
    assert consumed(order) == {"STEEL": (D("10"), D("10")), "PAINT": (D("5"), D("5"))}
    output(order, D("6"), "o2")
    assert consumed(order) == {"STEEL": (D("22"), D("-2")), "PAINT": (D("11"), D("-1"))}
    assert selectors.output_quantity(order) == D("10")
    operation = selectors.operation_progress(order)[0]
    assert (operation.output_quantity, operation.scrap_quantity) == (D("10"), D("1"))
    # steel 22 kg FIFO 5.20 = 114.40; paint 11 l at 3.00 = 33.00; 10 % overhead 14.74
    assert selectors.order_wip_by_cost_group(order) == {
        "MAT": D("147.40"),
        "MOH": D("14.74"),
        "": D("-293.00"),
    }


def test_backward_flushing_per_operation(bracket):
    paint_shop = WorkCenter.objects.create(code="PAINT", name="Paint shop")
    Operation.objects.create(routing=bracket.routing, operation_no=20, work_center=paint_shop)
    BomLine.objects.filter(bom=bracket.bom, line_no=10).update(flushing_method="backward")
    BomLine.objects.filter(bom=bracket.bom, line_no=20).update(
        flushing_method="backward", operation_no=20
    )
    order = bracket.released()
    output(order, D("3"), "op10", operation_no=10)
    assert consumed(order) == {"STEEL": (D("6"), D("14")), "PAINT": (D("0"), D("10"))}
    assert selectors.output_quantity(order) == D("0")  # not the last operation
    output(order, D("3"), "op20", operation_no=20)
    assert consumed(order) == {"STEEL": (D("6"), D("14")), "PAINT": (D("3"), D("7"))}
    assert selectors.output_quantity(order) == D("3")


def test_output_beyond_quantity_and_tolerance_is_refused(bracket):
    order = bracket.released(output_tolerance_percent=D("10"))
    output(order, D("6"), "o1")
    before = rows()
    with pytest.raises(BusinessError) as error:
        output(order, D("5.5"), "o2")  # 11.5 > 10 + 10 %
    assert error.value.field == "quantity"
    assert rows() == before
    output(order, D("5"), "o3")
    assert selectors.output_quantity(order) == D("11")


def test_negative_consumption_returns_at_the_cost_of_the_latest_consumption(bracket):
    purchase_receipt_post(
        item=bracket.steel,
        location=bracket.company.main,
        quantity=D("10"),
        unit_cost=D("6.00"),
        posting_date=dt.date(2026, 3, 2),
        source_key="steel:2",
    )
    order = bracket.released()
    steel = order.components.get(line_no=10)
    first = production_consumption_post(
        order=order, component=steel, quantity=D("30"), posting_date=POST_DAY, source_key="c1"
    )
    second = production_consumption_post(
        order=order, component=steel, quantity=D("5"), posting_date=POST_DAY, source_key="c2"
    )
    result = production_consumption_post(
        order=order, component=steel, quantity=D("-6"), posting_date=POST_DAY, source_key="r1"
    )
    entry = result.item_entries[0]
    assert (entry.entry_type, entry.quantity, entry.remaining_quantity) == (
        "consumption",
        D("6"),
        D("6"),
    )
    # 5 kg back from the second consumption at 6.00, 1 kg from the first at 5.20
    assert entry.value_entries.get().cost_amount_actual == D("35.20")
    assert sorted(
        (r.consumption_entry_id, r.quantity) for r in ConsumptionReturn.objects.all()
    ) == sorted([(second.item_entries[0].pk, D("5")), (first.item_entries[0].pk, D("1"))])
    moh = [v.cost_amount_actual for v in result.value_entries if v.cost_group.code == "MOH"]
    assert moh == [D("-3.52")]
    assert consumed(order)["STEEL"] == (D("29"), D("-9"))
    assert on_hand(bracket.steel) == D("11")  # 40 received - 35 consumed + 6 back
    # 156.00 + 30.00 - 35.20 in WIP for material, overhead 15.60 + 3.00 - 3.52
    assert selectors.order_wip_by_cost_group(order) == {"MAT": D("150.80"), "MOH": D("15.08")}

    before = rows()
    with pytest.raises(BusinessError) as error:
        production_consumption_post(
            order=order,
            component=steel,
            quantity=D("-30"),
            posting_date=POST_DAY,
            source_key="r2",
        )
    assert error.value.field == "quantity"
    assert rows() == before


def test_consumption_of_an_item_not_in_stock_is_refused(bracket, make_item):
    order = bracket.released()
    bolt = make_item(number="BOLT")
    before = rows()
    with pytest.raises(BusinessError) as error:
        production_consumption_post(
            order=order, item=bolt, quantity=D("1"), posting_date=POST_DAY, source_key="c"
        )
    assert error.value.field == "quantity"
    assert rows() == before


def test_substitute_not_on_the_bom_is_consumed_on_no_line(bracket, make_item):
    order = bracket.released()
    other = make_item(number="STEEL-B", base_unit=bracket.company.units["kg"])
    purchase_receipt_post(
        item=other,
        location=bracket.company.main,
        quantity=D("5"),
        unit_cost=D("4.00"),
        posting_date=POST_DAY,
        source_key="b:receipt",
    )
    production_consumption_post(
        order=order, item=other, quantity=D("5"), posting_date=POST_DAY, source_key="c"
    )
    entry = ItemLedgerEntry.objects.get(entry_type="consumption")
    assert entry.order_line is None
    assert selectors.component_progress(order)[-1].item == "STEEL-B"


def test_repeats_of_every_posting_write_nothing(bracket):
    order = bracket.released()
    steel = order.components.get(line_no=10)

    def post_all():
        return [
            production_consumption_post(
                order=order,
                component=steel,
                quantity=D("21"),
                posting_date=POST_DAY,
                source_key="c",
            ),
            production_time_post(
                order=order,
                operation_no=10,
                run_time=D("5.5"),
                posting_date=POST_DAY,
                source_key="t",
            ),
            output(order, D("10"), "o"),
        ]

    first = post_all()
    before = rows()
    again = post_all()
    assert rows() == before
    assert [r.created for r in first] == [True, True, True]
    assert [r.created for r in again] == [False, False, False]
    assert [r.posting.pk for r in again] == [r.posting.pk for r in first]
    finished = production_order_finish(order=order, posting_date=POST_DAY, source_key="f")
    assert production_order_finish(order=order, posting_date=POST_DAY, source_key="f") is not None
    assert finished.status == "finished"


def test_time_corrections_may_not_take_an_operation_below_zero(bracket):
    order = bracket.released()
    production_time_post(
        order=order, operation_no=10, run_time=D("2"), posting_date=POST_DAY, source_key="t1"
    )
    production_time_post(
        order=order, operation_no=10, run_time=D("-0.5"), posting_date=POST_DAY, source_key="t2"
    )
    assert selectors.order_wip_by_cost_group(order) == {"LAB": D("30.00"), "COH": D("7.50")}
    with pytest.raises(BusinessError) as error:
        production_time_post(
            order=order,
            operation_no=10,
            run_time=D("-2"),
            posting_date=POST_DAY,
            source_key="t3",
        )
    assert error.value.field == "run_time"


def test_time_on_an_operation_not_on_the_order_is_refused(bracket):
    order = bracket.released()
    before = rows()
    with pytest.raises(BusinessError) as error:
        production_time_post(
            order=order, operation_no=20, run_time=D("1"), posting_date=POST_DAY, source_key="t"
        )
    assert error.value.field == "operation_no"
    assert rows() == before


def test_postings_on_planned_orders_and_in_closed_periods_are_refused(bracket):
    planned = bracket.order("PO-2")
    with pytest.raises(BusinessError) as error:
        output(planned, D("1"), "o-planned")
    assert error.value.field == "order"
    order = bracket.released()
    Period.objects.filter(start_date=dt.date(2026, 3, 1)).update(status="closed")
    before = rows()
    with pytest.raises(BusinessError) as error:
        output(order, D("1"), "o-closed")
    assert error.value.field == "posting_date"
    assert rows() == before


def test_co_and_by_products_are_output_with_the_main_item(bracket, make_item):
    offcut = make_item(
        number="OFFCUT", base_unit=bracket.company.units["kg"], standard_cost=D("0.50")
    )
    twin = make_item(
        number="TWIN",
        posting_group=bracket.company.groups["FINISHED"],
        costing_method="standard",
        standard_cost=D("8.00"),
    )
    BomOutput.objects.create(
        bom=bracket.bom,
        item=twin,
        kind="co_product",
        quantity=D("1"),
        cost_allocation_percent=D("20"),
    )
    BomOutput.objects.create(
        bom=bracket.bom,
        item=offcut,
        kind="by_product",
        quantity=D("0.2"),
        fixed_credit_per_unit=D("0.50"),
    )
    order = bracket.released()
    assert [(o.item.number, o.kind, o.expected_quantity) for o in order.outputs.all()] == [
        ("TWIN", "co_product", D("10")),
        ("OFFCUT", "by_product", D("2")),
    ]
    output(order, D("5"), "o")
    entries = {
        e.item.number: (e.quantity, e.value_entries.get().cost_amount_expected, e.order_line)
        for e in ItemLedgerEntry.objects.filter(entry_type="output")
    }
    assert entries == {
        "BRACKET": (D("5"), D("146.50"), None),
        "TWIN": (D("5"), D("40.00"), 1),
        "OFFCUT": (D("1"), D("0.50"), 2),
    }
