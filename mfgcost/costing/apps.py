from django.apps import AppConfig


class CostingConfig(AppConfig):
    name = "mfgcost.costing"
    label = "costing"
    verbose_name = "Costing"

    def ready(self) -> None:
        from . import reports  # noqa: F401 - registers the app's report pages
