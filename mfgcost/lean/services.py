"""Writes of lean production flows: setup, kanbans and jobs, flow postings, backflush runs.

Every service is a transaction, keyword-only, and raises ``BusinessError`` naming the field for
bad input, so nothing is written when a rule is broken. Every posting on a flow locks the flow
row first (a backflush run of the flow holds the same lock), refuses a date on or before the
flow's last backflush run (``posting_date``), and goes through the inventory posting path:
item ledger entries at the flow's site, capacity entries for time and services, value entries
whose WIP side is the flow's WIP location and posting group (so the accounts come from the
posting setup), one journal entry per posting, and the flow's WIP sub-ledger rows.

What each posting writes (Dr / Cr):

* material staged (a kanban's pick job, or a kanban issue): consumption entry at standard,
  flow WIP / inventory; the WIP row is *physically updated* until a run settles it;
* products received (a job updating inventory on receipt): output entry at standard, split by
  the product's standard breakdown, inventory / flow WIP; material parts by component;
* run time of a completed job: capacity entry at the work cell's rate, flow WIP / direct cost
  applied; a subcontracted job: the service at the vendor's price, flow WIP / subcontracting
  applied;
* backflush run: indirect cost on the consumed material (costing sheet), flow WIP / overhead
  applied; variances per cost group and item, variance account / flow WIP.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import OperationalError, transaction
from django.db.models import Sum
from django.utils import timezone

from ledger.models import Account, GeneralPostingSetup, ItemPostingGroup
from ledger.services import open_period_for_date
from mfgcost.core.errors import BusinessError, ConflictError
from mfgcost.core.money import ZERO
from mfgcost.costing.settlement import VARIANCE_TYPE
from mfgcost.inventory.models import (
    CapacityLedgerEntry,
    InventoryPosting,
    InventoryPostingSetup,
    ItemLedgerEntry,
    Location,
    ValueEntry,
)
from mfgcost.inventory.services import (
    begin_posting,
    clean_quantity,
    clean_unit_cost,
)
from mfgcost.items.models import CostGroup, CostingSheet, Item, WorkCenter
from mfgcost.items.selectors import bom_version_valid_on
from mfgcost.production.estimate import surcharge_overhead
from mfgcost.production.selectors import costing_sheet_rules

from . import backflush as calc
from .models import (
    BackflushOpenJob,
    BackflushRun,
    BackflushRunFlow,
    FlowActivity,
    FlowSettlement,
    FlowVariance,
    FlowVendorPurchase,
    FlowWipEntry,
    ItemDefaultFlow,
    Kanban,
    KanbanJob,
    KanbanRule,
    KanbanRuleActivity,
    ProductionFlow,
    UnusedQuantity,
)
from .posting import RUN_JOURNAL, FlowPosting
from .posting import check_standard_item as _check_standard_item

ILE = ItemLedgerEntry.EntryType
VE = ValueEntry.EntryType
CAPACITY = CapacityLedgerEntry.CapacityType
GT = CostGroup.GroupType
WIP = FlowWipEntry.Kind

VARIANCE_ACCOUNT_FIELD = {
    GT.DIRECT_MATERIAL: "material_variance_account",
    GT.DIRECT_MANUFACTURING: "capacity_variance_account",
    GT.DIRECT_OUTSOURCING: "subcontracted_variance_account",
    GT.CAPACITY_OVERHEAD: "capacity_overhead_variance_account",
    GT.MANUFACTURING_OVERHEAD: "manufacturing_overhead_variance_account",
}


# --------------------------------------------------------------------------- setup


@transaction.atomic
def production_flow_create(
    *,
    code: str,
    name: str,
    site: Location,
    wip_account: Account,
    variance_accounts: Mapping[str, Account] | None = None,
    costing_sheet: CostingSheet | None = None,
) -> ProductionFlow:
    """Create a flow with its own WIP account and variance accounts in the posting setup.

    The flow gets a WIP location (``WIP-<code>``) whose inventory posting setup names
    ``wip_account``, and a posting group (``FLOW-<code>``) whose general posting setup copies
    the default row with the variance account of each cost-group type in
    ``variance_accounts`` (keyed by type) replaced.
    """
    code = (code or "").strip()
    if not code:
        raise BusinessError("A flow needs a code.", field="code")
    if ProductionFlow.objects.filter(code=code).exists():
        raise BusinessError(f"Flow {code} already exists.", field="code")
    if site.kind != Location.Kind.WAREHOUSE or site.blocked:
        raise BusinessError(f"{site} is not an open warehouse.", field="site")
    if wip_account.statement != Account.Statement.BALANCE_SHEET:
        raise BusinessError("The WIP account must be a balance-sheet account.", field="wip_account")
    variance_accounts = dict(variance_accounts or {})
    for group_type in variance_accounts:
        if group_type not in VARIANCE_ACCOUNT_FIELD:
            raise BusinessError(
                f"{group_type!r} is not a cost-group type.", field=f"variance_accounts.{group_type}"
            )
    default = GeneralPostingSetup.objects.filter(posting_group=None).first()
    if default is None:
        raise BusinessError("There is no default general posting setup.", field="posting_group")
    wip_code = f"WIP-{code}"[:20]
    group_code = f"FLOW-{code}"[:20]
    if Location.objects.filter(code=wip_code).exists():
        raise BusinessError(f"Location {wip_code} already exists.", field="code")
    if ItemPostingGroup.objects.filter(code=group_code).exists():
        raise BusinessError(f"Posting group {group_code} already exists.", field="code")
    wip_location = Location.objects.create(code=wip_code, name=f"WIP of production flow {code}")
    accrual = InventoryPostingSetup.objects.filter(posting_group=None, location=None).first()
    accrual = accrual or InventoryPostingSetup.objects.first()
    InventoryPostingSetup.objects.create(
        posting_group=None,
        location=wip_location,
        inventory_account=wip_account,
        inventory_accrual_account=accrual.inventory_accrual_account if accrual else wip_account,
        wip_account=wip_account,
    )
    group = ItemPostingGroup.objects.create(code=group_code, name=f"Production flow {code}")
    fields = {
        f.name: getattr(default, f.name)
        for f in GeneralPostingSetup._meta.fields
        if f.name.endswith("_account")
    }
    for group_type, account in variance_accounts.items():
        fields[VARIANCE_ACCOUNT_FIELD[group_type]] = account
    GeneralPostingSetup.objects.create(posting_group=group, **fields)
    return ProductionFlow.objects.create(
        code=code,
        name=name,
        site=site,
        wip_location=wip_location,
        posting_group=group,
        costing_sheet=costing_sheet,
    )


@transaction.atomic
def flow_activity_save(
    *,
    flow: ProductionFlow,
    code: str,
    kind: str = FlowActivity.Kind.PROCESS,
    inventory_update: str = FlowActivity.InventoryUpdate.NONE,
    work_cell: WorkCenter | None = None,
    subcontracted: bool = False,
    vendor=None,
    service_item: Item | None = None,
    service_price: object = ZERO,
    name: str = "",
) -> FlowActivity:
    """Create or change an activity of ``flow`` (by code)."""
    if kind not in FlowActivity.Kind.values:
        raise BusinessError(f"{kind!r} is not an activity kind.", field="kind")
    if inventory_update not in FlowActivity.InventoryUpdate.values:
        raise BusinessError(f"{inventory_update!r} is not allowed.", field="inventory_update")
    price = clean_unit_cost(service_price, field_name="service_price")
    if subcontracted:
        if vendor is None:
            raise BusinessError("A subcontracted activity needs a vendor.", field="vendor")
        if service_item is None or service_item.item_type != Item.ItemType.SERVICE:
            raise BusinessError(
                "A subcontracted activity buys a non-stocked service item.", field="service_item"
            )
        group = service_item.cost_group
        if group is None or group.group_type != GT.DIRECT_OUTSOURCING:
            raise BusinessError(
                f"Service {service_item} needs a cost group of type direct outsourcing.",
                field="service_item",
            )
    elif (
        work_cell is not None
        and work_cell.direct_cost_per_hour
        and not (work_cell.direct_cost_group_id)
    ):
        raise BusinessError(
            f"Work cell {work_cell} has a rate but no direct cost group.", field="work_cell"
        )
    activity, _ = FlowActivity.objects.update_or_create(
        flow=flow,
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "inventory_update": inventory_update,
            "work_cell": None if subcontracted else work_cell,
            "subcontracted": subcontracted,
            "vendor": vendor if subcontracted else None,
            "service_item": service_item if subcontracted else None,
            "service_price": price,
        },
    )
    return activity


@transaction.atomic
def kanban_rule_save(
    *,
    flow: ProductionFlow,
    product: Item,
    quantity: object,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    automatic_empty: str = KanbanRule.AutomaticEmpty.NONE,
    activities: Iterable[Mapping] = (),
    rule: KanbanRule | None = None,
) -> KanbanRule:
    """Create or change a kanban rule; ``activities`` (activity, run_time, sequence) replace
    its own. The product must be a standard-cost item."""
    _check_standard_item(product, field_name="product")
    quantity = clean_quantity(quantity)
    if automatic_empty not in KanbanRule.AutomaticEmpty.values:
        raise BusinessError(f"{automatic_empty!r} is not allowed.", field="automatic_empty")
    if valid_to is not None and valid_to < valid_from:
        raise BusinessError("The rule ends before it starts.", field="valid_to")
    rows = []
    for index, row in enumerate(activities):
        activity = row["activity"]
        if activity.flow_id != flow.pk:
            raise BusinessError(
                f"Activity {activity} is not of flow {flow}.", field=f"activities[{index}].activity"
            )
        run_time = clean_quantity(
            row.get("run_time", ZERO), field_name=f"activities[{index}].run_time", allow_zero=True
        )
        rows.append((activity, run_time, row.get("sequence") or (index + 1) * 10))
    rule = rule or KanbanRule()
    rule.flow, rule.product, rule.quantity = flow, product, quantity
    rule.valid_from, rule.valid_to, rule.automatic_empty = valid_from, valid_to, automatic_empty
    rule.save()
    rule.activities.all().delete()
    KanbanRuleActivity.objects.bulk_create(
        KanbanRuleActivity(rule=rule, activity=a, run_time=t, sequence=s) for a, t, s in rows
    )
    return rule


@transaction.atomic
def item_default_flow_set(*, item: Item, flow: ProductionFlow) -> ItemDefaultFlow:
    _check_standard_item(item, field_name="item")
    default, _ = ItemDefaultFlow.objects.update_or_create(item=item, defaults={"flow": flow})
    return default


# --------------------------------------------------------------------------- kanbans and jobs


@transaction.atomic
def kanban_create(
    *,
    rule: KanbanRule,
    assigned_date: dt.date,
    quantity: object | None = None,
    number: str = "",
) -> Kanban:
    """A new handling unit of ``rule`` (assigned), with a planned job per rule activity."""
    quantity = rule.quantity if quantity is None else clean_quantity(quantity)
    if not rule.active:
        raise BusinessError(f"Kanban rule {rule} is not active.", field="rule")
    kanban = Kanban.objects.create(
        rule=rule,
        flow_id=rule.flow_id,
        item_id=rule.product_id,
        number=number or f"new-{uuid.uuid4().hex}",
        quantity=quantity,
        assigned_date=assigned_date,
    )
    if not number:
        kanban.number = f"{rule.flow.code}-{kanban.pk:06d}"
        kanban.save(update_fields=["number"])
    KanbanJob.objects.bulk_create(
        KanbanJob(
            kanban=kanban,
            activity_id=row.activity_id,
            sequence=row.sequence,
            planned_date=assigned_date,
            quantity=quantity,
        )
        for row in rule.activities.all()
    )
    return kanban


def _lock_flow(flow_id: int) -> ProductionFlow:
    return ProductionFlow.objects.select_for_update().get(pk=flow_id)


def flow_posting_date_check(flow: ProductionFlow, posting_date: dt.date) -> None:
    """Refuse a date on or before the flow's last backflush run (``posting_date``)."""
    if flow.costed_through is not None and posting_date <= flow.costed_through:
        run = (
            BackflushRunFlow.objects.filter(
                flow=flow,
                status=BackflushRunFlow.Status.DONE,
                run__end_date=flow.costed_through,
                run__reversal_of__isnull=True,
            )
            .select_related("run")
            .order_by("-pk")
            .first()
        )
        by = f" by {run.run}" if run else ""
        raise BusinessError(
            f"Flow {flow} is costed through {flow.costed_through.isoformat()}{by}; "
            f"{posting_date.isoformat()} cannot be posted.",
            field="posting_date",
            code="flow_costed",
        )


@transaction.atomic
def kanban_job_start(*, job: KanbanJob, posting_date: dt.date) -> KanbanJob:
    """Start a planned job. Starting the first job of a product's kanban registers the source
    requirement: component kanbans set to empty on it are emptied (oldest first, whole units,
    as many as the job's quantity needs)."""
    job = KanbanJob.objects.select_for_update().select_related("kanban", "activity").get(pk=job.pk)
    if job.status != KanbanJob.Status.PLANNED:
        raise BusinessError(f"Job {job} is {job.get_status_display().lower()}.", field="status")
    flow = _lock_flow(job.kanban.flow_id)
    flow_posting_date_check(flow, posting_date)
    job.status = KanbanJob.Status.STARTED
    job.started_date = posting_date
    job.save(update_fields=["status", "started_date"])
    first = not job.kanban.jobs.exclude(pk=job.pk).exclude(status=KanbanJob.Status.PLANNED).exists()
    if first:
        _empty_on_source_requirement(job.kanban, posting_date)
    return job


def _empty_on_source_requirement(kanban: Kanban, day: dt.date) -> None:
    bom = bom_version_valid_on(item=kanban.item, on=day)
    if bom is None:
        return
    for line in bom.lines.all():
        needed = kanban.quantity * line.quantity_per / bom.quantity
        candidates = Kanban.objects.filter(
            flow_id=kanban.flow_id,
            item_id=line.component_id,
            status=Kanban.Status.RECEIVED,
            rule__automatic_empty=KanbanRule.AutomaticEmpty.ON_SOURCE_REQUIREMENT,
        ).order_by("received_date", "pk")
        for component in candidates:
            if needed <= 0:
                break
            Kanban.objects.filter(pk=component.pk).update(
                status=Kanban.Status.EMPTIED, emptied_date=day
            )
            needed -= component.quantity


@transaction.atomic
def kanban_empty(*, kanban: Kanban, posting_date: dt.date) -> Kanban:
    """Register a full handling unit as empty: consumed in the flow (no partial emptying)."""
    kanban = Kanban.objects.select_for_update().get(pk=kanban.pk)
    if kanban.status != Kanban.Status.RECEIVED:
        raise BusinessError(
            f"Kanban {kanban} is {kanban.get_status_display().lower()}; only a received (full) "
            "handling unit can be emptied.",
            field="status",
            code="kanban_not_full",
        )
    flow = _lock_flow(kanban.flow_id)
    flow_posting_date_check(flow, posting_date)
    if posting_date < kanban.received_date:
        raise BusinessError(
            "A kanban cannot be emptied before it was received.", field="posting_date"
        )
    kanban.status = Kanban.Status.EMPTIED
    kanban.emptied_date = posting_date
    kanban.save(update_fields=["status", "emptied_date"])
    return kanban


@transaction.atomic
def kanban_job_complete(
    *,
    job: KanbanJob,
    posting_date: dt.date,
    quantity: object | None = None,
    run_time: object = ZERO,
    unit_price: object | None = None,
    user=None,
) -> KanbanJob:
    """Complete a started job: post its run time or service, and its inventory update."""
    job = KanbanJob.objects.select_for_update().select_related("kanban", "activity").get(pk=job.pk)
    if job.status != KanbanJob.Status.STARTED:
        raise BusinessError(
            f"Job {job} is {job.get_status_display().lower()}; only a started job completes.",
            field="status",
        )
    kanban, activity = job.kanban, job.activity
    flow = _lock_flow(kanban.flow_id)
    flow_posting_date_check(flow, posting_date)
    if job.started_date and posting_date < job.started_date:
        raise BusinessError("A job cannot complete before it started.", field="posting_date")
    quantity = kanban.quantity if quantity is None else clean_quantity(quantity)
    hours = clean_quantity(run_time, field_name="run_time", allow_zero=True)
    price = (
        activity.service_price
        if unit_price is None
        else clean_unit_cost(unit_price, field_name="unit_price")
    )
    posting, created = begin_posting(
        source_key=f"lean:job:{job.pk}:complete",
        kind="kanban_job",
        posting_date=posting_date,
        document_no=kanban.number,
    )
    if not created:  # pragma: no cover - the job row lock makes a repeat see it completed
        raise ConflictError(f"Job {job} is already posted.", field="status")
    period = open_period_for_date(posting_date)
    flow_posting = FlowPosting(flow=flow, posting=posting, posting_date=posting_date)
    if activity.subcontracted:
        flow_posting.outsourcing(activity=activity, quantity=quantity, price=price, job=job)
    elif hours and activity.work_cell_id:
        flow_posting.conversion(activity=activity, hours=hours, job=job)
    update = activity.inventory_update
    if update == FlowActivity.InventoryUpdate.PICK:
        flow_posting.stage(item=kanban.item, quantity=quantity, kanban=kanban, job=job)
    elif update == FlowActivity.InventoryUpdate.RECEIPT:
        flow_posting.receive(product=kanban.item, quantity=quantity, kanban=kanban, job=job)
    flow_posting.post(period=period, user=user)
    job.status = KanbanJob.Status.COMPLETED
    job.completed_date = posting_date
    job.quantity, job.run_time, job.unit_price = quantity, hours, price
    job.save(update_fields=["status", "completed_date", "quantity", "run_time", "unit_price"])
    if update in (FlowActivity.InventoryUpdate.PICK, FlowActivity.InventoryUpdate.RECEIPT):
        # The handling unit holds what was picked or received (a whole unit, never a part).
        kanban.quantity = quantity
        kanban.status = Kanban.Status.RECEIVED
        kanban.received_date = posting_date
        if (
            update == FlowActivity.InventoryUpdate.RECEIPT
            and kanban.rule.automatic_empty == KanbanRule.AutomaticEmpty.ON_RECEIPT
        ):
            kanban.status = Kanban.Status.EMPTIED
            kanban.emptied_date = posting_date
        kanban.save(update_fields=["quantity", "status", "received_date", "emptied_date"])
    return job


@transaction.atomic
def flow_material_stage(
    *,
    flow: ProductionFlow,
    item: Item,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    user=None,
) -> InventoryPosting:
    """A kanban issue: material from the flow's site into its WIP at standard."""
    return _flow_document(
        flow=flow,
        kind="flow_material",
        posting_date=posting_date,
        source_key=source_key,
        user=user,
        build=lambda p: p.stage(item=item, quantity=clean_quantity(quantity)),
    )


@transaction.atomic
def flow_product_receive(
    *,
    flow: ProductionFlow,
    item: Item,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    user=None,
) -> InventoryPosting:
    """A transfer from WIP to inventory (a by-product, co-product or scrap) at its standard."""
    return _flow_document(
        flow=flow,
        kind="flow_receipt",
        posting_date=posting_date,
        source_key=source_key,
        user=user,
        build=lambda p: p.receive(product=item, quantity=clean_quantity(quantity)),
    )


def _flow_document(*, flow, kind, posting_date, source_key, user, build) -> InventoryPosting:
    flow = _lock_flow(flow.pk)
    flow_posting_date_check(flow, posting_date)
    posting, created = begin_posting(source_key=source_key, kind=kind, posting_date=posting_date)
    if not created:
        return posting
    period = open_period_for_date(posting_date)
    flow_posting = FlowPosting(flow=flow, posting=posting, posting_date=posting_date)
    build(flow_posting)
    flow_posting.post(period=period, user=user)
    return posting


# --------------------------------------------------------------------------- backflush runs


@transaction.atomic
def backflush_run_create(
    *,
    end_date: dt.date,
    flows: Iterable[ProductionFlow] | None = None,
    requested_by: str = "",
    today: dt.date | None = None,
) -> BackflushRun:
    """A run for ``end_date`` over all active flows (or ``flows``), one record per flow.

    A run for today or a later day is refused: the day is not over.
    """
    today = today or timezone.localdate()
    if end_date >= today:
        raise BusinessError(
            f"A backflush run for {end_date.isoformat()} must wait until that day is over.",
            field="end_date",
            code="day_not_over",
        )
    chosen = list(flows) if flows is not None else list(ProductionFlow.objects.filter(active=True))
    if not chosen:
        raise BusinessError("There is no production flow to cost.", field="flows")
    period_for = open_period_for_date(end_date, field_name="end_date")
    del period_for
    run = BackflushRun.objects.create(end_date=end_date, requested_by=requested_by[:60])
    BackflushRunFlow.objects.bulk_create(
        BackflushRunFlow(run=run, flow=flow) for flow in sorted(chosen, key=lambda f: f.pk)
    )
    return run


def backflush_run_execute(*, run: BackflushRun) -> BackflushRun:
    """Cost every flow of ``run`` in this process, one transaction per flow."""
    for run_flow_id in run.flows.values_list("pk", flat=True):
        backflush_flow_process(run_flow_id=run_flow_id)
    run.refresh_from_db()
    return run


def backflush_flow_process(*, run_flow_id: int) -> BackflushRunFlow:
    """Cost one flow of a run and record the outcome; a business error marks it failed.

    The flow's postings are one transaction (``backflush_flow_cost``): a worker lost halfway
    leaves nothing behind, and the next attempt does the whole flow again.
    """
    BackflushRunFlow.objects.filter(
        pk=run_flow_id,
        status__in=[
            BackflushRunFlow.Status.PENDING,
            BackflushRunFlow.Status.RUNNING,
            BackflushRunFlow.Status.FAILED,
        ],
    ).update(status=BackflushRunFlow.Status.RUNNING, progress=10)
    try:
        run_flow = backflush_flow_cost(run_flow_id=run_flow_id)
    except BusinessError as error:
        BackflushRunFlow.objects.filter(pk=run_flow_id).update(
            status=BackflushRunFlow.Status.FAILED, error=error.message, finished_at=timezone.now()
        )
        run_flow = BackflushRunFlow.objects.get(pk=run_flow_id)
    except OperationalError:
        raise  # transient: the task retries the flow
    except Exception as error:
        # Shown on the run; the task fails with its traceback and the flow can be run again.
        BackflushRunFlow.objects.filter(pk=run_flow_id).update(
            status=BackflushRunFlow.Status.FAILED, error=repr(error)[:2000]
        )
        _run_status_refresh(BackflushRunFlow.objects.get(pk=run_flow_id).run_id)
        raise
    _run_status_refresh(run_flow.run_id)
    return run_flow


def _run_status_refresh(run_id: int) -> None:
    with transaction.atomic():
        run = BackflushRun.objects.select_for_update().get(pk=run_id)
        statuses = set(run.flows.values_list("status", flat=True))
        S = BackflushRunFlow.Status
        if statuses & {S.PENDING, S.RUNNING}:
            status = BackflushRun.Status.RUNNING
        elif S.FAILED in statuses:
            status = BackflushRun.Status.FAILED
        else:
            status = BackflushRun.Status.DONE
        run.status = status
        run.finished_at = timezone.now() if status != BackflushRun.Status.RUNNING else None
        run.save(update_fields=["status", "finished_at"])


def _settled_by_entry(flow: ProductionFlow) -> dict[int, tuple[Decimal, Decimal]]:
    rows = (
        FlowSettlement.objects.filter(wip_entry__flow=flow)
        .values("wip_entry_id")
        .annotate(q=Sum("quantity"), a=Sum("amount"))
    )
    return {row["wip_entry_id"]: (row["q"], row["a"]) for row in rows}


@transaction.atomic
def backflush_flow_cost(*, run_flow_id: int) -> BackflushRunFlow:
    """The backflush costing of one flow to the run's end date (the five steps of docs/lean.md).

    Idempotent per flow and end date: a flow already costed through the end date (by this run
    or another) is skipped and nothing is posted.
    """
    S = BackflushRunFlow.Status
    run_flow = (
        BackflushRunFlow.objects.select_for_update().select_related("run").get(pk=run_flow_id)
    )
    if run_flow.status in (S.DONE, S.SKIPPED):
        return run_flow
    flow = _lock_flow(run_flow.flow_id)
    end = run_flow.run.end_date
    run_flow.attempts += 1
    if flow.costed_through is not None and flow.costed_through >= end:
        run_flow.status, run_flow.progress, run_flow.finished_at = S.SKIPPED, 100, timezone.now()
        run_flow.save()
        return run_flow
    run_flow.period_start = (
        flow.costed_through + dt.timedelta(days=1) if flow.costed_through else None
    )
    entries = FlowWipEntry.objects.filter(flow=flow, posting_date__lte=end)
    run_flow.wip_before = entries.aggregate(t=Sum("amount"))["t"] or ZERO
    groups = {g.pk: g for g in CostGroup.objects.all()}

    # (1) unused quantities: staged handling units full at the end date
    unused: dict[int, tuple[int, Decimal]] = {}
    staged_kanbans = (
        Kanban.objects.filter(
            flow=flow,
            received_date__lte=end,
            jobs__activity__inventory_update=FlowActivity.InventoryUpdate.PICK,
            jobs__status=KanbanJob.Status.COMPLETED,
        )
        .exclude(emptied_date__lte=end)
        .values_list("pk", "item_id", "quantity")
        .distinct()
    )
    for _pk, item_id, quantity in staged_kanbans:
        count, total = unused.get(item_id, (0, ZERO))
        unused[item_id] = (count + 1, total + quantity)

    # (2) net realised usage and (4) its FIFO settlement over the physically updated rows
    settled = _settled_by_entry(flow)
    open_by_item: dict[int, list[calc.OpenTransaction]] = defaultdict(list)
    material_groups = {}
    material = entries.filter(kind=WIP.MATERIAL).order_by("posting_date", "pk")
    for pk, item_id, group_id, quantity, amount in material.values_list(
        "pk", "item_id", "cost_group_id", "quantity", "amount"
    ):
        done_q, done_a = settled.get(pk, (ZERO, ZERO))
        if quantity - done_q > 0:
            material_groups[pk] = group_id
            open_by_item[item_id].append(
                calc.OpenTransaction(pk, quantity - done_q, amount - done_a)
            )
    settlements: list[FlowSettlement] = []
    consumed_by_group: dict[int, Decimal] = defaultdict(Decimal)
    remaining_value: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for item_id, transactions in open_by_item.items():
        physical = sum((t.remaining_quantity for t in transactions), ZERO)
        usage = calc.net_usage(physical, unused.get(item_id, (0, ZERO))[1])
        result = {s.key: s for s in calc.fifo_settle(transactions, usage)}
        for txn in transactions:
            group_id = material_groups[txn.key]
            part = result.get(txn.key)
            if part is not None:
                settlements.append(
                    FlowSettlement(
                        run_flow=run_flow,
                        wip_entry_id=txn.key,
                        quantity=part.quantity,
                        amount=part.amount,
                        split=part.split,
                    )
                )
                consumed_by_group[group_id] += part.amount
            left = txn.remaining_amount - (part.amount if part else ZERO)
            if left:
                remaining_value[(group_id, item_id)] += left
    run_flow.progress = 40

    posting, _created = begin_posting(
        source_key=f"lean:backflush:{run_flow.pk}", kind="backflush", posting_date=end
    )
    period = open_period_for_date(end, field_name="end_date")
    flow_posting = FlowPosting(flow=flow, posting=posting, posting_date=end)

    # (4) indirect cost on the material consumed in the period, by the costing sheet
    surcharges, _rates = costing_sheet_rules(flow.costing_sheet)
    overhead = surcharge_overhead(surcharges, consumed_by_group)
    for group_id, amount in sorted(overhead.items()):
        flow_posting.indirect(cost_group_id=group_id, amount=amount, run_flow=run_flow)

    # (3) + (5) clear WIP to what stays in it; the rest is variance per cost group and item
    balances: dict[tuple[int, int | None], Decimal] = defaultdict(Decimal)
    for row in entries.values("cost_group_id", "item_id").annotate(t=Sum("amount")):
        group = groups[row["cost_group_id"]]
        item_id = row["item_id"] if group.group_type == GT.DIRECT_MATERIAL else None
        balances[(row["cost_group_id"], item_id)] += row["t"]
    for group_id, amount in overhead.items():
        balances[(group_id, None)] += amount
    variances = calc.wip_variances(balances, remaining_value)
    price_difference = defaultdict(Decimal)
    period_rows = entries.filter(kind=WIP.OUTSOURCING)
    if run_flow.period_start:
        period_rows = period_rows.filter(posting_date__gte=run_flow.period_start)
    outsourcing = list(
        period_rows.values_list(
            "cost_group_id", "vendor_id", "item_id", "quantity", "amount", "standard_amount"
        )
    )
    for group_id, _vendor, _service, _quantity, amount, standard_amount in outsourcing:
        price_difference[group_id] += amount - standard_amount
    variance_rows = []
    for (group_id, item_id), amount in sorted(
        variances.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
    ):
        group = groups[group_id]
        if group.group_type == GT.DIRECT_OUTSOURCING:
            parts = calc.outsourcing_split(amount, price_difference[group_id])
        elif group.group_type == GT.DIRECT_MATERIAL:
            parts = {"quantity": amount}
        else:
            parts = {"": amount}
        for cause, part in parts.items():
            flow_posting.variance(
                cost_group=group, item_id=item_id, cause=cause, amount=part, run_flow=run_flow
            )
            variance_rows.append(
                FlowVariance(
                    run_flow=run_flow,
                    cost_group=group,
                    item_id=item_id,
                    variance_type=VARIANCE_TYPE[group.group_type],
                    cause=cause,
                    amount=part,
                )
            )
    run_flow.progress = 80
    FlowSettlement.objects.bulk_create(settlements)
    FlowVariance.objects.bulk_create(variance_rows)
    UnusedQuantity.objects.bulk_create(
        UnusedQuantity(
            run_flow=run_flow,
            item_id=item_id,
            kanbans=count,
            quantity=quantity,
            value=sum((v for (g, i), v in remaining_value.items() if i == item_id), ZERO),
        )
        for item_id, (count, quantity) in sorted(unused.items())
    )
    BackflushOpenJob.objects.bulk_create(
        BackflushOpenJob(run_flow=run_flow, job=job)
        for job in KanbanJob.objects.filter(
            kanban__flow=flow, status=KanbanJob.Status.STARTED, started_date__lte=end
        ).order_by("pk")
    )
    purchases = defaultdict(lambda: [ZERO, ZERO])
    for _group, vendor_id, service_id, quantity, amount, _standard in outsourcing:
        purchases[(vendor_id, service_id)][0] += quantity
        purchases[(vendor_id, service_id)][1] += amount
    FlowVendorPurchase.objects.bulk_create(
        FlowVendorPurchase(
            run_flow=run_flow, vendor_id=vendor, service_item_id=service, quantity=q, amount=a
        )
        for (vendor, service), (q, a) in sorted(purchases.items())
    )
    # The journal entry last: its journal's number sequence stays locked until commit, and other
    # flows' runs wait for it.
    flow_posting.post(period=period, journal=RUN_JOURNAL)
    run_flow.wip_after = (
        run_flow.wip_before
        + sum(overhead.values(), ZERO)
        - sum((v.amount for v in variance_rows), ZERO)
    )
    run_flow.status, run_flow.progress, run_flow.finished_at = S.DONE, 100, timezone.now()
    run_flow.error = ""
    run_flow.save()
    flow.costed_through = end
    flow.save(update_fields=["costed_through"])
    return run_flow


@transaction.atomic
def backflush_run_reverse(*, run: BackflushRun, requested_by: str = "") -> BackflushRun:
    """Reverse a run as a whole: new postings mirror its own, dated on its end date; each flow
    is costed again only through its previous run. Only a flow's latest run can be reversed."""
    run = BackflushRun.objects.select_for_update().get(pk=run.pk)
    if run.reversal_of_id is not None:
        raise BusinessError(f"{run} is itself a reversal.", field="run")
    if BackflushRun.objects.filter(reversal_of=run).exists():
        raise BusinessError(f"{run} has already been reversed.", field="run")
    done = list(
        run.flows.filter(status=BackflushRunFlow.Status.DONE)
        .select_related("flow")
        .order_by("flow_id")
    )
    reversal = BackflushRun.objects.create(
        end_date=run.end_date,
        reversal_of=run,
        requested_by=requested_by[:60],
        status=BackflushRun.Status.DONE,
        finished_at=timezone.now(),
    )
    for original in done:
        flow = _lock_flow(original.flow_id)
        if flow.costed_through != run.end_date:
            raise BusinessError(
                f"Flow {flow} has been costed through {flow.costed_through} since; reverse the "
                "later run first.",
                field="run",
            )
        mirror = BackflushRunFlow.objects.create(
            run=reversal,
            flow=flow,
            status=BackflushRunFlow.Status.DONE,
            progress=100,
            period_start=original.period_start,
            finished_at=timezone.now(),
        )
        posting, _ = begin_posting(
            source_key=f"lean:backflush:{original.pk}:reversal",
            kind="backflush_reversal",
            posting_date=run.end_date,
        )
        period = open_period_for_date(run.end_date, field_name="run")
        flow_posting = FlowPosting(flow=flow, posting=posting, posting_date=run.end_date)
        carrier = None
        for row in original.entries.select_related("value_entry").order_by("pk"):
            value = row.value_entry
            carrier = carrier or flow_posting.cost_only_entry()
            copy = flow_posting.capacity_value(
                carrier,
                entry_type=value.entry_type,
                variance_type=value.variance_type,
                variance_cause=value.variance_cause,
                cost_group_id=value.cost_group_id,
                amount=-value.cost_amount_actual,
                applies_to_entry=value,
                description=f"Reversal of {value.description}"[:200],
            )
            flow_posting._row(
                copy,
                kind=row.kind,
                cost_group_id=row.cost_group_id,
                item_id=row.item_id,
                amount=-row.amount,
                run_flow=mirror,
            )
        flow_posting.post(period=period, journal=RUN_JOURNAL)
        FlowSettlement.objects.bulk_create(
            FlowSettlement(
                run_flow=mirror,
                wip_entry_id=s.wip_entry_id,
                quantity=-s.quantity,
                amount=-s.amount,
                split=s.split,
            )
            for s in original.settlements.all()
        )
        previous = (
            BackflushRunFlow.objects.filter(
                flow=flow,
                status=BackflushRunFlow.Status.DONE,
                run__reversal_of__isnull=True,
                run__reversed_by__isnull=True,
                run__end_date__lt=run.end_date,
            )
            .exclude(run=run)
            .order_by("-run__end_date")
            .values_list("run__end_date", flat=True)
            .first()
        )
        flow.costed_through = previous
        flow.save(update_fields=["costed_through"])
    return reversal


# --------------------------------------------------------------------------- standard cost


def flow_rule_for(*, item: Item, on: dt.date, flow: ProductionFlow | None = None) -> KanbanRule:
    """The kanban rule a product is costed from: in ``flow`` (default: the item's default
    flow), the first rule active on ``on``."""
    if flow is None:
        default = ItemDefaultFlow.objects.filter(item=item).select_related("flow").first()
        if default is None:
            raise BusinessError(f"Item {item} has no default production flow.", field="flow")
        flow = default.flow
    rule = (
        KanbanRule.objects.filter(flow=flow, product=item, active=True, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("valid_from", "pk")
        .first()
    )
    if rule is None:
        raise BusinessError(
            f"No kanban rule of flow {flow} supplies {item} on {on.isoformat()}.", field="flow"
        )
    return rule


@transaction.atomic
def flow_standard_cost_calculate(
    *,
    version,
    item: Item,
    as_of: dt.date,
    activation_date: dt.date | None = None,
    flow: ProductionFlow | None = None,
):
    """Calculate ``item``'s standard cost from its BOM and a flow's kanban rule (not a routing).

    The inputs are loaded as the roll-up loads them (``items.selectors.rollup_inputs_load``);
    the product's operations are replaced by the rule's activities -- run time per unit at the
    work cell's run-time rate and cost group (setup and capacity overhead are not part of lean
    costing), a subcontracted activity at its service's standard cost in the service's cost
    group -- and the items roll-up arithmetic (BOM, costing sheet) does the rest. The result
    is stored as a pending standard cost by cost group through ``items.services
    .standard_cost_enter``; activating it is the ordinary activation.
    """
    from dataclasses import replace

    from mfgcost.items import rollup
    from mfgcost.items.selectors import rollup_inputs_load
    from mfgcost.items.services import standard_cost_enter

    _check_standard_item(item, field_name="item")
    activation_date = activation_date or as_of
    rule = flow_rule_for(item=item, on=as_of, flow=flow)
    rows = list(rule.activities.select_related("activity__work_cell", "activity__service_item"))
    services = [row.activity.service_item for row in rows if row.activity.subcontracted]
    inputs = rollup_inputs_load(
        version=version, items=[item, *services], as_of=as_of, activation_date=activation_date
    )
    groups = {group.pk: group.code for group in CostGroup.objects.all()}
    operations = []
    for row in rows:
        activity = row.activity
        cell = activity.work_cell
        operations.append(
            rollup.OperationInput(
                operation_no=row.sequence,
                work_center=rollup.WorkCenterRates(
                    code=cell.code if cell else activity.code,
                    direct_cost_per_hour=cell.direct_cost_per_hour if cell else ZERO,
                    direct_cost_group=groups.get(cell.direct_cost_group_id) if cell else None,
                    vendor=activity.vendor.code if activity.vendor_id else None,
                ),
                run_time=row.run_time,
                subcontracted=activity.subcontracted,
                service_item=activity.service_item.number if activity.subcontracted else None,
            )
        )
    inputs.items[item.number] = replace(inputs.items[item.number], operations=tuple(operations))
    results = rollup.rollup(
        inputs.items,
        [item.number],
        conversions=inputs.conversions,
        default_material_group=inputs.default_material_group,
    )
    if item.number not in results:
        raise BusinessError(f"Item {item} has no BOM or activities to cost.", field="item")
    result = results[item.number]
    return standard_cost_enter(
        version=version,
        item=item,
        activation_date=activation_date,
        amounts={inputs.cost_groups[code]: amount for code, amount in result.rolled_up.items()},
    )
