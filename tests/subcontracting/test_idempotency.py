"""Idempotency keys on the vendor side and on a receipt that posts to the ledgers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledger.models import JournalEntry
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.services import purchase_receipt_post
from subcontracting import services
from subcontracting.models import (
    IdempotencyKey,
    ShipmentNotice,
    SubcontractingOrder,
    SubcontractingReceipt,
    VendorReport,
)

from .conftest import vendor_token_client

D = Decimal
API = "/api/subcontracting"
DAY = dt.date(2026, 3, 4)
pytestmark = pytest.mark.django_db


def written() -> dict[str, int]:
    models = [
        ItemLedgerEntry,
        ValueEntry,
        JournalEntry,
        SubcontractingReceipt,
        VendorReport,
        ShipmentNotice,
        IdempotencyKey,
    ]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def sent(gear):
    production = gear.released("PO-1", "100")
    order = SubcontractingOrder.objects.get(lines__production_order=production)
    return services.subcontracting_order_send(order=order)


def test_a_vendor_key_reused_with_another_body_or_path_is_422(gear, sent):
    line = sent.lines.get()
    client = vendor_token_client(gear.vendor)
    url = f"{API}/vendor/orders/{sent.pk}/reports/"
    headers = {"HTTP_IDEMPOTENCY_KEY": "report-7"}
    first = client.post(
        url, {"order_line": line.pk, "good_quantity": "40"}, format="json", **headers
    )
    assert first.status_code == 201, first.content
    after = written()

    other = client.post(
        url, {"order_line": line.pk, "good_quantity": "41"}, format="json", **headers
    )
    assert other.status_code == 422
    assert list(other.json()) == ["idempotency_key"]
    elsewhere = client.post(
        f"{API}/vendor/orders/{sent.pk}/shipment-notices/",
        {"shipped_on": "2026-03-05", "lines": [{"order_line": line.pk, "quantity": "40"}]},
        format="json",
        **headers,
    )
    assert elsewhere.status_code == 422
    assert written() == after
    again = client.post(
        url, {"order_line": line.pk, "good_quantity": "40"}, format="json", **headers
    )
    assert (again.status_code, again.json()) == (201, first.json())
    assert VendorReport.objects.get().good_quantity == D("40")


def test_a_receipt_posted_twice_with_one_key_posts_to_the_ledgers_once(gear, sent, purchasing):
    purchase_receipt_post(
        item=gear.powder,
        location=gear.company.main,
        quantity=D("10"),
        unit_cost=D("20.00"),
        posting_date=DAY,
        source_key="idem:powder",
    )
    line = sent.lines.get()
    services.material_shipment_post(
        order=sent,
        direction="shipment",
        warehouse=gear.company.main,
        lines=[
            services.MaterialLineDraft(
                order_line=line,
                component=line.production_order.components.get(item=gear.powder),
                quantity=D("10"),
            )
        ],
        posting_date=DAY,
        source_key="idem:ship",
    )
    body = {"order_line": line.pk, "posting_date": DAY.isoformat(), "good_quantity": "60"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "receipt-60"}
    first = purchasing.post(f"{API}/receipts/", body, format="json", **headers)
    assert first.status_code == 201, first.content
    after = written()
    second = purchasing.post(f"{API}/receipts/", body, format="json", **headers)
    assert (second.status_code, second.json()) == (201, first.json())
    assert second["Idempotent-Replayed"] == "true"
    assert written() == after
    line.refresh_from_db()
    assert line.received_quantity == D("60")
    # 60 good at 4.00 into WIP once; 60 x 0.1 kg powder consumed at V once.
    service = ValueEntry.objects.get(capacity_ledger_entry__capacity_type="subcontracting")
    assert service.cost_amount_actual == D("240.00")
    consumed = ItemLedgerEntry.objects.get(entry_type="consumption", item=gear.powder)
    assert consumed.quantity == D("-6")
