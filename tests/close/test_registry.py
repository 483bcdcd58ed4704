"""The step registry: a fan-out step, a dead worker's run taken over, the beat entry."""

import pytest

from mfgcost.close import registry
from mfgcost.close.models import CloseRun, CloseRunStep
from mfgcost.close.services import close_run_resume


@pytest.fixture
def flows_step(monkeypatch):
    """A step in the backflush position that fans out into three parts, the second failing
    once (as a flow whose worker died would)."""
    worked, failures = [], {"F2": 1}

    def parts(close_run, period):
        return [{"key": f"F{n}", "flow": n} for n in (1, 2, 3)]

    def run_part(close_run, period, part):
        if failures.get(part["key"]):
            failures[part["key"]] -= 1
            raise RuntimeError(f"flow {part['flow']} interrupted")
        worked.append(part["key"])
        return {"flows": 1, "value_entries": part["flow"]}

    step = registry.CloseStep(
        name="backflush_costing",
        label="Backflush costing of every flow",
        position=registry.BACKFLUSH_COSTING,
        parts=parts,
        run_part=run_part,
    )
    monkeypatch.setitem(registry._steps, step.name, step)
    return worked


def test_a_fan_out_step_runs_its_parts_and_resumes_the_missing_one(
    small_month, march_period, close_now, flows_step
):
    run = close_now(march_period)

    assert run.status == CloseRun.Status.FAILED and "flow 2 interrupted" in run.error
    names = list(run.steps.values_list("name", flat=True))
    assert names == [
        "readiness",
        "adjust_cost",
        "backflush_costing",
        "cost_accounting",
        "reconciliation",
        "period_close",
    ]
    step = run.steps.get(name="backflush_costing")
    assert step.status == "failed" and step.details["parts_done"] == ["F1", "F3"]

    resumed = close_now(march_period)

    assert resumed.pk == run.pk and resumed.status == CloseRun.Status.DONE, resumed.error
    assert flows_step == ["F1", "F3", "F2"]  # F1 and F3 are not run again
    step = resumed.steps.get(name="backflush_costing")
    # 1 + 3 value entries in the first attempt, 2 in the resumption: 6; three flows.
    assert step.counts == {"flows": 3, "value_entries": 6, "parts": 3}


def test_a_run_whose_worker_died_is_taken_over(small_month, march_period, close_now):
    run = close_now(march_period)
    assert run.status == CloseRun.Status.DONE
    # What a dead worker leaves: the run running, a step running, no lock held.
    CloseRun.objects.filter(pk=run.pk).update(status="running")
    CloseRunStep.objects.filter(run=run, name="period_close").update(status="running")

    resumed = close_run_resume(run=run)
    assert resumed.status == CloseRun.Status.PENDING and resumed.attempts == 2
    assert run.steps.get(name="period_close").status == "pending"


def test_registering_needs_run_or_parts():
    with pytest.raises(ValueError):
        registry.CloseStep(name="x", label="x", position=1)
    with pytest.raises(ValueError):  # the close's own first step
        registry.step_register(
            registry.CloseStep(name="readiness", label="x", position=1, run=lambda r, p: {})
        )
    with pytest.raises(ValueError):  # parts without run_part
        registry.CloseStep(name="x", label="x", position=1, parts=lambda r, p: [])
    with pytest.raises(ValueError):
        registry.ReadinessCheck(name="x", label="x", rows=lambda p: [], severity="fatal")


@pytest.mark.django_db
def test_the_close_is_on_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    from mfgcost.celery import app
    from mfgcost.close.tasks import close_scheduled_task

    entry = PeriodicTask.objects.select_related("crontab").get(name="period-close-monthly")
    assert entry.task == close_scheduled_task.name and entry.task in app.tasks
    schedule = entry.crontab
    assert (schedule.minute, schedule.hour, schedule.day_of_month, schedule.month_of_year) == (
        "0",
        "3",
        "3",
        "*",
    )


def test_the_scheduled_task_closes_the_last_ended_open_period(
    small_month, march_period, tasks_in_process, django_capture_on_commit_callbacks
):
    from mfgcost.close.tasks import close_scheduled_task

    with django_capture_on_commit_callbacks(execute=True):
        summary = close_scheduled_task(period_end="2026-03-31")
    assert summary["period"] == "2026-03"
    assert CloseRun.objects.get(pk=summary["run"]).status == CloseRun.Status.DONE


def test_a_run_the_broker_refused_is_failed_and_can_be_resumed(
    small_month, march_period, monkeypatch, django_capture_on_commit_callbacks
):
    from mfgcost.celery import app
    from mfgcost.close import tasks
    from mfgcost.close.services import close_run_start

    class Refused:
        def apply_async(self):
            raise ConnectionError("broker down")

    monkeypatch.setattr(tasks, "close_canvas", lambda run: Refused())
    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = close_run_start(period=march_period)
    finally:
        app.conf.task_always_eager = before
    run.refresh_from_db()
    assert run.status == CloseRun.Status.FAILED and "Not queued" in run.error
    assert close_run_resume(run=run).status == CloseRun.Status.PENDING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_step_holding_the_period_lock_refuses_a_start_with_409(
    company, march_period, monkeypatch
):
    """A step executing in another session (a worker) holds the period's lock."""
    # Committed starts would send their chain to the broker: here nothing is sent.
    monkeypatch.setattr("mfgcost.close.services.close_run_dispatch", lambda run_id: None)
    import psycopg

    from mfgcost.close.services import CLOSE_LOCK, close_run_start
    from mfgcost.core.errors import ConflictError
    from mfgcost.core.locks import lock_key
    from tests.costing.test_task import database_url

    with psycopg.connect(database_url(), autocommit=True) as worker:
        worker.execute("SELECT pg_advisory_lock(%s, %s)", lock_key(CLOSE_LOCK, march_period.pk))
        with pytest.raises(ConflictError) as refused:
            close_run_start(period=march_period)
        assert refused.value.field == "period"
        assert not CloseRun.objects.exists()
        # The step ends (a dead worker's session ends too, a moment after its socket closes).
        worker.execute("SELECT pg_advisory_unlock(%s, %s)", lock_key(CLOSE_LOCK, march_period.pk))
    run = close_run_start(period=march_period)
    assert run.status == CloseRun.Status.PENDING
