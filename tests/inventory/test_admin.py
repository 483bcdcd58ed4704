"""Inventory admin: ledgers read-only, setup editable, pages render with filters and search."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from mfgcost.inventory.models import ItemLedgerEntry, Location, ValueEntry

pytestmark = pytest.mark.django_db
LEDGERS = [
    "inventoryposting",
    "itemledgerentry",
    "itemapplication",
    "capacityledgerentry",
    "valueentry",
]


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", None)
    client = Client()
    client.force_login(user)
    return client


def test_ledger_pages_render_and_refuse_edits(admin_client, post, make_item, vendor_location):
    steel = make_item()
    receipt = post.receipt(steel, "3", "3.333333")
    post.sale(steel, "1")
    post.transfer(steel, "2", vendor_location)
    value = ValueEntry.objects.filter(item_ledger_entry=receipt).first()

    for model in LEDGERS:
        url = f"/admin/inventory/{model}/"
        assert admin_client.get(url).status_code == 200, url
        assert admin_client.get(url, {"q": steel.number}).status_code == 200, url
        assert admin_client.get(f"{url}add/").status_code == 403, url
    filtered = admin_client.get(
        "/admin/inventory/valueentry/",
        {"item_ledger_entry_type__exact": "transfer", "q": steel.number},
    )
    assert filtered.status_code == 200
    assert len(filtered.context["cl"].result_list) == 2

    page = admin_client.get(f"/admin/inventory/itemledgerentry/{receipt.pk}/change/")
    assert page.status_code == 200
    assert b"Taken by outbound entries" in page.content
    refused = admin_client.post(
        f"/admin/inventory/valueentry/{value.pk}/change/", {"cost_amount_actual": "1.00"}
    )
    assert refused.status_code == 403
    assert (
        admin_client.post(
            f"/admin/inventory/itemledgerentry/{receipt.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert ItemLedgerEntry.objects.filter(pk=receipt.pk).exists()


def test_locations_and_setup_are_edited_in_the_admin(admin_client, company):
    response = admin_client.post(
        "/admin/inventory/location/add/",
        {
            "code": "NORTH",
            "name": "North warehouse",
            "kind": "warehouse",
            "posting_setups-TOTAL_FORMS": "1",
            "posting_setups-INITIAL_FORMS": "0",
            "posting_setups-0-inventory_account": company.account("1310").pk,
            "posting_setups-0-inventory_accrual_account": company.account("2100").pk,
            "posting_setups-0-wip_account": company.account("1330").pk,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    north = Location.objects.get(code="NORTH")
    assert north.posting_setups.get().inventory_account.number == "1310"
    assert admin_client.get("/admin/inventory/inventorypostingsetup/").status_code == 200
    assert admin_client.get("/admin/inventory/location/", {"q": "NORTH"}).status_code == 200
