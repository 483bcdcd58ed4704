"""The demo's lean cell, November 2026: production flow CELL makes hook kits on kanbans.

DEMO-HOOK (standard 12.30, from the flow and its kanban rule, not a routing):
2 rods DEMO-ROD (standard 3.00) = 6.00 MAT; 0.2 kg powder DEMO-POWDER (10.00/kg) = 2.00 MAT;
bending on work cell CELL-BEND, 0.1 h at 30.00 = 3.00 LAB; manufacturing overhead 10 % of
material = 0.80 MOH; zinc plating by COATCO, service DEMO-PLATING at its standard 0.50 = SUB.

November: 5 kanbans of 100 rods and 5 bins of 10 kg powder are staged (2,000.00 into the
flow's WIP); 190 hook kits come out (4 kanbans: 50, 50, 50, 40) with 20 h bending (600.00),
plated by COATCO at 0.55 (104.50); 4 kanbans of rods and 4 bins of powder are emptied. The
month-end backflush run for 30 November finds 100 rods and 10 kg powder unused (400.00), and
variances: rods (400 - 380) x 3.00 = 60.00, powder (40 - 38) kg x 10.00 = 20.00, bending
600.00 - 570.00 = 30.00, plating (0.55 - 0.50) x 190 = 9.50, overhead 10 % x 1,600.00 =
160.00 - 152.00 = 8.00: 127.50. The flow's WIP is 367.50 before the run and 400.00 after.

October is closed by the main demo, so the lean month is November; its run is dated 30
November (a run may not be dated today or later).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from ledger.models import Account
from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.items.models import (
    BomLine,
    BomVersion,
    CostGroup,
    CostingSheet,
    CostingSheetRule,
    CostingVersion,
    Item,
    WorkCenter,
)
from mfgcost.items.services import standard_cost_activate
from mfgcost.lean import selectors as lean_selectors
from mfgcost.lean import services as lean
from mfgcost.lean.models import BackflushRunFlow, FlowActivity, KanbanRule, ProductionFlow

D = Decimal
FLOW_CODE = "CELL"
RUN_END = dt.date(2026, 11, 30)


def nov(n: int) -> dt.date:
    return dt.date(2026, 11, n)


@transaction.atomic
def lean_demo_run(*, company, log: Callable[[str], None] = print, user=None) -> bool:
    """Set up flow CELL, post November's kanban work and run backflush costing; False when the
    flow is already there."""
    if ProductionFlow.objects.filter(code=FLOW_CODE).exists():
        return False
    groups = {g.code: g for g in CostGroup.objects.filter(code__in=["MAT", "LAB", "SUB", "MOH"])}
    pcs, kg = company.units["pcs"], company.units["kg"]
    standard = Item.CostingMethod.STANDARD

    def item(number, description, unit, price, group, **fields):
        return Item.objects.create(
            number=number,
            description=description,
            base_unit=unit,
            costing_method=standard,
            posting_group=fields.pop("posting_group", company.groups["RAW"]),
            cost_group=group,
            standard_cost=D(price),
            unit_cost=D(price),
            **fields,
        )

    sheet = CostingSheet.objects.create(code="DEMO-LEAN", name="Lean cell overhead")
    rule = CostingSheetRule.objects.create(
        sheet=sheet, basis="surcharge_percent", percent=D("10"), cost_group=groups["MOH"]
    )
    rule.base_cost_groups.set([groups["MAT"]])
    rod = item("DEMO-ROD", "Steel rod", pcs, "3.00", groups["MAT"])
    powder = item("DEMO-POWDER", "Zinc powder", kg, "10.00", groups["MAT"])
    plating = item(
        "DEMO-PLATING",
        "Zinc plating (service)",
        pcs,
        "0.50",
        groups["SUB"],
        item_type=Item.ItemType.SERVICE,
        posting_group=company.groups["SERVICE"],
    )
    hook = Item.objects.create(
        number="DEMO-HOOK",
        description="Hook kit",
        base_unit=pcs,
        costing_method=standard,
        posting_group=company.groups["FINISHED"],
        replenishment="production",
        costing_sheet=sheet,
    )
    bom = BomVersion.objects.create(item=hook, version="1", valid_from=nov(1))
    BomLine.objects.create(bom=bom, line_no=10, component=rod, quantity_per=D("2"), unit=pcs)
    BomLine.objects.create(bom=bom, line_no=20, component=powder, quantity_per=D("0.2"), unit=kg)
    cell = WorkCenter.objects.create(
        code="CELL-BEND",
        name="Bending cell",
        direct_cost_per_hour=D("30"),
        direct_cost_group=groups["LAB"],
    )
    from subcontracting.models import Vendor

    vendor = Vendor.objects.get(code="COATCO")
    wip_account, _ = Account.objects.get_or_create(
        number="1335",
        defaults={
            "name": "Work in process, flow CELL",
            "account_type": "asset",
            "statement": "bs",
            "cost_center_rule": "not_allowed",
            "direct_posting": False,
        },
    )
    flow = lean.production_flow_create(
        code=FLOW_CODE,
        name="Hook cell",
        site=company.main,
        wip_account=wip_account,
        costing_sheet=sheet,
    )
    stage = lean.flow_activity_save(
        flow=flow,
        code="STAGE",
        kind=FlowActivity.Kind.TRANSFER,
        inventory_update=FlowActivity.InventoryUpdate.PICK,
    )
    bend = lean.flow_activity_save(flow=flow, code="BEND", work_cell=cell)
    plate = lean.flow_activity_save(
        flow=flow,
        code="PLATE",
        subcontracted=True,
        vendor=vendor,
        service_item=plating,
        service_price=D("0.55"),
        inventory_update=FlowActivity.InventoryUpdate.RECEIPT,
    )
    rules = {
        "rod": lean.kanban_rule_save(
            flow=flow,
            product=rod,
            quantity="100",
            valid_from=nov(1),
            activities=[{"activity": stage}],
        ),
        "powder": lean.kanban_rule_save(
            flow=flow,
            product=powder,
            quantity="10",
            valid_from=nov(1),
            activities=[{"activity": stage}],
        ),
        "hook": lean.kanban_rule_save(
            flow=flow,
            product=hook,
            quantity="50",
            valid_from=nov(1),
            automatic_empty=KanbanRule.AutomaticEmpty.ON_RECEIPT,
            activities=[{"activity": bend, "run_time": D("0.1")}, {"activity": plate}],
        ),
    }
    lean.item_default_flow_set(item=hook, flow=flow)
    version = CostingVersion.objects.create(
        code="STD-LEAN", name="Lean cell standard", version_type="standard"
    )
    record = lean.flow_standard_cost_calculate(version=version, item=hook, as_of=nov(1))
    standard_cost_activate(standard_costs=[record], posting_date=nov(1), user=user)
    hook.refresh_from_db()
    log(
        f"Lean cell: flow {flow.code} with its own WIP account {wip_account.number}; "
        f"{hook.number} costed from the flow's kanban rule: {hook.standard_cost:.2f}."
    )
    for material, quantity in ((rod, "600"), (powder, "60")):
        purchase_receipt_post(
            item=material,
            location=company.main,
            quantity=D(quantity),
            unit_cost=material.standard_cost,
            posting_date=nov(2),
            source_key=f"demo:lean:receipt:{material.number}",
            user=user,
        )

    def staged(rule_name: str, day: int):
        kanban = lean.kanban_create(rule=rules[rule_name], assigned_date=nov(day))
        job = kanban.jobs.get()
        lean.kanban_job_start(job=job, posting_date=nov(day))
        lean.kanban_job_complete(job=job, posting_date=nov(day), user=user)
        return kanban

    rods = [staged("rod", d) for d in (3, 6, 10, 17, 24)]
    powders = [staged("powder", d) for d in (3, 6, 10, 17, 24)]
    for day, quantity, hours in (
        (5, "50", "5.5"),
        (12, "50", "5"),
        (19, "50", "5"),
        (26, "40", "4.5"),
    ):
        kanban = lean.kanban_create(rule=rules["hook"], assigned_date=nov(day), quantity=quantity)
        bend_job, plate_job = kanban.jobs.order_by("sequence")
        lean.kanban_job_start(job=bend_job, posting_date=nov(day))
        lean.kanban_job_complete(job=bend_job, posting_date=nov(day), run_time=D(hours), user=user)
        lean.kanban_job_start(job=plate_job, posting_date=nov(day + 1))
        lean.kanban_job_complete(job=plate_job, posting_date=nov(day + 1), user=user)
    for kanban in rods[:4] + powders[:4]:
        lean.kanban_empty(kanban=kanban, posting_date=nov(28))
    log("November on the cell: 5 kanbans of rods and 5 of powder staged, 190 hook kits, 20 h.")
    run = lean.backflush_run_create(end_date=RUN_END, requested_by="demo")
    run = lean.backflush_run_execute(run=run)
    run_flow = run.flows.get()
    log(
        f"Backflush run {run.pk} to {RUN_END}: flow {flow.code} WIP {run_flow.wip_before:,.2f} "
        f"before, {run_flow.wip_after:,.2f} after."
    )
    return True


def lean_report() -> str:
    """The flows' last backflush runs: WIP before and after, unused quantities, variances."""
    parts = []
    runs = (
        BackflushRunFlow.objects.filter(status="done", run__reversal_of__isnull=True)
        .select_related("flow", "run")
        .order_by("flow__code", "-run__end_date")
    )
    seen = set()
    from .demo_report import _money, _quantity, _table

    for run_flow in runs:
        if run_flow.flow_id in seen:
            continue
        seen.add(run_flow.flow_id)
        report = lean_selectors.run_flow_report(run_flow)
        parts.append(
            f"\nBackflush costing, flow {run_flow.flow.code}, run {run_flow.run.pk} to "
            f"{run_flow.run.end_date}: WIP before {_money(run_flow.wip_before)}, "
            f"after {_money(run_flow.wip_after)}"
        )
        parts.append(
            _table(
                "Unused quantities (full handling units, stay in WIP)",
                ["item", "kanbans", "quantity", "value"],
                [
                    [u["item"], str(u["kanbans"]), _quantity(u["quantity"]), _money(u["value"])]
                    for u in report["unused"]
                ],
            )
        )
        rows = [
            [v["cost_group"], v["item"] or "", v["variance_type"], v["cause"], _money(v["amount"])]
            for v in report["variances"]
        ]
        total = sum((v["amount"] for v in report["variances"]), D("0"))
        rows.append(["total", "", "", "", _money(total)])
        parts.append(
            _table(
                "Variances by cost group and item",
                ["cost group", "item", "type", "cause", "amount"],
                rows,
                numeric_from=4,
            )
        )
        reconciliation = lean_selectors.flow_wip_reconciliation(flow=run_flow.flow)
        parts.append(
            f"Flow WIP account {lean_selectors.flow_wip_account(run_flow.flow).number}: "
            f"general ledger {_money(reconciliation['general_ledger'])}, value entries "
            f"{_money(reconciliation['value_entries'])}, sub-ledger "
            f"{_money(reconciliation['sub_ledger'])}"
        )
    return "\n".join(parts)
