"""Admin: the worksheet page confirms proposals; order actions send and receive."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from mfgcost.inventory.services import purchase_receipt_post
from subcontracting import services
from subcontracting.models import (
    SubcontractingOrder,
    SubcontractingReceipt,
    Vendor,
    WorksheetProposal,
)

from .conftest import RELEASE_DAY

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("admin", "a@example.com", "x")
    client.force_login(user)
    return client


def test_worksheet_page_lists_and_confirms_proposals(gear, admin_client, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: RELEASE_DAY)
    Vendor.objects.filter(pk=gear.vendor.pk).update(order_creation="worksheet")
    gear.released("PO-1", "100")
    proposal = WorksheetProposal.objects.get()
    url = reverse("admin:subcontracting_worksheet")
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b"PO-1" in page.content and b"Heat treatment" in page.content
    response = admin_client.post(url, {"proposal": [proposal.pk], "confirm": "1"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "confirmed"
    order = SubcontractingOrder.objects.get()
    assert proposal.order_line.order == order
    assert order.lines.get().quantity == D("100")
    # Every admin page of the app renders.
    for model in ("vendor", "subcontractingorder", "worksheetproposal", "subcontractingreceipt"):
        assert (
            admin_client.get(reverse(f"admin:subcontracting_{model}_changelist")).status_code == 200
        )
    change = reverse("admin:subcontracting_subcontractingorder_change", args=[order.pk])
    assert admin_client.get(change).status_code == 200


def test_order_actions_send_and_receive(gear, admin_client, monkeypatch):
    # The receive action posts on today's date: keep it inside the test's fiscal year.
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: RELEASE_DAY)
    gear.released("PO-1", "100")
    order = SubcontractingOrder.objects.get()
    line = order.lines.get()
    powder = line.production_order.components.get(item=gear.powder)
    changelist = reverse("admin:subcontracting_subcontractingorder_changelist")
    admin_client.post(changelist, {"action": "send_orders", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == "sent"
    purchase_receipt_post(
        item=gear.powder,
        location=gear.company.main,
        quantity=D("10"),
        unit_cost=D("20"),
        posting_date=RELEASE_DAY,
        source_key="admin:powder",
    )
    services.material_shipment_post(
        order=order,
        direction="shipment",
        warehouse=gear.company.main,
        lines=[services.MaterialLineDraft(order_line=line, component=powder, quantity=D("20"))],
        posting_date=RELEASE_DAY,
        source_key="admin:ship",
    )
    services.vendor_report_create(
        order=order, order_line=line, good_quantity=D("97"), scrapped_quantity=D("3")
    )
    admin_client.post(changelist, {"action": "receive_orders", "_selected_action": [order.pk]})
    receipt = SubcontractingReceipt.objects.get()
    assert (receipt.good_quantity, receipt.scrapped_quantity) == (D("97"), D("3"))
    order.refresh_from_db()
    assert order.status == "received"
    # Nothing open any more: receiving again posts nothing.
    admin_client.post(changelist, {"action": "receive_orders", "_selected_action": [order.pk]})
    assert SubcontractingReceipt.objects.count() == 1
