"""Source-requirement emptying, a scrap receipt out of WIP, jobs through the API."""

import datetime as dt
from decimal import Decimal

import pytest

from mfgcost.items.models import Item, StandardCost, StandardCostLine
from mfgcost.lean import services
from mfgcost.lean.models import FlowWipEntry, Kanban, KanbanRule

from .support import build_case, oct_

D = Decimal
pytestmark = pytest.mark.django_db


def test_source_requirement_empties_component_kanbans():
    case = build_case()
    services.kanban_rule_save(
        flow=case.flow,
        product=case.resin,
        quantity=D("25"),
        valid_from=dt.date(2026, 1, 1),
        automatic_empty=KanbanRule.AutomaticEmpty.ON_SOURCE_REQUIREMENT,
        activities=[{"activity": case.activities["STAGE"]}],
        rule=case.rules["R"],
    )
    bins = [case.stage("R", oct_(day)) for day in (2, 3, 4)]
    widgets = case.kanban("W", oct_(5), quantity="70")
    services.kanban_job_start(job=widgets.jobs.order_by("sequence").first(), posting_date=oct_(6))
    # 70 widgets x 0.5 kg = 35 kg: whole bins of 25, oldest first -> the first two are emptied
    statuses = [Kanban.objects.get(pk=b.pk).status for b in bins]
    assert statuses == ["emptied", "emptied", "received"]
    assert Kanban.objects.get(pk=bins[0].pk).emptied_date == oct_(6)


def test_scrap_received_out_of_wip_at_its_standard():
    case = build_case()
    scrap = Item.objects.create(
        number="SCRAP",
        description="Metal scrap",
        base_unit=case.parts.base_unit,
        costing_method="standard",
        posting_group=case.parts.posting_group,
        cost_group=case.groups["PARTS"],
        standard_cost=D("2"),
        unit_cost=D("2"),
    )
    record = StandardCost.objects.create(
        version=StandardCost.objects.first().version,
        item=scrap,
        activation_date=oct_(1),
        status="active",
        unit_cost=D("2"),
    )
    StandardCostLine.objects.create(
        standard_cost=record, cost_group=case.groups["PARTS"], this_level=D("2"), rolled_up=D("2")
    )
    case.stage("P", oct_(2))
    services.flow_product_receive(
        flow=case.flow,
        item=scrap,
        quantity=D("15"),
        posting_date=oct_(3),
        source_key="test:scrap:1",
    )
    # 100 x 10.00 staged - 15 x 2.00 scrap received = 970.00
    assert case.wip() == D("970.00")
    assert case.wip_gl() == D("970.00")
    relief = FlowWipEntry.objects.get(kind="product")
    assert (relief.product, relief.amount, relief.quantity) == (scrap, D("-30.00"), D("-15"))


def test_jobs_through_the_api(api):
    case = build_case()
    kanban = api.post(
        "/api/lean/kanbans/",
        {"rule": case.rules["W"].pk, "assigned_date": "2026-10-02", "quantity": "10"},
        format="json",
    ).json()
    asm, paint = kanban["jobs"]
    assert (
        api.post(f"/api/lean/jobs/{asm['id']}/start/", {"posting_date": "2026-10-02"}).json()[
            "status"
        ]
        == "started"
    )
    done = api.post(
        f"/api/lean/jobs/{asm['id']}/complete/",
        {"posting_date": "2026-10-02", "run_time": "2.5"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    # completing twice is refused on status, nothing posted again
    again = api.post(f"/api/lean/jobs/{asm['id']}/complete/", {"posting_date": "2026-10-03"})
    assert again.status_code == 400 and list(again.json()) == ["status"]
    # 2.5 h x 40.00 = 100.00 in the flow's WIP
    assert case.wip() == D("100.00")
    not_started = api.post(
        f"/api/lean/jobs/{paint['id']}/complete/", {"posting_date": "2026-10-03"}
    )
    assert not_started.status_code == 400 and list(not_started.json()) == ["status"]


def test_a_handling_unit_holds_what_its_pick_job_staged():
    case = build_case()
    kanban = case.kanban("P", oct_(2))
    job = kanban.jobs.get()
    services.kanban_job_start(job=job, posting_date=oct_(2))
    services.kanban_job_complete(job=job, posting_date=oct_(2), quantity=D("80"))
    kanban.refresh_from_db()
    # 80 of the rule's 100 were picked: the unit holds 80 (800.00 in WIP)
    assert (kanban.quantity, kanban.status) == (D("80"), "received")
    assert case.wip_gl() == D("800.00")


def test_a_failed_flow_shows_its_error_and_runs_again():
    from ledger.models import Period
    from ledger.services import period_close, period_reopen

    case = build_case()
    case.stage("P", oct_(2))
    backflush = services.backflush_run_create(end_date=oct_(31), today=dt.date(2026, 12, 2))
    october = Period.objects.get(start_date=oct_(1))
    period_close(period=october)
    run_flow = services.backflush_flow_process(run_flow_id=backflush.flows.get().pk)
    assert run_flow.status == "failed" and "closed" in run_flow.error
    backflush.refresh_from_db()
    assert backflush.status == "failed"
    assert case.wip_gl() == D("1000.00")  # nothing posted
    period_reopen(period=october)
    run_flow = services.backflush_flow_process(run_flow_id=run_flow.pk)
    assert (run_flow.status, run_flow.error) == ("done", "")
    backflush.refresh_from_db()
    assert backflush.status == "done"
    # nothing consumed (the kanban is full): the 1,000.00 stays in WIP
    assert run_flow.wip_after == D("1000.00")
