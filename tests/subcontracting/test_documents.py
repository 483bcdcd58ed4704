"""Shipments and returns, receipts with rejects, partial invoices, repeats of a source key,
and purchasing's order and worksheet endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ledger.selectors import account_balances_by_account_number
from mfgcost.core.errors import BusinessError
from mfgcost.inventory.models import CapacityLedgerEntry, ItemLedgerEntry, ValueEntry
from subcontracting import selectors, services
from subcontracting.models import (
    MaterialShipment,
    SubcontractingOrder,
    Vendor,
    VendorInvoice,
    WorksheetProposal,
)

D = Decimal
API = "/api/subcontracting"
DAY = dt.date(2026, 3, 4)
pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(gear):
    """A sent order for 100 gears with 11 kg powder at V."""
    production = gear.released("PO-1", "100")
    order = services.subcontracting_order_send(
        order=SubcontractingOrder.objects.get(lines__production_order=production)
    )
    line = order.lines.get()
    powder = production.components.get(item=gear.powder)
    services.material_shipment_post(
        order=order,
        direction="shipment",
        warehouse=gear.company.main,
        lines=[services.MaterialLineDraft(order_line=line, component=powder, quantity=D("11"))],
        posting_date=DAY,
        source_key="ship-1",
    )
    return order, line, powder


def test_shipment_and_return_move_value_between_warehouse_and_vendor(gear, sent, purchasing):
    order, line, powder = sent
    assert account_balances_by_account_number()["1320"] == D("220.00")
    response = purchasing.post(
        f"{API}/returns/",
        {
            "order": order.pk,
            "warehouse": gear.company.main.pk,
            "posting_date": DAY.isoformat(),
            "lines": [{"order_line": line.pk, "component": powder.pk, "quantity": "1"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["direction"] == "return"
    (row,) = selectors.material_at_vendors(vendor=gear.vendor)
    assert (row.sent, row.returned, row.consumed, row.on_hand, row.value) == (
        D("11"),
        D("1"),
        D("0"),
        D("10"),
        D("200.00"),
    )
    assert account_balances_by_account_number()["1320"] == D("200.00")
    material = purchasing.get(f"{API}/orders/{order.pk}/material/").json()
    assert material == [
        {
            "order_line": line.pk,
            "component": powder.pk,
            "item": "POWDER",
            "shipped": "11.000000",
            "returned": "1.000000",
            "net": "10.000000",
        }
    ]
    # More than is there cannot come back: 400 naming the line's quantity, nothing written.
    before = ItemLedgerEntry.objects.count()
    response = purchasing.post(
        f"{API}/returns/",
        {
            "order": order.pk,
            "warehouse": gear.company.main.pk,
            "posting_date": DAY.isoformat(),
            "lines": [{"order_line": line.pk, "component": powder.pk, "quantity": "10.5"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "lines[0].quantity" in response.json()
    assert ItemLedgerEntry.objects.count() == before


def test_rejected_goods_stay_open(sent):
    order, line, _ = sent
    receipt = services.subcontracting_receipt_post(
        order_line=line,
        posting_date=DAY,
        source_key="r-1",
        good_quantity=D("60"),
        rejected_quantity=D("5"),
    )
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.received_quantity, line.rejected_quantity, line.open_quantity) == (
        D("60"),
        D("5"),
        D("40"),
    )
    assert order.status == "partly_received"
    assert CapacityLedgerEntry.objects.get(posting=receipt.posting).quantity == D("60")


def test_repeated_source_keys_post_once(sent, gear):
    order, line, powder = sent
    first = services.subcontracting_receipt_post(
        order_line=line, posting_date=DAY, source_key="r-1", good_quantity=D("50")
    )
    again = services.subcontracting_receipt_post(
        order_line=line, posting_date=DAY, source_key="r-1", good_quantity=D("50")
    )
    assert first.pk == again.pk
    line.refresh_from_db()
    assert line.received_quantity == D("50")
    shipment = services.material_shipment_post(
        order=order,
        direction="shipment",
        warehouse=gear.company.main,
        lines=[services.MaterialLineDraft(order_line=line, component=powder, quantity=D("11"))],
        posting_date=DAY,
        source_key="ship-1",
    )
    assert MaterialShipment.objects.get() == shipment
    invoice_args = {
        "vendor": gear.vendor,
        "vendor_invoice_no": "I-1",
        "invoice_date": DAY,
        "posting_date": DAY,
        "lines": [services.InvoiceLineDraft(receipt=first, quantity=D("50"), unit_price=D("4.2"))],
        "source_key": "i-1",
    }
    invoice = services.vendor_invoice_post(**invoice_args)
    assert services.vendor_invoice_post(**invoice_args) == invoice
    assert VendorInvoice.objects.count() == 1
    assert account_balances_by_account_number()["2000"] == D("-210.00")


def test_partial_invoices_share_the_applied_amount_to_the_cent(sent, gear):
    order, line, _ = sent
    receipt = services.subcontracting_receipt_post(
        order_line=line, posting_date=DAY, source_key="r-1", good_quantity=D("3")
    )
    # The receipt applied 3 x 4.00 = 12.00; three invoices of one unit each.
    amounts = []
    for n, price in enumerate(["4.10", "4.10", "3.90"], start=1):
        invoice = services.vendor_invoice_post(
            vendor=gear.vendor,
            vendor_invoice_no=f"I-{n}",
            invoice_date=DAY,
            posting_date=DAY,
            lines=[
                services.InvoiceLineDraft(receipt=receipt, quantity=D("1"), unit_price=D(price))
            ],
            source_key=f"i-{n}",
        )
        (row,) = invoice.lines.all()
        amounts.append((row.amount, row.applied_amount, row.price_difference))
    assert amounts == [
        (D("4.10"), D("4.00"), D("0.10")),
        (D("4.10"), D("4.00"), D("0.10")),
        (D("3.90"), D("4.00"), D("-0.10")),
    ]
    service = CapacityLedgerEntry.objects.get(posting=receipt.posting)
    total = sum(
        (
            v.cost_amount_actual + v.cost_amount_expected
            for v in ValueEntry.objects.filter(capacity_ledger_entry=service)
        ),
        D("0"),
    )
    assert total == D("12.10")  # the invoices' 4.10 + 4.10 + 3.90
    balances = account_balances_by_account_number()
    assert (balances["5220"], balances["2000"]) == (D("0.00"), D("-12.10"))
    with pytest.raises(BusinessError) as error:
        services.vendor_invoice_post(
            vendor=gear.vendor,
            vendor_invoice_no="I-4",
            invoice_date=DAY,
            posting_date=DAY,
            lines=[
                services.InvoiceLineDraft(receipt=receipt, quantity=D("0.5"), unit_price=D("4"))
            ],
            source_key="i-4",
        )
    assert error.value.field == "lines[0].quantity"
    order.refresh_from_db()
    assert order.status == "partly_received"
    services.subcontracting_order_close(order=order)
    order.refresh_from_db()
    assert order.status == "closed"


# --------------------------------------------------------------------------- purchasing API


def test_purchasing_creates_sends_and_cancels_an_order(gear, purchasing):
    Vendor.objects.filter(pk=gear.vendor.pk).update(order_creation="worksheet")
    production = gear.released("PO-1", "100")
    operation = production.operations.get(operation_no=20)
    response = purchasing.post(
        f"{API}/orders/",
        {
            "vendor": gear.vendor.pk,
            "order_date": "2026-03-03",
            "lines": [{"operation": operation.pk}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    order = response.json()
    assert (order["status"], order["lines"][0]["unit_price"], order["lines"][0]["quantity"]) == (
        "draft",
        "4.000000",
        "100.000000",
    )
    # The proposal release made for the operation is gone once the operation is ordered.
    assert WorksheetProposal.objects.get().status == "rejected"
    sent = purchasing.post(f"{API}/orders/{order['id']}/send/", {}, format="json")
    assert sent.json()["status"] == "sent"
    cancelled = purchasing.post(f"{API}/orders/{order['id']}/cancel/", {}, format="json")
    assert cancelled.json()["status"] == "cancelled"
    # Ordering the same operation twice is refused while the first line is live.
    again = purchasing.post(
        f"{API}/orders/",
        {
            "vendor": gear.vendor.pk,
            "order_date": "2026-03-03",
            "lines": [{"operation": operation.pk}],
        },
        format="json",
    )
    assert again.status_code == 201  # the first order was cancelled
    duplicate = purchasing.post(
        f"{API}/orders/",
        {
            "vendor": gear.vendor.pk,
            "order_date": "2026-03-03",
            "lines": [{"operation": operation.pk}],
        },
        format="json",
    )
    assert duplicate.status_code == 400
    assert "lines[0].operation" in duplicate.json()


def test_worksheet_refresh_confirm_and_reject_through_the_api(gear, purchasing):
    Vendor.objects.filter(pk=gear.vendor.pk).update(order_creation="worksheet")
    gear.released("PO-1", "100")
    gear.released("PO-2", "50")
    WorksheetProposal.objects.all().delete()
    refreshed = purchasing.post(
        f"{API}/worksheet/refresh/", {"on_date": "2026-03-03"}, format="json"
    )
    assert refreshed.status_code == 201
    proposals = sorted(refreshed.json(), key=lambda p: p["production_order"])
    assert [(p["production_order"], p["quantity"]) for p in proposals] == [
        ("PO-1", "100.000000"),
        ("PO-2", "50.000000"),
    ]
    listed = purchasing.get(f"{API}/worksheet/", {"status": "proposed", "vendor": "V"}).json()
    assert listed["count"] == 2
    rejected = purchasing.post(
        f"{API}/worksheet/reject/", {"proposals": [proposals[1]["id"]]}, format="json"
    )
    assert [p["status"] for p in rejected.json()] == ["rejected"]
    confirmed = purchasing.post(
        f"{API}/worksheet/confirm/",
        {"proposals": [proposals[0]["id"]], "order_date": "2026-03-03"},
        format="json",
    )
    assert confirmed.status_code == 201
    (order,) = confirmed.json()
    assert [line["production_order"] for line in order["lines"]] == ["PO-1"]


def test_staff_without_model_permissions_and_anonymous_users_are_refused(gear):
    gear.released("PO-1")
    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client = APIClient()
    client.force_authenticate(clerk)
    assert client.get(f"{API}/orders/").status_code == 403
    assert APIClient().get(f"{API}/orders/").status_code in (401, 403)
    assert APIClient().get(f"{API}/vendor/orders/").status_code == 401
