"""Posting manual journal entries through the API: what is written, and what is refused."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from ledger.models import Account, JournalEntry, Period
from ledger.services import period_close

from .support import ENTRIES_URL, D, entry_payload, ledger_rows, line, salaries_payload


def test_balanced_entry_is_posted_with_lines_and_number(company, api, assembly, bookkeeper):
    response = api.post(ENTRIES_URL, salaries_payload(source_key="payroll-2026-03"), format="json")

    assert response.status_code == 201, response.data
    body = response.data
    assert body["document_number"] == "GEN-2026-000001"
    assert body["source_key"] == "manual:payroll-2026-03"
    assert body["period"] == "2026-03"
    assert body["created_by"] == "bookkeeper"
    assert [
        (row["line_no"], row["account"], row["debit"], row["credit"], row["cost_center"])
        for row in body["lines"]
    ] == [(1, "6100", "1000.00", "0.00", "ASSEMBLY"), (2, "2000", "0.00", "1000.00", None)]
    entry = JournalEntry.objects.get(pk=body["id"])
    assert [line.amount for line in entry.lines.all()] == [D("1000.00"), D("-1000.00")]


def test_next_entry_in_the_journal_takes_the_next_number(company, api, assembly):
    first = api.post(ENTRIES_URL, salaries_payload(), format="json")
    second = api.post(ENTRIES_URL, salaries_payload(), format="json")

    assert (first.data["number"], second.data["number"]) == (1, 2)
    assert first.data["source_key"] != second.data["source_key"]  # random keys without a number


def test_source_key_defaults_to_the_document_number(company, api, assembly):
    response = api.post(ENTRIES_URL, salaries_payload(document_number="PAY-0042"), format="json")

    assert response.status_code == 201
    assert response.data["source_key"] == "manual:GEN:PAY-0042"


def test_repeated_source_key_returns_the_same_entry_and_writes_nothing(company, api, assembly):
    first = api.post(ENTRIES_URL, salaries_payload(source_key="k-1"), format="json")
    before = ledger_rows()

    again = api.post(ENTRIES_URL, salaries_payload(source_key="k-1"), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data["id"] == first.data["id"]
    assert ledger_rows() == before == (1, 2, 1)


def test_unbalanced_entry_is_refused_naming_lines(company, api, assembly):
    payload = entry_payload(line("5000", debit="100.00"), line("2000", credit="99.99"))
    before = ledger_rows()

    response = api.post(ENTRIES_URL, payload, format="json")

    assert response.status_code == 400
    assert "differ by 0.01" in response.data["lines"][0]
    assert ledger_rows() == before


def test_posting_into_a_closed_period_names_the_period(company, api, assembly):
    period_close(period=Period.objects.get(name="2026-03"))
    before = ledger_rows()

    response = api.post(ENTRIES_URL, salaries_payload(), format="json")

    assert response.status_code == 400
    assert "2026-03" in response.data["posting_date"][0]
    assert ledger_rows() == before


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            entry_payload(line("9999", debit="5.00"), line("2000", credit="5.00")),
            "lines[0].account",
            "Account 9999 does not exist.",
        ),
        (
            entry_payload(line("5000", debit="5.00"), line("2000", credit="5.00", cost_center="X")),
            "lines[1].cost_center",
            "Cost centre X does not exist.",
        ),
        (
            entry_payload(line("5000", debit="5.00", cost_object="NOPE"), line("2000", credit="5")),
            "lines[0].cost_object",
            "Cost object NOPE does not exist.",
        ),
        (
            entry_payload(line("5000", debit="12.3.4"), line("2000", credit="5.00")),
            "lines[0].debit",
            "A valid number is required.",
        ),
        (
            entry_payload(line("5000", debit="5.00"), line("2000", credit=5.1)),
            "lines[1].credit",
            "not as a JSON number",
        ),
        (
            entry_payload(line("5000", debit="5.001"), line("2000", credit="5.00")),
            "lines[0].debit",
            "decimal places",
        ),
        (
            entry_payload(line("5000", debit="-5.00"), line("2000", credit="-5.00")),
            "lines[0].debit",
            "greater than or equal to 0",
        ),
        (
            entry_payload(line("5000", debit="5.00", credit="5.00")),
            "lines[0].credit",
            "not both",
        ),
        (
            entry_payload(line("5000"), line("2000")),
            "lines[0].debit",
            "needs a debit or a credit",
        ),
        (
            entry_payload(line("6100", debit="10.00"), line("2000", credit="10.00")),
            "lines[0].cost_center",
            "Account 6100 requires a cost center.",
        ),
        (
            entry_payload(line("4000", debit="10", cost_object="PUMP"), line("2000", credit="10")),
            "lines[0].cost_object",
            "Account 4000 does not allow a cost object.",
        ),
        (
            entry_payload(line("5000", debit="10.00"), line("1300", credit="10.00")),
            "lines[1].account",
            "Account 1300 does not allow direct posting.",
        ),
        (
            entry_payload(line("5100", debit="10.00"), line("2000", credit="10.00")),
            "lines[0].account",
            "Account 5100 is blocked.",
        ),
        (entry_payload(), "lines", "may not be empty"),
        (entry_payload(line("5000", debit="1"), journal="XX"), "journal", "Journal XX does not"),
        (
            entry_payload(line("5000", debit="1"), posting_date="2026-02-30"),
            "posting_date",
            "format",
        ),
        (
            entry_payload(
                line("5000", debit="5.00"), line("2000", credit="5.00"), posting_date="2031-01-05"
            ),
            "posting_date",
            "No fiscal period covers 2031-01-05",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(company, api, pump, payload, field, message):
    Account.objects.filter(number="4000").update(cost_object_rule="not_allowed")
    Account.objects.filter(number="5100").update(blocked=True)
    before = ledger_rows()

    response = api.post(ENTRIES_URL, payload, format="json")

    assert response.status_code == 400, response.data
    assert message in response.data[field][0]
    assert ledger_rows() == before


def test_anonymous_user_can_neither_post_nor_read(company):
    client = APIClient()

    post = client.post(ENTRIES_URL, salaries_payload(), format="json")
    read = client.get(ENTRIES_URL)
    report = client.get("/api/ledger/trial-balance/")

    assert {post.status_code, read.status_code, report.status_code} <= {401, 403}
    assert JournalEntry.objects.count() == 0


def test_user_without_the_permission_cannot_post(company, assembly):
    client = APIClient()
    client.force_authenticate(User.objects.create_user("viewer", is_staff=True))

    response = client.post(ENTRIES_URL, salaries_payload(), format="json")

    assert response.status_code == 403
    assert JournalEntry.objects.count() == 0


def test_entries_are_listed_and_filtered_with_their_lines(company, api, assembly):
    api.post(ENTRIES_URL, salaries_payload(source_key="a"), format="json")
    api.post(
        ENTRIES_URL,
        entry_payload(line("5000", debit="7.50"), line("2000", credit="7.50"), source_key="b"),
        format="json",
    )

    on_6100 = api.get(ENTRIES_URL, {"account": "6100"})
    march = api.get(ENTRIES_URL, {"period": "2026-03", "journal": "GEN"})

    assert on_6100.status_code == 200
    assert [row["source_key"] for row in on_6100.data["results"]] == ["manual:a"]
    assert march.data["count"] == 2
    assert march.data["results"][1]["lines"][0]["debit"] == "7.50"
