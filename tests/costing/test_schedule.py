"""The nightly Adjust Cost is in Celery beat's schedule, kept in the database
(django-celery-beat) and seeded after migrate, as a task the worker knows."""

import json

import pytest
from django_celery_beat.models import PeriodicTask

from mfgcost.celery import app
from mfgcost.costing.services import NIGHTLY_TASK_NAME, adjust_cost_schedule_seed
from mfgcost.costing.tasks import adjust_cost_task


@pytest.mark.django_db
def test_nightly_adjust_cost_is_scheduled_as_a_registered_task():
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    entry = PeriodicTask.objects.select_related("crontab").get(name=NIGHTLY_TASK_NAME)
    assert entry.task == adjust_cost_task.name
    assert entry.task in app.tasks
    assert entry.enabled
    # 02:00 UTC, every day (MFGCOST_ADJUST_COST_HOUR unset).
    crontab = entry.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == (
        "0",
        "2",
        "*",
        "UTC",
    )
    # No arguments: the run takes everything marked since the last one.
    assert json.loads(entry.args) == [] and json.loads(entry.kwargs) == {}


@pytest.mark.django_db
def test_seeding_leaves_an_entry_edited_in_the_admin_alone():
    entry = PeriodicTask.objects.get(name=NIGHTLY_TASK_NAME)
    entry.enabled = False
    entry.save()
    assert adjust_cost_schedule_seed(hour=5) is False
    assert PeriodicTask.objects.get(name=NIGHTLY_TASK_NAME).enabled is False
    PeriodicTask.objects.filter(name=NIGHTLY_TASK_NAME).delete()
    assert adjust_cost_schedule_seed(hour=5) is True
    assert PeriodicTask.objects.get(name=NIGHTLY_TASK_NAME).crontab.hour == "5"
