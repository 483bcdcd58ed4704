"""The bracket of the worked case, costed by the roll-up, and helpers to post its order.

Bracket (standard cost): BOM 2 kg steel (FIFO, standard 5.00/kg) and 1 l paint (standard cost
3.00/l); one operation at a work centre with direct cost 20.00/h and capacity overhead 25 % of
direct, setup 1 h per lot of 10, run 0.5 h/unit; costing sheet: manufacturing overhead 10 % of
direct material.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from mfgcost.items.models import (
    BomLine,
    BomVersion,
    CostingSheet,
    CostingSheetRule,
    CostingVersion,
    Item,
    Operation,
    RoutingVersion,
    WorkCenter,
)
from mfgcost.items.services import standard_cost_activate, standard_cost_rollup

from .support import Postings, march

D = Decimal
YEAR_START = dt.date(2026, 1, 1)


@pytest.fixture
def post(company):
    return Postings(company)


@dataclass
class Bracket:
    company: object
    item: Item
    steel: Item
    paint: Item
    work_center: WorkCenter
    standard: object


@pytest.fixture
def bracket(company, make_item) -> Bracket:
    groups, units = company.cost_groups, company.units
    steel = make_item(
        number="STEEL",
        description="Steel sheet",
        base_unit=units["kg"],
        costing_method="fifo",
        standard_cost=D("5.00"),
    )
    paint = make_item(
        number="PAINT",
        description="Paint",
        base_unit=units["l"],
        costing_method="standard",
        standard_cost=D("3.00"),
    )
    work_center = WorkCenter.objects.create(
        code="WELD",
        name="Welding",
        direct_cost_per_hour=D("20.00"),
        direct_cost_group=groups["LAB"],
        overhead_percent=D("25"),
        overhead_cost_group=groups["COH"],
    )
    sheet = CostingSheet.objects.create(code="MOH10", name="10 % on direct material")
    rule = CostingSheetRule.objects.create(
        sheet=sheet, basis="surcharge_percent", percent=D("10"), cost_group=groups["MOH"]
    )
    rule.base_cost_groups.add(groups["MAT"])
    item = make_item(
        number="BRACKET",
        description="Bracket",
        posting_group=company.groups["FINISHED"],
        costing_method="standard",
        replenishment="production",
        cost_group=None,
        costing_sheet=sheet,
        lot_size=D("10"),
    )
    bom = BomVersion.objects.create(item=item, version="1", valid_from=YEAR_START)
    BomLine.objects.create(
        bom=bom,
        line_no=10,
        component=steel,
        quantity_per=D("2"),
        unit=units["kg"],
        operation_no=10,
    )
    BomLine.objects.create(
        bom=bom,
        line_no=20,
        component=paint,
        quantity_per=D("1"),
        unit=units["l"],
        operation_no=10,
    )
    routing = RoutingVersion.objects.create(item=item, version="1", valid_from=YEAR_START)
    Operation.objects.create(
        routing=routing,
        operation_no=10,
        work_center=work_center,
        setup_time=D("1"),
        run_time=D("0.5"),
    )
    version = CostingVersion.objects.create(
        code="STD26", name="Standard 2026", version_type="standard"
    )
    rollup = standard_cost_rollup(version=version, items=[item], as_of=march(1))
    (standard,) = rollup.records
    standard_cost_activate(standard_costs=[standard], posting_date=march(1))
    item.refresh_from_db()
    return Bracket(
        company=company,
        item=item,
        steel=steel,
        paint=paint,
        work_center=work_center,
        standard=standard,
    )
