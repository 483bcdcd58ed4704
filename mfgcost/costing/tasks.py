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
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

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
) -> dict:
    """Run Adjust Cost: on everything marked, or from the given orders and items on.

    A run that stops at its time budget queues a continuation with the units it left
    (``continued_from`` names the run it continues); the summary says so in ``continued_by``.
    """
    orders = list(order_ids or [])
    if order_id is not None:
        orders.append(order_id)
    restricted = bool(orders or item_ids)
    result = adjust_cost_run(
        orders=orders if restricted else None,
        items=(item_ids or []) if restricted else None,
        posting_date=dt.date.fromisoformat(posting_date) if posting_date else None,
        requested_by="celery" if continued_from is None else f"celery (continues {continued_from})",
        time_budget=TIME_BUDGET,
    )
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
