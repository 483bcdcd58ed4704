"""Celery task for Adjust Cost.

The task takes ids, calls ``services.adjust_cost_run`` and returns a summary. Adjust Cost is
idempotent (each adjustment is a target compared with what is posted), so the task is
acknowledged late: a worker lost mid-run leaves the message to be delivered again, and the
repeat posts only what the first attempt did not. Transient database errors (a deadlock, a lost
connection) are retried with exponential backoff.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError

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
) -> dict:
    """Run Adjust Cost: on everything marked, or from the given orders and items on."""
    orders = list(order_ids or [])
    if order_id is not None:
        orders.append(order_id)
    restricted = bool(orders or item_ids)
    result = adjust_cost_run(
        orders=orders if restricted else None,
        items=(item_ids or []) if restricted else None,
        posting_date=dt.date.fromisoformat(posting_date) if posting_date else None,
        requested_by="celery",
    )
    return {
        "run": result.run.pk,
        "items": result.items,
        "orders": result.orders,
        "value_entries": len(result.value_entries),
        "skipped": result.skipped,
        "errors": result.errors,
    }
