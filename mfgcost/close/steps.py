"""The close steps of the apps below the close, registered in ``CloseConfig.ready``.

Each is ``(close_run, period) -> counts`` and idempotent. The close sits above cost accounting
and lean, so it registers their steps too: ``COST_ACCOUNTING`` (the GL transfer to the cost
ledger and the cost-accounting period calculation) and ``BACKFLUSH_COSTING`` (backflush costing
of every flow, a part per flow).
"""

from __future__ import annotations

from mfgcost.core.errors import BusinessError
from mfgcost.core.money import ZERO

from .registry import (
    ADJUST_COST,
    BACKFLUSH_COSTING,
    COST_ACCOUNTING,
    PERIOD_CLOSE,
    RECONCILIATION,
    CloseStep,
    step_register,
)


class CloseStepError(BusinessError):
    """A step found the books not fit to close (the run stops with this message)."""

    status_code = 409
    default_code = "close_step_failed"


def adjust_cost(close_run, period) -> dict:
    """Collect the marks and run Adjust Cost on everything marked (BOM levels in order)."""
    from mfgcost.costing.services import adjust_cost_run

    from .services import close_step_progress

    if not period.is_open:
        # A rerun of a closed period: its adjustments were made before it closed; anything
        # marked since belongs to a later period's close.
        return {"value_entries": 0, "period_closed": True}

    def progress(done: int, total: int, label: str) -> None:
        close_step_progress(run_id=close_run.pk, name="adjust_cost", done=done, total=total)

    result = adjust_cost_run(requested_by=f"close {close_run.pk}", progress=progress)
    counts = {
        "adjust_cost_run": result.run.pk,
        "marks_collected": result.run.marks_collected,
        "items": len(result.items),
        "orders": len(result.orders),
        "value_entries": len(result.value_entries),
        "skipped": len(result.skipped),
        "errors": len(result.errors),
    }
    if result.errors or result.skipped:
        problems = [*result.errors, *(f"{label}: held by another run" for label in result.skipped)]
        raise CloseStepError(
            "Adjust Cost did not finish: " + "; ".join(problems[:10]), field="adjust_cost"
        )
    return counts


def backflush_parts(close_run, period) -> list[dict]:
    """The flows to cost to the period's end: a part per flow of the period's backflush run.

    The run for the end date is made once (a rerun of the close finds it, and an earlier
    backflush run to that date that was not reversed counts as this one); flows already done
    are not parts again.
    """
    from mfgcost.lean.models import BackflushRun, BackflushRunFlow, ProductionFlow
    from mfgcost.lean.services import backflush_run_create

    if not period.is_open:
        return []
    runs = BackflushRun.objects.filter(
        end_date=period.end_date, reversal_of__isnull=True, reversed_by__isnull=True
    )
    run = runs.order_by("pk").first()
    if run is None:
        if not ProductionFlow.objects.filter(active=True).exists():
            return []
        run = backflush_run_create(end_date=period.end_date, requested_by=f"close {close_run.pk}")
    open_flows = run.flows.exclude(status=BackflushRunFlow.Status.DONE).order_by("pk")
    return [
        {"key": f"flow {code}", "run_flow": pk}
        for pk, code in open_flows.values_list("pk", "flow__code")
    ]


def backflush_part(close_run, period, part: dict) -> dict:
    """Backflush costing of one flow (one transaction); a refused flow stops the close."""
    from mfgcost.lean.models import BackflushRunFlow
    from mfgcost.lean.services import backflush_flow_process

    run_flow = backflush_flow_process(run_flow_id=part["run_flow"])
    if run_flow.status != BackflushRunFlow.Status.DONE:
        raise CloseStepError(
            f"Backflush costing of {part['key']} failed: {run_flow.error}",
            field="backflush_costing",
        )
    return {"flows": 1}


def cost_accounting(close_run, period) -> dict:
    """Transfer the period's P&L lines to the cost ledger with its service quantities, then
    rebuild the period calculation of every actual version (each step is idempotent: a line
    or a capacity entry is taken once, a calculation is deleted and rebuilt)."""
    from mfgcost.costacct.models import CalculationVersion
    from mfgcost.costacct.services import (
        calculation_run,
        cost_categories_reconcile,
        cost_ledger_transfer,
        service_entries_transfer,
    )

    if not period.is_open:
        return {"cost_entries": 0, "period_closed": True}
    cost_categories_reconcile()
    cost_entries = cost_ledger_transfer(up_to=period.end_date)
    service_entries = service_entries_transfer(period=period)
    versions = CalculationVersion.objects.filter(
        version_type=CalculationVersion.VersionType.ACTUAL
    ).order_by("pk")
    calculations = [calculation_run(version=version, period=period) for version in versions]
    return {
        "cost_entries": cost_entries,
        "service_entries": service_entries,
        "calculations": len(calculations),
    }


def reconciliation(close_run, period) -> dict:
    """Every inventory and WIP account must equal its ledgers at the period end, to the cent."""
    from mfgcost.inventory.selectors import reconciliation as rows_of

    rows = rows_of(as_of=period.end_date)
    differences = [row for row in rows if row["difference"] != ZERO]
    if differences:
        raise CloseStepError(
            "Not reconciled: "
            + ", ".join(
                f"{row['account']} differs by {row['difference']:f}" for row in differences
            ),
            field="reconciliation",
        )
    return {"accounts": len(rows), "differences": 0}


def period_close(close_run, period) -> dict:
    """Close the general-ledger period (inventory postings check the same period)."""
    from ledger.services import period_close as close

    was_open = period.is_open
    close(period=period, user=close_run.requested_by)
    return {"closed": 1 if was_open else 0}


def register() -> None:
    step_register(
        CloseStep(name="adjust_cost", label="Adjust Cost", position=ADJUST_COST, run=adjust_cost)
    )
    step_register(
        CloseStep(
            name="backflush_costing",
            label="Backflush costing of every production flow",
            position=BACKFLUSH_COSTING,
            parts=backflush_parts,
            run_part=backflush_part,
        )
    )
    step_register(
        CloseStep(
            name="cost_accounting",
            label="Cost ledger transfer and the cost-accounting period calculation",
            position=COST_ACCOUNTING,
            run=cost_accounting,
        )
    )
    step_register(
        CloseStep(
            name="reconciliation",
            label="Reconcile inventory and WIP accounts",
            position=RECONCILIATION,
            run=reconciliation,
        )
    )
    step_register(
        CloseStep(
            name="period_close",
            label="Close the GL period",
            position=PERIOD_CLOSE,
            run=period_close,
        )
    )
