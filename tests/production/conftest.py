"""Fixtures for production: the bracket of the worked case and helpers to post on its orders.

The bracket (standard cost 29.30): 2 kg steel (FIFO, standard 5.00/kg) and 1 l paint (standard
cost item, 3.00/l); one operation at a work centre with 20.00/h direct cost and 25 % capacity
overhead, setup 1 h per lot of 10, run 0.5 h per unit; costing sheet: manufacturing overhead
10 % of direct material.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.items.models import (
    BomLine,
    BomVersion,
    CostGroup,
    CostingSheet,
    CostingSheetRule,
    CostingVersion,
    Item,
    Operation,
    RoutingVersion,
    StandardCost,
    StandardCostLine,
    WorkCenter,
)
from mfgcost.production.models import ProductionOrder
from mfgcost.production.services import production_order_create, production_order_release

D = Decimal
RELEASE_DAY = dt.date(2026, 3, 2)
POST_DAY = dt.date(2026, 3, 3)


def standard_cost_set(item: Item, by_group: dict[CostGroup, Decimal], *, on=RELEASE_DAY):
    """An active standard for ``item`` broken down by cost group (rolled up = this level)."""
    version, _ = CostingVersion.objects.get_or_create(
        code="STD", defaults={"name": "Standard", "version_type": "standard"}
    )
    total = sum(by_group.values(), D("0"))
    cost = StandardCost.objects.create(
        version=version,
        item=item,
        activation_date=on,
        status=StandardCost.Status.ACTIVE,
        unit_cost=total,
        lot_size=item.lot_size,
    )
    for group, amount in by_group.items():
        StandardCostLine.objects.create(
            standard_cost=cost, cost_group=group, this_level=amount, rolled_up=amount
        )
    Item.objects.filter(pk=item.pk).update(standard_cost=total, unit_cost=total)
    item.refresh_from_db()
    return cost


@dataclass
class Bracket:
    company: object
    item: Item
    steel: Item
    paint: Item
    work_center: WorkCenter
    bom: BomVersion
    routing: RoutingVersion
    sheet: CostingSheet

    def order(self, number="PO-1", quantity="10", **fields) -> ProductionOrder:
        return production_order_create(
            number=number,
            item=self.item,
            quantity=quantity,
            location=self.company.main,
            due_date=dt.date(2026, 3, 31),
            **fields,
        )

    def released(self, number="PO-1", quantity="10", **fields) -> ProductionOrder:
        order = self.order(number, quantity, **fields)
        return production_order_release(
            order=order, posting_date=RELEASE_DAY, source_key=f"test:{number}:release"
        )


@pytest.fixture
def bracket(company, make_item) -> Bracket:
    groups = company.cost_groups
    units = company.units
    steel = make_item(
        number="STEEL",
        base_unit=units["kg"],
        costing_method="fifo",
        standard_cost=D("5.00"),
    )
    paint = make_item(
        number="PAINT",
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
    sheet = CostingSheet.objects.create(code="MOH10", name="10 % on material")
    rule = CostingSheetRule.objects.create(
        sheet=sheet, basis="surcharge_percent", percent=D("10"), cost_group=groups["MOH"]
    )
    rule.base_cost_groups.add(groups["MAT"])
    item = make_item(
        number="BRACKET",
        posting_group=company.groups["FINISHED"],
        costing_method="standard",
        replenishment="production",
        cost_group=None,
        costing_sheet=sheet,
        lot_size=D("10"),
        net_weight_kg=D("2"),
    )
    bom = BomVersion.objects.create(item=item, version="1", valid_from=dt.date(2026, 1, 1))
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
    routing = RoutingVersion.objects.create(item=item, version="1", valid_from=dt.date(2026, 1, 1))
    Operation.objects.create(
        routing=routing,
        operation_no=10,
        work_center=work_center,
        setup_time=D("1"),
        run_time=D("0.5"),
    )
    standard_cost_set(
        item,
        {
            groups["MAT"]: D("13.00"),
            groups["LAB"]: D("12.00"),
            groups["COH"]: D("3.00"),
            groups["MOH"]: D("1.30"),
        },
    )
    purchase_receipt_post(
        item=steel,
        location=company.main,
        quantity=D("30"),
        unit_cost=D("5.20"),
        posting_date=dt.date(2026, 3, 1),
        source_key="test:steel:receipt",
    )
    purchase_receipt_post(
        item=paint,
        location=company.main,
        quantity=D("20"),
        unit_cost=D("3.00"),
        posting_date=dt.date(2026, 3, 1),
        source_key="test:paint:receipt",
    )
    return Bracket(
        company=company,
        item=item,
        steel=steel,
        paint=paint,
        work_center=work_center,
        bom=bom,
        routing=routing,
        sheet=sheet,
    )
