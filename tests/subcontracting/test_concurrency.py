"""Races on PostgreSQL: threads with their own connections, released together by a barrier."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from mfgcost.core.errors import BusinessError
from mfgcost.inventory.models import ItemLedgerEntry
from mfgcost.inventory.services import purchase_receipt_post
from subcontracting import services
from subcontracting.models import IdempotencyKey, SubcontractingOrder, SubcontractingReceipt

from .conftest import purchasing_user

D = Decimal
DAY = dt.date(2026, 3, 4)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    """Run the calls at once, each in its own thread and connection; return results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the caller inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def open_line(gear):
    """A sent order for 100 gears with 90 received; powder for all of it at the vendor."""
    production = gear.released("PO-RACE", "100")
    order = services.subcontracting_order_send(
        order=SubcontractingOrder.objects.get(lines__production_order=production)
    )
    line = order.lines.get()
    powder = production.components.get(item=gear.powder)
    purchase_receipt_post(
        item=gear.powder,
        location=gear.company.main,
        quantity=D("20"),
        unit_cost=D("20.00"),
        posting_date=DAY,
        source_key="race:powder",
    )
    services.material_shipment_post(
        order=order,
        direction="shipment",
        warehouse=gear.company.main,
        lines=[services.MaterialLineDraft(order_line=line, component=powder, quantity=D("20"))],
        posting_date=DAY,
        source_key="race:ship",
    )
    services.subcontracting_receipt_post(
        order_line=line, posting_date=DAY, source_key="race:first", good_quantity=D("90")
    )
    return line


def test_two_receipts_of_the_last_open_quantity_one_wins(open_line):
    def receive(key):
        return lambda: services.subcontracting_receipt_post(
            order_line=open_line, posting_date=DAY, source_key=key, good_quantity=D("10")
        )

    results = _race(receive("race:a"), receive("race:b"))
    won = [r for r in results if isinstance(r, SubcontractingReceipt)]
    lost = [r for r in results if isinstance(r, BusinessError)]
    assert (len(won), len(lost)) == (1, 1), results
    assert lost[0].field == "good_quantity"
    open_line.refresh_from_db()
    assert open_line.received_quantity == D("100")
    assert SubcontractingReceipt.objects.count() == 2
    output = ItemLedgerEntry.objects.filter(entry_type="output").aggregate(q=Sum("quantity"))
    assert output["q"] == D("100")


def test_the_same_idempotency_key_at_once_writes_once(open_line):
    buyer = purchasing_user("racer")
    body = {"order_line": open_line.pk, "posting_date": DAY.isoformat(), "good_quantity": "4"}

    def post():
        client = APIClient()
        client.force_authenticate(buyer)
        response = client.post(
            "/api/subcontracting/receipts/", body, format="json", HTTP_IDEMPOTENCY_KEY="same"
        )
        return response.status_code, response.json()

    first, second = _race(post, post)
    assert first == second
    assert first[0] == 201
    assert SubcontractingReceipt.objects.count() == 2  # the 90 of the fixture and one of 4
    assert IdempotencyKey.objects.count() == 1
    open_line.refresh_from_db()
    assert open_line.received_quantity == D("94")
