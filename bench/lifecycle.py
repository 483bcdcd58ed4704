"""Production orders from release to Adjust Cost through the services vs the same rows by COPY.

Ours: N production orders of one standard-cost item (a BOM of five bought components -- two
FIFO, one average, two at standard -- and a routing of two operations, its standard cost rolled
up and active, a costing sheet for manufacturing overhead), each through the real services:
create and release, consumption of the five components (one of them a little over the BOM),
setup and run time on both operations, output, finish, then ``adjust_cost_run`` for the order
(settlement at standard with variances by cost group and cause), every step with its journal
entry in the general ledger, checked, locked and idempotent. The components' stock is received
before the clock starts.

The finish queues Adjust Cost after commit; here the broker is Celery's in-memory one with no
worker, so the task is queued and never run, and the benchmark runs Adjust Cost for the order
itself, as a worker would.

Baseline: the very rows the services wrote (the same tables and row counts: ledger entries,
applications, value entries, variance sources, postings, journal entries and lines, and the
order documents), copied under new ids and keys and written with PostgreSQL COPY in one
transaction, with no checks (the tables' indexes, constraints and triggers apply to both).

Prints orders/s, the rows written per order by table, rows/s for each and the ratio, and the
SQL statements per order by step. ``python -m bench.lifecycle [--orders 200] [--keep]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from bench.common import (
    QueryLog,
    drop_database,
    setup_django_on,
    stopwatch,
    tasks_queued_not_run,
)

DB = "mfgcost_bench_lifecycle"
D = Decimal
ORDER_QUANTITY = D("10")
STEPS = ("release", "consume", "time", "output", "finish", "adjust")
LEDGER_TABLES = (
    "inventory_inventoryposting",
    "inventory_itemledgerentry",
    "inventory_itemapplication",
    "inventory_capacityledgerentry",
    "inventory_valueentry",
    "costing_variancesource",
    "ledger_journalentry",
    "ledger_journalline",
)
# number, costing method, unit, standard cost, quantity per, receipts (quantity share, price)
COMPONENTS = [
    ("C1", "fifo", "kg", "4.00", "2", (("0.5", "4.10"), ("0.5", "4.20"))),
    ("C2", "fifo", "pcs", "2.50", "0.5", (("1", "2.40"),)),
    ("C3", "average", "pcs", "1.20", "3", (("0.5", "1.25"), ("0.5", "1.15"))),
    ("C4", "standard", "pcs", "0.80", "1", (("1", "0.85"),)),
    ("C5", "standard", "pcs", "6.00", "4", (("1", "6.00"),)),
]
# operation, work centre, setup per lot, run per unit; posted: setup, run over the standard
OPERATIONS = [(10, "mill", "0.5", "0.2", "0.5", "0.2"), (20, "assembly", "0", "0.1", "0", "0")]


def march(day: int) -> dt.date:
    return dt.date(2026, 3, day)


def master_data(company, n: int):
    """The product, its components with stock for ``n`` orders, the standard cost active."""
    from bench.adjust import shared_setup
    from mfgcost.costing.services import adjust_cost_run
    from mfgcost.inventory.services import purchase_receipt_post
    from mfgcost.items.models import Item
    from mfgcost.items.services import (
        bom_version_save,
        routing_version_save,
        standard_cost_activate,
        standard_cost_rollup,
    )

    shared = shared_setup(company)
    units, groups = company.units, company.cost_groups
    components = []
    for number, method, unit, standard, _, _ in COMPONENTS:
        components.append(
            Item.objects.create(
                number=number,
                description=f"Component {number}",
                base_unit=units[unit],
                posting_group=company.groups["RAW"],
                cost_group=groups["MAT"],
                costing_method=method,
                standard_cost=D(standard),
                unit_cost=D(standard),
            )
        )
    product = Item.objects.create(
        number="PRODUCT",
        description="Assembled product",
        base_unit=units["pcs"],
        posting_group=company.groups["FINISHED"],
        cost_group=groups["MAT"],
        costing_method="standard",
        replenishment="production",
        lot_size=D("10"),
        costing_sheet=shared["sheet"],
    )
    bom_version_save(
        item=product,
        version="1",
        valid_from=march(1),
        lines=[
            {"component": c, "quantity_per": D(spec[4]), "unit": c.base_unit}
            for c, spec in zip(components, COMPONENTS, strict=True)
        ],
    )
    routing_version_save(
        item=product,
        version="1",
        valid_from=march(1),
        operations=[
            {
                "operation_no": number,
                "work_center": shared[center],
                "setup_time": D(setup),
                "run_time": D(run),
            }
            for number, center, setup, run, _, _ in OPERATIONS
        ],
    )
    rollup = standard_cost_rollup(version=shared["version"], items=[product], as_of=march(1))
    standard_cost_activate(standard_costs=rollup.records, posting_date=march(1))
    product.refresh_from_db()
    for component, spec in zip(components, COMPONENTS, strict=True):
        needed = (D(spec[4]) * ORDER_QUANTITY + 1) * n
        for number, (share, price) in enumerate(spec[5]):
            purchase_receipt_post(
                item=component,
                location=company.main,
                quantity=needed * D(share),
                unit_cost=D(price),
                posting_date=march(1),
                source_key=f"bench:receipt:{component.number}:{number}",
            )
    adjust_cost_run(requested_by="bench")  # the receipts' marks, before the clock starts
    return product


def run_orders(n: int, product, company) -> dict:
    """``n`` orders through every step; seconds and SQL statements by step, and per order."""
    from django.db import connection

    from mfgcost.costing.services import adjust_cost_run
    from mfgcost.production import services as production

    seconds: dict[str, float] = defaultdict(float)
    logs = {step: QueryLog() for step in STEPS}
    per_order: list[float] = []
    fifth = max(1, n // 5)
    first_fifth, last_fifth = QueryLog(), QueryLog()  # to see what grows with the ledger
    due = march(31)

    @contextmanager
    def step(name: str):
        with connection.execute_wrapper(logs[name]), stopwatch() as elapsed:
            yield
        seconds[name] += elapsed()

    for i in range(n):
        day = march(2 + i % 25)
        key = f"bench:order:{i}"
        watched = first_fifth if i < fifth else last_fifth if i >= n - fifth else QueryLog()
        with connection.execute_wrapper(watched), stopwatch() as order_time:
            with step("release"):
                order = production.production_order_create(
                    number=f"PO-{i:05d}",
                    item=product,
                    quantity=ORDER_QUANTITY,
                    location=company.main,
                    due_date=due,
                )
                order = production.production_order_release(
                    order=order, posting_date=day, source_key=f"{key}:release"
                )
            lines = list(order.components.select_related("item").order_by("line_no"))
            with step("consume"):
                for line in lines:
                    extra = D("1") if line.line_no == 10 else D("0")
                    production.production_consumption_post(
                        order=order,
                        component=line,
                        quantity=line.expected_quantity + extra,
                        posting_date=day,
                        source_key=f"{key}:consume:{line.line_no}",
                    )
            with step("time"):
                for number, _, setup, run, setup_over, run_over in OPERATIONS:
                    production.production_time_post(
                        order=order,
                        operation_no=number,
                        setup_time=D(setup) + D(setup_over),
                        run_time=D(run) * ORDER_QUANTITY + D(run_over),
                        posting_date=day,
                        source_key=f"{key}:time:{number}",
                    )
            with step("output"):
                production.production_output_post(
                    order=order,
                    quantity=ORDER_QUANTITY,
                    posting_date=day,
                    source_key=f"{key}:output",
                )
            with step("finish"):
                order = production.production_order_finish(
                    order=order, posting_date=day, source_key=f"{key}:finish"
                )
            with step("adjust"):
                result = adjust_cost_run(orders=[order.pk], requested_by="bench")
        if result.orders != [order.pk] or result.errors:
            raise SystemExit(f"Adjust Cost did not settle {order}: {result.errors}")
        per_order.append(order_time())
    return {
        "seconds": dict(seconds),
        "logs": logs,
        "per_order": per_order,
        "first_fifth": first_fifth,
        "last_fifth": last_fifth,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="production orders (default 200)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args(argv)
    n = args.orders

    tasks_queued_not_run()  # the finish's Adjust Cost task is queued, never run
    setup_django_on(DB)
    from bench.adjust import LedgerCopier, books_check, max_ids
    from mfgcost.company import company_setup

    company = company_setup()
    with stopwatch() as preparing:
        product = master_data(company, n)
    print(
        f"product {product} at standard {product.standard_cost.normalize():f}, stock for {n} "
        f"orders received, in {preparing():.1f} s",
        flush=True,
    )

    before = max_ids()
    run = run_orders(n, product, company)
    copier = LedgerCopier(before, max_ids())
    seconds = sum(run["seconds"].values())
    rows = copier.rows
    total_rows = sum(rows.values())
    ledger_rows = sum(rows.get(t, 0) for t in LEDGER_TABLES)

    books = books_check()
    exported = copier.export()
    with stopwatch() as copying:
        copier.write_with_copy(exported)
    copy_seconds = copying()
    copied = sum(data.count(b"\n") for _, _, data in exported)
    if copied != total_rows:
        raise SystemExit(f"COPY wrote {copied} rows, the services {total_rows}")

    ours, baseline = total_rows / seconds, copied / copy_seconds
    fifth = max(1, n // 5)
    first, last = run["per_order"][:fifth], run["per_order"][-fifth:]
    print(
        f"services: {n} orders in {seconds:.2f} s = {n / seconds:.1f} orders/s "
        f"({seconds / n * 1000:.0f} ms per order; first {fifth}: {len(first) / sum(first):.1f} "
        f"orders/s, last {fifth}: {len(last) / sum(last):.1f} orders/s)"
    )
    print(f"rows written per order ({total_rows / n:.1f}, of which ledger {ledger_rows / n:.1f}):")
    for table in sorted(rows, key=lambda t: (t not in LEDGER_TABLES, t)):
        kind = "ledger" if table in LEDGER_TABLES else "document"
        print(f"  {table:<36} {rows[table] / n:6.2f}  ({kind})")
    print(
        f"services: {total_rows} rows in {seconds:.2f} s = {ours:,.0f} rows/s "
        f"(ledger rows only: {ledger_rows / seconds:,.0f} rows/s)"
    )
    print(f"COPY baseline: {copied} rows in {copy_seconds:.3f} s = {baseline:,.0f} rows/s")
    print(f"ratio services/COPY: {ours / baseline:.4f} (COPY is {baseline / ours:.0f}x faster)")
    print("per order by step: ms, SQL statements")
    total_queries = 0
    for step in STEPS:
        count = run["logs"][step].count
        total_queries += count
        print(f"  {step:<8} {run['seconds'][step] / n * 1000:7.1f} ms  {count / n:6.1f} SQL")
    print(f"  {'all':<8} {seconds / n * 1000:7.1f} ms  {total_queries / n:6.1f} SQL")
    merged = QueryLog()
    for log in run["logs"].values():
        merged.merge(log)
    print("statements taking the most time in all:")
    for sql, count, spent in merged.slowest(3):
        print(f"  {spent:6.2f} s in {count:6} ({spent / count * 1000:.2f} ms each): {sql[:150]}")
    grown = []
    for sql, (count, spent) in run["last_fifth"].by_statement.items():
        _, before_spent = run["first_fifth"].by_statement.get(sql, [0, 0.0])
        grown.append((spent - before_spent, before_spent, spent, count, sql))
    grown.sort(reverse=True)
    print(f"statements that took more time in the last {fifth} orders than in the first {fifth}:")
    for difference, before_spent, spent, count, sql in grown[:3]:
        print(
            f"  {before_spent * 1000:7.1f} -> {spent * 1000:7.1f} ms ({count} runs, "
            f"{difference / count * 1000:+.2f} ms each): {sql[:150]}"
        )
    print(books)
    if not args.keep:
        drop_database(DB)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
