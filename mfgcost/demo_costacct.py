"""The demo month's cost-accounting run: what the welding shop absorbed, per hour.

The P&L lines of the month's capacity postings carry the welding shop's cost centre (WELD) and
the product's cost object. The run reconciles the cost categories with the P&L accounts,
transfers the general ledger and the hours of the capacity ledger, calculates the actual
version and returns the statement of cost centre WELD: the direct cost and capacity overhead
it put into the orders, its hours and the cost absorbed per hour.
"""

from __future__ import annotations

from ledger.models import CostCenter, Period
from mfgcost.costacct import selectors, services
from mfgcost.costacct.models import (
    CalculationVersion,
    CostCategory,
    LineStructure,
    StatementLine,
)


def costacct_run(*, period: Period) -> list[selectors.StatementRow]:
    """Set up, transfer and calculate the period; the statement of cost centre WELD."""
    services.cost_categories_reconcile()
    hours, _ = CostCategory.objects.get_or_create(
        code="HOURS",
        defaults={"name": "Hours run", "kind": "service", "service_source": "capacity_hours"},
    )
    structure, created = LineStructure.objects.get_or_create(
        code="ABSORB", defaults={"name": "Absorption by cost centre"}
    )
    if created:
        lines = {}
        for sequence, code, name, line_type, categories, formula in (
            (10, "DC", "Direct cost applied", "categories", ["5200"], ""),
            (20, "OH", "Overhead applied", "categories", ["5210"], ""),
            (30, "TA", "Total absorbed", "total", [], ""),
            (40, "H", "Hours run", "quantity", ["HOURS"], ""),
            (50, "DCH", "Direct cost per hour", "calculated", [], "-DC / H"),
            (60, "TAH", "Absorbed per hour", "calculated", [], "-TA / H"),
        ):
            line = StatementLine.objects.create(
                structure=structure,
                sequence=sequence,
                code=code,
                name=name,
                line_type=line_type,
                formula=formula,
            )
            line.categories.set(CostCategory.objects.filter(code__in=categories))
            lines[code] = line
        lines["TA"].total_of.set([lines["DC"], lines["OH"]])
    version, _ = CalculationVersion.objects.get_or_create(
        code="ACTUAL", defaults={"name": "Actual", "version_type": "actual"}
    )
    services.cost_ledger_transfer(up_to=period.end_date)
    services.service_entries_transfer(period=period)
    services.calculation_run(version=version, period=period)
    weld = CostCenter.objects.get(code="WELD")
    return selectors.dimension_statement(
        structure=structure, version=version, period=period, node=("cc", weld.pk)
    )
