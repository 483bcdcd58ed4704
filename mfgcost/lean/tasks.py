"""Celery tasks of backflush costing: one task per flow of a run, in a group.

A flow's costing is one transaction and idempotent per flow and end date (a flow already costed
through the date is skipped), so the task is acknowledged late: a worker lost mid-flow leaves
the message to be delivered again and the repeat does the whole flow from the start, with the
same postings. Transient database errors are retried with backoff.
"""

from __future__ import annotations

import datetime as dt

from celery import group, shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from .models import BackflushRun
from .services import backflush_flow_process, backflush_run_create

TIME_LIMIT = 60 * 30
SOFT_TIME_LIMIT = TIME_LIMIT - 60


@shared_task(
    name="mfgcost.lean.backflush_flow",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
)
def backflush_flow_task(run_flow_id: int) -> dict:
    """Cost one flow of a backflush run."""
    run_flow = backflush_flow_process(run_flow_id=run_flow_id)
    return {"run_flow": run_flow.pk, "status": run_flow.status, "error": run_flow.error}


def backflush_run_queue(run: BackflushRun) -> None:
    """Hand every flow of ``run`` to the workers as a group, once the run is committed."""
    ids = list(run.flows.values_list("pk", flat=True))
    transaction.on_commit(lambda: group(backflush_flow_task.s(pk) for pk in ids).apply_async())


@shared_task(name="mfgcost.lean.backflush_month_end", time_limit=300)
def backflush_month_end_task(end_date: str | None = None) -> dict:
    """The month-end run on the beat schedule: all flows to the last day of the last month."""
    if end_date:
        end = dt.date.fromisoformat(end_date)
    else:
        end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    with transaction.atomic():
        run = backflush_run_create(end_date=end, requested_by="celery beat")
        backflush_run_queue(run)
    return {"run": run.pk, "end_date": end.isoformat()}
