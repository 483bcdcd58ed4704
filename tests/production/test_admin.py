"""Admin: order pages, the release action, and the journals posting through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from mfgcost.inventory.models import ItemLedgerEntry
from mfgcost.production import admin as admin_module
from mfgcost.production import selectors
from mfgcost.production.models import ProductionOrder

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def test_order_pages_render_with_frozen_inlines(admin_client, bracket):
    order = bracket.released()
    assert (
        admin_client.get(reverse("admin:production_productionorder_changelist")).status_code == 200
    )
    page = admin_client.get(reverse("admin:production_productionorder_change", args=[order.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "STEEL" in content and "WELD" in content
    assert reverse("admin:production_order_time", args=[order.pk]) in content


def test_release_action_calls_the_service(admin_client, bracket, monkeypatch):
    monkeypatch.setattr(admin_module.timezone, "localdate", lambda: dt.date(2026, 3, 2))
    order = bracket.order()
    response = admin_client.post(
        reverse("admin:production_productionorder_changelist"),
        {"action": "release", "_selected_action": [order.pk]},
        follow=True,
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.released_on) == ("released", dt.date(2026, 3, 2))
    assert order.components.count() == 2


def test_time_journal_posts_once_and_shows_errors_on_the_field(admin_client, bracket):
    order = bracket.released()
    url = reverse("admin:production_order_time", args=[order.pk])
    assert admin_client.get(url).status_code == 200
    body = {
        "posting_date": "2026-03-03",
        "source_key": "admin:form-1",
        "operation_no": "10",
        "setup_time": "1.5",
        "run_time": "5.5",
        "document_no": "",
    }
    assert admin_client.post(url, body).status_code == 302
    assert admin_client.post(url, body).status_code == 302  # the same form sent again
    assert selectors.operation_progress(order)[0].posted_run_time == D("5.5")
    wrong = admin_client.post(url, {**body, "operation_no": "30", "source_key": "admin:form-2"})
    assert wrong.status_code == 200
    assert "Operation 30 is not on order PO-1" in wrong.content.decode()


def test_consumption_and_output_journals(admin_client, bracket):
    order = bracket.released()
    steel = order.components.get(line_no=10)
    response = admin_client.post(
        reverse("admin:production_order_consumption", args=[order.pk]),
        {
            "posting_date": "2026-03-03",
            "source_key": "admin:c",
            "component": steel.pk,
            "quantity": "21",
            "document_no": "",
        },
    )
    assert response.status_code == 302
    response = admin_client.post(
        reverse("admin:production_order_output", args=[order.pk]),
        {
            "posting_date": "2026-03-03",
            "source_key": "admin:o",
            "quantity": "10",
            "scrap_quantity": "0",
            "document_no": "",
        },
    )
    assert response.status_code == 302
    assert ItemLedgerEntry.objects.filter(order_no="PO-1").count() == 2
    assert ProductionOrder.objects.get().status == "released"
