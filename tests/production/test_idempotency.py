"""A production posting's source key replays only the posting that used it."""

from decimal import Decimal

import pytest

from mfgcost.inventory.models import InventoryPosting
from mfgcost.production.models import ProductionOrder
from tests.production.support import ledger_rows

D = Decimal
pytestmark = pytest.mark.django_db
BASE = "/api/production/orders/"


def planned(api, number="PO-7"):
    body = {
        "number": number,
        "item": "BRACKET",
        "quantity": "10",
        "location": "MAIN",
        "due_date": "2026-03-31",
    }
    response = api.post(BASE, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def post(api, order_id, action, **body):
    return api.post(f"{BASE}{order_id}/{action}/", body, format="json")


def consume(api, order_id, key, quantity="21"):
    return post(
        api,
        order_id,
        "consumption",
        line_no=10,
        quantity=quantity,
        posting_date="2026-03-03",
        source_key=key,
    )


def test_a_release_with_the_key_of_another_orders_release_is_refused(api, bracket):
    first, second = planned(api, "PO-7"), planned(api, "PO-8")
    assert post(api, first, "release", posting_date="2026-03-02", source_key="k").status_code == 200
    before = ledger_rows(), InventoryPosting.objects.count()

    response = post(api, second, "release", posting_date="2026-03-02", source_key="k")

    assert response.status_code == 409, response.json()
    assert list(response.json()) == ["source_key"]
    assert ProductionOrder.objects.get(pk=second).status == "planned"
    assert (ledger_rows(), InventoryPosting.objects.count()) == before


def test_a_consumption_with_the_key_of_the_release_is_refused(api, bracket):
    order = planned(api)
    post(api, order, "release", posting_date="2026-03-02", source_key="rel")
    before = ledger_rows()

    response = consume(api, order, "rel")

    assert response.status_code == 409
    assert list(response.json()) == ["source_key"]
    assert "production_release" in response.json()["source_key"][0]
    assert ledger_rows() == before


def test_a_finish_or_output_with_the_key_of_a_consumption_is_refused(api, bracket):
    order = planned(api)
    post(api, order, "release", posting_date="2026-03-02", source_key="rel")
    assert consume(api, order, "c1").status_code == 201
    before = ledger_rows()

    finish = post(api, order, "finish", posting_date="2026-03-04", source_key="c1")
    output = post(api, order, "output", quantity="10", posting_date="2026-03-03", source_key="c1")

    assert (finish.status_code, output.status_code) == (409, 409)
    assert list(finish.json()) == list(output.json()) == ["source_key"]
    assert ProductionOrder.objects.get(pk=order).status == "released"
    assert ledger_rows() == before


def test_a_consumption_key_repeated_with_another_quantity_is_refused(api, bracket):
    order = planned(api)
    post(api, order, "release", posting_date="2026-03-02", source_key="rel")
    first = consume(api, order, "c1")
    before = ledger_rows()

    other = consume(api, order, "c1", quantity="5")
    same = consume(api, order, "c1")

    assert other.status_code == 409 and list(other.json()) == ["source_key"]
    assert same.status_code == 200
    assert same["Idempotent-Replayed"] == "true"
    assert same.json()["posting"] == first.json()["posting"]
    assert ledger_rows() == before
