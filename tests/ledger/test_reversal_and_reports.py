"""Reversal of manual entries, the trial balance and balances by dimension."""

import datetime as dt

from ledger.models import JournalEntry, Period
from ledger.services import period_close

from .support import (
    ENTRIES_URL,
    entry_payload,
    ledger_rows,
    line,
    post_subledger,
    salaries_payload,
)

TRIAL_BALANCE_URL = "/api/ledger/trial-balance/"
DIMENSIONS_URL = "/api/ledger/balances-by-dimension/"


def reverse_url(entry_id: int) -> str:
    return f"{ENTRIES_URL}{entry_id}/reverse/"


def test_reversal_mirrors_the_lines(company, api, assembly, pump):
    payload = entry_payload(
        line("6100", debit="1000.00", cost_center="ASSEMBLY", description="March wages"),
        line("5000", debit="0.01", cost_object="PUMP"),
        line("2000", credit="1000.01"),
    )
    entry = api.post(ENTRIES_URL, payload, format="json").data

    response = api.post(reverse_url(entry["id"]), {"posting_date": "2026-03-31"}, format="json")

    assert response.status_code == 201, response.data
    reversal = response.data
    assert reversal["reversal_of"] == entry["id"]
    assert reversal["posting_date"] == "2026-03-31"
    assert reversal["number"] == 2
    assert [
        (row["account"], row["debit"], row["credit"], row["cost_center"], row["cost_object"])
        for row in reversal["lines"]
    ] == [
        ("6100", "0.00", "1000.00", "ASSEMBLY", None),
        ("5000", "0.00", "0.01", None, "PUMP"),
        ("2000", "1000.01", "0.00", None, None),
    ]
    assert reversal["lines"][0]["description"] == "March wages"
    assert api.get(f"{ENTRIES_URL}{entry['id']}/").data["reversed_by"] == reversal["id"]


def test_an_entry_is_reversed_at_most_once(company, api, assembly):
    entry = api.post(ENTRIES_URL, salaries_payload(), format="json").data
    first = api.post(reverse_url(entry["id"]), {}, format="json")
    before = ledger_rows()

    again = api.post(reverse_url(entry["id"]), {}, format="json")
    of_reversal = api.post(reverse_url(first.data["id"]), {}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data["id"] == first.data["id"]
    assert of_reversal.status_code == 409
    assert "itself a reversal" in of_reversal.data["entry"][0]
    assert ledger_rows() == before
    assert JournalEntry.objects.filter(reversal_of_id=entry["id"]).count() == 1


def test_a_subledger_entry_is_not_reversed_from_the_ledger(company, api):
    entry = post_subledger(company, source_key="inventory:receipt:1", amount="250.50")

    response = api.post(reverse_url(entry.pk), {}, format="json")

    assert response.status_code == 409
    assert "inventory:receipt:1" in response.data["entry"][0]
    assert JournalEntry.objects.count() == 1


def test_reversal_into_a_closed_period_is_refused(company, api, assembly):
    entry = api.post(ENTRIES_URL, salaries_payload(), format="json").data
    period_close(period=Period.objects.get(name="2026-03"))
    before = ledger_rows()

    refused = api.post(reverse_url(entry["id"]), {}, format="json")
    in_april = api.post(reverse_url(entry["id"]), {"posting_date": "2026-04-01"}, format="json")

    assert refused.status_code == 400
    assert "2026-03" in refused.data["posting_date"][0]
    assert in_april.status_code == 201
    assert ledger_rows()[0] == before[0] + 1


def post_mixed_month(company, api):
    """Manual salaries (reversed at month end), a sub-ledger receipt, an April manual entry."""
    salaries = api.post(ENTRIES_URL, salaries_payload(), format="json").data
    api.post(reverse_url(salaries["id"]), {"posting_date": "2026-03-31"}, format="json")
    post_subledger(company, source_key="inventory:receipt:7", amount="250.50")
    api.post(
        ENTRIES_URL,
        entry_payload(
            line("5000", debit="99.99"),
            line("6300", debit="0.01", cost_center="ASSEMBLY"),
            line("3000", credit="100.00"),
            posting_date="2026-04-10",
        ),
        format="json",
    )


def test_trial_balance_sums_to_zero_after_mixed_postings(company, api, assembly):
    post_mixed_month(company, api)

    response = api.get(TRIAL_BALANCE_URL)

    assert response.status_code == 200
    rows = [
        (row["account"], row["debit"], row["credit"], row["balance"])
        for row in response.data["rows"]
    ]
    assert rows == [
        ("1300", "250.50", "0.00", "250.50"),
        ("2000", "1000.00", "1000.00", "0.00"),
        ("2100", "0.00", "250.50", "-250.50"),
        ("3000", "0.00", "100.00", "-100.00"),
        ("5000", "99.99", "0.00", "99.99"),
        ("6100", "1000.00", "1000.00", "0.00"),
        ("6300", "0.01", "0.00", "0.01"),
    ]
    assert response.data["totals"] == {"debit": "2350.50", "credit": "2350.50", "balance": "0.00"}


def test_trial_balance_takes_a_date_range(company, api, assembly):
    post_mixed_month(company, api)

    march = api.get(TRIAL_BALANCE_URL, {"date_to": "2026-03-31"}).data
    april = api.get(TRIAL_BALANCE_URL, {"date_from": "2026-04-01", "date_to": "2026-04-30"}).data

    assert [row["account"] for row in march["rows"]] == ["1300", "2000", "2100", "6100"]
    assert march["totals"] == {"debit": "2250.50", "credit": "2250.50", "balance": "0.00"}
    assert april["date_from"] == "2026-04-01"
    assert april["totals"] == {"debit": "100.00", "credit": "100.00", "balance": "0.00"}


def test_trial_balance_refuses_a_bad_range(company, api):
    backwards = api.get(TRIAL_BALANCE_URL, {"date_from": "2026-04-01", "date_to": "2026-03-01"})
    malformed = api.get(TRIAL_BALANCE_URL, {"date_from": "April"})

    assert backwards.status_code == malformed.status_code == 400
    assert "date_to" in backwards.data
    assert "date_from" in malformed.data


def test_balances_by_cost_center(company, api, assembly):
    post_mixed_month(company, api)

    response = api.get(DIMENSIONS_URL, {"dimension": "cost_center", "date_to": "2026-04-30"})
    only_energy = api.get(DIMENSIONS_URL, {"dimension": "cost_center", "account": "6300"})

    assert response.status_code == 200
    with_centre = [
        (row["account"], row["code"], row["debit"], row["credit"], row["balance"])
        for row in response.data["rows"]
        if row["code"] is not None
    ]
    assert with_centre == [
        ("6100", "ASSEMBLY", "1000.00", "1000.00", "0.00"),
        ("6300", "ASSEMBLY", "0.01", "0.00", "0.01"),
    ]
    assert [(row["account"], row["code"]) for row in only_energy.data["rows"]] == [
        ("6300", "ASSEMBLY")
    ]


def test_balances_by_dimension_validates_its_query(company, api):
    response = api.get(DIMENSIONS_URL, {"dimension": "colour", "account": "9999"})

    assert response.status_code == 400
    assert set(response.data) == {"dimension", "account"}


def test_reports_need_the_view_permission(company, db):
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(User.objects.create_user("nobody"))

    assert client.get(TRIAL_BALANCE_URL).status_code == 403
    assert client.get(DIMENSIONS_URL, {"dimension": "cost_center"}).status_code == 403


def test_posting_date_is_kept_as_sent(company, api, assembly):
    response = api.post(ENTRIES_URL, salaries_payload(posting_date="2026-12-31"), format="json")

    assert response.data["period"] == "2026-12"
    assert JournalEntry.objects.get().posting_date == dt.date(2026, 12, 31)
