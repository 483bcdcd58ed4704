"""Receipts and issues through the posting services vs the same rows written with COPY.

Ours: N purchase receipts and N sales (FIFO), each through the inventory services: posting
record, item ledger entry, application, value entry, journal entry and lines, all checked (open
period, balance, stock, idempotency key) and row-locked.
Baseline: the same number of rows of the same tables written by PostgreSQL COPY, with no checks
(the triggers and indexes of the tables still apply to both).

Prints rows/s for each and the ratio. ``python -m bench.postings [--n N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
from decimal import Decimal

from bench.common import drop_database, setup_django_on, stopwatch

DB = "mfgcost_bench_postings"
TABLES = [
    "inventory_inventoryposting",
    "inventory_itemledgerentry",
    "inventory_itemapplication",
    "inventory_valueentry",
    "ledger_journalentry",
    "ledger_journalline",
    "ledger_journalsequence",
]


def count_rows() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def run_services(n: int, items: list, company) -> tuple[float, int]:
    from mfgcost.inventory.services import purchase_receipt_post, sale_post

    day = dt.date(2026, 3, 2)
    before = sum(count_rows().values())
    with stopwatch() as elapsed:
        for i in range(n):
            item = items[i % len(items)]
            purchase_receipt_post(
                item=item,
                location=company.main,
                quantity=Decimal("10"),
                unit_cost=Decimal("10.50"),
                posting_date=day,
                source_key=f"bench:r:{i}",
            )
            sale_post(
                item=item,
                location=company.main,
                quantity=Decimal("7"),
                posting_date=day,
                source_key=f"bench:s:{i}",
            )
    rows = sum(count_rows().values()) - before
    return elapsed(), rows


def run_copy(n: int, items: list, company) -> tuple[float, int]:
    """Write the rows the services wrote for ``n`` receipt+sale pairs, with COPY."""
    from django.db import connection, transaction

    from ledger.models import FiscalYear, Journal, Period

    day = "2026-03-02"
    period = Period.objects.get(start_date__lte=day, end_date__gte=day)
    fiscal_year = FiscalYear.objects.get(pk=period.fiscal_year_id)
    journal = Journal.objects.get(code="INV")
    accounts = {a: company.account(a).pk for a in ("1300", "2100", "5000")}
    group = items[0].posting_group_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM inventory_inventoryposting")
        posting_id = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM inventory_itemledgerentry")
        ile_id = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_journalentry")
        je_id = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(number), 0) FROM ledger_journalentry")
        number = cursor.fetchone()[0] + 1000000

    buffers = {t: io.StringIO() for t in TABLES}
    now = "2026-03-02 12:00:00+00"
    for i in range(n):
        item = items[i % len(items)].pk
        for kind, qty, amount, lines in (
            ("receipt", "10", "105.00", (("1300", "105.00", "0"), ("2100", "0", "105.00"))),
            ("sale", "-7", "-73.50", (("5000", "73.50", "0"), ("1300", "0", "73.50"))),
        ):
            posting_id += 1
            ile_id += 1
            je_id += 1
            number += 1
            buffers["ledger_journalentry"].write(
                f"{je_id}\t{journal.pk}\t{fiscal_year.pk}\t{number}\t{day}\t{period.pk}\t\t"
                f"copy:{kind}:{i}\t\\N\t{now}\t\\N\n"
            )
            for line_no, (account, debit, credit) in enumerate(lines, start=1):
                buffers["ledger_journalline"].write(
                    f"{je_id}\t{line_no}\t{accounts[account]}\t{debit}\t{credit}\t\\N\t\\N\t\n"
                )
            buffers["inventory_inventoryposting"].write(
                f"{posting_id}\tcopy:{kind}:{i}\t{kind}\t\t{day}\t{je_id}\t{now}\n"
            )
            remaining = "3" if kind == "receipt" else "0"
            entry_type = "purchase" if kind == "receipt" else "sale"
            buffers["inventory_itemledgerentry"].write(
                f"{ile_id}\t{item}\t{company.main.pk}\t{entry_type}"
                f"\t{day}\t\t\t{qty}\t{remaining}\t\t\t\\N\t\\N\t{posting_id}\t{now}\n"
            )
            expected, actual = (amount, "0") if kind == "receipt" else ("0", amount)
            buffers["inventory_valueentry"].write(
                f"{ile_id}\t\\N\t{item}\t{company.main.pk}\t{group}\t\\N\t\\N\t"
                f"{'purchase' if kind == 'receipt' else 'sale'}\tdirect_cost\t\\N\t\t\t{day}\t{day}"
                f"\t{qty}\t0\t{expected}\t{actual}\t10.5\tf\t\t\t\\N\t\t{posting_id}\t{je_id}\t{now}\n"
            )
            if kind == "sale":
                buffers["inventory_itemapplication"].write(
                    f"{ile_id - 1}\t{ile_id}\t7\t{day}\t{now}\n"
                )
    columns = {
        "ledger_journalentry": "id, journal_id, fiscal_year_id, number, posting_date, period_id, "
        "description, source_key, reversal_of_id, created_at, created_by_id",
        "ledger_journalline": "entry_id, line_no, account_id, debit, credit, cost_center_id, "
        "cost_object_id, description",
        "inventory_inventoryposting": "id, source_key, kind, document_no, posting_date, "
        "journal_entry_id, created_at",
        "inventory_itemledgerentry": "id, item_id, location_id, entry_type, posting_date, "
        "document_no, description, quantity, remaining_quantity, order_type, order_no, order_line, "
        "transfer_from_entry_id, posting_id, created_at",
        "inventory_valueentry": "item_ledger_entry_id, capacity_ledger_entry_id, item_id, "
        "location_id, posting_group_id, wip_posting_group_id, wip_location_id, "
        "item_ledger_entry_type, entry_type, cost_group_id, variance_type, variance_cause, "
        "posting_date, valuation_date, valued_quantity, invoiced_quantity, cost_amount_expected, "
        "cost_amount_actual, cost_per_unit, adjustment, order_type, order_no, applies_to_entry_id, "
        "description, posting_id, journal_entry_id, created_at",
        "inventory_itemapplication": "inbound_entry_id, outbound_entry_id, quantity, posting_date, "
        "created_at",
    }
    order = [
        "ledger_journalentry",
        "ledger_journalline",
        "inventory_inventoryposting",
        "inventory_itemledgerentry",
        "inventory_valueentry",
        "inventory_itemapplication",
    ]
    rows = sum(buffers[t].getvalue().count("\n") for t in order)
    raw = connection.connection  # psycopg connection
    with stopwatch() as elapsed:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for table in order:
                    data = buffers[table].getvalue()
                    with cursor.cursor.copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                        copy.write(data)
    del raw
    return elapsed(), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="receipt+sale pairs (default 2000)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args(argv)

    setup_django_on(DB)
    from mfgcost.company import company_setup
    from mfgcost.items.models import Item

    company = company_setup()
    items = [
        Item.objects.create(
            number=f"B{i:03d}",
            description="bench",
            base_unit=company.units["pcs"],
            posting_group=company.groups["RAW"],
            cost_group=company.cost_groups["MAT"],
        )
        for i in range(20)
    ]
    seconds, rows = run_services(args.n, items, company)
    copy_seconds, copy_rows = run_copy(args.n, items, company)
    ours = rows / seconds
    baseline = copy_rows / copy_seconds
    print(
        f"services: {2 * args.n} postings, {rows} rows in {seconds:.2f} s = {ours:,.0f} rows/s "
        f"({2 * args.n / seconds:,.0f} postings/s)"
    )
    print(f"COPY baseline: {copy_rows} rows in {copy_seconds:.2f} s = {baseline:,.0f} rows/s")
    print(f"ratio services/COPY: {ours / baseline:.3f} (COPY is {baseline / ours:.1f}x faster)")
    if not args.keep:
        drop_database(DB)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
