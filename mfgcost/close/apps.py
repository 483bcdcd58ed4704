from django.apps import AppConfig


class CloseConfig(AppConfig):
    name = "mfgcost.close"
    label = "close"
    verbose_name = "Period close"

    def ready(self) -> None:
        # The checks and steps of the apps below the close (inventory, production, costing,
        # subcontracting, ledger). Apps above or beside it register their own in their ready().
        from django.db.models.signals import post_migrate

        from . import checks, steps

        checks.register()
        steps.register()
        post_migrate.connect(_schedule_seed, dispatch_uid="close.schedule_seed")


SCHEDULE_NAME = "period-close-monthly"


def _schedule_seed(sender, app_config=None, using="default", **kwargs) -> None:
    """After migrate: the monthly close in the beat schedule (the database), once."""
    from django.conf import settings

    from mfgcost.core.schedules import is_beat_migrated, periodic_task_seed

    if is_beat_migrated(app_config, using):
        periodic_task_seed(
            name=SCHEDULE_NAME,
            task="mfgcost.close.scheduled",
            crontab={"minute": "0", "hour": "3", "day_of_month": str(settings.MFGCOST_CLOSE_DAY)},
            description="Close the last open period that has ended (docs/close.md).",
        )
