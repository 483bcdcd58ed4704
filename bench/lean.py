"""Backflush costing of many flows on Celery workers: 2 workers, then 1.

The ledger: ``--flows`` production flows (default 200) made through ``production_flow_create``
(each with its WIP location, posting group and posting setup), and ``--transactions`` (default
500,000) kanban transactions in October spread evenly over them, bulk-loaded into the flows'
WIP sub-ledger (``FlowWipEntry``) with their kanbans and completed pick jobs: per flow, 40 %
material staged in handling units of 100 parts (four in five emptied by the month end, one in
five still full), 40 % products received (WIP relieved by cost group: parts, assembly,
overhead) and 20 % run time applied. The bulk rows carry no item or value entries (the
inventory side is not what the run reads); the run itself posts through the real services:
FIFO settlement, indirect cost by the costing sheet, variances, one journal entry per flow.

Timed: a run for 31 October handed to ``--workers`` Celery worker processes (default 2) as one
task per flow in a group, from the group's dispatch until every flow is done; then the run is
reversed (``backflush_run_reverse``, timed too), and the same run is made again with 1 worker.
Prints the seconds and the scaling ratio. Needs PostgreSQL and Redis (CELERY_BROKER_URL).

``python -m bench.lean [--flows 200] [--transactions 500000] [--workers 2] [--keep]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

from bench.common import drop_database, setup_django_on, stopwatch

D = Decimal
DB_NAME = "bench_lean"
ROOT = Path(__file__).resolve().parents[1]
END = dt.date(2026, 10, 31)


def build(flows: int, transactions: int) -> list[int]:
    from ledger.models import Account
    from mfgcost.company import company_setup
    from mfgcost.items.models import CostGroup, CostingSheet, CostingSheetRule, Item
    from mfgcost.lean import services
    from mfgcost.lean.models import FlowActivity, FlowWipEntry, Kanban, KanbanJob

    company = company_setup(year_start=dt.date(2026, 1, 1))
    gt = CostGroup.GroupType
    parts = CostGroup.objects.create(code="PARTS", name="Parts", group_type=gt.DIRECT_MATERIAL)
    asm = CostGroup.objects.create(code="ASM", name="Assembly", group_type=gt.DIRECT_MANUFACTURING)
    ovh = CostGroup.objects.create(
        code="OVH", name="Overhead", group_type=gt.MANUFACTURING_OVERHEAD
    )
    sheet = CostingSheet.objects.create(code="LEAN", name="Lean")
    rule = CostingSheetRule.objects.create(
        sheet=sheet, basis="surcharge_percent", percent=D("25"), cost_group=ovh
    )
    rule.base_cost_groups.set([parts])
    part = Item.objects.create(
        number="P",
        description="Part",
        base_unit=company.units["pcs"],
        costing_method="standard",
        posting_group=company.groups["RAW"],
        cost_group=parts,
        standard_cost=D("10"),
        unit_cost=D("10"),
    )
    widget = Item.objects.create(
        number="W",
        description="Widget",
        base_unit=company.units["pcs"],
        costing_method="standard",
        posting_group=company.groups["FINISHED"],
        standard_cost=D("30"),
        unit_cost=D("30"),
    )
    wip = Account.objects.create(
        number="1335",
        name="WIP flows",
        account_type="asset",
        statement="bs",
        cost_center_rule="not_allowed",
        direct_posting=False,
    )
    per_flow = transactions // flows
    material = per_flow * 2 // 5
    product = per_flow * 2 // 5
    conversion = per_flow - material - product
    ids = []
    for f in range(flows):
        flow = services.production_flow_create(
            code=f"F{f:04d}",
            name=f"Flow {f}",
            site=company.main,
            wip_account=wip,
            costing_sheet=sheet,
        )
        ids.append(flow.pk)
        stage = services.flow_activity_save(
            flow=flow,
            code="STAGE",
            kind="transfer",
            inventory_update=FlowActivity.InventoryUpdate.PICK,
        )
        kanban_rule = services.kanban_rule_save(
            flow=flow,
            product=part,
            quantity="100",
            valid_from=dt.date(2026, 1, 1),
            activities=[{"activity": stage}],
        )
        kanbans = Kanban.objects.bulk_create(
            [
                Kanban(
                    rule=kanban_rule,
                    flow=flow,
                    item=part,
                    number=f"{flow.code}-{i:06d}",
                    quantity=D("100"),
                    status="emptied" if i % 5 else "received",
                    assigned_date=dt.date(2026, 10, 1 + i % 27),
                    received_date=dt.date(2026, 10, 1 + i % 27),
                    emptied_date=dt.date(2026, 10, 28) if i % 5 else None,
                )
                for i in range(material)
            ],
            batch_size=5000,
        )
        jobs = KanbanJob.objects.bulk_create(
            [
                KanbanJob(
                    kanban=k,
                    activity=stage,
                    status="completed",
                    planned_date=k.assigned_date,
                    started_date=k.assigned_date,
                    completed_date=k.assigned_date,
                    quantity=D("100"),
                )
                for k in kanbans
            ],
            batch_size=5000,
        )
        rows = [
            FlowWipEntry(
                flow=flow,
                kind="material",
                posting_date=k.received_date,
                cost_group=parts,
                item=part,
                quantity=D("100"),
                amount=D("1000.00"),
                kanban=k,
                job=j,
            )
            for k, j in zip(kanbans, jobs, strict=True)
        ]
        cycle = [
            (parts, part, D("-150"), D("-1500.00")),
            (asm, None, D("0"), D("-700.00")),
            (ovh, None, D("0"), D("-375.00")),
        ]
        for i in range(product):
            group, item, quantity, amount = cycle[i % 3]
            rows.append(
                FlowWipEntry(
                    flow=flow,
                    kind="product",
                    posting_date=dt.date(2026, 10, 1 + i % 30),
                    cost_group=group,
                    item=item,
                    product=widget,
                    quantity=quantity,
                    amount=amount,
                )
            )
        for i in range(conversion):
            rows.append(
                FlowWipEntry(
                    flow=flow,
                    kind="conversion",
                    posting_date=dt.date(2026, 10, 1 + i % 30),
                    cost_group=asm,
                    product=widget,
                    quantity=D("18"),
                    amount=D("720.00"),
                )
            )
        FlowWipEntry.objects.bulk_create(rows, batch_size=10000)
    return ids


def run_on_workers(workers: int) -> tuple[float, object]:
    from celery import group
    from django.db import connections

    from mfgcost.lean.models import BackflushRun
    from mfgcost.lean.services import backflush_run_create
    from mfgcost.lean.tasks import backflush_flow_task

    run = backflush_run_create(end_date=END, requested_by="bench")
    ids = list(run.flows.values_list("pk", flat=True))
    connections.close_all()
    queue = f"bench-lean-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mfgcost.settings"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mfgcost",
            "worker",
            "-Q",
            queue,
            "-c",
            str(workers),
            "-P",
            "prefork",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(4)  # let the worker processes start before the clock does
        with stopwatch() as elapsed:
            group(backflush_flow_task.s(pk).set(queue=queue) for pk in ids).apply_async()
            while True:
                run.refresh_from_db()
                if run.status in (BackflushRun.Status.DONE, BackflushRun.Status.FAILED):
                    break
                time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return elapsed(), run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--transactions", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not (os.environ.get("CELERY_BROKER_URL") or "").startswith("redis"):
        raise SystemExit("bench.lean needs Redis: set CELERY_BROKER_URL to a redis:// URL")
    setup_django_on(DB_NAME)
    from mfgcost.lean.models import BackflushRunFlow, FlowSettlement, FlowWipEntry
    from mfgcost.lean.services import backflush_run_reverse

    try:
        with stopwatch() as built:
            build(args.flows, args.transactions)
        print(
            f"{args.flows} flows, {FlowWipEntry.objects.count():,} kanban transactions loaded "
            f"in {built():.1f} s"
        )
        many, run = run_on_workers(args.workers)
        failed = run.flows.exclude(status=BackflushRunFlow.Status.DONE).count()
        first = run.flows.order_by("flow__code").first()
        settled = FlowSettlement.objects.filter(run_flow__run=run).count()
        print(
            f"run to {END} on {args.workers} workers: {many:.1f} s "
            f"({failed} flows not done; {settled:,} transactions settled; {first.flow.code}: "
            f"WIP {first.wip_before} -> {first.wip_after})"
        )
        with stopwatch() as reversed_in:
            backflush_run_reverse(run=run, requested_by="bench")
        print(f"reversal of the run: {reversed_in():.1f} s")
        one, run_one = run_on_workers(1)
        again = run_one.flows.order_by("flow__code").first()
        same = (again.wip_before, again.wip_after) == (first.wip_before, first.wip_after)
        print(f"run to {END} on 1 worker: {one:.1f} s (same figures as before: {same})")
        print(f"scaling {args.workers} workers / 1 worker: {one / many:.2f}x")
        return 0 if failed == 0 and same else 1
    finally:
        if not args.keep:
            drop_database(DB_NAME)


if __name__ == "__main__":
    sys.exit(main())
