"""Adjust Cost against concurrent work (PostgreSQL: row and advisory locks, second connections).

* Postings on one order from several connections while Adjust Cost runs: nothing is lost or
  counted twice; whatever a run does not see is left marked for the next one.
* Two runs at once never work the same item: the second skips what the first holds.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from ledger.selectors import account_balance, trial_balance
from mfgcost.core.locks import advisory_xact_lock
from mfgcost.costing.forwarding import ITEM_LOCK
from mfgcost.costing.models import CostAdjustmentMark
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.selectors import reconciliation
from tests.scenarios.support import entry_value

D = Decimal
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_threads(jobs):
    """Run callables in threads that start together; return what each returned."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def work(index, job):
        barrier.wait()
        try:
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_postings_while_adjust_cost_runs_lose_nothing(bracket, post):
    steel_receipt = post.receipt(bracket.steel, "200", "5.20", day=1)
    post.receipt(bracket.paint, "100", "3.00", day=1)
    order = post.release(bracket.item, "40", "PO-C", day=2)
    post.consume(order, bracket.steel, "10")
    post.invoice(steel_receipt, "200", "5.50", day=3)  # consumption so far must follow
    runs = []

    def consume(n):
        def job():
            for _ in range(5):
                post.consume(order, bracket.steel, "1.5", day=4)
                post.consume(order, bracket.paint, "1", day=4)
            post.time(order, setup="0", run=str(n), day=4)

        return job

    def adjust():
        for _ in range(4):
            runs.append(adjust_cost_run())

    in_threads([consume(n) for n in range(1, 5)] + [adjust])
    post.output(order, "40", day=5)
    order = post.finish(order, day=5)
    adjust_cost_run()

    # 10 + 4 threads x 5 x 1.5 = 40 kg of steel, 20 l of paint, 1 + 2 + 3 + 4 = 10 h.
    consumption = ItemLedgerEntry.objects.filter(order_no="PO-C", entry_type="consumption")
    steel = [e for e in consumption if e.item_id == bracket.steel.pk]
    assert sum(-e.quantity for e in steel) == D("40")
    assert sum(-e.quantity for e in consumption if e.item_id == bracket.paint.pk) == D("20")
    # Every kilogram at the invoiced 5.50, each entry exactly once.
    assert all(entry_value(e) == e.quantity * D("5.50") for e in steel)
    sheet = {row.cost_group: row for row in order_cost_sheet(order).rows}
    assert sheet["MAT"].actual == D("280.00")  # 40 x 5.50 + 20 x 3.00
    assert sheet["MOH"].actual == D("28.00")
    assert sheet["LAB"].actual == D("200.00")
    assert order_cost_sheet(order).wip == D("0.00")
    assert account_balance(bracket.company.account("1330")) == D("0.00")
    assert sum((r.balance for r in trial_balance()), D("0")) == 0
    assert all(r["difference"] == 0 for r in reconciliation())
    assert not CostAdjustmentMark.objects.exists()
    assert adjust_cost_run().posted_nothing
    assert len(runs) == 4


def test_a_run_skips_an_item_another_run_holds(company, make_item, post):
    item = make_item(costing_method="fifo")
    receipt = post.receipt(item, "10", "10.00", day=2)
    sale = post.sale(item, "4", day=3)
    post.invoice(receipt, "10", "12.00", day=4)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            advisory_xact_lock(ITEM_LOCK, item.pk)
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=lambda: (hold(), connection.close()))
    holder.start()
    holding.wait(10)
    try:
        blocked = adjust_cost_run()
    finally:
        release.set()
        holder.join()

    assert blocked.skipped == [f"item {item.pk}"]
    assert entry_value(sale) == D("-40.00")
    assert CostAdjustmentMark.objects.filter(item=item).exists()
    assert adjust_cost_run().items == [item.pk]
    assert entry_value(sale) == D("-48.00")


def test_two_runs_at_once_share_the_items_out(company, make_item, post):
    items, sales = [], []
    for n in range(12):
        item = make_item(costing_method="fifo")
        receipt = post.receipt(item, "10", "10.00", day=2)
        sales.append(post.sale(item, "4", day=3))
        post.invoice(receipt, "10", str(10 + n), day=4)
        items.append(item)

    first, second = in_threads([adjust_cost_run, adjust_cost_run])

    assert not set(first.items) & set(second.items)
    assert sorted(first.items + second.items) == sorted(i.pk for i in items)
    for n, sale in enumerate(sales):
        assert entry_value(sale) == -4 * D(10 + n)
    assert ValueEntry.objects.filter(adjustment=True).count() == 11  # the first item is unchanged
    assert not CostAdjustmentMark.objects.exists()
