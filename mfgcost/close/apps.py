from django.apps import AppConfig


class CloseConfig(AppConfig):
    name = "mfgcost.close"
    label = "close"
    verbose_name = "Period close"

    def ready(self) -> None:
        # The checks and steps of the apps below the close (inventory, production, costing,
        # subcontracting, ledger). Apps above or beside it register their own in their ready().
        from . import checks, steps

        checks.register()
        steps.register()
