"""Vendor order list latency through the real WSGI stack, with many orders in PostgreSQL.

Builds a fresh database with ``--orders`` subcontracting orders (default 100,000; one line each,
on released production orders) spread over ``--vendors`` vendors, starts gunicorn on a free
local port, and sends ``--requests`` sequential ``GET /api/subcontracting/vendor/orders/``
requests (token auth, one page of ``--page`` orders with their lines) with ``http.client``.
Prints p50, p95 and max latency, and as a baseline the same page read straight from PostgreSQL
(three statements on an open connection) with the ratio of the two p95s. ``--quick`` is a small
run (5,000 orders, 50 requests).

``python -m bench.vendor_api [--quick] [--orders N] [--requests N] [--keep]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from bench.common import drop_database, setup_django_on, stopwatch

DB = "mfgcost_bench_vendor_api"
BATCH = 5000
# Vendor users are throttled per user; spread the requests so that none is throttled.
REQUESTS_PER_USER = 400


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def generate(orders: int, vendors: int) -> tuple[list, int]:
    """Bulk-create the master data and ``orders`` orders; return (vendors, rows written)."""
    from mfgcost.company import company_setup, vendor_location_create
    from mfgcost.items.models import Item, WorkCenter
    from mfgcost.production.models import ProductionOrder, ProductionOrderOperation
    from subcontracting.matching import max_receipt_quantity
    from subcontracting.models import SubcontractingOrder, SubcontractingOrderLine, Vendor

    company = company_setup()
    service = Item.objects.create(
        number="SVC-BENCH",
        description="Heat treatment",
        item_type=Item.ItemType.SERVICE,
        base_unit=company.units["pcs"],
        posting_group=company.groups["SERVICE"],
        cost_group=company.cost_groups["SUB"],
    )
    product = Item.objects.create(
        number="GEAR-BENCH",
        description="Gear",
        base_unit=company.units["pcs"],
        posting_group=company.groups["FINISHED"],
        costing_method="standard",
        replenishment="production",
    )
    vendor_rows = []
    centers = []
    for v in range(vendors):
        location = vendor_location_create(code=f"LV{v:03d}", name=f"At V{v:03d}", company=company)
        vendor = Vendor.objects.create(code=f"V{v:03d}", name=f"Vendor {v}", location=location)
        vendor_rows.append(vendor)
        centers.append(WorkCenter.objects.create(code=f"WV{v:03d}", name="Sub", vendor=vendor))
    # One released production order per 100 subcontracted operations.
    per_order = 100
    production_count = (orders + per_order - 1) // per_order
    day = dt.date(2026, 3, 2)
    productions = ProductionOrder.objects.bulk_create(
        (
            ProductionOrder(
                number=f"PB{p:07d}",
                item=product,
                quantity=Decimal("100"),
                location=company.main,
                status=ProductionOrder.Status.RELEASED,
                due_date=day + dt.timedelta(days=p % 60),
                released_on=day,
            )
            for p in range(production_count)
        ),
        batch_size=BATCH,
    )
    operations = []
    for i in range(orders):
        production = productions[i // per_order]
        operations.append(
            ProductionOrderOperation(
                order=production,
                operation_no=10 * (i % per_order + 1),
                work_center=centers[i % vendors],
                subcontracted=True,
                service_item=service,
                vendor=vendor_rows[i % vendors],
                service_unit_cost=Decimal("4"),
            )
        )
    operations = ProductionOrderOperation.objects.bulk_create(operations, batch_size=BATCH)
    statuses = [
        "sent",
        "acknowledged",
        "partly_received",
        "received",
        "invoiced",
        "closed",
        "draft",
    ]
    sub_orders = SubcontractingOrder.objects.bulk_create(
        (
            SubcontractingOrder(
                number=f"SC{i + 1:08d}",
                vendor=vendor_rows[i % vendors],
                status=statuses[i % len(statuses)],
                order_date=day,
                due_date=day + dt.timedelta(days=i % 60),
            )
            for i in range(orders)
        ),
        batch_size=BATCH,
    )
    quantity = Decimal("100")
    SubcontractingOrderLine.objects.bulk_create(
        (
            SubcontractingOrderLine(
                order=sub_orders[i],
                line_no=10,
                production_order=productions[i // per_order],
                operation=operations[i],
                service_item=service,
                quantity=quantity,
                unit_price=Decimal("4"),
                due_date=sub_orders[i].due_date,
                max_receipt_quantity=max_receipt_quantity(quantity, Decimal("0")),
            )
            for i in range(orders)
        ),
        batch_size=BATCH,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return vendor_rows, production_count + 3 * orders


def vendor_tokens(vendor, count: int) -> list[str]:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from subcontracting.models import VendorUser

    tokens = []
    for n in range(count):
        user = get_user_model().objects.create_user(f"{vendor.code.lower()}-bench-{n}")
        VendorUser.objects.create(user=user, vendor=vendor)
        tokens.append(Token.objects.create(user=user).key)
    return tokens


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "bench-only-secret",
        "DJANGO_DEBUG": "0",
        "DATABASE_CONN_MAX_AGE": "60",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mfgcost.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start within 30 s")


def request_once(port: int, path: str, token: str) -> tuple[float, int, bytes]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return time.perf_counter() - start, response.status, body


def sql_page_once(cursor, vendor_id: int, statuses: list[str], page: int) -> float:
    """The baseline: the same page read straight from PostgreSQL (count, orders, their lines)."""
    start = time.perf_counter()
    cursor.execute(
        "SELECT count(*) FROM subcontracting_subcontractingorder"
        " WHERE vendor_id = %s AND status = ANY(%s)",
        (vendor_id, statuses),
    )
    cursor.fetchone()
    cursor.execute(
        "SELECT * FROM subcontracting_subcontractingorder"
        " WHERE vendor_id = %s AND status = ANY(%s) ORDER BY id DESC LIMIT %s",
        (vendor_id, statuses, page),
    )
    ids = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT * FROM subcontracting_subcontractingorderline WHERE order_id = ANY(%s)"
        " ORDER BY order_id, line_no",
        (ids,),
    )
    cursor.fetchall()
    return time.perf_counter() - start


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 orders and 50 requests")
    parser.add_argument("--orders", type=int, default=None, help="orders (default 100,000)")
    parser.add_argument("--vendors", type=int, default=10, help="vendors sharing the orders")
    parser.add_argument("--requests", type=int, default=None, help="timed requests (default 500)")
    parser.add_argument("--page", type=int, default=50, help="orders per page (default 50)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args(argv)
    orders = args.orders or (5_000 if args.quick else 100_000)
    requests = args.requests or (50 if args.quick else 500)

    setup_django_on(DB)
    try:
        with stopwatch() as elapsed:
            vendors, rows = generate(orders, args.vendors)
        print(f"generated {orders:,} orders ({rows:,} rows) in {elapsed():.1f} s")
        vendor = vendors[0]
        from subcontracting.selectors import orders_for_vendor

        visible = orders_for_vendor(vendor).count()
        tokens = vendor_tokens(vendor, -(-(requests + 10) // REQUESTS_PER_USER))
        from django.db import connections

        connections.close_all()
        port = _free_port()
        server = start_server(port, args.workers)
        try:
            path = f"/api/subcontracting/vendor/orders/?limit={args.page}"
            for n in range(10):  # warm-up: imports, connections, caches
                request_once(port, path, tokens[n % len(tokens)])
            timings = []
            for n in range(requests):
                seconds, status, body = request_once(port, path, tokens[n % len(tokens)])
                if status != 200:
                    raise SystemExit(f"request {n}: HTTP {status}: {body[:200]!r}")
                timings.append(seconds)
            page = json.loads(body)
        finally:
            server.terminate()
            server.wait(timeout=10)
        timings.sort()
        ms = [t * 1000 for t in timings]
        print(
            f"vendor {vendor.code}: {visible:,} visible orders of {orders:,}; "
            f"page of {len(page['results'])} (count {page['count']:,})"
        )
        print(
            f"GET {path} x {requests} (gunicorn, {args.workers} workers): "
            f"p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
            f"max {ms[-1]:.1f} ms, mean {statistics.fmean(ms):.1f} ms"
        )
        import psycopg

        from subcontracting.selectors import VENDOR_VISIBLE_STATUSES

        with psycopg.connect(os.environ["DATABASE_URL"]) as raw, raw.cursor() as cursor:
            for _ in range(10):
                sql_page_once(cursor, vendor.pk, VENDOR_VISIBLE_STATUSES, args.page)
            sql_ms = sorted(
                sql_page_once(cursor, vendor.pk, VENDOR_VISIBLE_STATUSES, args.page) * 1000
                for _ in range(requests)
            )
        print(
            f"baseline, the same page in 3 SQL statements on one open connection x {requests}: "
            f"p50 {percentile(sql_ms, 50):.1f} ms, p95 {percentile(sql_ms, 95):.1f} ms"
        )
        print(
            f"ratio API/SQL at p95: {percentile(ms, 95) / percentile(sql_ms, 95):.1f}x "
            "(what HTTP, authentication, throttling, DRF and serialisation add)"
        )
    finally:
        if not args.keep:
            drop_database(DB)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
