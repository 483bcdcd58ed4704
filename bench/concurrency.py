"""Concurrent clients on hot items through the REST API, with Adjust Cost every few seconds.

``clients`` threads, each with its own database connection, post receipts, sales, transfers,
invoices and negative adjustments of two hot items (one FIFO, one average cost) at two
warehouses through the inventory API (Django's test client in process), for ``seconds``; one
more thread asks ``POST /api/costing/adjust/`` every ``adjust_every`` seconds. Then a last
Adjust Cost runs, and the books are checked:

* units lost: per item and location, the ledger quantity against what the 201 answers said
  was posted (0 expected);
* cents lost: the trial balance, the reconciliation of every inventory and WIP account, and
  the inventory account balances against the valuation (0 expected);
* value on zero quantity: item and location rows with no quantity and some value (0);
* 5xx answers (0).

``python -m bench concurrency -- --seconds 60 --clients 16`` (or ``python -m bench.concurrency
...``) on a fresh PostgreSQL database; the test suite runs a short version
(``tests/inventory/test_concurrent_clients.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import threading
import time
from collections import Counter, defaultdict
from decimal import Decimal

DB = "mfgcost_bench_concurrency"
D = Decimal
DAY = dt.date(2026, 3, 2)
START_QUANTITY = D("20")  # small, so locations often run empty (and refill)


def hot_items(company):
    """The two hot items with stock at MAIN, and the second warehouse."""
    from mfgcost.inventory.models import Location
    from mfgcost.inventory.services import purchase_receipt_post
    from mfgcost.items.models import Item

    east, _ = Location.objects.get_or_create(code="EAST", defaults={"name": "East warehouse"})
    items = []
    for number, method in (("HOT-FIFO", "fifo"), ("HOT-AVG", "average")):
        item = Item.objects.create(
            number=number,
            description=f"Hot item ({method})",
            costing_method=method,
            base_unit=company.units["pcs"],
            posting_group=company.groups["RAW"],
            cost_group=company.cost_groups["MAT"],
        )
        purchase_receipt_post(
            item=item,
            location=company.main,
            quantity=START_QUANTITY,
            unit_cost=D("3.33"),
            posting_date=DAY,
            source_key=f"bench:start:{number}",
        )
        items.append(item)
    return items, [company.main, east]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.by_kind: Counter = Counter()
        self.posted: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.server_errors: list[str] = []
        self.adjust_runs = 0

    def record(self, kind: str, status: int, body: bytes, moves=()) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.by_kind[(kind, status)] += 1
            if status >= 500:
                self.server_errors.append(f"{kind} {status}: {body[:300]!r}")
            if status == 201:
                for key, quantity in moves:
                    self.posted[key] += quantity


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def _poster(n: int, user, items, locations, stop: threading.Event, tally: Tally, seed: int):
    from django.db import connection

    rng = random.Random(seed * 1000 + n)
    client = _client(user)
    receipts: list[int] = []
    counter = 0
    try:
        while not stop.is_set():
            counter += 1
            item = rng.choice(items)
            location = rng.choice(locations)
            quantity = D(rng.randint(1, 9))
            day = DAY + dt.timedelta(days=rng.randint(0, 20))
            common = {
                "posting_date": day.isoformat(),
                "source_key": f"bench:{seed}:{n}:{counter}",
            }
            roll = rng.random()
            if roll < 0.35:
                kind, path = "receipt", "/api/inventory/receipts/"
                data = {
                    "item": item.number,
                    "location": location.code,
                    "quantity": str(quantity),
                    "unit_cost": rng.choice(["2.99", "3.33", "3.37", "4.01"]),
                }
                moves = [((item.number, location.code), quantity)]
            elif roll < 0.70:
                kind, path = "sale", "/api/inventory/sales/"
                data = {"item": item.number, "location": location.code, "quantity": str(quantity)}
                moves = [((item.number, location.code), -quantity)]
            elif roll < 0.82:
                kind, path = "transfer", "/api/inventory/transfers/"
                other = next(loc for loc in locations if loc != location)
                data = {
                    "item": item.number,
                    "from_location": location.code,
                    "to_location": other.code,
                    "quantity": str(quantity),
                }
                moves = [
                    ((item.number, location.code), -quantity),
                    ((item.number, other.code), quantity),
                ]
            elif roll < 0.92 and receipts:
                kind, path = "invoice", "/api/inventory/invoices/"
                entry = receipts.pop(rng.randrange(len(receipts)))
                data = {
                    "receipt_entry": entry["id"],
                    "quantity": entry["quantity"],
                    "unit_price": rng.choice(["3.10", "3.41", "3.99"]),
                    "source_key": f"bench:{seed}:invoice:{entry['id']}",
                }
                moves = []
            else:
                kind, path = "adjustment", "/api/inventory/adjustments/"
                data = {
                    "item": item.number,
                    "location": location.code,
                    "direction": "negative",
                    "quantity": "1",
                }
                moves = [((item.number, location.code), D("-1"))]
            answer = client.post(path, {**common, **data}, format="json")
            tally.record(kind, answer.status_code, answer.content, moves)
            if kind == "receipt" and answer.status_code == 201:
                entry = answer.json()["item_entries"][0]
                receipts.append({"id": entry["id"], "quantity": entry["quantity"]})
    finally:
        connection.close()


def _adjuster(user, stop: threading.Event, tally: Tally, every: float):
    from django.db import connection

    client = _client(user)
    try:
        while not stop.wait(every):
            answer = client.post("/api/costing/adjust/", {}, format="json")
            tally.record("adjust_cost", answer.status_code, answer.content)
            tally.adjust_runs += 1
    finally:
        connection.close()


def books_check(items, locations, tally: Tally) -> dict:
    """The figures after the run: units and cents lost, value on zero quantity."""
    from django.db.models import Sum

    from ledger.selectors import trial_balance
    from mfgcost.inventory.models import ItemLedgerEntry
    from mfgcost.inventory.selectors import inventory_valuation, reconciliation

    units_lost = D("0")
    for item in items:
        for location in locations:
            expected = tally.posted[(item.number, location.code)]
            if location.code == "MAIN":
                expected += START_QUANTITY
            on_hand = ItemLedgerEntry.objects.filter(item=item, location=location).aggregate(
                q=Sum("quantity")
            )["q"] or D("0")
            units_lost += abs(on_hand - expected)
    balances = {row.number: row.balance for row in trial_balance()}
    trial = sum(balances.values(), D("0"))
    rows = reconciliation()
    differences = sum((abs(row["difference"]) for row in rows), D("0"))
    valuation = inventory_valuation(include_empty=True)
    stock_value = sum((row["value"] for row in valuation), D("0"))
    inventory_accounts = balances.get("1300", D("0"))
    zero_with_value = [
        (row["item"], row["location"], row["value"])
        for row in valuation
        if row["quantity"] == 0 and row["value"] != 0
    ]
    return {
        "units_lost": units_lost,
        "trial_balance": trial,
        "reconciliation_difference": differences,
        "cents_lost": abs(trial) + differences + abs(inventory_accounts - stock_value),
        "zero_quantity_with_value": zero_with_value,
        "stock": {
            (row["item"], row["location"]): (row["quantity"], row["value"]) for row in valuation
        },
    }


def concurrency_run(
    *, clients: int, seconds: float, adjust_every: float = 3.0, seed: int = 1, company=None
) -> dict:
    """Run the load on the current database (Django set up, company in place) and check."""
    from django.contrib.auth import get_user_model

    from mfgcost.company import company_setup
    from mfgcost.costing.services import adjust_cost_run

    company = company or company_setup()
    items, locations = hot_items(company)
    user = get_user_model().objects.create_superuser(f"bench{seed}", "bench@example.com", None)
    tally = Tally()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_poster, args=(n, user, items, locations, stop, tally, seed), daemon=True
        )
        for n in range(clients)
    ]
    threads.append(
        threading.Thread(target=_adjuster, args=(user, stop, tally, adjust_every), daemon=True)
    )
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    final = adjust_cost_run(requested_by="bench")
    figures = books_check(items, locations, tally)
    figures.update(
        {
            "seconds": elapsed,
            "clients": clients,
            "requests": sum(tally.statuses.values()),
            "statuses": dict(sorted(tally.statuses.items())),
            "by_kind": {f"{k} {s}": n for (k, s), n in sorted(tally.by_kind.items())},
            "server_errors": tally.server_errors,
            "adjust_runs": tally.adjust_runs + 1,
            "final_adjust_errors": final.errors,
        }
    )
    return figures


def report(figures: dict) -> str:
    five = sum(n for status, n in figures["statuses"].items() if status >= 500)
    lines = [
        f"{figures['clients']} clients, {figures['seconds']:.1f} s: {figures['requests']} "
        f"requests ({figures['requests'] / figures['seconds']:.1f}/s), statuses "
        f"{figures['statuses']}",
        f"by kind: {figures['by_kind']}",
        f"Adjust Cost runs: {figures['adjust_runs']} (last run errors: "
        f"{figures['final_adjust_errors']})",
        f"units lost: {figures['units_lost']}",
        f"cents lost: {figures['cents_lost']} (trial balance {figures['trial_balance']}, "
        f"reconciliation differences {figures['reconciliation_difference']})",
        f"value on zero quantity: {len(figures['zero_quantity_with_value'])} "
        f"{figures['zero_quantity_with_value']}",
        f"5xx: {five}",
        f"stock: {figures['stock']}",
    ]
    lines += [f"  {error}" for error in figures["server_errors"][:5]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--adjust-every", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args(argv)

    import logging

    from bench.common import drop_database, setup_django_on, tasks_queued_not_run

    tasks_queued_not_run()
    setup_django_on(DB)
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 400s are expected
    figures = concurrency_run(
        clients=args.clients, seconds=args.seconds, adjust_every=args.adjust_every, seed=args.seed
    )
    print(report(figures))
    failed = (
        figures["units_lost"]
        or figures["cents_lost"]
        or figures["zero_quantity_with_value"]
        or figures["server_errors"]
    )
    if not args.keep:
        drop_database(DB)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
