from django.apps import AppConfig


class CostingConfig(AppConfig):
    name = "mfgcost.costing"
    label = "costing"
    verbose_name = "Costing"

    def ready(self) -> None:
        from mfgcost.production.signals import order_cost_changed, order_finished

        from . import (
            receivers,
            reports,  # noqa: F401 - registers the app's report pages
        )

        order_cost_changed.connect(
            receivers.order_cost_changed_receive, dispatch_uid="costing.order_cost_changed"
        )
        order_finished.connect(
            receivers.order_finished_receive, dispatch_uid="costing.order_finished"
        )
