"""Bad input is a 4xx naming the field in every app, never a 5xx."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from mfgcost.core.constraints import integrity_error_field
from mfgcost.inventory.models import InventoryPosting, Location
from subcontracting.models import Vendor

pytestmark = pytest.mark.django_db
NUL = "\x00"


def receipt(stocked, **overrides):
    body = {
        "item": stocked.number,
        "location": "MAIN",
        "quantity": "10",
        "unit_cost": "10.00",
        "posting_date": "2026-03-02",
        "document_no": "PR-1",
    }
    return {**body, **overrides}


# --------------------------------------------------------------------------- control characters


def test_a_nul_byte_in_a_code_is_a_400_naming_it(api, company):
    body = {"code": f"EAST{NUL}", "name": "East", "kind": "warehouse"}

    response = api.post("/api/inventory/locations/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["code"]
    assert not Location.objects.filter(name="East").exists()


def test_a_nul_byte_in_a_reference_is_a_400_naming_it(api, make_item):
    response = api.post(
        "/api/inventory/receipts/", receipt(make_item(), item=f"X{NUL}"), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["item"]
    assert not InventoryPosting.objects.exists()


def test_a_control_character_in_a_nested_field_names_its_path(api, company):
    body = {
        "journal": "GEN",
        "posting_date": "2026-03-02",
        "lines": [
            {"account": "5000", "debit": "5.00", "description": "bell\x07"},
            {"account": "2000", "credit": "5.00"},
        ],
    }

    response = api.post("/api/ledger/journal-entries/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["lines[0].description"]


def test_a_lone_surrogate_is_a_400_naming_the_field(api, company):
    raw = '{"code": "E\\ud800", "name": "East", "kind": "warehouse"}'

    response = api.post("/api/inventory/locations/", raw, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()) == ["code"]


def test_a_nul_byte_in_the_query_string_is_a_400_naming_the_parameter(api, company):
    response = api.get("/api/inventory/locations/?code=%00")

    assert response.status_code == 400
    assert list(response.json()) == ["code"]


def test_tabs_and_line_breaks_stay_allowed(api, company):
    body = {"code": "EAST", "name": "East\twing\r\nhall 2", "kind": "warehouse"}

    assert api.post("/api/inventory/locations/", body, format="json").status_code == 201


# --------------------------------------------------------------------------- page sizes


def test_a_huge_limit_is_capped_at_the_maximum_page_size(api, company):
    Location.objects.bulk_create(
        Location(code=f"W{n:04d}", name=f"Warehouse {n}") for n in range(1001)
    )

    huge = api.get("/api/inventory/locations/?limit=100000000000000000000000")
    large = api.get("/api/inventory/locations/?limit=5000")

    assert huge.status_code == large.status_code == 200
    assert len(huge.json()["results"]) == len(large.json()["results"]) == 1000
    assert large.json()["count"] == Location.objects.count()


def test_a_huge_offset_is_an_empty_page(api, company):
    response = api.get("/api/ledger/accounts/?offset=100000000000000000000000&limit=10")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_huge_id_in_a_path_or_filter_is_not_found(api, company):
    assert api.get("/api/production/orders/100000000000000000000/").status_code == 404
    filtered = api.get("/api/inventory/item-ledger-entries/?posting=100000000000000000000")
    assert filtered.status_code in (200, 400)


# --------------------------------------------------------------------------- unknown fields


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (
            "/api/ledger/accounts/",
            {
                "number": "7000",
                "name": "X",
                "account_type": "expense",
                "statement": "pl",
            },
        ),
        ("/api/ledger/fiscal-years/", {"code": "2027", "start_date": "2027-01-01"}),
        ("/api/inventory/locations/", {"code": "EAST", "name": "East"}),
        ("/api/items/units/", {"code": "box", "name": "Box"}),
        ("/api/costing/adjust/", {}),
        (
            "/api/production/orders/",
            {
                "number": "PO-9",
                "item": "NONE",
                "quantity": "1",
                "location": "MAIN",
                "due_date": "2026-03-31",
            },
        ),
    ],
)
def test_an_unknown_field_is_refused_by_name_in_every_app(api, company, url, body):
    response = api.post(url, {**body, "discount": "5"}, format="json")

    assert response.status_code == 400, response.content
    assert "discount" in response.json()


def test_an_unknown_field_on_an_inventory_document_is_refused(api, make_item):
    response = api.post(
        "/api/inventory/receipts/", receipt(make_item(), vat_rate="20"), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["vat_rate"]
    assert not InventoryPosting.objects.exists()


# --------------------------------------------------------------------------- database constraints


def test_a_unique_constraint_refused_by_the_database_names_the_field(company):
    try:
        with transaction.atomic():
            Location.objects.create(code="MAIN", name="Second main")
    except IntegrityError as error:
        found = integrity_error_field(error)
    assert found == ("code", "Another location already has this code.")


def test_a_check_constraint_refused_by_the_database_names_a_field_it_tests(company):
    try:
        with transaction.atomic():
            Vendor.objects.create(code="NEG", name="Negative", price_tolerance_percent=-1)
    except IntegrityError as error:
        found = integrity_error_field(error)
    assert found is not None
    assert found[0] == "price_tolerance_percent"


def test_dates_stay_dates(api, company):
    # A sanity check of the parsers: ordinary JSON still arrives as before.
    response = api.post(
        "/api/ledger/fiscal-years/", {"code": "2027", "start_date": "2027-01-01"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["end_date"] == dt.date(2027, 12, 31).isoformat()
