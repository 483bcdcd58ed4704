"""Production input: unknown fields and floats refused by name, hours bounded per posting."""

import pytest

from mfgcost.inventory.models import InventoryPosting
from mfgcost.production.models import ProductionOrder

pytestmark = pytest.mark.django_db
BASE = "/api/production/orders/"


def released(api):
    body = {
        "number": "PO-7",
        "item": "BRACKET",
        "quantity": "10",
        "location": "MAIN",
        "due_date": "2026-03-31",
    }
    order = api.post(BASE, body, format="json").json()
    response = api.post(
        f"{BASE}{order['id']}/release/",
        {"posting_date": "2026-03-02", "source_key": "rel"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return order["id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("quantity", 10.5), ("output_tolerance_percent", 2.5), ("rebate", "1")],
)
def test_an_order_with_a_float_or_an_unknown_field_is_refused_naming_it(api, bracket, field, value):
    body = {
        "number": "PO-9",
        "item": "BRACKET",
        "quantity": "10",
        "location": "MAIN",
        "due_date": "2026-03-31",
        field: value,
    }

    response = api.post(BASE, body, format="json")

    assert response.status_code == 400, response.json()
    assert list(response.json()) == [field]
    assert not ProductionOrder.objects.exists()


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("consumption", {"line_no": 10, "quantity": 2.5}, "quantity"),
        ("consumption", {"line_no": 10, "quantity": "2", "lot": "A1"}, "lot"),
        ("time", {"operation_no": 10, "run_time": 1.5}, "run_time"),
        ("output", {"quantity": 1.0}, "quantity"),
    ],
)
def test_a_posting_with_a_float_or_an_unknown_field_is_refused(api, bracket, action, body, field):
    order = released(api)
    before = InventoryPosting.objects.count()

    response = api.post(
        f"{BASE}{order}/{action}/",
        {**body, "posting_date": "2026-03-03", "source_key": "k"},
        format="json",
    )

    assert response.status_code == 400, response.json()
    assert list(response.json()) == [field]
    assert InventoryPosting.objects.count() == before


def test_hours_per_time_posting_are_bounded(api, bracket):
    order = released(api)
    url = f"{BASE}{order}/time/"
    common = {"operation_no": 10, "posting_date": "2026-03-03"}

    too_many = api.post(url, {**common, "run_time": "10000.5", "source_key": "t1"}, format="json")
    most = api.post(url, {**common, "setup_time": "10000", "source_key": "t2"}, format="json")

    assert too_many.status_code == 400
    assert list(too_many.json()) == ["run_time"]
    assert most.status_code == 201, most.json()
