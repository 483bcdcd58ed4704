"""Fixtures of the items tests: a standard costing version, units, a steel works and a frame."""

import datetime as dt
from decimal import Decimal

import pytest

from mfgcost.items.models import (
    BomOutput,
    CostingSheet,
    CostingSheetRule,
    CostingVersion,
    Item,
    UnitConversion,
    UnitOfMeasure,
    WorkCenter,
)
from mfgcost.items.services import bom_version_save, routing_version_save
from subcontracting.models import Vendor

D = Decimal
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def version(company):
    return CostingVersion.objects.create(
        code="STD26", name="Standard 2026", version_type=CostingVersion.VersionType.STANDARD
    )


@pytest.fixture
def produce(company):
    """``produce(number, unit="pcs", **fields)``: a produced item (finished goods)."""

    def make(number: str, unit: str = "pcs", **fields) -> Item:
        fields.setdefault("posting_group", company.groups["FINISHED"])
        fields.setdefault("costing_method", Item.CostingMethod.STANDARD)
        return Item.objects.create(
            number=number,
            description=number.title(),
            base_unit=company.units[unit],
            replenishment=Item.Replenishment.PRODUCTION,
            **fields,
        )

    return make


@pytest.fixture
def buy(company):
    """``buy(number, price, unit="pcs", group="MAT")``: a bought item at a standard price."""

    def make(number: str, price: str, unit: str = "pcs", group: str = "MAT", **fields) -> Item:
        fields.setdefault("posting_group", company.groups["RAW"])
        return Item.objects.create(
            number=number,
            description=number.title(),
            base_unit=company.units[unit],
            cost_group=company.cost_groups[group],
            costing_method=Item.CostingMethod.STANDARD,
            standard_cost=D(price),
            unit_cost=D(price),
            **fields,
        )

    return make


def line(component: Item, quantity: str, unit: UnitOfMeasure | None = None, **fields) -> dict:
    return {
        "component": component,
        "quantity_per": D(quantity),
        "unit": unit or component.base_unit,
        **{k: D(v) if k == "scrap_percent" else v for k, v in fields.items()},
    }


@pytest.fixture
def steel_works(company, buy, produce):
    """Seed 003 as formulas: sinter (formula size 1.4 t) and pig iron with a slag by-product."""
    ore = buy("IRON-ORE", "55", unit="t")
    coke = buy("COKE", "75", unit="t")
    limestone = buy("LIMESTONE", "20", unit="t")
    slag = buy("SLAG", "0", unit="t")
    sinter = produce("SINTER", unit="t")
    iron = produce("PIG-IRON", unit="t")
    bom_version_save(
        item=sinter,
        version="F1",
        valid_from=dt.date(2026, 1, 1),
        quantity=D("1.4"),
        lines=[line(ore, "1.3"), line(coke, "0.07"), line(limestone, "0.1")],
    )
    bom_version_save(
        item=iron,
        version="F1",
        valid_from=dt.date(2026, 1, 1),
        quantity=D("1"),
        lines=[line(sinter, "1.4"), line(coke, "0.4")],
        outputs=[{"item": slag, "kind": BomOutput.Kind.BY_PRODUCT, "quantity": D("0.3")}],
    )
    return {"sinter": sinter, "iron": iron, "coke": coke, "slag": slag, "ore": ore}


@pytest.fixture
def frame_product(company, buy, produce):
    """A three-level product: FRAME <- BRACKET <- STEEL, with the numbers of the roll-up test.

    FRAME (lot 20): 4 BRACKET, 250 ml PAINT; welding (setup 2 h, run 0.5 h at 60/h + 20/h
    overhead), subcontracted coating (service at 3.00); costing sheet: 10 % of MAT and 5.20 per
    hour to MOH; co-product OFFCUT, 0.5 per frame, carries 20 %.
    BRACKET (lot 50): 1.6 kg STEEL with 25 % scrap, 2 BOLT; cutting (setup 1 h, run 0.1 h at
    40/h + 10/h + 25 % overhead).
    """
    groups = company.cost_groups
    units = company.units
    ml = UnitOfMeasure.objects.create(code="ml", name="Millilitre")
    UnitConversion.objects.create(from_unit=units["l"], to_unit=ml, factor=D("1000"))
    steel = buy("STEEL", "2.00", unit="kg")
    bolt = buy("BOLT", "0.50")
    paint = buy("PAINT", "8.00", unit="l")
    coating = buy(
        "COAT-SVC",
        "3.00",
        group="SUB",
        item_type=Item.ItemType.SERVICE,
        posting_group=company.groups["SERVICE"],
    )
    cut = WorkCenter.objects.create(
        code="CUT",
        name="Cutting",
        direct_cost_per_hour=D("40"),
        direct_cost_group=groups["LAB"],
        overhead_per_hour=D("10"),
        overhead_percent=D("25"),
        overhead_cost_group=groups["COH"],
    )
    weld = WorkCenter.objects.create(
        code="WELD",
        name="Welding",
        direct_cost_per_hour=D("60"),
        direct_cost_group=groups["LAB"],
        overhead_per_hour=D("20"),
        overhead_cost_group=groups["COH"],
    )
    vendor = Vendor.objects.create(code="COATCO", name="Coating Co")
    coater = WorkCenter.objects.create(code="COATV", name="Coating (vendor)", vendor=vendor)
    sheet = CostingSheet.objects.create(code="FRAME", name="Frame overheads")
    surcharge = CostingSheetRule.objects.create(
        sheet=sheet,
        sequence=10,
        basis=CostingSheetRule.Basis.SURCHARGE_PERCENT,
        percent=D("10"),
        cost_group=groups["MOH"],
    )
    surcharge.base_cost_groups.set([groups["MAT"]])
    CostingSheetRule.objects.create(
        sheet=sheet,
        sequence=20,
        basis=CostingSheetRule.Basis.RATE_PER_HOUR,
        rate=D("5.20"),
        cost_group=groups["MOH"],
    )
    bracket = produce("BRACKET", lot_size=D("50"))
    frame = produce("FRAME", lot_size=D("20"), costing_sheet=sheet)
    offcut = produce("OFFCUT")
    start = dt.date(2026, 1, 1)
    bom_version_save(
        item=bracket,
        version="1",
        valid_from=start,
        lines=[line(steel, "1.6", scrap_percent="25"), line(bolt, "2")],
    )
    routing_version_save(
        item=bracket,
        version="1",
        valid_from=start,
        operations=[
            {"operation_no": 10, "work_center": cut, "setup_time": D("1"), "run_time": D("0.1")}
        ],
    )
    bom_version_save(
        item=frame,
        version="1",
        valid_from=start,
        main_allocation_percent=D("80"),
        lines=[line(bracket, "4"), line(paint, "250", unit=ml)],
        outputs=[
            {
                "item": offcut,
                "kind": BomOutput.Kind.CO_PRODUCT,
                "quantity": D("0.5"),
                "cost_allocation_percent": D("20"),
            }
        ],
    )
    routing_version_save(
        item=frame,
        version="1",
        valid_from=start,
        operations=[
            {"operation_no": 10, "work_center": weld, "setup_time": D("2"), "run_time": D("0.5")},
            {
                "operation_no": 20,
                "work_center": coater,
                "subcontracted": True,
                "service_item": coating,
            },
        ],
    )
    return {
        "frame": frame,
        "bracket": bracket,
        "offcut": offcut,
        "steel": steel,
        "ml": ml,
        "paint": paint,
        "weld": weld,
    }
