"""Every kind of posting on a finished order is a 400 naming the order, and writes nothing."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ledger.models import JournalLine
from mfgcost.inventory.models import (
    CapacityLedgerEntry,
    InventoryPosting,
    ItemLedgerEntry,
    ValueEntry,
)

D = Decimal
pytestmark = pytest.mark.django_db
BASE = "/api/production/orders/"


@pytest.fixture
def api(db):
    user = get_user_model().objects.create_superuser("clerk", "clerk@example.com", "pw")
    client = APIClient()
    client.force_authenticate(user)
    return client


def ledger_rows():
    return tuple(
        model.objects.count()
        for model in (InventoryPosting, ItemLedgerEntry, CapacityLedgerEntry, ValueEntry)
    ) + (JournalLine.objects.count(),)


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("consumption", {"line_no": 10, "quantity": "1"}),
        ("consumption", {"line_no": 10, "quantity": "-1"}),  # a return
        ("time", {"operation_no": 10, "setup_time": "0.5"}),
        ("output", {"quantity": "0", "scrap_quantity": "1"}),
    ],
)
def test_a_posting_on_a_finished_order_is_refused(api, bracket, action, body):
    order = bracket.released()
    url = f"{BASE}{order.pk}/"
    day = {"posting_date": "2026-03-03"}
    consumed = api.post(
        f"{url}consumption/", {"line_no": 10, "quantity": "2", "source_key": "c", **day}
    )
    assert consumed.status_code == 201, consumed.json()
    finished = api.post(f"{url}finish/", {"source_key": "f", **day}, format="json")
    assert finished.json()["status"] == "finished"
    rows = ledger_rows()

    response = api.post(
        f"{url}{action}/", {"source_key": f"late:{action}", **day, **body}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert list(response.json()) == ["order"]
    assert ledger_rows() == rows
