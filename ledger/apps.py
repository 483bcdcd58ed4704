from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "General ledger"

    def ready(self) -> None:
        from mfgcost.core.links import source_register

        from . import reports  # noqa: F401 - registers the app's report pages
        from .selectors import journal_entry_own_sources

        source_register("ledger.journalentry", journal_entry_own_sources)
