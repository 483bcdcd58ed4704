"""The ledger admin: pages render, posted rows are read-only, actions call the services."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ledger.models import (
    Account,
    FiscalYear,
    GeneralPostingSetup,
    Journal,
    JournalEntry,
    JournalLine,
    Period,
)
from ledger.services import LineDraft, journal_entry_post

from .support import D, post_subledger

MODELS = [
    "account",
    "costcenter",
    "costobject",
    "fiscalyear",
    "period",
    "journal",
    "journalsequence",
    "journalentry",
    "journalline",
    "itempostinggroup",
    "generalpostingsetup",
]


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(User.objects.create_superuser("controller", "c@example.com", None))
    return client


def test_every_changelist_renders_with_search_and_a_filter(company, admin_client):
    post_subledger(company, source_key="inventory:receipt:1", amount="10.00")

    statuses = {
        model: admin_client.get(f"/admin/ledger/{model}/", {"q": "1"}).status_code
        for model in MODELS
    }
    filtered = admin_client.get("/admin/ledger/journalline/", {"entry__journal__id__exact": 1})

    assert statuses == dict.fromkeys(MODELS, 200)
    assert filtered.status_code == 200


def test_posted_entries_and_lines_are_read_only(company, admin_client):
    entry = post_subledger(company, source_key="inventory:receipt:1", amount="10.00")
    line = entry.lines.first()

    entry_page = admin_client.get(f"/admin/ledger/journalentry/{entry.pk}/change/")
    line_page = admin_client.get(f"/admin/ledger/journalline/{line.pk}/change/")
    add_entry = admin_client.get("/admin/ledger/journalentry/add/")
    delete_line = admin_client.post(f"/admin/ledger/journalline/{line.pk}/delete/", {"post": "yes"})

    assert entry_page.status_code == line_page.status_code == 200
    assert b'name="_save"' not in entry_page.content
    assert b"1300" in entry_page.content  # the lines are shown inline
    assert add_entry.status_code == delete_line.status_code == 403
    assert JournalLine.objects.filter(pk=line.pk).exists()


def test_close_and_reopen_actions(company, admin_client):
    march, april = Period.objects.filter(name__in=["2026-03", "2026-04"])

    admin_client.post(
        "/admin/ledger/period/",
        {"action": "close_periods", "_selected_action": [march.pk, april.pk]},
    )
    both_closed = set(Period.objects.filter(status="closed").values_list("name", flat=True))
    admin_client.post(
        "/admin/ledger/period/", {"action": "reopen_periods", "_selected_action": [april.pk]}
    )

    assert both_closed == {"2026-03", "2026-04"}
    assert set(Period.objects.filter(status="closed").values_list("name", flat=True)) == {"2026-03"}
    assert Period.objects.get(pk=march.pk).closed_by.username == "controller"


def test_reverse_action_reverses_manual_entries_only(company, admin_client):
    manual = journal_entry_post(
        journal="GEN",
        posting_date=company.fiscal_year.start_date,
        source_key="manual:opening",
        lines=[
            LineDraft(account=company.account("5000"), amount=D("42.00")),
            LineDraft(account=company.account("3000"), amount=-D("42.00")),
        ],
        manual=True,
    )
    subledger = post_subledger(company, source_key="inventory:receipt:1", amount="10.00")

    response = admin_client.post(
        "/admin/ledger/journalentry/",
        {"action": "reverse_entries", "_selected_action": [manual.pk, subledger.pk]},
        follow=True,
    )

    reversal = JournalEntry.objects.get(reversal_of=manual)
    assert [line.amount for line in reversal.lines.all()] == [
        D("-42.00"),
        D("42.00"),
    ]
    assert not JournalEntry.objects.filter(reversal_of=subledger).exists()
    assert b"correct it at its source document" in response.content


def test_fiscal_year_add_form_creates_twelve_periods(company, admin_client):
    created = admin_client.post(
        "/admin/ledger/fiscalyear/add/", {"code": "2027", "start_date": "2027-01-01"}
    )
    refused = admin_client.post(
        "/admin/ledger/fiscalyear/add/", {"code": "2026B", "start_date": "2026-06-01"}
    )

    assert created.status_code == 302
    year = FiscalYear.objects.get(code="2027")
    assert year.periods.count() == 12
    assert refused.status_code == 200
    assert b"The year overlaps existing periods." in refused.content
    assert not FiscalYear.objects.filter(code="2026B").exists()


def test_general_posting_setup_is_editable_with_autocomplete(company, admin_client):
    setup = GeneralPostingSetup.objects.get(posting_group=None)

    page = admin_client.get(f"/admin/ledger/generalpostingsetup/{setup.pk}/change/")
    lookup = admin_client.get(
        "/admin/autocomplete/",
        {
            "term": "5300",
            "app_label": "ledger",
            "model_name": "generalpostingsetup",
            "field_name": "purchase_price_variance_account",
        },
    )

    assert page.status_code == 200
    assert b"admin-autocomplete" in page.content
    assert [row["text"] for row in lookup.json()["results"]] == ["5300 Purchase price variance"]


def test_account_and_journal_are_editable(company, admin_client):
    account = Account.objects.get(number="6300")
    journal = Journal.objects.get(code="GEN")

    account_page = admin_client.get(f"/admin/ledger/account/{account.pk}/change/")
    journal_page = admin_client.get(f"/admin/ledger/journal/{journal.pk}/change/")

    assert b'name="_save"' in account_page.content
    assert b'name="_save"' in journal_page.content
