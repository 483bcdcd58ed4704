"""The subcontracting API: vendor isolation, idempotency keys, bad input, throttling, schema."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from ledger.models import JournalEntry
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.production.models import ProductionOrder
from subcontracting import services
from subcontracting.models import (
    IdempotencyKey,
    MaterialShipment,
    ShipmentNotice,
    SubcontractingOrder,
    SubcontractingReceipt,
    VendorInvoice,
    VendorReport,
)
from subcontracting.urls import purchasing as purchasing_router
from subcontracting.urls import vendor as vendor_router

from .conftest import RELEASE_DAY, vendor_create, vendor_token_client

D = Decimal
API = "/api/subcontracting"
DAY = dt.date(2026, 3, 4)
pytestmark = pytest.mark.django_db


def _sent_order(gear, number: str, quantity: str = "100") -> SubcontractingOrder:
    production = gear.released(number, quantity)
    order = SubcontractingOrder.objects.get(lines__production_order=production)
    return services.subcontracting_order_send(order=order)


def _powder_at_vendor(gear, order: SubcontractingOrder, kg: str) -> None:
    """Buy ``kg`` of powder and ship it to the order's vendor (receipts consume it there)."""
    line = order.lines.get()
    purchase_receipt_post(
        item=gear.powder,
        location=gear.company.main,
        quantity=D(kg),
        unit_cost=D("20.00"),
        posting_date=DAY,
        source_key=f"buy:{order.number}",
    )
    services.material_shipment_post(
        order=order,
        direction="shipment",
        warehouse=gear.company.main,
        lines=[
            services.MaterialLineDraft(
                order_line=line,
                component=line.production_order.components.get(item=gear.powder),
                quantity=D(kg),
            )
        ],
        posting_date=DAY,
        source_key=f"ship:{order.number}",
    )


def _written() -> dict[str, int]:
    """Row counts of everything a subcontracting request could write."""
    models = [
        ItemLedgerEntry,
        ValueEntry,
        JournalEntry,
        MaterialShipment,
        SubcontractingReceipt,
        VendorInvoice,
        VendorReport,
        ShipmentNotice,
        IdempotencyKey,
    ]
    return {model.__name__: model.objects.count() for model in models}


# --------------------------------------------------------------------------- isolation


@pytest.fixture
def two_vendors(gear, purchasing):
    """Vendor ALPHA with an order that has every kind of document; vendor BETA with its own."""
    alpha = gear.vendor
    alpha.code = "ALPHA-HEAT"
    alpha.save()
    beta = vendor_create(gear.company, "BETA-HEAT")
    order_a = _sent_order(gear, "PO-ALPHA-1")
    line_a = order_a.lines.get()
    powder_a = line_a.production_order.components.get(item=gear.powder)
    shipment_a = services.material_shipment_post(
        order=order_a,
        direction="shipment",
        warehouse=gear.company.main,
        lines=[services.MaterialLineDraft(order_line=line_a, component=powder_a, quantity=D("2"))],
        posting_date=DAY,
        source_key="alpha:ship",
    )
    notice_a = services.shipment_notice_create(
        order=order_a,
        shipped_on=DAY,
        lines=[services.NoticeLineDraft(order_line=line_a, quantity=D("10"))],
    )
    report_a = services.vendor_report_create(
        order=order_a,
        order_line=line_a,
        good_quantity=D("10"),
        consumption=[services.ConsumptionDraft(component=powder_a, quantity=D("1"))],
    )
    receipt_a = services.subcontracting_receipt_post(
        order_line=line_a, posting_date=DAY, source_key="alpha:receipt", vendor_report=report_a
    )
    # BETA's own order for the same item: its heat treatment moved to BETA's work centre.
    gear.heat.vendor = beta
    gear.heat.save()
    order_b = _sent_order(gear, "PO-BETA-1")
    secrets = [
        order_a.number,
        "ALPHA-HEAT",
        "PO-ALPHA-1",
        shipment_a.number,
        receipt_a.number,
        "L-ALPHA",
    ]
    return {
        "alpha": alpha,
        "beta": beta,
        "client_a": vendor_token_client(alpha, "alpha-user"),
        "client_b": vendor_token_client(beta, "beta-user"),
        "objects_a": {
            "vendor-order": order_a.pk,
            "vendor-report": report_a.pk,
            "vendor-notice": notice_a.pk,
            "vendor-shipment": shipment_a.pk,
            "vendor-receipt": receipt_a.pk,
        },
        "order_a": order_a,
        "line_a": line_a,
        "powder_a": powder_a,
        "order_b": order_b,
        "secrets": secrets,
    }


def _routes(router):
    """(url name, basename, is detail, {method: action}) for every route of a router."""
    for pattern in router.urls:
        if "format" in pattern.pattern.regex.groupindex:
            continue
        actions = getattr(pattern.callback, "actions", None)
        if not actions:
            continue
        basename = {viewset: name for _prefix, viewset, name in router.registry}[
            pattern.callback.cls
        ]
        # DRF adds "head" to a view's mapping at its first GET; HEAD is walked as GET.
        methods = sorted(method for method in actions if method != "head")
        yield pattern.name, basename, "pk" in pattern.pattern.regex.groupindex, methods


def _call(client, method: str, url: str):
    body = {
        "promised_date": "2026-03-09",
        "order_line": 1,
        "good_quantity": "1",
        "shipped_on": "2026-03-05",
        "lines": [],
    }
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body, format="json")


def _assert_no_secret(response, secrets) -> None:
    text = response.content.decode()
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked, f"{response.request['PATH_INFO']} leaks {leaked}: {text[:300]}"


def test_every_vendor_endpoint_hides_other_vendors_objects(two_vendors):
    """Walks the vendor router, so an endpoint added later is walked too (or fails here)."""
    client_b, objects_a, secrets = (
        two_vendors["client_b"],
        two_vendors["objects_a"],
        two_vendors["secrets"],
    )
    walked = 0
    for name, basename, detail, actions in _routes(vendor_router):
        for method in actions:
            if detail:
                url = reverse(name, kwargs={"pk": objects_a[basename]})
                response = _call(client_b, method, url)
                assert response.status_code == 404, (method, url, response.content)
                assert set(response.json()) == {"detail"}
            else:
                url = reverse(name)
                response = _call(client_b, method, url)
                assert response.status_code in (200, 403), (method, url, response.content)
                if method == "get" and response.status_code == 200:
                    body = response.json()
                    rows = body["results"] if isinstance(body, dict) else body
                    if basename == "vendor-order":
                        assert [row["id"] for row in rows] == [two_vendors["order_b"].pk]
                    else:
                        assert all(row.get("id") not in objects_a.values() for row in rows)
            _assert_no_secret(response, secrets)
            walked += 1
    assert walked >= 10
    # The same walk with ALPHA's own token finds its objects (the 404s above are not an accident).
    client_a = two_vendors["client_a"]
    for name, basename, detail, actions in _routes(vendor_router):
        if detail and "get" in actions:
            url = reverse(name, kwargs={"pk": objects_a[basename]})
            assert client_a.get(url).status_code == 200, url


def test_vendor_filters_never_reach_other_vendors(two_vendors):
    client_b = two_vendors["client_b"]
    for query in (
        {"production_order": "PO-ALPHA-1"},
        {"item": "GEAR"},
        {"status": "partly_received"},
    ):
        response = client_b.get(f"{API}/vendor/orders/", query)
        assert response.status_code == 200
        assert all(row["id"] != two_vendors["order_a"].pk for row in response.json()["results"])
        _assert_no_secret(response, two_vendors["secrets"])


def test_a_vendor_cannot_name_another_vendors_lines_or_components(two_vendors):
    client_b, order_b = two_vendors["client_b"], two_vendors["order_b"]
    before = _written()
    response = client_b.post(
        f"{API}/vendor/orders/{order_b.pk}/reports/",
        {
            "order_line": two_vendors["line_a"].pk,
            "good_quantity": "5",
            "consumption": [{"component": two_vendors["powder_a"].pk, "quantity": "1"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "order_line" in response.json()
    _assert_no_secret(response, two_vendors["secrets"])
    assert _written() == before


def test_vendors_have_no_access_to_purchasing(two_vendors):
    client_b = two_vendors["client_b"]
    for name, _basename, detail, actions in _routes(purchasing_router):
        kwargs = {"pk": 1} if detail else {}
        for method in actions:
            response = _call(client_b, method, reverse(name, kwargs=kwargs))
            assert response.status_code in (401, 403), (name, method, response.status_code)
            _assert_no_secret(response, two_vendors["secrets"])


def test_vendor_cannot_post_an_invoice_or_send_an_order(two_vendors):
    client_b = two_vendors["client_b"]
    before = _written()
    response = client_b.post(
        f"{API}/invoices/",
        {"vendor": two_vendors["beta"].pk, "vendor_invoice_no": "X", "lines": []},
        format="json",
    )
    assert response.status_code == 403
    assert client_b.post(f"{API}/orders/{two_vendors['order_b'].pk}/send/").status_code == 403
    assert _written() == before


# --------------------------------------------------------------------------- vendor's own fields


def test_vendor_setting_a_price_or_status_is_refused_naming_the_field(gear):
    order = _sent_order(gear, "PO-1")
    client = vendor_token_client(gear.vendor)
    before = _written()
    response = client.post(
        f"{API}/vendor/orders/{order.pk}/acknowledge/",
        {"promised_date": "2026-03-09", "unit_price": "3.00", "status": "closed"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "status": ["The status changes through actions, not by writing it."],
        "unit_price": ["Prices are set by purchasing."],
    }
    line = order.lines.get()
    response = client.post(
        f"{API}/vendor/orders/{order.pk}/reports/",
        {"order_line": line.pk, "good_quantity": "5", "unit_price": "1.00"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"unit_price": ["Prices are set by purchasing."]}
    order.refresh_from_db()
    assert (order.status, order.promised_date) == ("sent", None)
    assert order.lines.get().unit_price == D("4.00")
    assert _written() == before
    # Updating an order is no vendor's business at all.
    assert client.patch(f"{API}/vendor/orders/{order.pk}/", {"unit_price": "1"}).status_code == 405


def test_vendor_acknowledges_announces_and_reports(gear):
    order = _sent_order(gear, "PO-1")
    line = order.lines.get()
    client = vendor_token_client(gear.vendor)
    response = client.post(
        f"{API}/vendor/orders/{order.pk}/acknowledge/",
        {"promised_date": "2026-03-09", "vendor_reference": "AB-7"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["promised_date"]) == (
        "acknowledged",
        "2026-03-09",
    )
    notice = client.post(
        f"{API}/vendor/orders/{order.pk}/shipment-notices/",
        {
            "shipped_on": "2026-03-06",
            "reference": "DN-1",
            "lines": [{"order_line": line.pk, "quantity": "98"}],
        },
        format="json",
    )
    assert notice.status_code == 201, notice.content
    assert notice.json()["lines"] == [{"order_line": line.pk, "quantity": "98.000000"}]
    listed = client.get(f"{API}/vendor/shipment-notices/").json()["results"]
    assert [row["reference"] for row in listed] == ["DN-1"]


# --------------------------------------------------------------------------- idempotency


def test_same_key_same_body_writes_once_and_returns_the_first_response(gear, purchasing):
    order = _sent_order(gear, "PO-1")
    line = order.lines.get()
    powder = line.production_order.components.get(item=gear.powder)
    body = {
        "order": order.pk,
        "warehouse": gear.company.main.pk,
        "posting_date": DAY.isoformat(),
        "lines": [{"order_line": line.pk, "component": powder.pk, "quantity": "11"}],
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": "ship-powder-1"}
    first = purchasing.post(f"{API}/shipments/", body, format="json", **headers)
    assert first.status_code == 201, first.content
    after_first = _written()
    second = purchasing.post(f"{API}/shipments/", body, format="json", **headers)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert _written() == after_first
    assert MaterialShipment.objects.count() == 1
    # The same key with another body: 422, nothing written.
    other = {**body, "lines": [{**body["lines"][0], "quantity": "12"}]}
    third = purchasing.post(f"{API}/shipments/", other, format="json", **headers)
    assert third.status_code == 422
    assert list(third.json()) == ["idempotency_key"]
    assert _written() == after_first


def test_idempotent_vendor_report_and_keys_are_per_user(gear):
    order = _sent_order(gear, "PO-1")
    line = order.lines.get()
    client = vendor_token_client(gear.vendor, "v1")
    colleague = vendor_token_client(gear.vendor, "v2")
    body = {"order_line": line.pk, "good_quantity": "40"}
    url = f"{API}/vendor/orders/{order.pk}/reports/"
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert VendorReport.objects.count() == 1
    # Another user's key of the same name is another key.
    assert colleague.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="r-1").status_code == 201
    assert VendorReport.objects.count() == 2


def test_a_failed_request_keeps_no_key(gear, purchasing):
    order = _sent_order(gear, "PO-1")
    _powder_at_vendor(gear, order, "10")
    line = order.lines.get()
    url = f"{API}/receipts/"
    bad = {"order_line": line.pk, "posting_date": DAY.isoformat(), "good_quantity": "101"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "receipt-1"}
    assert purchasing.post(url, bad, format="json", **headers).status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = {**bad, "good_quantity": "100"}
    assert purchasing.post(url, good, format="json", **headers).status_code == 201
    assert SubcontractingReceipt.objects.count() == 1


# --------------------------------------------------------------------------- bad input


def _assert_refused(response, field: str, before: dict) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert _written() == before


def test_receiving_above_the_over_receipt_tolerance(gear, purchasing):
    gear.vendor.over_receipt_tolerance_percent = D("5")
    gear.vendor.save()
    order = _sent_order(gear, "PO-1")
    _powder_at_vendor(gear, order, "10.5")
    line = order.lines.get()
    assert line.max_receipt_quantity == D("105")
    # Production lets the order's output pass its quantity by as much.
    ProductionOrder.objects.filter(pk=line.production_order_id).update(
        output_tolerance_percent=D("5")
    )
    url = f"{API}/receipts/"
    body = {"order_line": line.pk, "posting_date": DAY.isoformat(), "good_quantity": "100"}
    assert purchasing.post(url, body, format="json").status_code == 201
    before = _written()
    response = purchasing.post(url, {**body, "good_quantity": "5.000001"}, format="json")
    _assert_refused(response, "good_quantity", before)
    assert "Only 5 more" in response.json()["good_quantity"][0]
    assert purchasing.post(url, {**body, "good_quantity": "5"}, format="json").status_code == 201
    line.refresh_from_db()
    assert line.received_quantity == D("105")


def test_invoicing_above_received_and_outside_the_price_tolerance(gear, purchasing):
    order = _sent_order(gear, "PO-1")
    _powder_at_vendor(gear, order, "5")
    line = order.lines.get()
    receipt = services.subcontracting_receipt_post(
        order_line=line, posting_date=DAY, source_key="r1", good_quantity=D("50")
    )
    url = f"{API}/invoices/"
    body = {
        "vendor": gear.vendor.pk,
        "vendor_invoice_no": "INV-1",
        "invoice_date": DAY.isoformat(),
        "posting_date": DAY.isoformat(),
        "lines": [{"receipt": receipt.pk, "quantity": "50.5", "unit_price": "4.00"}],
    }
    before = _written()
    _assert_refused(purchasing.post(url, body, format="json"), "lines[0].quantity", before)
    body["lines"] = [{"receipt": receipt.pk, "quantity": "50", "unit_price": "4.41"}]
    _assert_refused(purchasing.post(url, body, format="json"), "lines[0].unit_price", before)
    # Two lines on one receipt may not add up past it either.
    body["lines"] = [
        {"receipt": receipt.pk, "quantity": "30", "unit_price": "4.00"},
        {"receipt": receipt.pk, "quantity": "30", "unit_price": "4.00"},
    ]
    _assert_refused(purchasing.post(url, body, format="json"), "lines[1].quantity", before)
    body["lines"] = [{"receipt": receipt.pk, "quantity": "50", "unit_price": "3.90"}]
    response = purchasing.post(url, body, format="json")
    assert response.status_code == 201
    assert response.json()["lines"][0]["price_difference"] == "-5.00"
    before = _written()
    _assert_refused(purchasing.post(url, body, format="json"), "vendor_invoice_no", before)


def test_shipping_a_component_not_on_the_operation(gear, purchasing):
    order = _sent_order(gear, "PO-1")
    line = order.lines.get()
    blank = line.production_order.components.get(item=gear.blank)  # consumed at operation 10
    before = _written()
    response = purchasing.post(
        f"{API}/shipments/",
        {
            "order": order.pk,
            "warehouse": gear.company.main.pk,
            "posting_date": DAY.isoformat(),
            "lines": [{"order_line": line.pk, "component": blank.pk, "quantity": "100"}],
        },
        format="json",
    )
    _assert_refused(response, "lines[0].component", before)


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_zero_and_negative_quantities(gear, purchasing, quantity):
    order = _sent_order(gear, "PO-1")
    line = order.lines.get()
    powder = line.production_order.components.get(item=gear.powder)
    vendor = vendor_token_client(gear.vendor)
    before = _written()
    shipment = purchasing.post(
        f"{API}/shipments/",
        {
            "order": order.pk,
            "warehouse": gear.company.main.pk,
            "posting_date": DAY.isoformat(),
            "lines": [{"order_line": line.pk, "component": powder.pk, "quantity": quantity}],
        },
        format="json",
    )
    _assert_refused(shipment, "lines", before)
    assert "quantity" in json.dumps(shipment.json()["lines"])
    receipt = purchasing.post(
        f"{API}/receipts/",
        {"order_line": line.pk, "posting_date": DAY.isoformat(), "good_quantity": quantity},
        format="json",
    )
    _assert_refused(receipt, "good_quantity", before)
    report = vendor.post(
        f"{API}/vendor/orders/{order.pk}/reports/",
        {"order_line": line.pk, "good_quantity": quantity},
        format="json",
    )
    _assert_refused(report, "good_quantity", before)
    notice = vendor.post(
        f"{API}/vendor/orders/{order.pk}/shipment-notices/",
        {"shipped_on": "2026-03-05", "lines": [{"order_line": line.pk, "quantity": quantity}]},
        format="json",
    )
    _assert_refused(notice, "lines", before)


# --------------------------------------------------------------------------- throttling, filters


@override_settings(SUBCONTRACTING_THROTTLE_RATES={"subcontracting_vendor": "3/min"})
def test_vendor_requests_are_throttled_per_user(gear):
    _sent_order(gear, "PO-1")
    client = vendor_token_client(gear.vendor, "v1")
    colleague = vendor_token_client(gear.vendor, "v2")
    statuses = [client.get(f"{API}/vendor/orders/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert colleague.get(f"{API}/vendor/orders/").status_code == 200


def test_order_filters_status_due_date_production_order_item(gear, purchasing):
    first = _sent_order(gear, "PO-1")
    second = gear.released("PO-2", "10")  # stays a draft
    draft = SubcontractingOrder.objects.get(lines__production_order=second)
    SubcontractingOrder.objects.filter(pk=draft.pk).update(due_date=dt.date(2026, 4, 15))

    def ids(**query):
        response = purchasing.get(f"{API}/orders/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(status="sent") == [first.pk]
    assert ids(status=["sent", "draft"]) == [draft.pk, first.pk]
    assert ids(due_date_after="2026-04-01") == [draft.pk]
    assert ids(due_date_before="2026-03-31") == [first.pk]
    assert ids(production_order="PO-2") == [draft.pk]
    assert ids(item="GEAR") == [draft.pk, first.pk]
    assert ids(item="SVC-HEAT") == [draft.pk, first.pk]
    assert ids(item="BLANK") == []
    # The vendor sees only what was sent to it.
    vendor = vendor_token_client(gear.vendor)
    rows = vendor.get(f"{API}/vendor/orders/").json()["results"]
    assert [row["id"] for row in rows] == [first.pk]


# --------------------------------------------------------------------------- schema


def test_every_endpoint_is_in_the_schema_with_examples():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = {path: item for path, item in schema["paths"].items() if path.startswith(API)}
    routes = {
        (name, method)
        for router in (purchasing_router, vendor_router)
        for name, _b, _d, actions in _routes(router)
        for method in actions
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert len(paths) >= 20
    operations = [
        (path, method, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= len(routes)
    missing = []
    for path, method, operation in operations:
        if method == "delete":
            continue  # nothing to show: no body either way
        bodies = [operation.get("requestBody", {}).get("content", {})] if method != "get" else []
        bodies += [response.get("content", {}) for response in operation["responses"].values()]
        if not any(media.get("examples") for content in bodies for media in content.values()):
            missing.append(f"{method.upper()} {path}")
    assert missing == [], missing
    assert json.dumps(schema, default=str)  # renders


def test_release_date_is_the_order_date(gear):
    gear.released("PO-1")
    assert SubcontractingOrder.objects.get().order_date == RELEASE_DAY


def test_hand_rendered_orders_equal_drfs_rendering(gear):
    from rest_framework.serializers import Serializer

    from subcontracting import serializers as s

    order = _sent_order(gear, "PO-1")
    services.subcontracting_order_acknowledge(
        order=order, promised_date=dt.date(2026, 3, 9), vendor_reference="AB-1"
    )
    order = SubcontractingOrder.objects.get(pk=order.pk)
    line = order.lines.get()
    for serializer_class in (s.OrderLineOutputSerializer, s.OrderLineDetailOutputSerializer):
        serializer = serializer_class()
        assert serializer.to_representation(line) == Serializer.to_representation(serializer, line)
    for serializer_class in (
        s.VendorOrderOutputSerializer,
        s.VendorOrderDetailOutputSerializer,
        s.OrderOutputSerializer,
        s.OrderDetailOutputSerializer,
    ):
        serializer = serializer_class()
        rendered = serializer.to_representation(order)
        assert rendered == Serializer.to_representation(serializer, order)
        assert list(rendered) == serializer_class.Meta.fields
