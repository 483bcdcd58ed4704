"""Celery tasks of the close: one per step, the fan-out of a step into parts, and the finish.

``close_canvas(run)`` is the chain of a run: readiness, then every step not yet finished in
position order, then ``finish``. A step that stops the run leaves the rest of the chain with
nothing to do (each task checks the run is still running). Step tasks are idempotent, so they
are acknowledged late: a message whose worker died is delivered again and the step runs again.
A transient database error, or the period's lock still held by a step of the same run, is
retried with backoff.
"""

from __future__ import annotations

import datetime as dt

from celery import chain, group, shared_task
from django.db import OperationalError

from . import registry, services
from .models import CloseRun, CloseRunStep

TIME_LIMIT = 60 * 60 * 3
SOFT_TIME_LIMIT = TIME_LIMIT - 60
RETRY = {
    "acks_late": True,
    "time_limit": TIME_LIMIT,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "autoretry_for": (OperationalError, services.CloseBusy),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="mfgcost.close.step", **RETRY)
def close_step_task(run_id: int, name: str) -> str:
    return services.close_step_execute(run_id=run_id, name=name)


@shared_task(name="mfgcost.close.step_fan_out", bind=True, **RETRY)
def close_step_fan_out_task(self, run_id: int, name: str) -> str:
    """Run a fan-out step's parts as a group, then gather them."""
    parts = services.close_step_parts(run_id=run_id, name=name)
    if self.request.is_eager:
        for part in parts:
            services.close_step_part_execute(run_id=run_id, name=name, part=part)
        return services.close_step_parts_gather(run_id=run_id, name=name)
    tail = close_step_gather_task.si(run_id, name)
    if not parts:
        return self.replace(tail)
    return self.replace(group(close_step_part_task.si(run_id, name, part) for part in parts) | tail)


@shared_task(name="mfgcost.close.step_part", **RETRY)
def close_step_part_task(run_id: int, name: str, part: dict) -> str:
    return services.close_step_part_execute(run_id=run_id, name=name, part=part)


@shared_task(name="mfgcost.close.step_gather", **RETRY)
def close_step_gather_task(run_id: int, name: str) -> str:
    return services.close_step_parts_gather(run_id=run_id, name=name)


@shared_task(name="mfgcost.close.finish", **RETRY)
def close_run_finish_task(run_id: int) -> str:
    return services.close_run_finish(run_id=run_id)


def close_canvas(run: CloseRun):
    """The chain of a run's unfinished steps, then the finish."""
    fan_out = {s.name for s in registry.steps() if s.fans_out}
    signatures = []
    for step in run.steps.order_by("position", "id"):
        if step.status in CloseRunStep.FINISHED:
            continue
        task = close_step_fan_out_task if step.name in fan_out else close_step_task
        signatures.append(task.si(run.pk, step.name))
    signatures.append(close_run_finish_task.si(run.pk))
    return chain(*signatures)


@shared_task(name="mfgcost.close.scheduled", time_limit=300)
def close_scheduled_task(period_end: str | None = None) -> dict:
    """The scheduled close: the last open period that has ended (or the one ending on
    ``period_end``). Refused quietly while a close of it runs."""
    from ledger.models import Period
    from mfgcost.core.errors import BusinessError

    today = dt.date.today()
    periods = Period.objects.filter(status=Period.Status.OPEN)
    if period_end:
        periods = periods.filter(end_date=dt.date.fromisoformat(period_end))
    else:
        periods = periods.filter(end_date__lt=today)
    period = periods.order_by("-end_date").first()
    if period is None:
        return {"run": None, "reason": "no open period has ended"}
    try:
        run = services.close_run_start(period=period, via="beat")
    except BusinessError as exc:
        return {"run": None, "reason": exc.message}
    return {"run": run.pk, "period": period.name}
