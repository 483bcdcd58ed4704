"""Writes of the close: start and resume a run, execute its steps, reopen a period.

A run is executed as a Celery chain (``tasks``): ``readiness``, then each registered step not
yet finished, then ``finish``. Every task calls one function here with ids.

Locking: one advisory lock per period (``CLOSE_LOCK``). A step holds it, session-scoped, for as
long as it executes (a step such as Adjust Cost is many transactions); a start or a resumption
takes it for its own transaction, so neither can happen while a step runs, and a run that is
pending or running between two steps is refused by the run's status (and by the partial unique
index on it). Both refusals are 409 naming ``period``. A worker that dies drops its connection and
with it the lock: the run then shows a step ``running`` that nobody executes, and
``close_run_resume`` takes it over.

Resumption: a run keeps its step rows; resuming re-queues the chain from the first step that is
not done. Steps are idempotent, so a step interrupted half-way runs again from its start and
posts only what is missing.
"""

from __future__ import annotations

import logging
import traceback

from django.db import OperationalError, transaction
from django.utils import timezone

from ledger.models import Period
from mfgcost.core.errors import BusinessError, ConflictError
from mfgcost.core.locks import try_advisory_session_lock, try_advisory_xact_lock

from . import registry
from .models import CloseCheckSetting, CloseRun, CloseRunStep, PeriodReopening

logger = logging.getLogger(__name__)

CLOSE_LOCK = "close.period"
READINESS = "readiness"
ROWS_KEPT = 200  # drill-down rows kept per check on the run (the count is always complete)
STEP = CloseRunStep.Status


class CloseBusy(Exception):
    """Another session holds the period's close lock (a step of the same run still executes)."""


def _refuse_busy(period: Period) -> None:
    raise ConflictError(f"A close of period {period.name} is running.", field="period")


def _steps_for(run: CloseRun) -> list[CloseRunStep]:
    rows = [CloseRunStep(run=run, name=READINESS, label="Readiness checks", position=0)]
    rows += [
        CloseRunStep(run=run, name=s.name, label=s.label, position=s.position)
        for s in registry.steps()
    ]
    return CloseRunStep.objects.bulk_create(rows)


@transaction.atomic
def close_run_start(*, period: Period, user=None, via: str = "api") -> CloseRun:
    """Start the close of ``period``, or resume its last run that failed or was blocked.

    Refused (409, ``period``) while a close of the period is pending or running. Queues the run's
    chain once this transaction commits.
    """
    if not try_advisory_xact_lock(CLOSE_LOCK, period.pk):
        _refuse_busy(period)
    if CloseRun.objects.filter(period=period, status__in=CloseRun.ACTIVE).exists():
        _refuse_busy(period)
    user = user if (user is not None and user.is_authenticated) else None
    run = (
        CloseRun.objects.select_for_update()
        .filter(period=period, status__in=[CloseRun.Status.FAILED, CloseRun.Status.BLOCKED])
        .order_by("-id")
        .first()
    )
    if run is not None:
        return _resume(run, user=user)
    run = CloseRun.objects.create(period=period, requested_by=user, requested_via=via[:20])
    _steps_for(run)
    _dispatch_on_commit(run)
    return run


@transaction.atomic
def close_run_resume(*, run: CloseRun, user=None) -> CloseRun:
    """Resume a run that failed, was blocked, or whose worker died (a step left ``running``)."""
    run = CloseRun.objects.select_for_update().select_related("period").get(pk=run.pk)
    if not try_advisory_xact_lock(CLOSE_LOCK, run.period_id):
        _refuse_busy(run.period)
    if run.status == CloseRun.Status.DONE:
        raise ConflictError(f"Close run {run.pk} is done; start a new close.", field="run")
    if run.status == CloseRun.Status.PENDING:
        _refuse_busy(run.period)
    # RUNNING with the lock free: no step executes, so the worker that ran it is gone.
    return _resume(run, user=user)


def _resume(run: CloseRun, *, user=None) -> CloseRun:
    run.steps.exclude(status__in=CloseRunStep.FINISHED).update(status=STEP.PENDING, progress=0)
    run.status = CloseRun.Status.PENDING
    run.attempts += 1
    run.error = ""
    run.finished_at = None
    if user is not None and user.is_authenticated and run.requested_by_id is None:
        run.requested_by = user
    run.save(update_fields=["status", "attempts", "error", "finished_at", "requested_by"])
    _dispatch_on_commit(run)
    return run


def _dispatch_on_commit(run: CloseRun) -> None:
    run_id = run.pk
    transaction.on_commit(lambda: close_run_dispatch(run_id=run_id))


def close_run_dispatch(*, run_id: int) -> None:
    """Mark the run running and send its chain (after the start has committed)."""
    from . import tasks

    updated = CloseRun.objects.filter(pk=run_id, status=CloseRun.Status.PENDING).update(
        status=CloseRun.Status.RUNNING, started_at=timezone.now()
    )
    if not updated:
        return
    run = CloseRun.objects.get(pk=run_id)
    try:
        tasks.close_canvas(run).apply_async()
    except Exception as exc:
        if getattr(tasks.close_step_task.app.conf, "task_always_eager", False):
            raise  # in process the chain has run: a failure here is a bug, not the broker
        # The broker is down: the run must not stay "running" with nothing to run it.
        logger.exception("Close run %s not queued", run_id)
        _run_fail(run, CloseRun.Status.FAILED, f"Not queued ({type(exc).__name__}); resume it.")


def close_step_progress(*, run_id: int, name: str, done: int, total: int) -> None:
    """Record a step's progress (its own statement, visible at once to the cockpit)."""
    percent = min(99, int(done * 100 / total)) if total else 0
    CloseRunStep.objects.filter(run_id=run_id, name=name, status=STEP.RUNNING).update(
        progress=percent
    )


def _severity(check: registry.ReadinessCheck, settings: dict) -> str | None:
    setting = settings.get(check.name)
    if setting is None:
        return check.severity
    return setting.severity if setting.enabled else None


def _summary(rows: list[dict]) -> str:
    shown = ", ".join(str(next(iter(row.values()), "")) for row in rows[:5])
    return shown + (", ..." if len(rows) > 5 else "")


def readiness_evaluate(*, period: Period) -> dict:
    """Run every readiness check on ``period``: rows, severity and what blocks the close."""
    settings = {s.check_name: s for s in CloseCheckSetting.objects.all()}
    results, blockers, warnings = [], [], 0
    for check in registry.checks():
        severity = _severity(check, settings)
        if severity is None:
            results.append(
                {
                    "name": check.name,
                    "label": check.label,
                    "severity": "off",
                    "count": 0,
                    "rows": [],
                }
            )
            continue
        rows = check.rows(period)
        results.append(
            {
                "name": check.name,
                "label": check.label,
                "severity": severity,
                "count": len(rows),
                "rows": rows[:ROWS_KEPT],
            }
        )
        if rows and severity == registry.BLOCKER:
            blockers.append(f"{check.label} ({len(rows)}): {_summary(rows)}")
        elif rows:
            warnings += 1
    return {"checks": results, "blockers": blockers, "warnings": warnings}


def _step_update(step: CloseRunStep, **fields) -> None:
    for name, value in fields.items():
        setattr(step, name, value)
    step.save(update_fields=list(fields))


def _run_fail(run: CloseRun, status: str, error: str) -> None:
    CloseRun.objects.filter(pk=run.pk).update(
        status=status, error=error, finished_at=timezone.now()
    )


def _load(run_id: int, name: str) -> tuple[CloseRun, CloseRunStep] | None:
    run = CloseRun.objects.select_related("period", "requested_by").get(pk=run_id)
    if run.status != CloseRun.Status.RUNNING:
        return None  # stopped by an earlier step (or resumed elsewhere): nothing to do
    return run, run.steps.get(name=name)


def close_step_execute(*, run_id: int, name: str) -> str:
    """Execute one step of a run under the period's lock; returns the step's status.

    A step already done is not run again. A business error or any other exception stops the
    run (``failed``, with the error); readiness blockers stop it as ``blocked``. A transient
    database error is raised for the task to retry, leaving the step to run again.
    """
    loaded = _load(run_id, name)
    if loaded is None:
        return "not running"
    run, step = loaded
    with try_advisory_session_lock(CLOSE_LOCK, run.period_id) as acquired:
        if not acquired:
            raise CloseBusy(f"period {run.period_id}")
        step.refresh_from_db()
        if step.status in CloseRunStep.FINISHED:
            return step.status
        _step_update(
            step,
            status=STEP.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            attempts=step.attempts + 1,
            error="",
            progress=0,
        )
        period = Period.objects.get(pk=run.period_id)
        try:
            if name == READINESS:
                return _readiness_step(run, step, period)
            definition = registry.step(name) if name in _registered() else None
            if definition is None:
                raise BusinessError(f"No close step is registered as {name}.", field="step")
            if definition.fans_out:
                raise BusinessError(f"Step {name} runs as parts.", field="step")
            counts = definition.run(run, period) or {}
        except OperationalError:
            raise
        except Exception as exc:  # the run stops and says why; the step can be resumed
            return _step_failed(run, step, exc)
        _step_update(
            step, status=STEP.DONE, progress=100, finished_at=timezone.now(), counts=counts
        )
        return step.status


def _registered() -> set[str]:
    return {s.name for s in registry.steps()}


def _step_failed(run: CloseRun, step: CloseRunStep, exc: Exception) -> str:
    message = exc.message if isinstance(exc, BusinessError) else f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, BusinessError):
        logger.error("Close run %s, step %s failed:\n%s", run.pk, step.name, traceback.format_exc())
    _step_update(step, status=STEP.FAILED, finished_at=timezone.now(), error=message)
    _run_fail(run, CloseRun.Status.FAILED, f"Step {step.name} failed: {message}")
    return step.status


def _readiness_step(run: CloseRun, step: CloseRunStep, period: Period) -> str:
    outcome = readiness_evaluate(period=period)
    counts = {
        "checks": len(outcome["checks"]),
        "blockers": len(outcome["blockers"]),
        "warnings": outcome["warnings"],
        **{c["name"]: c["count"] for c in outcome["checks"]},
    }
    details = {"checks": outcome["checks"]}
    if outcome["blockers"]:
        message = "Blocked: " + "; ".join(outcome["blockers"])
        _step_update(
            step,
            status=STEP.BLOCKED,
            finished_at=timezone.now(),
            counts=counts,
            details=details,
            error=message,
        )
        _run_fail(run, CloseRun.Status.BLOCKED, message)
        return step.status
    _step_update(
        step,
        status=STEP.DONE,
        progress=100,
        finished_at=timezone.now(),
        counts=counts,
        details=details,
    )
    return step.status


# --------------------------------------------------------------------------- fan-out steps


def close_step_parts(*, run_id: int, name: str) -> list[dict]:
    """Start a fan-out step: its parts not yet done (the step is marked running)."""
    loaded = _load(run_id, name)
    if loaded is None:
        return []
    run, step = loaded
    if step.status in CloseRunStep.FINISHED:
        return []
    period = Period.objects.get(pk=run.period_id)
    try:
        parts = registry.step(name).parts(run, period)
    except Exception as exc:
        _step_failed(run, step, exc)
        return []
    done = set(step.details.get("parts_done", []))
    _step_update(
        step,
        status=STEP.RUNNING,
        started_at=step.started_at if done else timezone.now(),
        attempts=step.attempts + 1,
        error="",
        details={**step.details, "parts": [p["key"] for p in parts]},
    )
    return [p for p in parts if p["key"] not in done]


def close_step_part_execute(*, run_id: int, name: str, part: dict) -> str:
    """Execute one part of a fan-out step; its counts are added to the step's."""
    loaded = _load(run_id, name)
    if loaded is None:
        return "not running"
    run, _ = loaded
    period = Period.objects.get(pk=run.period_id)
    try:
        counts = registry.step(name).run_part(run, period, part) or {}
    except OperationalError:
        raise
    except Exception as exc:
        # The other parts are independent and go on; the gather fails the step.
        message = exc.message if isinstance(exc, BusinessError) else f"{type(exc).__name__}: {exc}"
        logger.exception("Close run %s, step %s, part %s failed", run.pk, name, part["key"])
        with transaction.atomic():
            step = CloseRunStep.objects.select_for_update().get(run=run, name=name)
            errors = {**step.details.get("part_errors", {}), part["key"]: message}
            _step_update(step, details={**step.details, "part_errors": errors})
        return "failed"
    with transaction.atomic():
        step = CloseRunStep.objects.select_for_update().get(run=run, name=name)
        errors = {k: v for k, v in step.details.get("part_errors", {}).items() if k != part["key"]}
        done = [*step.details.get("parts_done", []), part["key"]]
        total = len(step.details.get("parts", [])) or len(done)
        merged = dict(step.counts)
        for key, value in counts.items():
            merged[key] = merged.get(key, 0) + value if isinstance(value, int) else value
        merged["parts"] = len(done)
        _step_update(
            step,
            counts=merged,
            details={**step.details, "parts_done": done, "part_errors": errors},
            progress=min(99, int(len(done) * 100 / total)),
        )
    return "done"


def close_step_parts_gather(*, run_id: int, name: str) -> str:
    """Finish a fan-out step once every part is done."""
    loaded = _load(run_id, name)
    if loaded is None:
        return "not running"
    run, step = loaded
    if step.status in CloseRunStep.FINISHED:
        return step.status
    missing = set(step.details.get("parts", [])) - set(step.details.get("parts_done", []))
    if missing:
        errors = step.details.get("part_errors", {})
        reasons = "; ".join(f"{key}: {errors.get(key, 'not run')}" for key in sorted(missing))
        return _step_failed(run, step, BusinessError(f"Parts not done: {reasons}", field="step"))
    _step_update(step, status=STEP.DONE, progress=100, finished_at=timezone.now())
    return step.status


def close_run_finish(*, run_id: int) -> str:
    """Mark the run done when every step is."""
    run = CloseRun.objects.get(pk=run_id)
    if run.status != CloseRun.Status.RUNNING:
        return run.status
    if run.steps.exclude(status__in=CloseRunStep.FINISHED).exists():
        return run.status
    CloseRun.objects.filter(pk=run_id).update(
        status=CloseRun.Status.DONE, finished_at=timezone.now(), error=""
    )
    return CloseRun.Status.DONE


# --------------------------------------------------------------------------- reopening


@transaction.atomic
def period_reopen(*, period: Period, user, reason: str) -> PeriodReopening:
    """Reopen a closed period, with a reason; possible until the next period is closed."""
    if user is None or not user.has_perm("close.reopen_period"):
        raise BusinessError(
            "You need the permission close.reopen_period.", field="period", code="permission_denied"
        )
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("Give the reason for reopening the period.", field="reason")
    from ledger.services import period_reopen as ledger_reopen

    if (
        not try_advisory_xact_lock(CLOSE_LOCK, period.pk)
        or CloseRun.objects.filter(period=period, status__in=CloseRun.ACTIVE).exists()
    ):
        _refuse_busy(period)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_open:
        raise ConflictError(f"Period {period.name} is open.", field="period")
    following = Period.objects.filter(start_date__gt=period.end_date).order_by("start_date").first()
    if following is not None and not following.is_open:
        raise ConflictError(
            f"Period {following.name} after it is closed; reopen that one first.", field="period"
        )
    ledger_reopen(period=period)
    return PeriodReopening.objects.create(
        period=period, reason=reason, reopened_by=user if user.is_authenticated else None
    )
