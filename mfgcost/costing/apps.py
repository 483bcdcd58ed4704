from django.apps import AppConfig


class CostingConfig(AppConfig):
    name = "mfgcost.costing"
    label = "costing"
    verbose_name = "Costing"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from mfgcost.core.links import related_register

        from . import selectors

        related_register("inventory.inventoryposting", selectors.posting_run)
        related_register("inventory.valueentry", selectors.value_entry_variance_links)
        post_migrate.connect(_schedule_seed, dispatch_uid="costing.schedule_seed")


def _schedule_seed(sender, app_config=None, using="default", **kwargs) -> None:
    """After migrate (and after a test flush): the nightly Adjust Cost in the beat schedule."""
    if app_config is None or app_config.label != "django_celery_beat" or using != "default":
        return
    from .services import adjust_cost_schedule_seed

    adjust_cost_schedule_seed()
