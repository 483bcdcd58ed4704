"""Manufacturing overhead charged per hour: it follows the hours, and its variance is explained
by the same causes as the hours it is charged on.

PLATE (standard cost): one operation at 20.00/h, setup 1 h per lot of 10, run 0.5 h a unit;
costing sheet: 2.00 per hour of operation time to manufacturing overhead. Standard per plate:
0.6 h x 20.00 = 12.00 capacity, 0.6 h x 2.00 = 1.20 overhead, 13.20 in all.

Order for 10 with setup 1.5 h and run 5.5 h (7 h instead of 6 h): capacity 140.00 against
120.00 (lot size 10.00, quantity 10.00); overhead 7 x 2.00 = 14.00 against 12.00: lot size
0.5 h x 2.00 = 1.00 and quantity 0.5 h x 2.00 = 1.00; the rate is the standard one, so no
price variance.

With scrap, and a rate per unit next to the rate per hour: 1.50 per unit to capacity overhead
makes the standard 14.70. Setup 1.5 h and run 6.5 h for 10 good and 2 scrapped: the hours of 12
units are 1.2 h setup and 6 h run, the scrapped units' own standard hours 2 x 0.6 = 1.2 h, so
capacity 160.00 against 120.00 is lot size 0.3 h x 20.00 = 6.00, quantity 0.5 h x 20.00 = 10.00
and scrap 1.2 h x 20.00 = 24.00, and overhead per hour 16.00 against 12.00 the same at 2.00:
0.60, 1.00 and 2.40. The rate per unit is charged on the good units, as its standard is: 15.00
against 15.00, no variance.
"""

import datetime as dt
from decimal import Decimal

import pytest

from mfgcost.costing.models import VarianceSource
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.services import adjust_cost_run
from mfgcost.items.models import (
    CostingSheet,
    CostingSheetRule,
    CostingVersion,
    Operation,
    RoutingVersion,
    WorkCenter,
)
from mfgcost.items.services import standard_cost_activate, standard_cost_rollup
from tests.scenarios.support import march

D = Decimal


def released_plate(company, make_item, post, *, per_unit=None):
    """PLATE released for 10 (the sheet: 2.00 per hour to MOH, and ``per_unit`` to COH)."""
    groups = company.cost_groups
    center = WorkCenter.objects.create(
        code="PRESS", name="Press", direct_cost_per_hour=D("20"), direct_cost_group=groups["LAB"]
    )
    sheet = CostingSheet.objects.create(code="HOUR", name="Per hour")
    CostingSheetRule.objects.create(
        sheet=sheet, basis="rate_per_hour", rate=D("2.00"), cost_group=groups["MOH"]
    )
    if per_unit is not None:
        CostingSheetRule.objects.create(
            sheet=sheet, basis="rate_per_unit", rate=D(per_unit), cost_group=groups["COH"]
        )
    plate = make_item(
        number="PLATE",
        costing_method="standard",
        replenishment="production",
        posting_group=company.groups["FINISHED"],
        cost_group=None,
        costing_sheet=sheet,
        lot_size=D("10"),
    )
    routing = RoutingVersion.objects.create(item=plate, version="1", valid_from=dt.date(2026, 1, 1))
    Operation.objects.create(
        routing=routing, operation_no=10, work_center=center, setup_time=D("1"), run_time=D("0.5")
    )
    version = CostingVersion.objects.create(code="STD", name="Standard", version_type="standard")
    rollup = standard_cost_rollup(version=version, items=[plate], as_of=march(1))
    standard_cost_activate(standard_costs=rollup.records, posting_date=march(1))
    plate.refresh_from_db()
    return plate, post.release(plate, "10", "PL-1", day=2)


@pytest.fixture
def plate_order(company, make_item, post):
    plate, order = released_plate(company, make_item, post)
    assert plate.standard_cost == D("13.20")
    post.time(order, setup="1.5", run="5.5")
    post.output(order, "10")
    return post.finish(order)


def rows(order):
    return {r.cost_group: (r.actual, r.variance, r.causes) for r in order_cost_sheet(order).rows}


def test_overhead_per_hour_is_posted_with_the_hours(plate_order):
    adjust_cost_run()
    result = rows(plate_order)
    assert result["LAB"] == (
        D("140.00"),
        D("20.00"),
        {"quantity": D("10.00"), "lot_size": D("10.00")},
    )
    assert result["MOH"][:2] == (D("14.00"), D("2.00"))
    assert order_cost_sheet(plate_order).wip == D("0.00")
    assert adjust_cost_run().posted_nothing


def test_overhead_per_hour_variance_has_the_causes_of_its_hours(plate_order):
    adjust_cost_run()
    assert rows(plate_order)["MOH"] == (
        D("14.00"),
        D("2.00"),
        {"quantity": D("1.00"), "lot_size": D("1.00")},
    )
    # Each cause is traced to the overhead posted on the operation's time.
    sources = VarianceSource.objects.filter(
        variance_entry__order_no="PL-1", variance_entry__cost_group__code="MOH"
    )
    assert {s.variance_entry.variance_cause for s in sources} == {"quantity", "lot_size"}
    assert all(s.source_entry.capacity_ledger_entry.operation_no == "10" for s in sources)
    assert adjust_cost_run().posted_nothing


def test_overhead_per_hour_has_the_scrap_of_its_hours_and_per_unit_none(company, make_item, post):
    plate_item, order = released_plate(company, make_item, post, per_unit="1.50")
    assert plate_item.standard_cost == D("14.70")
    post.time(order, setup="1.5", run="6.5")
    post.output(order, "10", scrap="2")
    order = post.finish(order)

    adjust_cost_run()

    result = rows(order)
    assert result["LAB"] == (
        D("160.00"),
        D("40.00"),
        {"quantity": D("10.00"), "lot_size": D("6.00"), "scrap": D("24.00")},
    )
    assert result["MOH"] == (
        D("16.00"),
        D("4.00"),
        {"quantity": D("1.00"), "lot_size": D("0.60"), "scrap": D("2.40")},
    )
    assert result["COH"] == (D("15.00"), D("0.00"), {})
    sheet = order_cost_sheet(order)
    assert sheet.wip == D("0.00")
    assert all(row.difference == row.variance for row in sheet.rows)
    assert adjust_cost_run().posted_nothing
