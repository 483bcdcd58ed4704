"""Roll-up rules not covered by the frame and the steel works: every costing-sheet basis, a
rate per kg without a weight, and unit conversions per item, global and read backwards."""

import datetime as dt
from decimal import Decimal

import pytest

from mfgcost.core.errors import BusinessError
from mfgcost.items.models import (
    CostingSheet,
    CostingSheetRule,
    Item,
    StandardCost,
    UnitConversion,
    UnitOfMeasure,
    WorkCenter,
)
from mfgcost.items.services import bom_version_save, routing_version_save, standard_cost_rollup
from subcontracting.models import Vendor

from .conftest import DAY, line

D = Decimal
START = dt.date(2026, 1, 1)
pytestmark = pytest.mark.django_db


def breakdown(item: Item, version) -> dict[str, tuple[Decimal, Decimal]]:
    record = StandardCost.objects.get(item=item, version=version)
    return {
        row.cost_group.code: (row.this_level, row.rolled_up)
        for row in record.lines.select_related("cost_group")
    }


def rule(sheet, sequence, basis, group, *, bases=(), **fields) -> CostingSheetRule:
    created = CostingSheetRule.objects.create(
        sheet=sheet, sequence=sequence, basis=basis, cost_group=group, **fields
    )
    created.base_cost_groups.set(bases)
    return created


def test_every_costing_sheet_basis_in_one_roll_up(company, version, buy, produce):
    groups = company.cost_groups
    bolt = buy("BOLT", "0.50")
    coating = buy(
        "COAT-SVC",
        "3.00",
        group="SUB",
        item_type=Item.ItemType.SERVICE,
        posting_group=company.groups["SERVICE"],
    )
    saw = WorkCenter.objects.create(
        code="SAW", name="Saw", direct_cost_per_hour=D("40"), direct_cost_group=groups["LAB"]
    )
    press = WorkCenter.objects.create(
        code="PRESS",
        name="Press",
        direct_cost_per_hour=D("60"),
        direct_cost_group=groups["LAB"],
        overhead_per_hour=D("20"),
        overhead_cost_group=groups["COH"],
    )
    vendor = Vendor.objects.create(code="COATCO", name="Coating Co")
    coater = WorkCenter.objects.create(code="COATV", name="Coating", vendor=vendor)
    sheet = CostingSheet.objects.create(code="ALL", name="Every basis")
    moh = groups["MOH"]
    rule(sheet, 10, "rate_per_unit", moh, rate=D("1.50"))
    rule(sheet, 20, "rate_per_kg", moh, rate=D("0.40"))
    rule(sheet, 30, "rate_per_hour", moh, rate=D("5.00"), work_center=press)
    rule(sheet, 40, "rate_per_hour", moh, rate=D("2.00"))
    rule(sheet, 50, "surcharge_percent", moh, percent=D("10"), bases=[groups["LAB"], moh])
    widget = produce("WIDGET", lot_size=D("4"), net_weight_kg=D("2.5"), costing_sheet=sheet)
    bom_version_save(item=widget, version="1", valid_from=START, lines=[line(bolt, "1")])
    routing_version_save(
        item=widget,
        version="1",
        valid_from=START,
        operations=[
            {"operation_no": 10, "work_center": saw, "setup_time": D("2"), "run_time": D("0.25")},
            {"operation_no": 20, "work_center": press, "run_time": D("0.1")},
            {
                "operation_no": 30,
                "work_center": coater,
                "subcontracted": True,
                "service_item": coating,
            },
        ],
    )

    standard_cost_rollup(version=version, items=[widget], as_of=DAY)

    saw_hours = D("2") / D("4") + D("0.25")  # 0.75 h: setup spread over the lot of 4
    press_hours = D("0.1")
    lab = saw_hours * 40 + press_hours * 60  # 30.00 + 6.00
    coh = press_hours * 20  # 2.00
    moh = (
        D("1.50")  # per unit
        + D("2.5") * D("0.40")  # per kg of net weight: 1.00
        + press_hours * D("5.00")  # per hour at the press only: 0.50
        + (saw_hours + press_hours) * D("2.00")  # per hour everywhere, not the vendor's: 1.70
        + lab * D("10") / 100  # 10 % of LAB; MOH is never a surcharge base: 3.60
    )
    assert (lab, coh, moh) == (D("36.00"), D("2.00"), D("8.30"))
    expected = {"MAT": D("0.50"), "LAB": lab, "COH": coh, "SUB": D("3.00"), "MOH": moh}
    assert breakdown(widget, version) == {g: (a, a) for g, a in expected.items()}
    assert StandardCost.objects.get(item=widget).unit_cost == D("49.80")


def test_a_rate_per_kg_needs_the_net_weight(company, version, buy, produce):
    sheet = CostingSheet.objects.create(code="KG", name="Per kg")
    rule(sheet, 10, "rate_per_kg", company.cost_groups["MOH"], rate=D("0.40"))
    gadget = produce("GADGET", costing_sheet=sheet)  # no net weight
    bom_version_save(item=gadget, version="1", valid_from=START, lines=[line(buy("NUT", "1"), "1")])
    with pytest.raises(BusinessError) as error:
        standard_cost_rollup(version=version, items=[gadget], as_of=DAY)
    assert error.value.field == "net_weight_kg"
    assert not StandardCost.objects.exists()


def test_item_conversions_come_first_and_read_both_ways(company, version, buy, produce):
    box = UnitOfMeasure.objects.create(code="box", name="Box")
    company.units["box"] = box
    pcs = company.units["pcs"]
    bolt = buy("BOLT", "0.50")  # per piece
    washer = buy("WASHER", "0.10")  # per piece
    nut = buy("NUT", "2.00", unit="box")  # per box
    UnitConversion.objects.create(from_unit=box, to_unit=pcs, factor=D("10"))  # every item
    UnitConversion.objects.create(item=bolt, from_unit=box, to_unit=pcs, factor=D("12"))
    kit = produce("KIT")
    bom_version_save(
        item=kit,
        version="1",
        valid_from=START,
        lines=[
            line(bolt, "0.5", unit=box),  # the bolt's own box: 6 pieces x 0.50 = 3.00
            line(washer, "1", unit=box),  # the global box: 10 pieces x 0.10 = 1.00
            line(nut, "5", unit=pcs),  # the global conversion backwards: 0.5 box x 2.00 = 1.00
        ],
    )

    standard_cost_rollup(version=version, items=[kit], as_of=DAY)

    assert breakdown(kit, version) == {"MAT": (D("5.00"), D("5.00"))}
