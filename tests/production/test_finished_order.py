"""Every kind of posting on a finished order is a 400 naming the order, and writes nothing."""

from decimal import Decimal

import pytest

from tests.production.support import ledger_rows

D = Decimal
pytestmark = pytest.mark.django_db
BASE = "/api/production/orders/"


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
