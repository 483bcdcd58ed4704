"""Celery task for the period calculation.

The calculation deletes and rebuilds its entries under a lock per version and period, so a
repeat or a retried message gives the same entries: the task is acknowledged late and retried
on transient database errors.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from ledger.models import Period

from .models import CalculationVersion
from .services import calculation_run, cost_ledger_transfer, service_entries_transfer


@shared_task(
    name="mfgcost.costacct.period_calculation",
    acks_late=True,
    time_limit=30 * 60,
    soft_time_limit=29 * 60,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def period_calculation_task(version_id: int, period_id: int) -> dict:
    """Transfer the GL and the service quantities, then calculate the period."""
    version = CalculationVersion.objects.get(pk=version_id)
    period = Period.objects.get(pk=period_id)
    transferred = cost_ledger_transfer(up_to=period.end_date)
    services_made = service_entries_transfer(period=period)
    calculation = calculation_run(version=version, period=period)
    return {
        "calculation": calculation.pk,
        "entries": calculation.entry_count,
        "cost_entries_transferred": transferred,
        "service_entries": services_made,
    }
