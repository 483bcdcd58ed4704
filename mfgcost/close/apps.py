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
    """After migrate: the monthly close in the beat schedule (the database), once; an entry
    edited or disabled in the admin is left as it is."""
    if app_config is None or app_config.label != "django_celery_beat" or using != "default":
        return
    from django.conf import settings
    from django.db import transaction
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    if PeriodicTask.objects.filter(name=SCHEDULE_NAME).exists():
        return
    with transaction.atomic():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="0",
            hour="3",
            day_of_week="*",
            day_of_month=str(settings.MFGCOST_CLOSE_DAY),
            month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.create(
            name=SCHEDULE_NAME,
            task="mfgcost.close.scheduled",
            crontab=crontab,
            description="Close the last open period that has ended (docs/close.md).",
        )
