"""Invoices posted from several connections while Adjust Cost runs (PostgreSQL).

Eight receipts of 10 units at 10.00 and eight sales of 10, each sale taking one receipt
(FIFO). Four connections invoice two receipts each, at 11.00 to 18.00, while a fifth runs
Adjust Cost four times. Whatever each run saw, the next one finishes the work: every sale ends
at 10 x its receipt's invoiced price, once.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ledger.selectors import account_balance, trial_balance
from mfgcost.costing.models import CostAdjustmentMark
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ValueEntry
from mfgcost.inventory.selectors import reconciliation
from tests.scenarios.support import entry_value

D = Decimal
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def together(jobs):
    barrier = threading.Barrier(len(jobs))
    errors = []

    def work(job):
        barrier.wait()
        try:
            job()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []


def test_invoices_during_adjust_cost_runs_are_forwarded_once(company, make_item, post):
    item = make_item(costing_method="fifo")
    receipts = [post.receipt(item, "10", "10.00", day=2) for _ in range(8)]
    sales = [post.sale(item, "10", day=3) for _ in range(8)]
    prices = [D(11 + n) for n in range(8)]  # 11.00 ... 18.00
    runs = []

    def invoice(pair):
        def job():
            for n in pair:
                post.invoice(receipts[n], "10", str(prices[n]), day=4)

        return job

    def adjust():
        for _ in range(4):
            runs.append(adjust_cost_run())

    together([invoice((0, 1)), invoice((2, 3)), invoice((4, 5)), invoice((6, 7)), adjust])
    adjust_cost_run()

    assert [entry_value(sale) for sale in sales] == [-10 * price for price in prices]
    # Each sale got at most one adjustment per run that saw its receipt's invoice, and they
    # add up to 10 x (price - 10.00) exactly: nothing forwarded twice.
    for sale, price in zip(sales, prices, strict=True):
        adjustments = ValueEntry.objects.filter(item_ledger_entry=sale, adjustment=True)
        assert sum(v.cost_amount_actual for v in adjustments) == -10 * (price - 10)
    assert account_balance(company.account("5000")) == D("1160.00")  # 10 x (11 + ... + 18)
    assert account_balance(company.account("1300")) == D("0.00")
    assert sum((r.balance for r in trial_balance()), D("0")) == 0
    assert all(r["difference"] == 0 for r in reconciliation())
    assert not CostAdjustmentMark.objects.exists()
    assert len(runs) == 4
    assert adjust_cost_run().posted_nothing
