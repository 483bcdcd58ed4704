"""Accounts, dimensions, fiscal years and periods through the API."""

import datetime as dt

from ledger.models import Account, CostCenter, FiscalYear, Period

from .support import ENTRIES_URL, salaries_payload

ACCOUNTS_URL = "/api/ledger/accounts/"
PERIODS_URL = "/api/ledger/periods/"
YEARS_URL = "/api/ledger/fiscal-years/"


def account_payload(**fields) -> dict:
    payload = {
        "number": "6400",
        "name": "Maintenance",
        "account_type": "expense",
        "statement": "pl",
        "cost_center_rule": "required",
        "cost_object_rule": "not_allowed",
    }
    payload.update(fields)
    return payload


def test_account_create_read_update_delete(company, api):
    created = api.post(ACCOUNTS_URL, account_payload(), format="json")
    url = f"{ACCOUNTS_URL}{created.data['id']}/"

    renamed = api.patch(url, {"name": "Repairs and maintenance"}, format="json")
    listed = api.get(ACCOUNTS_URL, {"number": "64"})
    deleted = api.delete(url)

    assert created.status_code == 201, created.data
    assert created.data["direct_posting"] is True
    assert renamed.data["name"] == "Repairs and maintenance"
    assert [row["number"] for row in listed.data["results"]] == ["6400"]
    assert deleted.status_code == 204
    assert not Account.objects.filter(number="6400").exists()


def test_account_statement_must_match_its_type(company, api):
    response = api.post(ACCOUNTS_URL, account_payload(statement="bs"), format="json")

    assert response.status_code == 400
    assert "statement" in response.data
    assert not Account.objects.filter(number="6400").exists()


def test_account_with_postings_cannot_be_deleted(company, api, assembly):
    api.post(ENTRIES_URL, salaries_payload(), format="json")
    account = Account.objects.get(number="6100")

    response = api.delete(f"{ACCOUNTS_URL}{account.pk}/")

    assert response.status_code == 409
    assert "block it instead" in response.data["non_field_errors"][0]
    assert Account.objects.filter(pk=account.pk).exists()


def test_reading_accounts_needs_the_view_permission(company, db):
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(User.objects.create_user("outsider"))

    assert client.get(ACCOUNTS_URL).status_code == 403


def test_cost_centres_and_objects_are_listed(company, api, assembly, pump):
    centres = api.get("/api/ledger/cost-centers/", {"kind": "production"})
    objects = api.get("/api/ledger/cost-objects/")

    assert [row["code"] for row in centres.data["results"]] == ["ASSEMBLY"]
    assert [row["code"] for row in objects.data["results"]] == ["PUMP"]


def test_cost_centre_needs_the_add_permission(company, api):
    response = api.post("/api/ledger/cost-centers/", {"code": "PAINT", "name": "Paint"})

    assert response.status_code == 403
    assert not CostCenter.objects.exists()


def test_close_and_reopen_a_period(company, api, bookkeeper):
    period = Period.objects.get(name="2026-03")

    closed = api.post(f"{PERIODS_URL}{period.pk}/close/")
    refused = api.post(ENTRIES_URL, salaries_payload(), format="json")
    reopened = api.post(f"{PERIODS_URL}{period.pk}/reopen/")

    assert closed.status_code == 200
    assert (closed.data["status"], closed.data["closed_by"]) == ("closed", "bookkeeper")
    assert refused.status_code == 400
    assert (reopened.data["status"], reopened.data["closed_at"]) == ("open", None)
    assert Period.objects.get(pk=period.pk).is_open


def test_periods_filter_by_date_and_status(company, api):
    holding = api.get(PERIODS_URL, {"date": "2026-07-15"})
    open_2026 = api.get(PERIODS_URL, {"fiscal_year": "2026", "status": "open"})

    assert [row["name"] for row in holding.data["results"]] == ["2026-07"]
    assert open_2026.data["count"] == 12


def test_closing_a_period_needs_the_change_permission(company, db):
    from django.contrib.auth.models import Permission, User
    from rest_framework.test import APIClient

    reader = User.objects.create_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_period"))
    client = APIClient()
    client.force_authenticate(reader)
    period = Period.objects.get(name="2026-03")

    assert client.get(f"{PERIODS_URL}{period.pk}/").status_code == 200
    assert client.post(f"{PERIODS_URL}{period.pk}/close/").status_code == 403
    assert Period.objects.get(pk=period.pk).is_open


def test_fiscal_year_is_created_with_twelve_periods(company, api):
    response = api.post(YEARS_URL, {"code": "2027", "start_date": "2027-01-01"}, format="json")

    assert response.status_code == 201, response.data
    assert response.data["end_date"] == "2027-12-31"
    names = [period["name"] for period in response.data["periods"]]
    assert (names[0], names[-1]) == ("2027-01", "2027-12")
    assert len(names) == 12
    february = Period.objects.get(name="2027-02")
    assert (february.start_date, february.end_date) == (dt.date(2027, 2, 1), dt.date(2027, 2, 28))


def test_overlapping_or_misdated_fiscal_years_are_refused(company, api):
    overlap = api.post(YEARS_URL, {"code": "2026B", "start_date": "2026-07-01"}, format="json")
    mid_month = api.post(YEARS_URL, {"code": "2027", "start_date": "2027-01-15"}, format="json")
    same_code = api.post(YEARS_URL, {"code": "2026", "start_date": "2027-01-01"}, format="json")

    assert overlap.status_code == mid_month.status_code == same_code.status_code == 400
    assert "overlaps" in overlap.data["start_date"][0]
    assert "first of a month" in mid_month.data["start_date"][0]
    assert "already exists" in same_code.data["code"][0]
    assert FiscalYear.objects.count() == 1
    assert Period.objects.count() == 12


def test_journals_are_listed(company, api):
    response = api.get("/api/ledger/journals/")

    assert {row["code"] for row in response.data["results"]} >= {"GEN", "INV", "PROD"}
