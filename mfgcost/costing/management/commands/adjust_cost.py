"""``manage.py adjust_cost``: run Adjust Cost from the command line, with a progress bar."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from mfgcost.core.errors import BusinessError
from mfgcost.costing.selectors import adjust_cost_pending
from mfgcost.costing.services import adjust_cost_run

BAR_WIDTH = 30


def progress_bar(done: int, total: int, label: str = "") -> str:
    """``[#########.....]  12/40  item 17`` (plain text; total may grow during the run)."""
    total = max(total, done, 1)
    filled = BAR_WIDTH * done // total
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:>5}/{total:<5} {label}"


class Command(BaseCommand):
    help = (
        "Adjust Cost: forward changed inbound costs (invoices, revaluations, finished orders' "
        "output) to the entries that took them, settle finished production orders at actual "
        "cost with their variances, lowest BOM level first. Works only on what changed since "
        "the last run; a run with nothing new posts nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--item",
            type=int,
            action="append",
            dest="items",
            metavar="ID",
            help="Start from this item's marks only (repeatable). Default: everything marked.",
        )
        parser.add_argument(
            "--order",
            type=int,
            action="append",
            dest="orders",
            metavar="ID",
            help="Start from this production order's marks only (repeatable).",
        )
        parser.add_argument(
            "--posting-date",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Date for adjustments whose valuation date is in a closed period "
            "(default: the first day of the next open period).",
        )
        parser.add_argument(
            "--pending", action="store_true", help="Only show how much work waits, then stop."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, items=None, orders=None, posting_date=None, **options):
        if options["pending"]:
            for name, count in adjust_cost_pending().items():
                self.stdout.write(f"{name.replace('_', ' ')}: {count}")
            return
        show = not options["no_progress"] and options.get("verbosity", 1) > 0
        interactive = show and self.stdout.isatty()

        def progress(done: int, total: int, label: str) -> None:
            line = progress_bar(done, total, label)
            if interactive:
                self.stdout.write(f"\r{line}", ending="")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        restricted = items is not None or orders is not None
        try:
            result = adjust_cost_run(
                items=(items or []) if restricted else None,
                orders=(orders or []) if restricted else None,
                posting_date=posting_date,
                requested_by="manage.py adjust_cost",
                progress=progress if show else None,
            )
        except BusinessError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        if interactive:
            self.stdout.write("")
        self.stdout.write(
            f"Run {result.run.pk}: {len(result.items)} items and {len(result.orders)} orders "
            f"adjusted, {len(result.value_entries)} value entries posted."
        )
        for label in result.skipped:
            self.stdout.write(f"skipped (another run holds it): {label}")
        for message in result.errors:
            self.stderr.write(f"not adjusted: {message}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} items or orders were not adjusted.")
