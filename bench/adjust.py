"""Adjust Cost on ledgers of 10k, 100k and 1M value entries: a back-dated price change, then a
run with nothing to do.

The ledger is six BOM levels deep. A *chain* is one product structure posted through the real
services: a FIFO raw material and a standard-cost part bought, five produced items above them
(FIFO, average, FIFO, average and a standard-cost top item with a costing sheet), one
production order per level (consumption, time on two operations, output, finish), a sale of
part of each level's output, and Adjust Cost. One chain, invoiced and adjusted, is the template
of the filler: its rows (items, BOMs, routings, standard costs, orders, item and capacity
ledger entries, applications, value entries, variance sources, postings, journal entries and
lines) are copied in the database (``INSERT ... SELECT``) under new ids, item and order
numbers, source keys and gapless journal numbers, as many times as the size needs. Each copy
is a ledger the services could have written, already adjusted; the high-water mark of Adjust
Cost is moved past the copies as its last run would have left it. Nothing in the schema is
dropped or disabled: constraints, foreign keys and the append-only and balance triggers apply
to the copies as to any posting. At the smallest size the copies are checked: Adjust Cost is
left to find them itself, works every copied item and order, and must post nothing.

At each size, on *probe* chains posted through the services before the filler (identical to
the template but with the raw material's receipt not yet invoiced):

1. the receipt is invoiced at a new price, dated back to the receipt day, earlier than
   everything the chain posted since, and ``adjust_cost_run`` forwards it up the six levels:
   time, SQL statements, value entries posted -- the same work at every size;
2. a second ``adjust_cost_run`` with nothing to do: time and SQL statements.

Peak memory (tracemalloc) is measured on a second probe chain doing the same work, as tracing
slows Python down and the timed run is not traced. The statements that took the most time in
the change run are printed for the largest size next to their time at the smallest, to show
whether one of them reads the whole ledger. Adjust Cost runs only when the benchmark calls it:
the task a finish queues goes to an in-memory broker that no worker reads.

``python -m bench.adjust [--sizes 10000,100000,1000000] [--batch 100000] [--keep]``
(needs PostgreSQL; the 1M ledger takes a few minutes to generate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tracemalloc
from dataclasses import dataclass, field
from decimal import Decimal

from bench.common import (
    QueryLog,
    drop_database,
    setup_django_on,
    stopwatch,
    tasks_queued_not_run,
)

DB = "mfgcost_bench_adjust"
D = Decimal
APPS = ("ledger", "items", "inventory", "production", "costing", "subcontracting")
# Bookkeeping rows, not ledger history: the copies neither need nor may share them.
BOOKKEEPING = {
    "costing_costadjustmentstate",
    "costing_costadjustmentmark",
    "costing_costadjustmentrun",
    "ledger_journalsequence",
}
# Text columns that hold a copied document's number (an order, a document) by value.
REFERENCE_COLUMNS = {"order_no", "document_no"}


def march(day: int) -> dt.date:
    return dt.date(2026, 3, day)


# --------------------------------------------------------------------------- copying rows


def copyable_models() -> list:
    """Concrete models of the ledger apps with an integer id, bookkeeping left out."""
    from django.apps import apps

    result = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            meta = model._meta
            if meta.proxy or not meta.managed or meta.db_table in BOOKKEEPING:
                continue
            if meta.pk.get_internal_type() not in ("AutoField", "BigAutoField"):
                continue
            result.append(model)
    return result


def max_ids(models=None) -> dict[str, int]:
    """The highest id of each table (0 when empty), in one statement."""
    from django.db import connection

    models = models or copyable_models()
    tables = [(m._meta.db_table, m._meta.pk.column) for m in models]
    parts = [f"SELECT '{t}', coalesce(max({pk}), 0) FROM {t}" for t, pk in tables]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return dict(cursor.fetchall())


def row_counts(tables) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables))
        return dict(cursor.fetchall())


class LedgerCopier:
    """Copies of every row written between two snapshots of the tables' highest ids.

    A copy gets new ids (a block above the table's highest id per copy), and every reference to
    a copied row points at the same copy's row; references to rows outside the window (accounts,
    locations, cost groups, work centres, periods) stay. Unique text (item and order numbers,
    source keys) and the text references to them (``order_no``, ``document_no``) get ``~<copy>``
    appended; journal entries are renumbered after the last number of their journal and year,
    gapless, and the sequences are moved on. The window must hold whole documents: no row in it
    may be referenced from outside it.
    """

    def __init__(self, before: dict[str, int], after: dict[str, int]) -> None:
        from django.db import connection

        self.models = [
            m for m in copyable_models() if after[m._meta.db_table] > before[m._meta.db_table]
        ]
        self.window = {
            m._meta.db_table: (before[m._meta.db_table], after[m._meta.db_table])
            for m in self.models
        }
        self.copies = 0
        lo, hi = self.window.get("ledger_journalentry", (0, 0))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT journal_id, fiscal_year_id, min(number) - 1, max(number), count(*) "
                "FROM ledger_journalentry WHERE id > %s AND id <= %s "
                "GROUP BY journal_id, fiscal_year_id ORDER BY 1, 2",
                [lo, hi],
            )
            rows = cursor.fetchall()
        for journal, _, low, high, count in rows:
            if high - low != count:
                raise ValueError(f"journal {journal}: the window's numbers are not gapless")
        self.series = [row[:4] for row in rows]
        self.rows = self._rows_per_copy()
        for model in self.models:
            self._check_unique(model)

    def _rows_per_copy(self) -> dict[str, int]:
        from django.db import connection

        parts = [
            f"SELECT '{t}', count(*) FROM {t} WHERE id > {lo} AND id <= {hi}"
            for t, (lo, hi) in self.window.items()
        ]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts))
            return dict(cursor.fetchall())

    def _is_copied(self, model) -> bool:
        return model is not None and model._meta.db_table in self.window

    def _check_unique(self, model) -> None:
        """Every unique constraint of a copied table must involve a column the copy changes."""
        meta = model._meta
        changed = {
            f.name
            for f in meta.concrete_fields
            if f.primary_key
            or (f.is_relation and self._is_copied(f.related_model))
            or (f.unique and f.get_internal_type() == "CharField")
        }
        if meta.db_table == "ledger_journalentry":
            changed.add("number")
        for constraint in meta.constraints:
            names = getattr(constraint, "fields", ())
            if type(constraint).__name__ == "UniqueConstraint" and not set(names) & changed:
                raise ValueError(f"{meta.db_table}: cannot copy rows under {constraint.name}")
        for names in meta.unique_together:
            if not set(names) & changed:
                raise ValueError(f"{meta.db_table}: cannot copy rows under {names}")

    def select(self, model, *, first: int, last: int, ids: dict, numbers: dict) -> tuple:
        """(columns, SELECT) of copies ``first``..``last`` of ``model``'s window rows.

        ``ids``: each table's highest id before these copies; ``numbers``: each journal
        series' last number before them.
        """
        meta = model._meta
        table = meta.db_table
        lo, hi = self.window[table]
        index = f"(g.c - {first})"
        suffix = "'~' || g.c"

        def new_id(column: str, target: str) -> str:
            t_lo, t_hi = self.window[target]
            shift = ids[target] - t_lo
            return f"{column} + {shift} + {index} * {t_hi - t_lo}"

        columns, expressions = [], []
        for f in meta.concrete_fields:
            column = f'src."{f.column}"'
            if f.primary_key:
                expression = new_id(column, table)
            elif f.is_relation and self._is_copied(f.related_model):
                target = f.related_model._meta.db_table
                t_lo, t_hi = self.window[target]
                expression = (
                    f"CASE WHEN {column} > {t_lo} AND {column} <= {t_hi} "
                    f"THEN {new_id(column, target)} ELSE {column} END"
                )
            elif f.unique and f.get_internal_type() == "CharField":
                expression = f"{column} || {suffix}"
            elif f.column in REFERENCE_COLUMNS:
                expression = f"CASE WHEN {column} = '' THEN {column} ELSE {column} || {suffix} END"
            elif table == "ledger_journalentry" and f.column == "number":
                branches = " ".join(
                    f"WHEN src.journal_id = {journal} AND src.fiscal_year_id = {year} "
                    f"THEN {column} + {numbers[(journal, year)] - low} + {index} * {high - low}"
                    for journal, year, low, high in self.series
                )
                expression = f"CASE {branches} END"
            else:
                expression = column
            columns.append(f'"{f.column}"')
            expressions.append(expression)
        pk = meta.pk.column
        sql = (
            f"SELECT {', '.join(expressions)} FROM {table} AS src "
            f"CROSS JOIN generate_series({first}, {last}) AS g(c) "
            f"WHERE src.{pk} > {lo} AND src.{pk} <= {hi} ORDER BY g.c, src.{pk}"
        )
        return ", ".join(columns), sql

    def _bases(self) -> tuple[dict, dict]:
        from django.db import connection

        ids = max_ids(self.models)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT journal_id, fiscal_year_id, last_number FROM ledger_journalsequence"
            )
            sequences = {(j, y): n for j, y, n in cursor.fetchall()}
        numbers = {(j, y): sequences.get((j, y), 0) for j, y, _, _ in self.series}
        return ids, numbers

    def _move_sequences(self, copies: int) -> None:
        """Id sequences past the copies; journal numbers after the copies' last."""
        from django.db import connection

        with connection.cursor() as cursor:
            for table in self.window:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            for journal, year, low, high in self.series:
                cursor.execute(
                    "UPDATE ledger_journalsequence SET last_number = last_number + %s "
                    "WHERE journal_id = %s AND fiscal_year_id = %s",
                    [copies * (high - low), journal, year],
                )

    def insert(self, copies: int) -> None:
        """Write ``copies`` more copies, in the database, in one transaction."""
        from django.db import connection, transaction

        first, last = self.copies + 1, self.copies + copies
        ids, numbers = self._bases()
        with transaction.atomic(), connection.cursor() as cursor:
            for model in self.models:
                columns, select = self.select(
                    model, first=first, last=last, ids=ids, numbers=numbers
                )
                cursor.execute(f"INSERT INTO {model._meta.db_table} ({columns}) {select}")
            self._move_sequences(copies)
        self.copies = last

    def export(self) -> list[tuple[str, str, bytes]]:
        """One more copy as (table, columns, COPY text data), for ``write_with_copy``."""
        from django.db import connection

        first = last = self.copies + 1
        ids, numbers = self._bases()
        exported = []
        with connection.cursor() as cursor:
            for model in self.models:
                columns, select = self.select(
                    model, first=first, last=last, ids=ids, numbers=numbers
                )
                with cursor.cursor.copy(f"COPY ({select}) TO STDOUT") as copy:
                    data = b"".join(bytes(block) for block in copy)
                exported.append((model._meta.db_table, columns, data))
        return exported

    def write_with_copy(self, exported: list[tuple[str, str, bytes]]) -> None:
        """Write an exported copy with COPY FROM, in one transaction (sequences moved after)."""
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            for table, columns, data in exported:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(data)
        with transaction.atomic():
            self._move_sequences(1)
        self.copies += 1


# --------------------------------------------------------------------------- chains


@dataclass
class Chain:
    """One product structure six levels deep and its orders."""

    prefix: str
    raw: object
    part: object
    produced: dict[int, object]  # level -> item, 0 is the top
    raw_receipt: object = None
    orders: dict[int, object] = field(default_factory=dict)
    keys: int = 0

    def key(self, kind: str) -> str:
        self.keys += 1
        return f"bench:{self.prefix}:{kind}:{self.keys}"


ORDER_QUANTITY = {4: 20, 3: 16, 2: 12, 1: 10, 0: 8}
SOLD = {4: 3, 3: 2, 2: 1, 1: 1, 0: 5}
METHODS = {4: "fifo", 3: "average", 2: "fifo", 1: "average", 0: "standard"}
RAW_PRICE = D("10.00")


def shared_setup(company) -> dict:
    """Work centres, the top level's costing sheet and the costing version, shared by chains."""
    from mfgcost.items.models import CostingSheet, CostingSheetRule, CostingVersion, WorkCenter

    groups = company.cost_groups
    mill = WorkCenter.objects.create(
        code="MILL",
        name="Milling",
        direct_cost_per_hour=D("48"),
        direct_cost_group=groups["LAB"],
        overhead_per_hour=D("6"),
        overhead_percent=D("15"),
        overhead_cost_group=groups["COH"],
    )
    assembly = WorkCenter.objects.create(
        code="ASSY",
        name="Assembly",
        direct_cost_per_hour=D("36"),
        direct_cost_group=groups["LAB"],
        overhead_per_hour=D("4"),
        overhead_cost_group=groups["COH"],
    )
    sheet = CostingSheet.objects.create(code="TOP", name="Top-level overhead")
    rule = CostingSheetRule.objects.create(
        sheet=sheet,
        basis=CostingSheetRule.Basis.SURCHARGE_PERCENT,
        percent=D("6"),
        cost_group=groups["MOH"],
    )
    rule.base_cost_groups.set([groups["MAT"]])
    version = CostingVersion.objects.create(
        code="STD26", name="Standard 2026", version_type="standard"
    )
    return {"mill": mill, "assembly": assembly, "sheet": sheet, "version": version}


def chain_build(prefix: str, company, shared: dict) -> Chain:
    """Items, BOMs and routings of one chain, standard costs rolled up and active."""
    from mfgcost.items.models import Item
    from mfgcost.items.services import (
        bom_version_save,
        routing_version_save,
        standard_cost_activate,
        standard_cost_rollup,
    )

    units, groups = company.units, company.cost_groups

    def item(number: str, **fields) -> Item:
        fields.setdefault("base_unit", units["pcs"])
        fields.setdefault("cost_group", groups["MAT"])
        return Item.objects.create(number=number, description=f"Bench {number}", **fields)

    raw = item(
        f"{prefix}-R",
        base_unit=units["kg"],
        posting_group=company.groups["RAW"],
        costing_method="fifo",
        standard_cost=RAW_PRICE,
        unit_cost=RAW_PRICE,
    )
    part = item(
        f"{prefix}-S",
        posting_group=company.groups["RAW"],
        costing_method="standard",
        standard_cost=D("2.00"),
        unit_cost=D("2.00"),
    )
    produced: dict[int, Item] = {}
    for level in (4, 3, 2, 1, 0):
        produced[level] = item(
            f"{prefix}-{level}",
            posting_group=company.groups["FINISHED"],
            costing_method=METHODS[level],
            replenishment="production",
            lot_size=D("10"),
            costing_sheet=shared["sheet"] if level == 0 else None,
        )
    for level, product in produced.items():
        below = raw if level == 4 else produced[level + 1]
        bom_version_save(
            item=product,
            version="1",
            valid_from=march(1),
            lines=[
                {
                    "component": below,
                    "quantity_per": D(2 if level == 4 else 1),
                    "unit": below.base_unit,
                },
                {"component": part, "quantity_per": D("1"), "unit": part.base_unit},
            ],
        )
        routing_version_save(
            item=product,
            version="1",
            valid_from=march(1),
            operations=[
                {
                    "operation_no": 10,
                    "work_center": shared["mill"],
                    "setup_time": D("0.5"),
                    "run_time": D("0.1"),
                },
                {"operation_no": 20, "work_center": shared["assembly"], "run_time": D("0.05")},
            ],
        )
    rollup = standard_cost_rollup(version=shared["version"], items=[produced[0]], as_of=march(1))
    standard_cost_activate(standard_costs=rollup.records, posting_date=march(1))
    for level in produced:
        produced[level].refresh_from_db()
    return Chain(prefix=prefix, raw=raw, part=part, produced=produced)


def chain_post(chain: Chain, company) -> None:
    """Receipts, the orders level by level from the bottom, and sales; nothing invoiced."""
    from mfgcost.inventory import services as inventory
    from mfgcost.production import services as production

    main = company.main
    chain.raw_receipt = inventory.purchase_receipt_post(
        item=chain.raw,
        location=main,
        quantity=D("100"),
        unit_cost=RAW_PRICE,
        posting_date=march(2),
        source_key=chain.key("receipt"),
    ).item_entries[0]
    inventory.purchase_receipt_post(
        item=chain.part,
        location=main,
        quantity=D("100"),
        unit_cost=D("2.10"),
        posting_date=march(2),
        source_key=chain.key("receipt"),
    )
    for level in (4, 3, 2, 1, 0):
        day = march(3 + 4 - level)
        quantity = D(ORDER_QUANTITY[level])
        product = chain.produced[level]
        below = chain.raw if level == 4 else chain.produced[level + 1]
        order = production.production_order_create(
            number=f"{chain.prefix}-PO{level}",
            item=product,
            quantity=quantity,
            location=main,
            due_date=march(31),
        )
        order = production.production_order_release(
            order=order, posting_date=day, source_key=chain.key("release")
        )
        used = quantity * 2 + 1 if level == 4 else quantity  # a kilogram over at the bottom
        for component, consumed in ((below, used), (chain.part, quantity)):
            production.production_consumption_post(
                order=order,
                item=component,
                quantity=consumed,
                posting_date=day,
                source_key=chain.key("consume"),
            )
        production.production_time_post(
            order=order,
            operation_no=10,
            setup_time=D("0.5"),
            run_time=quantity * D("0.1") + D("0.2"),
            posting_date=day,
            source_key=chain.key("time"),
        )
        production.production_time_post(
            order=order,
            operation_no=20,
            run_time=quantity * D("0.05"),
            posting_date=day,
            source_key=chain.key("time"),
        )
        production.production_output_post(
            order=order, quantity=quantity, posting_date=day, source_key=chain.key("output")
        )
        chain.orders[level] = production.production_order_finish(
            order=order, posting_date=day, source_key=chain.key("finish")
        )
        inventory.sale_post(
            item=product,
            location=main,
            quantity=D(SOLD[level]),
            posting_date=march(4 + 4 - level),
            source_key=chain.key("sale"),
        )


def price_change(chain: Chain, price: Decimal) -> None:
    """The raw material's receipt invoiced at ``price``, dated back to the receipt day."""
    from mfgcost.inventory.services import purchase_invoice_post

    purchase_invoice_post(
        receipt_entry=chain.raw_receipt,
        quantity=chain.raw_receipt.quantity,
        unit_price=price,
        posting_date=chain.raw_receipt.posting_date,
        source_key=chain.key("invoice"),
    )


def adjust_all() -> object:
    from mfgcost.costing.services import adjust_cost_run

    result = adjust_cost_run(requested_by="bench")
    if result.errors or result.skipped:
        raise SystemExit(f"Adjust Cost: errors {result.errors}, skipped {result.skipped}")
    return result


# --------------------------------------------------------------------------- the ledger


def value_entries() -> int:
    return row_counts(["inventory_valueentry"])["inventory_valueentry"]


def mark_copies_adjusted() -> None:
    """Move Adjust Cost's high-water mark past the copies, as its last run would have."""
    from mfgcost.costing.models import CostAdjustmentState
    from mfgcost.inventory.models import ValueEntry

    last = ValueEntry.objects.order_by("-id").values_list("id", flat=True).first()
    CostAdjustmentState.objects.update_or_create(pk=1, defaults={"last_value_entry_id": last})


def analyze(tables) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def grow(copier: LedgerCopier, size: int, batch: int) -> tuple[int, float]:
    """Copies of the template until the ledger holds ``size`` value entries; (copies, s)."""
    per_copy = copier.rows["inventory_valueentry"]
    needed = max(0, -(-(size - value_entries()) // per_copy))
    per_batch = max(1, batch // per_copy)
    with stopwatch() as elapsed:
        left = needed
        while left:
            copies = min(left, per_batch)
            copier.insert(copies)
            left -= copies
        analyze(copier.window)
    return needed, elapsed()


def check_copies(copies: int) -> str:
    """Let Adjust Cost find the copies by itself: it must work them and post nothing."""
    with stopwatch() as elapsed:
        result = adjust_all()
    if not result.posted_nothing:
        raise SystemExit(f"copies not consistent: {len(result.value_entries)} entries posted")
    return (
        f"check: Adjust Cost found the {copies} copies itself, worked {len(result.items)} items "
        f"and {len(result.orders)} orders in {elapsed():.1f} s, posted 0 value entries"
    )


def books_check() -> str:
    """Trial balance, the WIP account, and gapless journal numbers matching their sequences."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(debit - credit), 0) FROM ledger_journalline")
        trial = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(sum(l.debit - l.credit), 0) FROM ledger_journalline l "
            "JOIN ledger_account a ON a.id = l.account_id WHERE a.number = '1330'"
        )
        wip = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT e.journal_id FROM ledger_journalentry e LEFT JOIN "
            "ledger_journalsequence s ON s.journal_id = e.journal_id "
            "AND s.fiscal_year_id = e.fiscal_year_id GROUP BY e.journal_id, e.fiscal_year_id, "
            "s.last_number HAVING count(*) <> max(e.number) OR max(e.number) <> s.last_number "
            "OR s.last_number IS NULL) gaps"
        )
        gaps = cursor.fetchone()[0]
    numbering = "gapless" if not gaps else f"NOT gapless in {gaps} journals"
    return f"books: trial balance {trial}, WIP account {wip}, journal numbers {numbering}"


def chain_wip(chain: Chain) -> Decimal:
    from mfgcost.costing.selectors import OrderLedger

    return sum((OrderLedger(o).wip() for o in chain.orders.values()), D("0"))


# --------------------------------------------------------------------------- measuring


def measure(timed: Chain, traced: Chain, price: Decimal) -> dict:
    """The price change and Adjust Cost, then an empty run: timed on ``timed``, traced for
    memory on ``traced`` (the same work)."""
    from django.db import connection

    price_change(timed, price)
    change_log, empty_log = QueryLog(), QueryLog()
    with connection.execute_wrapper(change_log), stopwatch() as change_time:
        change = adjust_all()
    with connection.execute_wrapper(empty_log), stopwatch() as empty_time:
        empty = adjust_all()
    if not empty.posted_nothing:
        raise SystemExit("the second Adjust Cost run posted something")

    price_change(traced, price)
    tracemalloc.start()
    traced_change = adjust_all()
    change_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    adjust_all()
    empty_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if len(traced_change.value_entries) != len(change.value_entries):
        raise SystemExit("the two probe chains did not do the same work")
    return {
        "change_s": change_time(),
        "change_queries": change_log.count,
        "posted": len(change.value_entries),
        "units": len(change.items) + len(change.orders),
        "empty_s": empty_time(),
        "empty_queries": empty_log.count,
        "change_mb": change_peak / 2**20,
        "empty_mb": empty_peak / 2**20,
        "wip": chain_wip(timed),
        "log": change_log,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="value entries in the ledger, comma separated (default 10000,100000,1000000)",
    )
    parser.add_argument(
        "--batch", type=int, default=100_000, help="value entries copied per transaction"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())

    tasks_queued_not_run()
    setup_django_on(DB)
    from mfgcost.company import company_setup

    company = company_setup()
    shared = shared_setup(company)
    with stopwatch() as building:
        before = max_ids()
        template = chain_build("T", company, shared)
        chain_post(template, company)
        price_change(template, D("10.40"))
        adjust_all()
        if not adjust_all().posted_nothing:
            raise SystemExit("the template chain is not settled by one Adjust Cost run")
        copier = LedgerCopier(before, max_ids())
        probes = []
        for n in range(2 * len(sizes)):
            probe = chain_build(f"P{n}", company, shared)
            chain_post(probe, company)
            probes.append(probe)
        adjust_all()
    per_copy = copier.rows
    print(
        f"template chain: {per_copy['inventory_valueentry']} value entries, "
        f"{sum(per_copy.values())} rows in {len(per_copy)} tables; {len(probes)} probe chains; "
        f"posted through the services in {building():.1f} s",
        flush=True,
    )

    results = {}
    for number, size in enumerate(sizes):
        copies, seconds = grow(copier, size, args.batch)
        total = value_entries()
        print(
            f"ledger of {total:,} value entries: {copies:,} copies "
            f"({copies * sum(per_copy.values()):,} rows) generated in {seconds:.1f} s",
            flush=True,
        )
        if number == 0 and copier.copies:
            print(check_copies(copier.copies), flush=True)
        mark_copies_adjusted()
        result = measure(probes[2 * number], probes[2 * number + 1], D("11.00") + number)
        result["entries"] = total
        results[size] = result
        print(
            f"  price change: Adjust Cost {result['change_s']:.2f} s, "
            f"{result['change_queries']} SQL, {result['posted']} value entries posted "
            f"({result['units']} items and orders), peak {result['change_mb']:.1f} MB; "
            f"nothing to do: {result['empty_s'] * 1000:.0f} ms, {result['empty_queries']} SQL, "
            f"peak {result['empty_mb']:.2f} MB; probe WIP {result['wip']}",
            flush=True,
        )
    print(books_check())
    print()
    print("value entries | change s | SQL | posted | peak MB | empty ms | SQL | peak MB")
    for result in results.values():
        print(
            f"{result['entries']:>13,} | {result['change_s']:>8.2f} | {result['change_queries']:>3}"
            f" | {result['posted']:>6} | {result['change_mb']:>7.1f} | "
            f"{result['empty_s'] * 1000:>8.0f} | {result['empty_queries']:>3} | "
            f"{result['empty_mb']:>7.2f}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS of the process: {rss:.0f} MB")
    small, large = results[sizes[0]], results[sizes[-1]]
    growth = large["change_s"] / small["change_s"]
    print(
        f"change run at {large['entries']:,} / at {small['entries']:,} entries: {growth:.2f}x "
        f"({'flat' if growth < 1.5 else 'NOT flat'})"
    )
    print(f"statements taking the most time at {large['entries']:,} (and at {small['entries']:,}):")
    for sql, count, seconds in large["log"].slowest(5):
        before_count, before_s = small["log"].by_statement.get(sql, [0, 0.0])
        print(
            f"  {seconds * 1000:7.1f} ms in {count:3} (was {before_s * 1000:6.1f} ms in "
            f"{before_count:3}): {sql[:160]}"
        )
    if not args.keep:
        drop_database(DB)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
