"""Celery tasks for Adjust Cost.

The task takes ids, calls ``services.adjust_cost_run`` and returns a summary. Adjust Cost is
idempotent (each adjustment is a target compared with what is posted, and a unit's marks are
deleted with its adjustments), so the task is acknowledged late and rejected back to the queue
when its worker is lost: the message is delivered again and the repeat posts only what the
first attempt did not.

With Redis, a message not acknowledged within the visibility timeout
(``MFGCOST_CELERY_VISIBILITY_TIMEOUT``, 100 s by default) is delivered again. A task still
running then would run twice at once, so every limit stays below it: the run starts no unit of
work after its time budget (60 % of the timeout) and queues a continuation for what is left;
the soft time limit (80 %) and the hard one (90 %) stop a unit that hangs. A worker killed
mid-run is thus replaced within the timeout, and the run it left ``running`` is marked
``abandoned`` by the next run or by ``adjust_cost_runs_abandon_task`` (Celery beat).
Transient database errors (a deadlock, a lost connection) are retried with exponential backoff.

A run queued by ``services.adjust_cost_queue`` is passed by id (``run_id``) and worked once:
a repeat of its message finds it done (or failed) and posts nothing.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from mfgcost.core.errors import BusinessError

from .models import CostAdjustmentRun
from .services import adjust_cost_run, adjust_cost_runs_abandon

VISIBILITY_TIMEOUT = settings.MFGCOST_CELERY_VISIBILITY_TIMEOUT
TIME_BUDGET = VISIBILITY_TIMEOUT * 0.6
SOFT_TIME_LIMIT = VISIBILITY_TIMEOUT * 0.8
TIME_LIMIT = VISIBILITY_TIMEOUT * 0.9


@shared_task(
    bind=True,
    name="mfgcost.costing.adjust_cost",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def adjust_cost_task(
    self,
    order_id: int | None = None,
    *,
    order_ids: list[int] | None = None,
    item_ids: list[int] | None = None,
    posting_date: str | None = None,
    continued_from: int | None = None,
    run_id: int | None = None,
) -> dict:
    """Run Adjust Cost: a run queued by ``adjust_cost_queue`` (``run_id``, with the scope it
    recorded), or on everything marked, or from the given orders and items on.

    A run that stops at its time budget queues a continuation with the units it left
    (``continued_from`` names the run it continues); the summary says so in ``continued_by``.
    """
    run = None
    if run_id is not None:
        run = CostAdjustmentRun.objects.filter(pk=run_id).first()
        if run is None or run.status in (
            CostAdjustmentRun.Status.DONE,
            CostAdjustmentRun.Status.FAILED,
        ):
            return {"run": run_id, "already": run.status if run else "missing"}
        order_ids = run.scope.get("order_ids")
        item_ids = run.scope.get("item_ids")
        posting_date = run.scope.get("posting_date")
        restricted = order_ids is not None or item_ids is not None
        orders, items = (order_ids or [], item_ids or []) if restricted else (None, None)
    else:
        orders = list(order_ids or [])
        if order_id is not None:
            orders.append(order_id)
        restricted = bool(orders or item_ids)
        orders, items = (orders, item_ids or []) if restricted else (None, None)
    if run is not None:
        requested_by = run.requested_by
    elif continued_from is None:
        requested_by = "celery"
    else:
        requested_by = f"celery (continues {continued_from})"
    try:
        result = adjust_cost_run(
            orders=orders,
            items=items,
            posting_date=dt.date.fromisoformat(posting_date) if posting_date else None,
            requested_by=requested_by,
            run=run,
            time_budget=TIME_BUDGET,
        )
    except BusinessError as exc:
        if run is not None:  # refused before it began: say so on the run
            CostAdjustmentRun.objects.filter(pk=run.pk).update(
                status=CostAdjustmentRun.Status.FAILED,
                finished_at=timezone.now(),
                errors=[f"{exc.field}: {exc.message}"],
            )
        raise
    continued_by = None
    if result.remaining_items or result.remaining_orders:
        delivery = self.request.delivery_info or {}
        continuation = adjust_cost_task.apply_async(
            queue=delivery.get("routing_key") or None,  # the queue this one came from
            kwargs={
                # An unrestricted run continues unrestricted: the units left are all marked.
                "order_ids": result.remaining_orders if restricted else None,
                "item_ids": result.remaining_items if restricted else None,
                "posting_date": posting_date,
                "continued_from": result.run.pk,
            },
        )
        continued_by = continuation.id
    return {
        "run": result.run.pk,
        "items": result.items,
        "orders": result.orders,
        "value_entries": len(result.value_entries),
        "skipped": result.skipped,
        "errors": result.errors,
        "continued_by": continued_by,
        "abandoned_runs": result.abandoned_runs,
    }


@shared_task(name="mfgcost.costing.adjust_cost_runs_abandon", time_limit=60)
def adjust_cost_runs_abandon_task() -> int:
    """Mark runs left ``running`` by a lost worker as abandoned (Celery beat, every 5 minutes)."""
    return adjust_cost_runs_abandon()
