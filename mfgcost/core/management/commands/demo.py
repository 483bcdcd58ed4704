"""``manage.py demo``: load the demo company, run a month of its business, print the cost report."""

from django.core.management.base import BaseCommand

from mfgcost import demo, demo_lean
from mfgcost.company import company_setup


class Command(BaseCommand):
    help = (
        "Load the demo company (Bracket & Gear Works), run October 2026 through every capability "
        "(purchases, invoices, sales, transfers, standard costs, production orders, "
        "subcontracting, Adjust Cost, period close), then November on the lean cell (kanbans and "
        "the month-end backflush costing run), and print the cost report. Running it again "
        "only prints the report; --reset is not offered: use a fresh database instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--report-only", action="store_true", help="Print the report without loading anything."
        )

    def handle(self, *args, **options):
        if not options["report_only"]:
            loaded = demo.demo_run(log=self.stdout.write)
            if not loaded:
                self.stdout.write("Demo company already loaded; printing its report.")
            demo_lean.lean_demo_run(company=company_setup(), log=self.stdout.write)
        self.stdout.write(demo.cost_report())
        self.stdout.write(demo_lean.lean_report())
