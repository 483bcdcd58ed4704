"""Celery task for Adjust Cost.

The task takes ids (or the id of a run that ``services.adjust_cost_queue`` recorded), calls
``services.adjust_cost_run`` and returns a summary. A queued run is worked once: a repeat of
its message finds it done and posts nothing. Adjust Cost is
idempotent (each adjustment is a target compared with what is posted), so the task is
acknowledged late: a worker lost mid-run leaves the message to be delivered again, and the
repeat posts only what the first attempt did not. Transient database errors (a deadlock, a lost
connection) are retried with exponential backoff.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from mfgcost.core.errors import BusinessError

from .models import CostAdjustmentRun
from .services import adjust_cost_run

TIME_LIMIT = 60 * 60
SOFT_TIME_LIMIT = TIME_LIMIT - 60


@shared_task(
    name="mfgcost.costing.adjust_cost",
    acks_late=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def adjust_cost_task(
    order_id: int | None = None,
    *,
    order_ids: list[int] | None = None,
    item_ids: list[int] | None = None,
    posting_date: str | None = None,
    run_id: int | None = None,
) -> dict:
    """Run Adjust Cost: a run queued by ``adjust_cost_queue`` (``run_id``, with the scope it
    recorded), or on everything marked, or from the given orders and items on."""
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
    try:
        result = adjust_cost_run(
            orders=orders,
            items=items,
            posting_date=dt.date.fromisoformat(posting_date) if posting_date else None,
            requested_by=run.requested_by if run else "celery",
            run=run,
        )
    except BusinessError as exc:
        if run is not None:  # refused before it began: say so on the run
            CostAdjustmentRun.objects.filter(pk=run.pk).update(
                status=CostAdjustmentRun.Status.FAILED,
                finished_at=timezone.now(),
                errors=[f"{exc.field}: {exc.message}"],
            )
        raise
    return {
        "run": result.run.pk,
        "items": result.items,
        "orders": result.orders,
        "value_entries": len(result.value_entries),
        "skipped": result.skipped,
        "errors": result.errors,
    }
