"""The nightly Adjust Cost is on Celery beat's schedule, as a task the worker knows."""

from celery.schedules import crontab

from mfgcost.celery import app
from mfgcost.costing.tasks import adjust_cost_task


def test_nightly_adjust_cost_is_scheduled_as_a_registered_task():
    entry = app.conf.beat_schedule["adjust-cost-nightly"]
    assert entry["task"] == adjust_cost_task.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=2, minute=0)
    # No arguments: the run takes everything marked since the last one.
    assert not entry.get("args") and not entry.get("kwargs")
