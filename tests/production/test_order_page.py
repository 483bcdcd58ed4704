"""The order page: release and finish with a posting date, the journals on the page, read-only
once released, quantities without trailing zeros, and actions that say what they did."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from mfgcost.core.admin import decimal_shown
from mfgcost.production.models import ProductionOrder

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def _page(client, order) -> str:
    response = client.get(reverse("admin:production_productionorder_change", args=[order.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _messages(response) -> list[str]:
    """The messages the page after the redirect shows (and so consumes)."""
    assert response.redirect_chain, "expected a redirect back to a page"
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_decimals_are_shown_without_trailing_zeros():
    assert decimal_shown(D("50.000000")) == "50"
    assert decimal_shown(D("2.500000")) == "2.5"
    assert decimal_shown(D("0.400000"), places=2) == "0.40"
    assert decimal_shown(D("35.263333"), places=2) == "35.263333"
    assert decimal_shown(None) == "-"


def test_release_and_finish_from_the_order_page_on_the_dates_given(admin_client, bracket):
    order = bracket.order(quantity="50")
    page = _page(admin_client, order)
    release_url = reverse("admin:production_order_release", args=[order.pk])
    assert release_url in page and 'name="_save"' in page  # planned: still editable
    response = admin_client.post(release_url, {"posting_date": "2026-03-05"}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/{order.pk}/change/")
    assert _messages(response) == ["Released PO-1 on 2026-03-05."]
    order.refresh_from_db()
    assert (order.status, order.released_on) == ("released", dt.date(2026, 3, 5))

    page = _page(admin_client, order)
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert "50.000000" not in page and ">50<" in page.replace("\n", "").replace(" ", "")
    # The three journals are forms on the page, posting to the journal views.
    for kind in ("consumption", "time", "output"):
        assert f'action="{reverse(f"admin:production_order_{kind}", args=[order.pk])}"' in page
    finish_url = reverse("admin:production_order_finish", args=[order.pk])
    assert finish_url in page and release_url not in page

    # Nothing posted yet: the finish is refused, once, with the reason.
    refused = admin_client.post(finish_url, {"posting_date": "2026-03-06"}, follow=True)
    assert _messages(refused) == ["PO-1 not finished: Nothing has been posted on order PO-1."]
    assert ProductionOrder.objects.get(pk=order.pk).status == "released"

    admin_client.post(
        reverse("admin:production_order_time", args=[order.pk]),
        {
            "posting_date": "2026-03-06",
            "source_key": "admin:t1",
            "operation_no": "10",
            "setup_time": "1",
            "run_time": "2",
            "document_no": "",
        },
        follow=True,
    )
    done = admin_client.post(finish_url, {"posting_date": "2026-03-07"}, follow=True)
    assert _messages(done) == ["Finished PO-1 on 2026-03-07."]
    order.refresh_from_db()
    assert (order.status, order.finished_on) == ("finished", dt.date(2026, 3, 7))
    page = _page(admin_client, order)
    assert 'name="_save"' not in page and finish_url not in page


def test_a_bad_posting_date_is_reported_once_and_changes_nothing(admin_client, bracket):
    order = bracket.order()
    response = admin_client.post(
        reverse("admin:production_order_release", args=[order.pk]),
        {"posting_date": "tomorrow"},
        follow=True,
    )
    assert _messages(response) == ["PO-1 not released: posting date: Enter a valid date."]
    assert ProductionOrder.objects.get(pk=order.pk).status == "planned"


def test_release_action_reports_each_order_released_and_refused(admin_client, bracket):
    first, second = bracket.order("PO-1"), bracket.order("PO-2")
    finished = bracket.released("PO-3")
    response = admin_client.post(
        reverse("admin:production_productionorder_changelist"),
        {"action": "release", "_selected_action": [first.pk, second.pk, finished.pk]},
        follow=True,
    )
    (message,) = _messages(response)
    assert message == (
        "Released 2 orders: PO-1, PO-2; 1 refused: PO-3 \u2014 Order PO-3 is already released."
    )
    assert ProductionOrder.objects.filter(status="released").count() == 3


def test_list_shows_quantities_without_trailing_zeros(admin_client, bracket):
    bracket.order(quantity="12.5")
    page = admin_client.get(reverse("admin:production_productionorder_changelist")).content
    assert b"12.5" in page and b"12.500000" not in page
