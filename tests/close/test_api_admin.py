"""The close API (start 202, read, list, 409 while running, reopen, preview) and the cockpit."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from mfgcost.close.models import CloseRun
from tests.close.test_preview import counts, steel_in_two_orders_and_a_sale  # noqa: F401


def test_start_answers_202_with_the_run_url_and_runs_the_close(
    api, small_month, march_period, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/close/runs/", {"period": "2026-03"}, format="json")

    assert response.status_code == 202
    body = response.json()
    assert body["url"].endswith(f"/api/close/runs/{body['id']}/")
    assert response["Location"] == body["url"]
    run = api.get(body["url"]).json()
    assert run["status"] == "done" and run["period"] == "2026-03"
    assert [s["name"] for s in run["steps"]] == [
        "readiness",
        "adjust_cost",
        "backflush_costing",
        "cost_accounting",
        "reconciliation",
        "period_close",
    ]
    assert run["steps"][5]["counts"] == {"closed": 1}
    listing = api.get("/api/close/runs/").json()
    assert [r["id"] for r in listing["results"]] == [body["id"]]


def test_second_start_while_one_runs_is_409_naming_period(api, small_month, march_period):
    # Without running the on-commit callbacks the first run stays pending.
    assert api.post("/api/close/runs/", {"period": "2026-03"}, format="json").status_code == 202
    response = api.post("/api/close/runs/", {"period": "2026-03"}, format="json")
    assert response.status_code == 409
    assert "period" in response.json()
    assert CloseRun.objects.count() == 1


def test_unknown_period_is_400_naming_period(api, company):
    response = api.post("/api/close/runs/", {"period": "1999-01"}, format="json")
    assert response.status_code == 400 and "period" in response.json()


def test_starting_needs_the_permission(company, django_user_model):
    user = django_user_model.objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_closerun"))
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/close/runs/").status_code == 200
    assert client.post("/api/close/runs/", {"period": "2026-03"}, format="json").status_code == 403
    assert (
        client.post("/api/close/reopen/", {"period": "2026-03", "reason": "x"}).status_code == 403
    )


def test_preview_api_posts_nothing(api, steel_in_two_orders_and_a_sale):  # noqa: F811
    receipt = steel_in_two_orders_and_a_sale[0]
    before = counts()
    response = api.post(
        "/api/close/preview/invoice/",
        {
            "receipt_entry": receipt.pk,
            "quantity": "30",
            "unit_price": "5.50",
            "posting_date": "2026-03-08",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    by_account = {row["account"]: row["amount"] for row in response.json()["accounts"]}
    assert by_account["5000"] == "1.20" and by_account["1300"] == "1.80"
    assert counts() == before
    bad = api.post(
        "/api/close/preview/invoice/",
        {
            "receipt_entry": receipt.pk,
            "quantity": "31",
            "unit_price": "5.50",
            "posting_date": "2026-03-08",
        },
        format="json",
    )
    assert bad.status_code == 400 and "quantity" in bad.json()
    assert counts() == before


@pytest.fixture
def admin_client_logged_in(db, client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "b@example.com", "pw")
    client.force_login(user)
    return client


def test_cockpit_shows_progress_bars_and_refreshes_while_running(
    admin_client_logged_in, small_month, march_period
):
    from mfgcost.close.services import close_run_start

    run = close_run_start(period=march_period)  # pending: its chain waits for the commit
    page = admin_client_logged_in.get(f"/admin/close/closerun/{run.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in html
    # A bar per step: readiness, Adjust Cost, backflush costing (with lean), cost accounting,
    # reconciliation, period close.
    steps = list(run.steps.values_list("name", flat=True))
    assert len(steps) >= 5 and html.count('class="close-bar') == len(steps)


def test_admin_preview_page(admin_client_logged_in, steel_in_two_orders_and_a_sale):  # noqa: F811
    receipt = steel_in_two_orders_and_a_sale[0]
    listing = admin_client_logged_in.get("/admin/close/closerun/").content.decode()
    assert "/admin/close/closerun/preview-invoice/" in listing
    before = counts()
    page = admin_client_logged_in.post(
        "/admin/close/closerun/preview-invoice/",
        {
            "receipt_entry": receipt.pk,
            "quantity": "30",
            "unit_price": "5.50",
            "posting_date": "2026-03-08",
        },
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cost of goods sold" in html and "1.20" in html
    assert counts() == before
