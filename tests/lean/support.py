"""The worked case of backflush costing: flow ASSY makes widget W (standard 50.00).

W = 2 parts P (standard 10.00, cost group PARTS, direct material)       20.00
  + 0.5 kg resin R (standard 8.00/kg, RESIN, direct material)             4.00
  + activity ASM, 0.25 h at 40.00/h (ASM, direct manufacturing)          10.00
  + manufacturing overhead 25 % of direct material (20.00 + 4.00)         6.00
  + painting by a vendor, service at 10.00 a widget (direct outsourcing) 10.00
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from ledger.models import Account
from ledger.selectors import account_balance
from mfgcost.company import company_setup
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
from mfgcost.lean import services
from mfgcost.lean.models import FlowActivity, FlowWipEntry, Kanban, KanbanRule
from subcontracting.models import Vendor

D = Decimal
GT = CostGroup.GroupType


def oct_(day: int) -> dt.date:
    return dt.date(2026, 10, day)


def nov(day: int) -> dt.date:
    return dt.date(2026, 11, day)


@dataclass
class Case:
    company: object
    flow: object
    widget: Item
    parts: Item
    resin: Item
    paint_service: Item
    groups: dict
    rules: dict
    wip_account: Account
    material_variance_account: Account
    activities: dict

    _keys = itertools.count(1)

    def kanban(self, rule: str, day: dt.date, quantity=None) -> Kanban:
        return services.kanban_create(rule=self.rules[rule], assigned_date=day, quantity=quantity)

    def stage(self, rule: str, day: dt.date) -> Kanban:
        """A material kanban: its pick job started and completed on ``day``."""
        kanban = self.kanban(rule, day)
        job = kanban.jobs.get()
        services.kanban_job_start(job=job, posting_date=day)
        services.kanban_job_complete(job=job, posting_date=day)
        kanban.refresh_from_db()
        return kanban

    def make(self, day: dt.date, quantity, hours, paint_price) -> Kanban:
        """A widget kanban: ASM with ``hours`` run time, then painting (receipt into stock)."""
        kanban = self.kanban("W", day, quantity=quantity)
        asm, paint = kanban.jobs.order_by("sequence")
        services.kanban_job_start(job=asm, posting_date=day)
        services.kanban_job_complete(job=asm, posting_date=day, run_time=D(hours))
        services.kanban_job_start(job=paint, posting_date=day)
        services.kanban_job_complete(job=paint, posting_date=day, unit_price=D(paint_price))
        kanban.refresh_from_db()
        return kanban

    def wip(self, **filters) -> Decimal:
        rows = FlowWipEntry.objects.filter(flow=self.flow, **filters)
        return rows.aggregate(t=Sum("amount"))["t"] or D("0")

    def wip_gl(self) -> Decimal:
        return account_balance(self.wip_account)


def build_case(*, today=None) -> Case:
    company = company_setup(year_start=dt.date(2026, 1, 1))
    groups = {
        code: CostGroup.objects.create(code=code, name=code, group_type=group_type)
        for code, group_type in [
            ("PARTS", GT.DIRECT_MATERIAL),
            ("RESIN", GT.DIRECT_MATERIAL),
            ("ASM", GT.DIRECT_MANUFACTURING),
            ("OVH", GT.MANUFACTURING_OVERHEAD),
            ("PAINT", GT.DIRECT_OUTSOURCING),
        ]
    }
    sheet = CostingSheet.objects.create(code="LEAN", name="Lean overhead")
    rule = CostingSheetRule.objects.create(
        sheet=sheet, basis="surcharge_percent", percent=D("25"), cost_group=groups["OVH"]
    )
    rule.base_cost_groups.set([groups["PARTS"], groups["RESIN"]])
    pcs, kg = company.units["pcs"], company.units["kg"]
    raw, finished, service_group = (
        company.groups["RAW"],
        company.groups["FINISHED"],
        company.groups["SERVICE"],
    )
    standard = Item.CostingMethod.STANDARD
    parts = Item.objects.create(
        number="P",
        description="Part",
        base_unit=pcs,
        costing_method=standard,
        posting_group=raw,
        cost_group=groups["PARTS"],
        standard_cost=D("10"),
        unit_cost=D("10"),
    )
    resin = Item.objects.create(
        number="R",
        description="Resin",
        base_unit=kg,
        costing_method=standard,
        posting_group=raw,
        cost_group=groups["RESIN"],
        standard_cost=D("8"),
        unit_cost=D("8"),
    )
    paint_service = Item.objects.create(
        number="PAINTING",
        description="Painting",
        base_unit=pcs,
        costing_method=standard,
        item_type=Item.ItemType.SERVICE,
        posting_group=service_group,
        cost_group=groups["PAINT"],
        standard_cost=D("10"),
        unit_cost=D("10"),
    )
    widget = Item.objects.create(
        number="W",
        description="Widget",
        base_unit=pcs,
        costing_method=standard,
        posting_group=finished,
        replenishment="production",
        costing_sheet=sheet,
    )
    bom = BomVersion.objects.create(item=widget, version="1", valid_from=dt.date(2026, 1, 1))
    BomLine.objects.create(bom=bom, line_no=10, component=parts, quantity_per=D("2"), unit=pcs)
    BomLine.objects.create(bom=bom, line_no=20, component=resin, quantity_per=D("0.5"), unit=kg)
    cell = WorkCenter.objects.create(
        code="ASM-CELL",
        name="Assembly cell",
        direct_cost_per_hour=D("40"),
        direct_cost_group=groups["ASM"],
    )
    vendor = Vendor.objects.create(code="PAINTER", name="Painter Ltd")
    wip_account = Account.objects.create(
        number="1335",
        name="WIP flow ASSY",
        account_type="asset",
        statement="bs",
        cost_center_rule="not_allowed",
        direct_posting=False,
    )
    material_variance = Account.objects.create(
        number="5311", name="Material variance ASSY", account_type="expense", statement="pl"
    )
    flow = services.production_flow_create(
        code="ASSY",
        name="Assembly",
        site=company.main,
        wip_account=wip_account,
        variance_accounts={GT.DIRECT_MATERIAL: material_variance},
        costing_sheet=sheet,
    )
    activities = {
        "STAGE": services.flow_activity_save(
            flow=flow,
            code="STAGE",
            kind=FlowActivity.Kind.TRANSFER,
            inventory_update=FlowActivity.InventoryUpdate.PICK,
        ),
        "ASM": services.flow_activity_save(flow=flow, code="ASM", work_cell=cell),
        "PAINT": services.flow_activity_save(
            flow=flow,
            code="PAINT",
            subcontracted=True,
            vendor=vendor,
            service_item=paint_service,
            service_price=D("10.50"),
            inventory_update=FlowActivity.InventoryUpdate.RECEIPT,
        ),
    }
    start = dt.date(2026, 1, 1)
    rules = {
        "P": services.kanban_rule_save(
            flow=flow,
            product=parts,
            quantity=D("100"),
            valid_from=start,
            activities=[{"activity": activities["STAGE"]}],
        ),
        "R": services.kanban_rule_save(
            flow=flow,
            product=resin,
            quantity=D("25"),
            valid_from=start,
            activities=[{"activity": activities["STAGE"]}],
        ),
        "W": services.kanban_rule_save(
            flow=flow,
            product=widget,
            quantity=D("70"),
            valid_from=start,
            automatic_empty=KanbanRule.AutomaticEmpty.ON_RECEIPT,
            activities=[
                {"activity": activities["ASM"], "run_time": D("0.25")},
                {"activity": activities["PAINT"]},
            ],
        ),
    }
    services.item_default_flow_set(item=widget, flow=flow)
    version = CostingVersion.objects.create(code="STD", name="Standard", version_type="standard")
    record = services.flow_standard_cost_calculate(version=version, item=widget, as_of=oct_(1))
    standard_cost_activate(standard_costs=[record], posting_date=oct_(1))
    widget.refresh_from_db()
    for item, quantity in ((parts, "1000"), (resin, "250")):
        purchase_receipt_post(
            item=item,
            location=company.main,
            quantity=D(quantity),
            unit_cost=item.standard_cost,
            posting_date=oct_(1),
            source_key=f"test:receipt:{item.number}",
        )
    return Case(
        company=company,
        flow=flow,
        widget=widget,
        parts=parts,
        resin=resin,
        paint_service=paint_service,
        groups=groups,
        rules=rules,
        wip_account=wip_account,
        material_variance_account=material_variance,
        activities=activities,
    )


def october(case: Case) -> dict:
    """October's kanban work: 4 x 100 P and 4 x 25 kg R staged, 140 widgets (2 kanbans of 70,
    18 h each = 36 h, painted at 10.50), 3 kanbans of each material emptied."""
    p = [case.stage("P", oct_(day)) for day in (2, 3, 4, 5)]
    r = [case.stage("R", oct_(day)) for day in (2, 3, 4, 5)]
    w = [case.make(oct_(day), "70", "18", "10.50") for day in (10, 20)]
    for kanban in p[:3] + r[:3]:
        services.kanban_empty(kanban=kanban, posting_date=oct_(25))
    return {"P": p, "R": r, "W": w}


def run(end: dt.date, today=dt.date(2026, 12, 2)):
    backflush = services.backflush_run_create(end_date=end, today=today)
    return services.backflush_run_execute(run=backflush)
