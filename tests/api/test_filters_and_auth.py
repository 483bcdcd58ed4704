"""One naming for filters (old names kept as aliases), getting a token, the admin's name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ledger.models import JournalEntry
from mfgcost.demo import demo_run
from mfgcost.inventory.models import Location
from mfgcost.items.models import Item, StandardCost
from mfgcost.production.models import ProductionOrder
from mfgcost.production.services import production_order_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_run(log=lambda _line: None)
    shelf = Item.objects.get(number="DEMO-SHELF")
    main = Location.objects.get(code="MAIN")
    # Two planned orders due on either side of the demo's, so a due-date filter narrows.
    for number, due in (("PO-9001", dt.date(2026, 11, 5)), ("PO-9002", dt.date(2026, 12, 7))):
        production_order_create(
            number=number, item=shelf, quantity="5", location=main, due_date=due
        )


def rows(api, url, params):
    response = api.get(url, {**params, "limit": 500})
    assert response.status_code == 200, response.data
    return response.data["count"], [row["id"] for row in response.data["results"]]


def test_old_and_new_date_filter_names_give_the_same_rows(demo, api):
    entry_dates = sorted(set(JournalEntry.objects.values_list("posting_date", flat=True)))
    middle = entry_dates[len(entry_dates) // 2]
    cases = [
        # (list, old name, new name, value, rows the filter must give)
        (
            "/api/production/orders/",
            "due_from",
            "due_date_after",
            dt.date(2026, 11, 1),
            ProductionOrder.objects.filter(due_date__gte=dt.date(2026, 11, 1)),
        ),
        (
            "/api/production/orders/",
            "due_to",
            "due_date_before",
            dt.date(2026, 11, 5),
            ProductionOrder.objects.filter(due_date__lte=dt.date(2026, 11, 5)),
        ),
        (
            "/api/ledger/journal-entries/",
            "posting_date_from",
            "posting_date_after",
            middle,
            JournalEntry.objects.filter(posting_date__gte=middle),
        ),
        (
            "/api/ledger/journal-entries/",
            "posting_date_to",
            "posting_date_before",
            middle,
            JournalEntry.objects.filter(posting_date__lte=middle),
        ),
    ]
    for url, old, new, value, expected in cases:
        total, _ = rows(api, url, {})
        old_rows = rows(api, url, {old: value.isoformat()})
        new_rows = rows(api, url, {new: value.isoformat()})
        assert old_rows == new_rows, (url, old, new)
        assert old_rows[0] == expected.count(), (url, old)
        assert 0 < old_rows[0] < total, (url, old, "the filter must narrow the list")


def test_old_and_new_activation_date_names_give_the_same_rows(demo, api):
    dates = sorted(set(StandardCost.objects.values_list("activation_date", flat=True)))
    on = dates[0]
    for old, new, expected in (
        ("activation_date__gte", "activation_date_after", {"activation_date__gte": on}),
        ("activation_date__lte", "activation_date_before", {"activation_date__lte": on}),
    ):
        old_rows = rows(api, "/api/items/standard-costs/", {old: on.isoformat()})
        new_rows = rows(api, "/api/items/standard-costs/", {new: on.isoformat()})
        assert old_rows == new_rows
        assert old_rows[0] == StandardCost.objects.filter(**expected).count() > 0
    before = (on - dt.timedelta(days=1)).isoformat()
    assert rows(api, "/api/items/standard-costs/", {"activation_date_before": before})[0] == 0
    assert rows(api, "/api/items/standard-costs/", {"activation_date__lte": before})[0] == 0


def test_search_finds_text_in_numbers_and_descriptions(demo, api):
    count, ids = rows(api, "/api/items/items/", {"search": "STEEL sheet"})
    assert ids == list(
        Item.objects.filter(description__icontains="steel sheet").values_list("pk", flat=True)
    )
    assert count == 1
    count, _ = rows(api, "/api/production/orders/", {"search": "po-900"})
    assert count == 2  # PO-9001 and PO-9002, case-insensitive
    assert rows(api, "/api/ledger/accounts/", {"search": "no such account"})[0] == 0


def test_a_token_for_a_username_and_password(db):
    user = get_user_model().objects.create_user("buyer", password="s3cret-pa55", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_item"))
    client = APIClient()

    response = client.post(
        "/api/auth/token/", {"username": "buyer", "password": "s3cret-pa55"}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.data == {"token": Token.objects.get(user=user).key}
    again = client.post(
        "/api/auth/token/", {"username": "buyer", "password": "s3cret-pa55"}, format="json"
    )
    assert again.data == response.data  # the same token on every login
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    assert client.get("/api/items/items/").status_code == 200


def test_wrong_credentials_get_a_400_and_no_token(db):
    get_user_model().objects.create_user("buyer", password="s3cret-pa55")

    response = APIClient().post(
        "/api/auth/token/", {"username": "buyer", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.data) == ["non_field_errors"]
    assert not Token.objects.exists()


def test_the_admin_names_the_product_and_view_site_leads_to_the_api_docs(db, client):
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(admin)

    page = client.get("/admin/").content.decode()

    assert "<title>Manufacturing costing | mfgcost</title>" in page
    assert '<div id="site-name"><a href="/admin/">mfgcost</a></div>' in page
    assert "Django administration" not in page
    assert 'href="/api/docs/"' in page  # "View site"
    home = client.get("/")
    assert (home.status_code, home["Location"]) == (302, "/api/docs/")
    assert client.get("/api/docs/").status_code == 200


def test_an_unknown_api_path_answers_json_and_other_paths_the_plain_page(db, client):
    api_miss = client.get("/api/items/items/12/34/")
    assert (api_miss.status_code, api_miss["Content-Type"]) == (404, "application/json")
    assert api_miss.json() == {"detail": "Not found."}
    page_miss = client.get("/no-such-page/")
    assert page_miss.status_code == 404
    assert page_miss["Content-Type"].startswith("text/html")
