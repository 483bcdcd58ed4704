"""The month-end close through the service, with its Celery chain run in process."""

from decimal import Decimal

import pytest

from ledger.models import JournalEntry, Period
from ledger.selectors import account_balance
from mfgcost.close.models import CloseCheckSetting, CloseRun, PeriodReopening
from mfgcost.close.services import close_run_resume, period_reopen
from mfgcost.core.errors import BusinessError, ConflictError
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.inventory.models import ValueEntry
from tests.production.support import ledger_rows

D = Decimal
STEPS = [
    "readiness",
    "adjust_cost",
    "backflush_costing",
    "cost_accounting",
    "reconciliation",
    "period_close",
]


def steps_of(run: CloseRun) -> dict:
    return {s.name: s for s in run.steps.all()}


def balances(company) -> dict:
    return {
        n: account_balance(company.account(n))
        for n in ("1300", "1310", "1330", "2100", "5310", "5320", "5340", "5350")
    }


def test_close_of_a_small_month(company, small_month, march_period, close_now, api):
    run = close_now(march_period)

    assert run.status == CloseRun.Status.DONE, run.error
    steps = steps_of(run)
    assert list(steps) == STEPS
    assert all(s.status == "done" and s.progress == 100 for s in steps.values())
    assert all(s.started_at and s.finished_at for s in steps.values())
    readiness = steps["readiness"].counts
    # Warnings only: the two receipts are not invoiced and Adjust Cost has work waiting.
    assert readiness["blockers"] == 0
    assert readiness["receipts_not_invoiced"] == 2
    assert readiness["unfinished_orders"] == 0 and readiness["negative_stock"] == 0
    adjust = steps["adjust_cost"].counts
    assert adjust["orders"] == 1 and adjust["errors"] == 0 and adjust["value_entries"] > 0
    assert steps["reconciliation"].counts == {"accounts": 3, "differences": 0}
    assert steps["period_close"].counts == {"closed": 1}
    march_period.refresh_from_db()
    assert march_period.status == Period.Status.CLOSED
    # The order is settled: 328.12 actual - 293.00 standard = 35.12 variance, WIP 0.
    assert order_cost_sheet(small_month).total("variance") == D("35.12")
    assert order_cost_sheet(small_month).wip == D("0.00")
    assert account_balance(company.account("1330")) == D("0.00")

    response = api.post(
        "/api/inventory/receipts/",
        {
            "item": "STEEL",
            "location": "MAIN",
            "quantity": "1",
            "unit_cost": "5.00",
            "posting_date": "2026-03-20",
            "document_no": "LATE-1",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "posting_date" in response.json()


def test_second_close_of_a_closed_period_posts_nothing(small_month, march_period, close_now):
    assert close_now(march_period).status == CloseRun.Status.DONE
    before = ledger_rows() + (JournalEntry.objects.count(),)

    again = close_now(march_period)

    assert again.status == CloseRun.Status.DONE
    assert ledger_rows() + (JournalEntry.objects.count(),) == before
    steps = steps_of(again)
    assert steps["adjust_cost"].counts["value_entries"] == 0
    assert steps["period_close"].counts == {"closed": 0}


def test_close_blocked_by_an_unfinished_order(bracket, post, march_period, close_now):
    order = post.release(bracket.item, "10", "PO-7", day=2)
    post.receipt(bracket.steel, "30", "5.20", day=1)
    # 20 x 5.20 = 104.00 of steel, and 10 % manufacturing overhead on it, 10.40: 114.40 in WIP
    post.consume(order, bracket.steel, "20")

    run = close_now(march_period)

    assert run.status == CloseRun.Status.BLOCKED
    assert "PO-7" in run.error and "not finished" in run.error
    readiness = steps_of(run)["readiness"]
    assert readiness.status == "blocked"
    (check,) = [c for c in readiness.details["checks"] if c["name"] == "unfinished_orders"]
    assert check["rows"] == [
        {"order": "PO-7", "item": "BRACKET", "status": "released", "wip": "114.40"}
    ]
    assert [s.status for s in steps_of(run).values()] == ["blocked"] + ["pending"] * 5
    march_period.refresh_from_db()
    assert march_period.is_open

    post.output(order, "10")
    post.finish(order)
    resumed = close_now(march_period)

    assert resumed.pk == run.pk and resumed.attempts == 2
    assert resumed.status == CloseRun.Status.DONE, resumed.error
    march_period.refresh_from_db()
    assert not march_period.is_open


def test_a_check_made_a_warning_no_longer_blocks(bracket, post, march_period, close_now):
    order = post.release(bracket.item, "10", "PO-8", day=2)
    post.receipt(bracket.steel, "30", "5.20", day=1)
    post.consume(order, bracket.steel, "20")
    CloseCheckSetting.objects.create(check_name="unfinished_orders", severity="warning")
    # The WIP of the open order stays on 1330 and reconciles: the close goes through.
    run = close_now(march_period)
    assert run.status == CloseRun.Status.DONE, run.error
    assert steps_of(run)["readiness"].counts["unfinished_orders"] == 1


def test_failed_step_resumes_there_and_ends_as_a_clean_close(
    company, small_month, march_period, close_now, monkeypatch
):
    from mfgcost.close import registry
    from mfgcost.close import steps as close_steps

    calls = []
    original = registry.step("reconciliation")

    def broken(close_run, period):
        calls.append(period.pk)
        raise RuntimeError("the worker lost its database")

    monkeypatch.setitem(
        registry._steps,
        "reconciliation",
        registry.CloseStep(
            name="reconciliation", label=original.label, position=original.position, run=broken
        ),
    )
    run = close_now(march_period)

    assert run.status == CloseRun.Status.FAILED
    assert "reconciliation" in run.error and "lost its database" in run.error
    statuses = {n: s.status for n, s in steps_of(run).items()}
    assert statuses == {
        "readiness": "done",
        "adjust_cost": "done",
        "backflush_costing": "done",
        "cost_accounting": "done",
        "reconciliation": "failed",
        "period_close": "pending",
    }
    adjusted_at = steps_of(run)["adjust_cost"].finished_at
    entries_after_failure = ValueEntry.objects.count()

    monkeypatch.setitem(registry._steps, "reconciliation", original)
    resumed = close_now(march_period)

    assert resumed.pk == run.pk and resumed.status == CloseRun.Status.DONE
    steps = steps_of(resumed)
    assert steps["adjust_cost"].finished_at == adjusted_at  # not run again
    assert steps["adjust_cost"].attempts == 1 and steps["reconciliation"].attempts == 2
    assert ValueEntry.objects.count() == entries_after_failure
    # The balances of a clean close of this month (see the clean test): raw materials keep
    # 9 kg of steel at 5.20 = 46.80; finished goods 10 x 29.30 = 293.00; WIP 0; the
    # variances add up to 35.12.
    figures = balances(company)
    assert figures["1300"] == D("46.80")
    assert figures["1310"] == D("293.00")
    assert figures["1330"] == D("0.00")
    assert sum(figures[n] for n in ("5310", "5320", "5340", "5350")) == D("35.12")
    assert close_steps.CloseStepError.status_code == 409


def test_a_running_close_refuses_a_second_one(small_month, march_period):
    from mfgcost.close.services import close_run_start

    run = close_run_start(period=march_period)  # its chain waits for the commit
    with pytest.raises(ConflictError) as refused:
        close_run_start(period=march_period)
    assert refused.value.field == "period"
    assert CloseRun.objects.filter(period=march_period).count() == 1
    with pytest.raises(ConflictError):
        close_run_resume(run=run)


def test_reopen_needs_the_permission_and_a_reason(
    small_month, march_period, close_now, django_user_model
):
    from django.contrib.auth.models import Permission

    close_now(march_period)
    clerk = django_user_model.objects.create_user("clerk2")
    with pytest.raises(BusinessError) as refused:
        period_reopen(period=march_period, user=clerk, reason="late invoice")
    assert refused.value.field == "period"
    clerk.user_permissions.add(Permission.objects.get(codename="reopen_period"))
    clerk = django_user_model.objects.get(pk=clerk.pk)
    with pytest.raises(BusinessError) as no_reason:
        period_reopen(period=march_period, user=clerk, reason=" ")
    assert no_reason.value.field == "reason"

    reopening = period_reopen(period=march_period, user=clerk, reason="late invoice")

    march_period.refresh_from_db()
    assert march_period.is_open and reopening.reopened_by == clerk
    assert PeriodReopening.objects.get().reason == "late invoice"
    # Closed again, and April closed after it: March can no longer be reopened.
    close_now(march_period)
    april = Period.objects.get(start_date__month=4, start_date__year=2026)
    from ledger.services import period_close

    period_close(period=april)
    with pytest.raises(ConflictError) as late:
        period_reopen(period=march_period, user=clerk, reason="too late")
    assert late.value.field == "period" and "2026" in late.value.message
