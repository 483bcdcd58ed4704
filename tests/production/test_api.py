"""The production REST API: CRUD while planned, actions, postings, 400 naming the field."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from mfgcost.production.models import ProductionOrder
from tests.production.support import ledger_rows

D = Decimal
pytestmark = pytest.mark.django_db
BASE = "/api/production/orders/"


def create_order(api, **fields):
    body = {
        "number": "PO-7",
        "item": "BRACKET",
        "quantity": "10",
        "location": "MAIN",
        "due_date": "2026-03-31",
        **fields,
    }
    return api.post(BASE, body, format="json")


def released(api, bracket):
    order = create_order(api).json()
    response = api.post(
        f"{BASE}{order['id']}/release/",
        {"posting_date": "2026-03-02", "source_key": "api:rel"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_create_update_delete_while_planned(api, bracket):
    response = create_order(api)
    assert response.status_code == 201, response.json()
    order = response.json()
    assert (order["status"], order["quantity"]) == ("planned", "10.000000")
    assert order["item"] == "BRACKET"
    response = api.patch(f"{BASE}{order['id']}/", {"quantity": "12"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["quantity"] == "12.000000"
    assert api.delete(f"{BASE}{order['id']}/").status_code == 204
    assert not ProductionOrder.objects.exists()


def test_create_refuses_unknown_item_and_zero_quantity(api, bracket):
    response = create_order(api, item="NOPE")
    assert response.status_code == 400 and "item" in response.json()
    response = create_order(api, quantity="0")
    assert response.status_code == 400 and "quantity" in response.json()
    assert not ProductionOrder.objects.exists()


def test_released_order_cannot_be_changed_or_deleted(api, bracket):
    order = released(api, bracket)
    assert order["status"] == "released"
    response = api.patch(f"{BASE}{order['id']}/", {"quantity": "12"}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    assert api.delete(f"{BASE}{order['id']}/").status_code == 400
    assert ProductionOrder.objects.get().quantity == D("10")


def test_reads_of_components_operations_and_estimate(api, bracket):
    order = released(api, bracket)
    components = api.get(f"{BASE}{order['id']}/components/").json()
    assert [(c["line_no"], c["item"], c["expected_quantity"]) for c in components] == [
        (10, "STEEL", "20.000000"),
        (20, "PAINT", "10.000000"),
    ]
    operations = api.get(f"{BASE}{order['id']}/operations/").json()
    assert [(o["operation_no"], o["work_center"]) for o in operations] == [(10, "WELD")]
    estimate = api.get(f"{BASE}{order['id']}/estimate/").json()
    assert {e["cost_group"]: e["amount"] for e in estimate} == {
        "MAT": "130.00",
        "LAB": "120.00",
        "COH": "30.00",
        "MOH": "13.00",
    }


def test_postings_and_idempotent_repeat(api, bracket):
    order = released(api, bracket)
    url = f"{BASE}{order['id']}/"
    body = {"line_no": 10, "quantity": "21", "posting_date": "2026-03-03", "source_key": "api:c1"}
    first = api.post(f"{url}consumption/", body, format="json")
    assert first.status_code == 201, first.json()
    assert [v["cost_amount_actual"] for v in first.json()["value_entries"]] == ["-109.20", "10.92"]
    rows = ledger_rows()
    again = api.post(f"{url}consumption/", body, format="json")
    assert again.status_code == 200
    assert again.json()["posting"] == first.json()["posting"]
    assert ledger_rows() == rows

    time = api.post(
        f"{url}time/",
        {
            "operation_no": 10,
            "setup_time": "1.5",
            "run_time": "5.5",
            "posting_date": "2026-03-03",
            "source_key": "api:t1",
        },
        format="json",
    )
    assert time.status_code == 201, time.json()
    assert [v["cost_amount_actual"] for v in time.json()["value_entries"]] == ["140.00", "35.00"]
    output = api.post(
        f"{url}output/",
        {"quantity": "10", "posting_date": "2026-03-03", "source_key": "api:o1"},
        format="json",
    )
    assert output.status_code == 201, output.json()
    assert output.json()["value_entries"][0]["cost_amount_expected"] == "293.00"
    progress = api.get(f"{url}progress/").json()
    assert progress["components"][0]["consumed_quantity"] == "21.000000"
    assert progress["operations"][0]["posted_run_time"] == "5.500000"
    assert progress["operations"][0]["output_quantity"] == "10.000000"
    finish = api.post(
        f"{url}finish/", {"posting_date": "2026-03-04", "source_key": "api:f"}, format="json"
    )
    assert finish.status_code == 200 and finish.json()["status"] == "finished"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("output", {"quantity": "11"}, "quantity"),  # order of 10, no tolerance
        ("consumption", {"item": "PAINT", "quantity": "21"}, "quantity"),  # 20 l on hand
        ("consumption", {"line_no": 99, "quantity": "1"}, "line_no"),
        ("consumption", {"item": "NOPE", "quantity": "1"}, "item"),
        ("time", {"operation_no": 20, "run_time": "1"}, "operation_no"),
        ("time", {"operation_no": 10, "run_time": "x"}, "run_time"),
        ("output", {"quantity": "1", "posting_date": "2027-01-05"}, "posting_date"),
        ("output", {"quantity": "1", "posting_date": "2026-03-01"}, "posting_date"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(api, bracket, action, body, field):
    order = released(api, bracket)
    rows = ledger_rows()
    payload = {"posting_date": "2026-03-03", "source_key": f"api:bad:{action}", **body}
    response = api.post(f"{BASE}{order['id']}/{action}/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert ledger_rows() == rows


def test_posting_to_a_finished_order_is_400_naming_the_order(api, bracket):
    order = released(api, bracket)
    url = f"{BASE}{order['id']}/"
    api.post(
        f"{url}output/",
        {"quantity": "10", "posting_date": "2026-03-03", "source_key": "api:o"},
        format="json",
    )
    api.post(f"{url}finish/", {"posting_date": "2026-03-04", "source_key": "api:f"}, format="json")
    rows = ledger_rows()
    response = api.post(
        f"{url}time/",
        {"operation_no": 10, "run_time": "1", "posting_date": "2026-03-05", "source_key": "api:x"},
        format="json",
    )
    assert response.status_code == 400 and "order" in response.json()
    assert ledger_rows() == rows


def test_finish_refused_while_nothing_posted(api, bracket):
    order = released(api, bracket)
    response = api.post(
        f"{BASE}{order['id']}/finish/",
        {"posting_date": "2026-03-04", "source_key": "api:f"},
        format="json",
    )
    assert response.status_code == 400 and "order" in response.json()
    assert ProductionOrder.objects.get().status == "released"


def test_postings_need_the_change_permission(bracket):
    user = get_user_model().objects.create_user("viewer", password="pw")
    client = APIClient()
    client.force_authenticate(user)
    order = bracket.released()
    response = client.post(
        f"{BASE}{order.pk}/output/",
        {"quantity": "1", "posting_date": "2026-03-03", "source_key": "api:p"},
        format="json",
    )
    assert response.status_code == 403
