"""The demo's lean cell in November, its figures worked out by hand (see mfgcost/demo_lean.py)."""

from decimal import Decimal

import pytest

from mfgcost.company import company_setup
from mfgcost.demo import demo_run
from mfgcost.demo_lean import lean_demo_run, lean_report
from mfgcost.items.models import Item
from mfgcost.lean.models import BackflushRunFlow
from mfgcost.lean.selectors import flow_wip_reconciliation

D = Decimal
pytestmark = pytest.mark.django_db


def test_lean_cell_month(tasks_in_process, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo_run(log=lambda line: None)
    assert lean_demo_run(company=company_setup(), log=lambda line: None) is True
    # 2 x 3.00 + 0.2 x 10.00 + 0.1 h x 30.00 + 10 % x 8.00 + 0.50 = 12.30
    assert Item.objects.get(number="DEMO-HOOK").standard_cost == D("12.30")
    run_flow = BackflushRunFlow.objects.get(flow__code="CELL")
    # before: staged 5 x 100 x 3.00 + 5 x 10 x 10.00 = 2,000.00; bending 20 h x 30.00 =
    # 600.00; plating 190 x 0.55 = 104.50; received 190 x 12.30 = 2,337.00 -> 367.50
    assert run_flow.wip_before == D("367.50")
    # after: 367.50 + overhead 160.00 - variances 127.50 = 400.00 = 100 x 3.00 + 10 x 10.00
    assert run_flow.wip_after == D("400.00")
    variances = {
        (v.cost_group.code, v.item.number if v.item else None, v.cause): v.amount
        for v in run_flow.variances.select_related("cost_group", "item")
    }
    assert variances == {
        ("MAT", "DEMO-ROD", "quantity"): D("60.00"),  # (400 - 190 x 2) x 3.00
        ("MAT", "DEMO-POWDER", "quantity"): D("20.00"),  # (40 - 190 x 0.2) x 10.00
        ("LAB", None, ""): D("30.00"),  # 600.00 - 190 x 3.00
        ("SUB", None, "price"): D("9.50"),  # (0.55 - 0.50) x 190
        ("MOH", None, ""): D("8.00"),  # 10 % x 1,600.00 - 190 x 0.80
    }
    assert flow_wip_reconciliation(flow=run_flow.flow) == {
        "general_ledger": D("400.00"),
        "value_entries": D("400.00"),
        "sub_ledger": D("400.00"),
    }
    report = lean_report()
    assert "flow CELL" in report and "WIP before 367.50, after 400.00" in report
    assert "127.50" in report
    assert lean_demo_run(company=company_setup(), log=lambda line: None) is False
