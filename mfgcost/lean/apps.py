from django.apps import AppConfig


class LeanConfig(AppConfig):
    name = "mfgcost.lean"
    label = "lean"
    verbose_name = "Lean production flows"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_schedule_seed, dispatch_uid="lean.schedule_seed")


SCHEDULE_NAME = "backflush-month-end"


def _schedule_seed(sender, app_config=None, using="default", **kwargs) -> None:
    """After migrate: backflush costing of every flow for the month just ended, on the 1st."""
    from django.conf import settings

    from mfgcost.core.schedules import is_beat_migrated, periodic_task_seed

    if is_beat_migrated(app_config, using):
        periodic_task_seed(
            name=SCHEDULE_NAME,
            task="mfgcost.lean.backflush_month_end",
            crontab={
                "minute": "30",
                "hour": str(settings.MFGCOST_BACKFLUSH_HOUR),
                "day_of_month": "1",
            },
            description="Backflush costing of every production flow for the month just ended.",
        )
