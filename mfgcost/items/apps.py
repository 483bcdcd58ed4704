from django.apps import AppConfig


class ItemsConfig(AppConfig):
    name = "mfgcost.items"
    label = "items"
    verbose_name = "Items and standard costs"

    def ready(self) -> None:
        from . import reports  # noqa: F401 - registers the app's report pages
