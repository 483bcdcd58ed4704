"""Reads of lean production flows: WIP quantities, balances, reconciliation, run reports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Sum

from ledger.selectors import account_balance
from mfgcost.core.money import ZERO
from mfgcost.inventory.models import InventoryPostingSetup, ValueEntry

from .models import BackflushRunFlow, FlowWipEntry, Kanban, ProductionFlow


def flow_wip_account(flow: ProductionFlow):
    return InventoryPostingSetup.objects.get(
        posting_group=None, location=flow.wip_location
    ).wip_account


def flow_wip_quantities(*, flow: ProductionFlow, as_of: dt.date | None = None) -> dict:
    """Quantity of the flow's kanbans by (item number, handling-unit status) as of a date."""
    result: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    kanbans = Kanban.objects.filter(flow=flow).select_related("item")
    if as_of is not None:
        kanbans = kanbans.filter(assigned_date__lte=as_of)
    for kanban in kanbans:
        status = kanban.status
        if as_of is not None:
            if kanban.emptied_date and kanban.emptied_date <= as_of:
                status = Kanban.Status.EMPTIED
            elif kanban.received_date and kanban.received_date <= as_of:
                status = Kanban.Status.RECEIVED
            else:
                status = Kanban.Status.ASSIGNED
        result[(kanban.item.number, status)] += kanban.quantity
    return dict(result)


def flow_wip_balance(*, flow: ProductionFlow, as_of: dt.date | None = None) -> list[dict]:
    """The flow's WIP by cost group and item (material) from its sub-ledger."""
    rows = FlowWipEntry.objects.filter(flow=flow)
    if as_of is not None:
        rows = rows.filter(posting_date__lte=as_of)
    return list(
        rows.values("cost_group__code", "item__number")
        .annotate(amount=Sum("amount"), quantity=Sum("quantity", filter=Q(kind="material")))
        .order_by("cost_group__code", "item__number")
    )


def flow_wip_reconciliation(*, flow: ProductionFlow) -> dict[str, Decimal]:
    """The flow's WIP account in the general ledger, from its value entries and sub-ledger.

    The WIP side of an item entry's value entry (consumption, output) is its amount with the
    opposite sign; of a capacity entry's, its amount.
    """
    values = ValueEntry.objects.filter(wip_location=flow.wip_location)
    item_side = values.filter(capacity_ledger_entry__isnull=True).aggregate(
        e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual")
    )
    capacity_side = values.filter(capacity_ledger_entry__isnull=False).aggregate(
        e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual")
    )
    from_values = (capacity_side["e"] or ZERO) + (capacity_side["a"] or ZERO)
    from_values -= (item_side["e"] or ZERO) + (item_side["a"] or ZERO)
    sub_ledger = FlowWipEntry.objects.filter(flow=flow).aggregate(t=Sum("amount"))["t"] or ZERO
    return {
        "general_ledger": account_balance(flow_wip_account(flow)),
        "value_entries": from_values,
        "sub_ledger": sub_ledger,
    }


def run_flow_report(run_flow: BackflushRunFlow) -> dict:
    """Unused quantities, variances by cost group, open jobs and vendor purchases of a flow."""
    return {
        "flow": run_flow.flow.code,
        "status": run_flow.status,
        "wip_before": run_flow.wip_before,
        "wip_after": run_flow.wip_after,
        "unused": [
            {"item": u.item.number, "kanbans": u.kanbans, "quantity": u.quantity, "value": u.value}
            for u in run_flow.unused.select_related("item")
        ],
        "variances": [
            {
                "cost_group": v.cost_group.code,
                "item": v.item.number if v.item else None,
                "variance_type": v.variance_type,
                "cause": v.cause,
                "amount": v.amount,
            }
            for v in run_flow.variances.select_related("cost_group", "item")
        ],
        "open_jobs": [
            {"job": o.job_id, "kanban": o.job.kanban.number, "activity": o.job.activity.code}
            for o in run_flow.open_jobs.select_related("job__kanban", "job__activity")
        ],
        "vendor_purchases": [
            {
                "vendor": p.vendor.code,
                "service_item": p.service_item.number,
                "quantity": p.quantity,
                "amount": p.amount,
            }
            for p in run_flow.vendor_purchases.select_related("vendor", "service_item")
        ],
    }
