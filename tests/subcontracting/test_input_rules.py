"""Vendors' reports within what is open, decimals as strings, constraints named, pages bounded."""

from decimal import Decimal

import pytest

from mfgcost.company import vendor_location_create
from subcontracting import services
from subcontracting.models import SubcontractingOrder, Vendor, VendorReport

from .conftest import vendor_token_client

D = Decimal
API = "/api/subcontracting"
pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(gear):
    production = gear.released("PO-1", "100")
    order = SubcontractingOrder.objects.get(lines__production_order=production)
    return services.subcontracting_order_send(order=order)


def report(client, order, **body):
    return client.post(f"{API}/vendor/orders/{order.pk}/reports/", body, format="json")


def test_a_vendor_cannot_report_more_than_is_open_on_the_order(gear, sent):
    line = sent.lines.get()
    client = vendor_token_client(gear.vendor)

    huge = report(client, sent, order_line=line.pk, good_quantity="10000000000000")
    # Ordered 100 with no over-receipt tolerance: 60 good + 41 scrapped is one too many.
    over = report(client, sent, order_line=line.pk, good_quantity="60", scrapped_quantity="41")

    assert (huge.status_code, over.status_code) == (400, 400)
    assert list(huge.json()) == list(over.json()) == ["good_quantity"]
    assert not VendorReport.objects.exists()
    within = report(client, sent, order_line=line.pk, good_quantity="60", scrapped_quantity="40")
    assert within.status_code == 201, within.content


def test_the_over_receipt_tolerance_widens_what_a_vendor_may_report(gear):
    Vendor.objects.filter(pk=gear.vendor.pk).update(over_receipt_tolerance_percent=D("5"))
    production = gear.released("PO-2", "100")
    order = services.subcontracting_order_send(
        order=SubcontractingOrder.objects.get(lines__production_order=production)
    )
    line = order.lines.get()
    client = vendor_token_client(gear.vendor)

    # 100 ordered + 5 % tolerance = 105 at most.
    assert report(client, order, order_line=line.pk, good_quantity="106").status_code == 400
    assert report(client, order, order_line=line.pk, good_quantity="105").status_code == 201


def test_a_json_float_is_refused_for_a_decimal(gear, sent):
    line = sent.lines.get()
    client = vendor_token_client(gear.vendor)

    response = report(client, sent, order_line=line.pk, good_quantity=40.5)

    assert response.status_code == 400
    assert list(response.json()) == ["good_quantity"]
    assert "not as a JSON number" in response.json()["good_quantity"][0]
    assert report(client, sent, order_line=line.pk, good_quantity=40).status_code == 201


def test_a_vendor_location_of_another_vendor_is_a_400_naming_location(gear, purchasing):
    body = {"code": "V2", "name": "Second", "location": gear.vendor.location_id}

    response = purchasing.post(f"{API}/vendors/", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["location"]
    assert not Vendor.objects.filter(code="V2").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("over_receipt_tolerance_percent", "-1"),
        ("price_tolerance_percent", "-0.5"),
        ("over_receipt_tolerance_percent", 2.5),
    ],
)
def test_a_bad_tolerance_is_a_400_naming_it(gear, purchasing, field, value):
    location = vendor_location_create(code="L-V3", name="At V3", company=gear.company)
    body = {"code": "V3", "name": "Third", "location": location.pk, field: value}

    response = purchasing.post(f"{API}/vendors/", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert not Vendor.objects.filter(code="V3").exists()


def test_a_huge_page_size_on_the_vendor_side_is_capped(gear, sent):
    client = vendor_token_client(gear.vendor)

    response = client.get(f"{API}/vendor/orders/?limit=100000000000000000000&offset=0")

    assert response.status_code == 200
    assert [order["id"] for order in response.json()["results"]] == [sent.pk]
