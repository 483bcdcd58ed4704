"""The worked bracket case (tests/scenarios) posted to the end, for the report pages.

After ``books``: order PO-1 for 10 brackets finished and adjusted, the steel invoice at 5.50
forwarded by a second Adjust Cost run (figures worked out in tests/scenarios/test_bracket.py),
4 kg of the 9 kg of steel left sent to vendor V1 (4 x 5.50 = 22.00), and a planned costing
version PLAN27 rolled up with steel at 5.50/kg instead of 5.00/kg.
"""

from dataclasses import dataclass

import pytest

from mfgcost.company import vendor_location_create
from mfgcost.costing.services import adjust_cost_run
from mfgcost.items.models import CostingVersion
from mfgcost.items.services import standard_cost_enter, standard_cost_rollup
from mfgcost.production.models import ProductionOrder
from subcontracting.models import Vendor
from tests.scenarios.conftest import bracket, post  # noqa: F401 - fixtures used here
from tests.scenarios.support import D, march


@dataclass
class Books:
    bracket: object
    order: ProductionOrder
    vendor: Vendor
    plan: CostingVersion


@pytest.fixture
def books(bracket, post) -> Books:  # noqa: F811 - the fixtures imported above
    steel_receipt = post.receipt(bracket.steel, "30", "5.20", day=1)
    post.receipt(bracket.paint, "10", "3.00", day=1)
    order = post.release(bracket.item, "10", "PO-1", day=2)
    post.consume(order, bracket.steel, "21")
    post.consume(order, bracket.paint, "10")
    post.time(order, setup="1.5", run="5.5")
    post.output(order, "10")
    order = post.finish(order)
    adjust_cost_run()
    post.invoice(steel_receipt, "30", "5.50", day=10)
    adjust_cost_run()
    location = vendor_location_create(code="L-V1", name="At V1", company=bracket.company)
    vendor = Vendor.objects.create(code="V1", name="Vendor V1", location=location)
    post.transfer(bracket.steel, "4", to_location=location, day=11)
    plan = CostingVersion.objects.create(code="PLAN27", name="Plan 2027", version_type="planned")
    standard_cost_enter(
        version=plan,
        item=bracket.steel,
        activation_date=march(12),
        amounts={bracket.company.cost_groups["MAT"]: D("5.50")},
    )
    standard_cost_rollup(version=plan, items=[bracket.item], as_of=march(12))
    order.refresh_from_db()
    return Books(bracket=bracket, order=order, vendor=vendor, plan=plan)
