"""Postings on one order from several connections at once (PostgreSQL row locks)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ledger.selectors import account_balance
from mfgcost.core.errors import BusinessError
from mfgcost.inventory.models import InventoryPosting
from mfgcost.inventory.services import on_hand
from mfgcost.production import selectors
from mfgcost.production.services import production_consumption_post, production_output_post

from .conftest import POST_DAY

D = Decimal
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(jobs):
    """Run callables in threads that start together; return what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def work(index, job):
        barrier.wait()
        try:
            results[index] = job()
        except BusinessError as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_consumption_and_output_lose_and_double_count_nothing(bracket):
    order = bracket.released()
    steel = order.components.get(line_no=10)

    def consume(key):
        return lambda: production_consumption_post(
            order=order, component=steel, quantity=D("2"), posting_date=POST_DAY, source_key=key
        )

    def report(key):
        return lambda: production_output_post(
            order=order, quantity=D("3"), posting_date=POST_DAY, source_key=key
        )

    jobs = [consume(f"c{i}") for i in range(8)] + [consume("same")] * 4
    jobs += [report(f"o{i}") for i in range(4)]
    results = run_at_once(jobs)

    consumed = [r for r in results[:12] if not isinstance(r, Exception)]
    assert len(consumed) == 12
    assert sum(r.created for r in consumed[8:]) == 1  # the repeated key posted once
    outputs = results[12:]
    refused = [r for r in outputs if isinstance(r, BusinessError)]
    assert len(refused) == 1 and refused[0].field == "quantity"  # 3 x 3 fit in 10, a 4th not
    assert InventoryPosting.objects.filter(kind="production_consumption").count() == 9
    assert selectors.consumed_quantity(order, bracket.steel) == D("18")
    assert on_hand(bracket.steel) == D("12")
    assert selectors.output_quantity(order) == D("9")
    # 18 kg x 5.20 = 93.60 material, 9.36 overhead, 9 x 29.30 = 263.70 out
    assert selectors.order_wip(order) == D("93.60") + D("9.36") - D("263.70")
    assert account_balance(bracket.company.accounts["1330"]) == selectors.order_wip(order)
