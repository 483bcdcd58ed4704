"""FIFO split, open jobs, and bad input through the REST API (400 naming the field, nothing
written)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.models import JournalLine
from mfgcost.inventory.models import ValueEntry
from mfgcost.items.models import Item
from mfgcost.lean import services
from mfgcost.lean.models import BackflushRun, FlowSettlement, FlowWipEntry, Kanban, KanbanRule

from .support import build_case, nov, oct_, october, run

D = Decimal
pytestmark = pytest.mark.django_db


def _counts():
    return (
        ValueEntry.objects.count(),
        JournalLine.objects.count(),
        FlowWipEntry.objects.count(),
        Kanban.objects.count(),
        BackflushRun.objects.count(),
    )


def test_fifo_settles_the_oldest_transactions_first_across_periods():
    case = build_case()
    rule = case.rules["P"]
    # October: two kanbans of 150 P (1,500.00 each) emptied, one of 100 (1,000.00) stays full
    services.kanban_rule_save(
        flow=case.flow,
        product=case.parts,
        quantity=D("150"),
        valid_from=dt.date(2026, 1, 1),
        activities=[{"activity": case.activities["STAGE"]}],
        rule=rule,
    )
    first = case.stage("P", oct_(2))
    second = case.stage("P", oct_(3))
    full = case.kanban("P", oct_(4), quantity="100")
    job = full.jobs.get()
    services.kanban_job_start(job=job, posting_date=oct_(4))
    services.kanban_job_complete(job=job, posting_date=oct_(4))
    services.kanban_empty(kanban=first, posting_date=oct_(20))
    services.kanban_empty(kanban=second, posting_date=oct_(20))
    run_flow = run(oct_(31)).flows.get()
    # physically in WIP 150 + 150 + 100 = 400, unused 100: usage 300 = the first two whole
    settled = list(
        FlowSettlement.objects.filter(run_flow=run_flow)
        .order_by("wip_entry_id")
        .values_list("wip_entry__kanban__number", "quantity", "amount", "split")
    )
    assert settled == [
        (first.number, D("150"), D("1500.00"), False),
        (second.number, D("150"), D("1500.00"), False),
    ]
    # November: October's full kanban is emptied; a kanban of 50 staged and emptied; an issue
    # of 30 without a handling unit (consumed as issued); a kanban of 50 stays full
    services.kanban_empty(kanban=full, posting_date=nov(2))
    kanban_a = case.stage("P", nov(3))
    services.kanban_empty(kanban=kanban_a, posting_date=nov(4))
    services.flow_material_stage(
        flow=case.flow,
        item=case.parts,
        quantity=D("30"),
        posting_date=nov(5),
        source_key="test:issue:fifo",
    )
    case.kanban("P", nov(6), quantity="50")
    last = Kanban.objects.order_by("pk").last()
    services.kanban_job_start(job=last.jobs.get(), posting_date=nov(6))
    services.kanban_job_complete(job=last.jobs.get(), posting_date=nov(6))
    november = run(nov(30)).flows.get()
    # physical 100 (October) + 150 (kanban A, rule quantity) + 30 + 50 = 330; unused 50;
    # usage 280: October's 100 (1,000.00), A's 150 (1,500.00), the issue's 30 (300.00)
    rows = list(
        FlowSettlement.objects.filter(run_flow=november)
        .order_by("wip_entry_id")
        .values_list("quantity", "amount", "split")
    )
    assert rows == [
        (D("100"), D("1000.00"), False),
        (D("150"), D("1500.00"), False),
        (D("30"), D("300.00"), False),
    ]
    # the full kanban of 50 stays physically updated at 500.00
    assert case.wip_gl() == D("500.00")


def test_fifo_split_inside_a_transaction():
    """Staged 100 (one issue, 1,000.00), then a kanban of 60 is received and stays full; the
    usage 100 + 60 - 60 = 100 takes the issue whole. With an issue of 100 *after* a full kanban
    of 60, the usage 100 ends inside the kanban's transaction... the kanban is older, so FIFO
    settles 60 of it and 40 of the issue: the issue is split 40 / 60."""
    case = build_case()
    rule = case.rules["P"]
    services.kanban_rule_save(
        flow=case.flow,
        product=case.parts,
        quantity=D("60"),
        valid_from=dt.date(2026, 1, 1),
        activities=[{"activity": case.activities["STAGE"]}],
        rule=rule,
    )
    case.stage("P", oct_(2))  # 60 P, 600.00, stays full
    services.flow_material_stage(
        flow=case.flow,
        item=case.parts,
        quantity=D("100"),
        posting_date=oct_(3),
        source_key="test:issue:100",
    )
    # physical 60 + 100 = 160, unused 60, usage 100: FIFO 60 of the kanban (600.00) and 40 of
    # the issue (40 / 100 x 1,000.00 = 400.00), the issue is split
    run_flow = run(oct_(31)).flows.get()
    rows = list(
        FlowSettlement.objects.filter(run_flow=run_flow)
        .order_by("wip_entry_id")
        .values_list("quantity", "amount", "split")
    )
    assert rows == [(D("60"), D("600.00"), False), (D("40"), D("400.00"), True)]
    # the rest stays physically updated: 60 of the issue at 600.00 (the unused value)
    unused = run_flow.unused.get()
    assert (unused.quantity, unused.value) == (D("60"), D("600.00"))
    issue = FlowWipEntry.objects.get(kind="material", kanban__isnull=True)
    done = issue.settled.aggregate(q=Sum("quantity"), a=Sum("amount"))
    assert (issue.quantity - done["q"], issue.amount - done["a"]) == (D("60"), D("600.00"))
    # no product received: the 100 used is a material variance of 1,000.00 on P, and its
    # overhead 25 % x 1,000.00 = 250.00 relieves nothing: all variance
    variances = {(v.cost_group.code, v.item_id): v.amount for v in run_flow.variances.all()}
    assert variances == {("PARTS", case.parts.pk): D("1000.00"), ("OVH", None): D("250.00")}
    assert case.wip_gl() == D("600.00")


def test_open_jobs_are_not_counted_and_a_later_run_picks_them_up():
    case = build_case()
    october(case)
    kanban = case.kanban("W", oct_(28), quantity="10")
    asm = kanban.jobs.order_by("sequence").first()
    services.kanban_job_start(job=asm, posting_date=oct_(28))
    run_flow = run(oct_(31)).flows.get()
    assert [o.job_id for o in run_flow.open_jobs.all()] == [asm.pk]
    # the open job posted nothing: October's figures are those of the worked case
    assert run_flow.wip_after == D("1200.00")
    assert sum(v.amount for v in run_flow.variances.all()) == D("410.00")
    # November: it completes with 2.5 h (100.00) and is painted (10 x 10.00), 10 widgets
    # received (500.00); the October leftovers are emptied
    services.kanban_job_complete(job=asm, posting_date=nov(2), run_time=D("2.5"))
    paint = kanban.jobs.order_by("sequence").last()
    services.kanban_job_start(job=paint, posting_date=nov(3))
    services.kanban_job_complete(job=paint, posting_date=nov(3), unit_price=D("10"))
    for item in (case.parts, case.resin):
        leftover = FlowWipEntry.objects.filter(kind="material", item=item).order_by("pk").last()
        services.kanban_empty(kanban=leftover.kanban, posting_date=nov(5))
    november = run(nov(30)).flows.get()
    assert list(november.open_jobs.all()) == []
    conversion = FlowWipEntry.objects.filter(kind="conversion", posting_date=nov(2))
    assert conversion.get().amount == D("100.00")
    # ASM: 100.00 applied - 10 x 10.00 relieved = 0; parts used 100 (1,000.00) against
    # 10 x 20.00 = 200.00 relieved: 800.00; resin 25 kg (200.00) against 40.00: 160.00;
    # overhead 25 % x 1,200.00 = 300.00 against 60.00: 240.00
    variances = {(v.cost_group.code, v.cause): v.amount for v in november.variances.all()}
    assert variances == {
        ("PARTS", "quantity"): D("800.00"),
        ("RESIN", "quantity"): D("160.00"),
        ("OVH", ""): D("240.00"),
    }
    assert november.wip_after == D("0.00")


# --------------------------------------------------------------------------- bad input


def test_non_standard_cost_product_is_refused(api):
    case = build_case()
    fifo = Item.objects.create(
        number="F",
        description="FIFO",
        base_unit=case.widget.base_unit,
        posting_group=case.widget.posting_group,
        costing_method=Item.CostingMethod.FIFO,
    )
    before = (_counts(), KanbanRule.objects.count())
    response = api.post(
        "/api/lean/kanban-rules/",
        {"flow": "ASSY", "product": "F", "quantity": "10", "valid_from": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["product"]
    assert (_counts(), KanbanRule.objects.count()) == before
    del fifo


def test_emptying_a_kanban_twice_is_refused(api):
    case = build_case()
    kanban = case.stage("P", oct_(2))
    first = api.post(f"/api/lean/kanbans/{kanban.pk}/empty/", {"posting_date": "2026-10-03"})
    assert first.status_code == 200
    assert first.json()["status"] == "emptied"
    before = _counts()
    second = api.post(f"/api/lean/kanbans/{kanban.pk}/empty/", {"posting_date": "2026-10-04"})
    assert second.status_code == 400
    assert list(second.json()) == ["status"]
    assert _counts() == before
    kanban.refresh_from_db()
    assert kanban.emptied_date == oct_(3)


def test_posting_inside_a_costed_period_is_refused(api):
    case = build_case()
    october(case)
    run(oct_(31))
    before = _counts()
    response = api.post(
        "/api/lean/material-issues/",
        {
            "flow": "ASSY",
            "item": "P",
            "quantity": "5",
            "posting_date": "2026-10-31",
            "source_key": "api:issue:1",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["posting_date"]
    assert "Backflush run" in response.json()["posting_date"][0]
    assert _counts() == before
    ok = api.post(
        "/api/lean/material-issues/",
        {
            "flow": "ASSY",
            "item": "P",
            "quantity": "5",
            "posting_date": "2026-11-01",
            "source_key": "api:issue:2",
        },
        format="json",
    )
    assert ok.status_code == 201


def test_run_for_today_is_refused(api):
    build_case()
    from django.utils import timezone

    before = _counts()
    today = timezone.localdate().isoformat()
    response = api.post("/api/lean/runs/", {"end_date": today}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["end_date"]
    assert _counts() == before


def test_run_through_the_api_reports_the_flow(api):
    case = build_case()
    october(case)
    response = api.post("/api/lean/runs/", {"end_date": "2026-10-31"}, format="json")
    assert response.status_code == 201
    flow = response.json()["flows"][0]
    assert (flow["status"], flow["wip_before"], flow["wip_after"]) == ("done", "710.00", "1200.00")
    variances = {(v["cost_group"], v["cause"]): v["amount"] for v in flow["report"]["variances"]}
    assert variances[("PAINT", "price")] == "70.00"
    assert flow["report"]["unused"][0]["quantity"] == "100.000000"
    wip = api.get("/api/lean/flows/ASSY/wip/").json()
    assert wip["reconciliation"] == {
        "general_ledger": "1200.00",
        "value_entries": "1200.00",
        "sub_ledger": "1200.00",
    }
    assert case.wip_gl() == D("1200.00")
