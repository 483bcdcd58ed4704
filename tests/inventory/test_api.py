"""The inventory REST API: documents, idempotency, bad input, listings, setup, reports."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ledger.models import JournalEntry, Period
from ledger.services import period_close
from mfgcost.inventory.models import InventoryPosting, InventoryPostingSetup, Location

from .support import ledger_counts

D = Decimal
pytestmark = pytest.mark.django_db
BASE = "/api/inventory"


def receipt_body(item_, **overrides):
    body = {
        "item": item_.number,
        "location": "MAIN",
        "quantity": "10",
        "unit_cost": "10.00",
        "posting_date": "2026-03-02",
        "document_no": "PR-1",
    }
    body.update(overrides)
    return body


def written() -> tuple:
    return (*ledger_counts(), InventoryPosting.objects.count(), JournalEntry.objects.count())


def test_receipt_posts_once_and_a_retry_answers_the_same(api, make_item):
    steel = make_item()

    first = api.post(f"{BASE}/receipts/", receipt_body(steel), format="json")
    assert first.status_code == 201, first.data
    counts = written()
    again = api.post(f"{BASE}/receipts/", receipt_body(steel), format="json")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert written() == counts
    body = first.json()
    assert body["posting"]["source_key"] == "inventory:receipt:PR-1:1"
    assert body["posting"]["journal_entry_number"].startswith("INV-2026-")
    (entry,) = body["item_entries"]
    assert (entry["item"], entry["location"], entry["quantity"]) == (
        steel.number,
        "MAIN",
        "10.000000",
    )
    assert (entry["cost_amount_expected"], entry["cost_amount_actual"]) == ("100.00", "0.00")
    (value,) = body["value_entries"]
    assert (value["entry_type"], value["cost_amount_expected"]) == ("direct_cost", "100.00")

    line_two = api.post(f"{BASE}/receipts/", receipt_body(steel, line=2), format="json")
    assert line_two.status_code == 201
    own_key = receipt_body(steel, source_key="erp:po-77:1", document_no="")
    assert api.post(f"{BASE}/receipts/", own_key, format="json").status_code == 201
    assert api.post(f"{BASE}/receipts/", own_key, format="json").status_code == 200
    assert written()[0] == counts[0] + 2


def test_a_document_needs_a_number_or_a_source_key(api, make_item):
    response = api.post(
        f"{BASE}/receipts/", receipt_body(make_item(), document_no=""), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["document_no"]


def test_a_source_key_of_another_kind_of_document_is_a_conflict(api, make_item):
    steel = make_item()
    api.post(f"{BASE}/receipts/", receipt_body(steel, source_key="k-1"), format="json")
    sale = {"item": steel.number, "location": "MAIN", "quantity": "1"}
    response = api.post(
        f"{BASE}/sales/", {**sale, "posting_date": "2026-03-03", "source_key": "k-1"}, format="json"
    )
    assert response.status_code == 409
    assert list(response.json()) == ["source_key"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"item": "NO-SUCH-ITEM"}, "item"),
        ({"location": "NOWHERE"}, "location"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-5"}, "quantity"),
        ({"quantity": "12.3.4"}, "quantity"),
        ({"quantity": "1.0000001"}, "quantity"),
        ({"quantity": 10.5}, "quantity"),
        ({"unit_cost": "ten"}, "unit_cost"),
        ({"unit_cost": "-1"}, "unit_cost"),
        ({"posting_date": "2026-02-30"}, "posting_date"),
        ({"posting_date": "2031-01-05"}, "posting_date"),
    ],
)
def test_bad_receipt_input_is_a_400_naming_the_field(api, make_item, overrides, field):
    steel = make_item()
    before = written()

    response = api.post(f"{BASE}/receipts/", receipt_body(steel, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert written() == before


def test_closed_period_is_a_400_naming_the_date_and_nothing_is_written(api, make_item):
    steel = make_item()
    period_close(period=Period.objects.get(name="2026-03"))
    before = written()

    response = api.post(f"{BASE}/receipts/", receipt_body(steel), format="json")

    assert response.status_code == 400
    assert "2026-03 is closed" in response.json()["posting_date"][0]
    assert written() == before


def test_quantity_not_in_stock_is_a_400_naming_the_quantity(api, make_item):
    steel = make_item()
    api.post(f"{BASE}/receipts/", receipt_body(steel, quantity="3"), format="json")
    before = written()

    response = api.post(
        f"{BASE}/sales/",
        {
            "item": steel.number,
            "location": "MAIN",
            "quantity": "5",
            "posting_date": "2026-03-03",
            "document_no": "SO-1",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "quantity": [f"Only 3 of item {steel.number} on hand at MAIN; 5 requested."]
    }
    assert written() == before


def test_invoice_sale_adjustments_and_transfer(api, make_item, vendor_location):
    steel = make_item()
    receipt = api.post(f"{BASE}/receipts/", receipt_body(steel), format="json").json()
    receipt_entry = receipt["item_entries"][0]["id"]

    invoice = api.post(
        f"{BASE}/invoices/",
        {
            "receipt_entry": receipt_entry,
            "quantity": "10",
            "unit_price": "10.40",
            "posting_date": "2026-03-03",
            "document_no": "PI-1",
        },
        format="json",
    )
    assert invoice.status_code == 201, invoice.data
    assert invoice.json()["item_entries"] == []
    (value,) = invoice.json()["value_entries"]
    assert (value["cost_amount_expected"], value["cost_amount_actual"]) == ("-100.00", "104.00")

    def post(path, **body):
        body.setdefault("item", steel.number)
        body.setdefault("posting_date", "2026-03-04")
        return api.post(f"{BASE}/{path}/", body, format="json")

    sale = post("sales", location="MAIN", quantity="2", document_no="SO-1")
    assert sale.status_code == 201
    assert sale.json()["value_entries"][0]["cost_amount_actual"] == "-20.80"

    down = post("adjustments", location="MAIN", quantity="-1", document_no="ADJ-1")
    assert down.status_code == 201
    assert down.json()["item_entries"][0]["entry_type"] == "negative_adjustment"
    assert down.json()["item_entries"][0]["cost_amount_actual"] == "-10.40"

    up = post(
        "adjustments",
        location="MAIN",
        direction="positive",
        quantity="3",
        unit_cost="11.00",
        document_no="ADJ-2",
    )
    assert up.status_code == 201
    assert up.json()["value_entries"][0]["cost_amount_actual"] == "33.00"

    moved = post(
        "transfers",
        from_location="MAIN",
        to_location=vendor_location.code,
        quantity="4",
        document_no="TR-1",
    )
    assert moved.status_code == 201, moved.data
    assert [e["location"] for e in moved.json()["item_entries"]] == ["MAIN", "VEND-1"]
    assert [v["cost_amount_actual"] for v in moved.json()["value_entries"]] == [
        "-41.60",
        "41.60",
    ]

    zero = post("adjustments", location="MAIN", quantity="0", document_no="ADJ-3")
    assert zero.status_code == 400 and list(zero.json()) == ["quantity"]
    signed = post(
        "adjustments", location="MAIN", direction="negative", quantity="-1", document_no="ADJ-4"
    )
    assert signed.status_code == 400 and list(signed.json()) == ["quantity"]
    same = post(
        "transfers", from_location="MAIN", to_location="MAIN", quantity="1", document_no="T"
    )
    assert same.status_code == 400 and list(same.json()) == ["to_location"]
    no_receipt = api.post(
        f"{BASE}/invoices/",
        {
            "receipt_entry": sale.json()["item_entries"][0]["id"],
            "quantity": "1",
            "unit_price": "1",
            "posting_date": "2026-03-04",
            "document_no": "PI-9",
        },
        format="json",
    )
    assert no_receipt.status_code == 400 and list(no_receipt.json()) == ["receipt_entry"]

    valuation = api.get(f"{BASE}/valuation/", {"item": steel.number}).json()
    # MAIN: 104.00 - 20.80 - 10.40 + 33.00 - 41.60 = 64.20 for 10 - 2 - 1 + 3 - 4 = 6
    assert [(r["location"], r["quantity"], r["value"]) for r in valuation] == [
        ("MAIN", "6.000000", "64.20"),
        ("VEND-1", "4.000000", "41.60"),
    ]
    as_of = api.get(f"{BASE}/valuation/", {"item": steel.number, "as_of": "2026-03-02"}).json()
    assert [(r["location"], r["value"]) for r in as_of] == [("MAIN", "100.00")]
    reconciliation = api.get(f"{BASE}/reconciliation/").json()
    by_account = {r["account"]: r for r in reconciliation}
    assert by_account["1300"]["gl_balance"] == "64.20"
    assert by_account["1320"]["ledger_value"] == "41.60"
    assert all(r["difference"] == "0.00" for r in reconciliation)


def test_ledger_listings_filter(api, post, make_item, vendor_location):
    steel, paint = make_item(), make_item(costing_method="average")
    receipt = post.receipt(steel, "3", "3.333333", day=2)
    post.receipt(paint, "5", "2.00", day=3)
    for day in (4, 5, 6):
        post.sale(steel, "1", day=day)
    post.transfer(paint, "2", vendor_location, day=7)

    def ids(path, **params):
        response = api.get(f"{BASE}/{path}/", params)
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.json()["results"]]

    sales = ids("item-ledger-entries", item=steel.number, entry_type="sale")
    assert len(sales) == 3
    assert len(ids("item-ledger-entries", posting_date_after="2026-03-05")) == 4
    dated = ids(
        "item-ledger-entries", posting_date_after="2026-03-03", posting_date_before="2026-03-04"
    )
    assert len(dated) == 2
    assert len(ids("item-ledger-entries", location="VEND-1")) == 1
    assert ids("item-ledger-entries", item=steel.number, open=True) == []
    assert len(ids("value-entries", entry_type="rounding")) == 1
    assert len(ids("value-entries", item=paint.number, item_ledger_entry_type="transfer")) == 2
    assert len(ids("value-entries", cost_group="MAT")) == 8
    assert ids("value-entries", variance_type="purchase") == []
    assert len(ids("applications", inbound_entry=receipt.pk)) == 3
    assert len(ids("applications", item=paint.number)) == 1

    entry = api.get(f"{BASE}/item-ledger-entries/{receipt.pk}/").json()
    assert (entry["cost_amount"], entry["remaining_quantity"]) == ("10.00", "0.000000")
    assert api.post(f"{BASE}/value-entries/", {}, format="json").status_code == 405


def test_locations_and_posting_setup(api, company):
    created = api.post(
        f"{BASE}/locations/", {"code": "WEST", "name": "West warehouse"}, format="json"
    )
    assert created.status_code == 201
    setup = {
        "location": "WEST",
        "inventory_account": "1310",
        "inventory_accrual_account": "2100",
        "wip_account": "1330",
    }
    made = api.post(f"{BASE}/posting-setups/", setup, format="json")
    assert made.status_code == 201, made.data
    assert made.json()["posting_group"] is None
    twice = api.post(f"{BASE}/posting-setups/", setup, format="json")
    assert twice.status_code == 400 and list(twice.json()) == ["location"]
    unknown = api.post(f"{BASE}/posting-setups/", {**setup, "wip_account": "9999"}, format="json")
    assert unknown.json() == {"wip_account": ["Account 9999 does not exist."]}
    changed = api.patch(
        f"{BASE}/posting-setups/{made.json()['id']}/", {"inventory_account": "1300"}, format="json"
    )
    assert changed.status_code == 200
    assert (
        InventoryPostingSetup.objects.get(location__code="WEST").inventory_account.number == "1300"
    )

    in_use = api.delete(f"{BASE}/locations/{created.json()['id']}/")
    assert in_use.status_code == 409
    api.delete(f"{BASE}/posting-setups/{made.json()['id']}/")
    assert api.delete(f"{BASE}/locations/{created.json()['id']}/").status_code == 204
    assert not Location.objects.filter(code="WEST").exists()


def test_posting_needs_the_permission(db, make_item):
    clerk = get_user_model().objects.create_user("viewer")
    client = APIClient()
    client.force_authenticate(clerk)
    response = client.post(f"{BASE}/receipts/", receipt_body(make_item()), format="json")
    assert response.status_code == 403
    assert client.get(f"{BASE}/reconciliation/").status_code == 403
    assert APIClient().get(f"{BASE}/valuation/").status_code in (401, 403)
