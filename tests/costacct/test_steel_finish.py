"""The steel orders finished and adjusted in the P&L setup: no false variance, books true."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.models import JournalLine
from mfgcost.costing.selectors import wip_by_order
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ValueEntry
from mfgcost.inventory.selectors import reconciliation
from mfgcost.production.models import ProductionOrder
from mfgcost.production.services import production_order_finish

from .steel import DAY, steel_build, steel_post

D = Decimal
pytestmark = pytest.mark.django_db


def test_finished_steel_orders_post_no_variance(company, make_item, tasks_in_process):
    steel = steel_build(company, make_item)
    steel_post(steel)
    for order in ProductionOrder.objects.order_by("number"):
        production_order_finish(
            order=order, posting_date=DAY, source_key=f"steel:{order.number}:finish"
        )
    adjust_cost_run()
    # Consumption was flushed at the formulas (7,800 t ore for 8,400 t sinter, not 7,799.9964 t
    # from 0.928571 t/t) and everything is at standard: nothing is off standard.
    assert not ValueEntry.objects.filter(entry_type="variance").exists()
    totals = JournalLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
    assert totals["d"] == totals["c"]
    assert all(r["difference"] == D("0.00") for r in reconciliation())
    assert wip_by_order()["rows"] == []
