from django.apps import AppConfig


class CostingConfig(AppConfig):
    name = "mfgcost.costing"
    label = "costing"
    verbose_name = "Costing"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from mfgcost.core.links import related_register
        from mfgcost.production.signals import order_cost_changed, order_finished

        from . import (
            receivers,
            reports,  # noqa: F401 - registers the app's report pages
            selectors,
        )

        order_cost_changed.connect(
            receivers.order_cost_changed_receive, dispatch_uid="costing.order_cost_changed"
        )
        order_finished.connect(
            receivers.order_finished_receive, dispatch_uid="costing.order_finished"
        )
        related_register("inventory.inventoryposting", selectors.posting_run)
        related_register("inventory.valueentry", selectors.value_entry_variance_links)
        post_migrate.connect(_schedule_seed, dispatch_uid="costing.schedule_seed")


def _schedule_seed(sender, app_config=None, using="default", **kwargs) -> None:
    """After migrate (and after a test flush): the period jobs of costing in the beat schedule."""
    from mfgcost.core.schedules import is_beat_migrated

    if not is_beat_migrated(app_config, using):
        return
    from .services import adjust_cost_abandon_schedule_seed, adjust_cost_schedule_seed

    adjust_cost_schedule_seed()
    adjust_cost_abandon_schedule_seed()
