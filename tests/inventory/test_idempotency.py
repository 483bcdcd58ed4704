"""A document number or source key replays only the document that posted it."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ledger.models import JournalEntry
from mfgcost.inventory.models import InventoryPosting
from mfgcost.inventory.services import on_hand

from .support import ledger_counts

D = Decimal
pytestmark = pytest.mark.django_db
BASE = "/api/inventory"


def receipt(item, **overrides):
    body = {
        "item": item.number,
        "location": "MAIN",
        "quantity": "10",
        "unit_cost": "10.00",
        "posting_date": "2026-03-02",
        "document_no": "PR-1",
    }
    return {**body, **overrides}


def written() -> tuple:
    return (*ledger_counts(), InventoryPosting.objects.count(), JournalEntry.objects.count())


def test_a_receipt_with_the_document_no_of_a_receipt_of_another_item_is_refused(api, make_item):
    steel, paint = make_item(), make_item()
    assert api.post(f"{BASE}/receipts/", receipt(steel), format="json").status_code == 201
    before = written()

    response = api.post(f"{BASE}/receipts/", receipt(paint), format="json")

    assert response.status_code == 409, response.data
    assert list(response.json()) == ["document_no"]
    assert written() == before
    assert on_hand(paint) == D("0")  # the earlier posting was not passed off as this one


@pytest.mark.parametrize(
    "change",
    [{"quantity": "11"}, {"unit_cost": "10.50"}, {"posting_date": "2026-03-03"}],
)
def test_the_same_document_no_with_another_quantity_price_or_date_is_refused(
    api, make_item, change
):
    steel = make_item()
    api.post(f"{BASE}/receipts/", receipt(steel), format="json")
    before = written()

    response = api.post(f"{BASE}/receipts/", receipt(steel, **change), format="json")

    assert response.status_code == 409
    assert list(response.json()) == ["document_no"]
    assert written() == before


def test_an_equal_request_written_differently_replays(api, make_item):
    steel = make_item()
    first = api.post(f"{BASE}/receipts/", receipt(steel), format="json")
    # "10.000000" is the same quantity as "10", and "10" the same unit cost as "10.00".
    again = api.post(
        f"{BASE}/receipts/", receipt(steel, quantity="10.000000", unit_cost="10"), format="json"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


def test_a_source_key_of_another_user_is_refused(api, make_item):
    steel = make_item()
    api.post(f"{BASE}/receipts/", receipt(steel, source_key="erp:1"), format="json")
    other = get_user_model().objects.create_superuser("other", "o@example.com", "pw")
    client = APIClient()
    client.force_authenticate(other)
    before = written()

    response = client.post(f"{BASE}/receipts/", receipt(steel, source_key="erp:1"), format="json")

    assert response.status_code == 409
    assert list(response.json()) == ["source_key"]
    assert written() == before


def test_an_adjustment_key_repeated_the_other_way_round_is_refused(api, make_item):
    steel = make_item()
    api.post(f"{BASE}/receipts/", receipt(steel), format="json")
    up = {
        "item": steel.number,
        "location": "MAIN",
        "quantity": "2",
        "posting_date": "2026-03-03",
        "document_no": "ADJ-1",
    }
    assert api.post(f"{BASE}/adjustments/", up, format="json").status_code == 201
    before = written()

    down = api.post(f"{BASE}/adjustments/", {**up, "quantity": "-2"}, format="json")

    assert down.status_code == 409
    assert list(down.json()) == ["document_no"]
    assert written() == before
    assert on_hand(steel) == D("12")  # 10 received + 2 found; the write-off was not posted


def test_an_amount_too_large_for_its_field_is_a_400_naming_the_quantity(api, make_item):
    steel = make_item()
    before = written()
    # Each fits its own field (14 digits before the point), but 10^13 x 10^6 = 10^19 does not
    # fit an amount (18 digits before the point).
    body = receipt(steel, quantity="10000000000000", unit_cost="1000000")

    response = api.post(f"{BASE}/receipts/", body, format="json")

    assert response.status_code == 400, response.data
    assert list(response.json()) == ["quantity"]
    assert written() == before
