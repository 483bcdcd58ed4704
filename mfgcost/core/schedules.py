"""The period jobs' entries in Celery beat's schedule, kept in the database (django-celery-beat).

Each app seeds its own entries after migrate (``post_migrate`` of ``django_celery_beat``), once:
an entry already there, perhaps edited or disabled in the admin, is left as it is.
"""

from __future__ import annotations

from django.db import transaction


def periodic_task_seed(
    *,
    name: str,
    task: str,
    description: str,
    crontab: dict[str, str] | None = None,
    every_seconds: int | None = None,
) -> bool:
    """Create the periodic task ``name`` unless it exists; returns whether it was created.

    ``crontab`` gives the fields of a UTC crontab (``minute``, ``hour``, ``day_of_month``, ...;
    missing ones are ``*``); ``every_seconds`` an interval instead.
    """
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    if PeriodicTask.objects.filter(name=name).exists():
        return False
    with transaction.atomic():
        schedule = {}
        if crontab is not None:
            fields = {
                "minute": "*",
                "hour": "*",
                "day_of_week": "*",
                "day_of_month": "*",
                "month_of_year": "*",
                **crontab,
            }
            schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **fields)
        else:
            schedule["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=every_seconds, period=IntervalSchedule.SECONDS
            )
        PeriodicTask.objects.create(name=name, task=task, description=description, **schedule)
    return True


def is_beat_migrated(app_config, using: str) -> bool:
    """True for the ``post_migrate`` of django-celery-beat on the default database."""
    return (
        app_config is not None and app_config.label == "django_celery_beat" and (using == "default")
    )
