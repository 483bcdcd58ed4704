"""Concurrent API clients on hot FIFO and average items with Adjust Cost running in between:
no unit or cent lost, no value on zero quantity, no 5xx (a short run of ``bench.concurrency``;
``python -m bench concurrency -- --seconds 60 --clients 16`` is the long one)."""

from decimal import Decimal

import pytest

from bench.concurrency import concurrency_run, report

D = Decimal


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_clients_lose_nothing(company, tasks_in_process):
    figures = concurrency_run(clients=8, seconds=5, adjust_every=1.5, seed=7, company=company)
    text = report(figures)
    print(text)
    assert figures["requests"] > 8, text
    assert not figures["server_errors"], text
    assert figures["units_lost"] == D("0"), text
    assert figures["cents_lost"] == D("0"), text
    assert figures["zero_quantity_with_value"] == [], text
    assert figures["final_adjust_errors"] == [], text
