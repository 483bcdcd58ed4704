"""Drill-down round trips: every general-ledger line leads to its source and back.

The demo month posts receipts, invoices, sales, a count shortage, consumption, time, output, a
subcontracting shipment (a transfer to the vendor's location), receipt and vendor invoice (with
its price difference) and the Adjust Cost variances; on top of it November gets a found-stock
adjustment, a revaluation of the bolts to a new standard, and a manual entry with its reversal.
For each journal line, in the API and in the admin: line -> source -> back to the same line.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from ledger.models import Account, Journal, JournalEntry, JournalLine
from ledger.services import LineDraft, journal_entry_post, manual_entry_reverse
from mfgcost.core.links import sources_of
from mfgcost.demo import demo_run
from mfgcost.inventory import services as inventory
from mfgcost.inventory.models import InventoryPosting, Location, ValueEntry
from mfgcost.inventory.posting import EntryKey, SetupResolver, entry_lines
from mfgcost.inventory.selectors import journal_line_value_entries
from mfgcost.items.models import Item

D = Decimal
NOVEMBER = dt.date(2026, 11, 3)
pytestmark = pytest.mark.django_db

POSTING_KINDS = {
    "purchase_receipt",
    "purchase_invoice",
    "sale",
    "negative_adjustment",
    "positive_adjustment",
    "transfer",
    "production_consumption",
    "production_time",
    "production_output",
    "production_subcontracting",
    "capacity_cost_adjustment",
    "cost_adjustment",
    "revaluation",
}
SOURCE_KINDS = {"inventory_posting", "vendor_invoice", "manual_entry", "reversal"}


@pytest.fixture(scope="module")
def _month_loaded(django_db_setup, django_db_blocker):
    """The month, loaded once for the module inside a transaction rolled back at its end (each
    test runs in a savepoint within it). Adjust Cost, which a finish queues after commit, runs
    in process when the demo's own transaction ends."""
    from django.db import transaction
    from django.test import TestCase

    from mfgcost.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                assert demo_run(log=lambda line: None) is True
            _november_postings()
            yield [entry.pk for entry in JournalEntry.objects.order_by("id")]
        finally:
            app.conf.task_always_eager = eager
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def month(_month_loaded, db):
    return list(JournalEntry.objects.filter(pk__in=_month_loaded).order_by("id"))


def _november_postings() -> None:
    bolts = Item.objects.get(number="DEMO-BOLT")
    main = Location.objects.get(code="MAIN")
    inventory.positive_adjustment_post(
        item=Item.objects.get(number="DEMO-PAINT"),
        location=main,
        quantity=D("1"),
        posting_date=NOVEMBER,
        source_key="test:found-paint",
    )
    inventory.standard_cost_revalue(
        item=bolts, new_standard_cost=D("0.45"), posting_date=NOVEMBER, source_key="test:bolts"
    )
    manual = journal_entry_post(
        journal=Journal.objects.get(code="GEN"),
        posting_date=NOVEMBER,
        source_key="manual:test-accrual",
        lines=[
            LineDraft(account=_pl_account(), amount=D("10.00")),
            LineDraft(account=_pl_account(offset=1), amount=D("-10.00")),
        ],
        manual=True,
    )
    manual_entry_reverse(entry=manual, posting_date=NOVEMBER)


def _pl_account(offset: int = 0) -> Account:
    return Account.objects.filter(statement="pl", direct_posting=True, blocked=False).order_by(
        "number"
    )[offset]


def _movement(entry: ValueEntry, line: JournalLine, setup: SetupResolver) -> Decimal:
    """What ``entry`` moves on the line's account, on the line's side (debit or credit)."""
    group_type = entry.cost_group.group_type if entry.cost_group else ""
    moves = entry_lines(
        EntryKey.of(entry, group_type), entry.cost_amount_expected, entry.cost_amount_actual, setup
    )
    return sum(
        (
            amount
            for account, amount in moves
            if account.pk == line.account_id and (amount > 0) == (line.debit > 0)
        ),
        D("0"),
    )


def test_every_kind_of_posting_is_in_the_month(month):
    kinds = set(
        InventoryPosting.objects.filter(journal_entry__isnull=False).values_list("kind", flat=True)
    )
    assert POSTING_KINDS <= kinds
    sources = sources_of(month)
    # Every journal entry has a source, and every kind of source occurs.
    assert set(sources) == {entry.pk for entry in month}
    assert {link.kind for link in sources.values()} == SOURCE_KINDS
    # Adjust Cost posted variances, so the variance lines are among those walked below.
    assert ValueEntry.objects.filter(entry_type="variance", adjustment=True).exists()


def test_a_lines_value_entries_add_up_to_the_line(month):
    """The value entries of each inventory line move its account by exactly its amount (an
    entry posts one debit and one credit line per account: debits and credits are summed
    apart)."""
    setup = SetupResolver()
    postings = set(
        InventoryPosting.objects.filter(journal_entry__isnull=False).values_list(
            "journal_entry_id", flat=True
        )
    )
    lines = JournalLine.objects.filter(entry_id__in=postings).select_related("entry")
    assert lines.count() > 50
    for line in lines:
        entries = journal_line_value_entries(line)
        assert entries, line
        assert sum((_movement(e, line, setup) for e in entries), D("0")) == line.amount


def _back_in_api(api, source: dict) -> int:
    """The journal entry a source's own resource points back to."""
    target = api.get(source["url"])
    assert target.status_code == 200, source
    body = target.json()
    return {
        "inventory_posting": lambda: body["journal_entry"],
        "vendor_invoice": lambda: body["journal_entry_id"],
        "manual_entry": lambda: body["id"],
        "reversal": lambda: body["reversed_by"],
    }[source["kind"]]()


def test_api_round_trip_from_every_line(month, api):
    seen = set()
    for entry in month:
        lines = api.get(f"/api/ledger/journal-entries/{entry.pk}/").json()["lines"]
        for line in lines:
            source = line["source"]
            seen.add(source["kind"])
            back = _back_in_api(api, source)
            assert back == entry.pk
            back_lines = api.get(f"/api/ledger/journal-entries/{back}/").json()["lines"]
            assert line["id"] in [other["id"] for other in back_lines]
            if source["kind"] == "inventory_posting":
                values = api.get(line["value_entries"]).json()["results"]
                assert values
                assert {v["journal_entry"] for v in values} == {entry.pk}
                assert {v["posting"] for v in values} == {source["id"]}
            else:
                assert line["value_entries"] is None
    assert seen == SOURCE_KINDS


def test_journal_entry_list_carries_line_ids_and_sources(month, api):
    body = api.get("/api/ledger/journal-entries/", {"limit": 200}).json()
    assert body["count"] == len(month)
    lines = [line for entry in body["results"] for line in entry["lines"]]
    assert {line["id"] for line in lines} == set(JournalLine.objects.values_list("id", flat=True))
    assert all(line["source"]["url"].startswith("http://testserver/api/") for line in lines)


def test_admin_round_trip_from_every_line(month, admin_client):
    """Entry -> source -> entry for every entry; line -> value entries -> entry for every line
    of one entry of each kind of posting (the admin pages are slow to render by the hundred)."""
    sources = sources_of(month)
    kinds = dict(
        InventoryPosting.objects.filter(journal_entry__isnull=False).values_list(
            "journal_entry_id", "kind"
        )
    )
    walked_kinds = set()
    for entry in month:
        entry_url = reverse("admin:ledger_journalentry_change", args=[entry.pk])
        page = admin_client.get(entry_url).content.decode()
        link = sources[entry.pk]
        assert link.admin_url in page
        source_page = admin_client.get(link.admin_url).content.decode()
        # Back up: the source's page links to the entry (a reversal: the reversed entry's
        # "reversed by"; a manual entry is its own page).
        assert entry_url in source_page
        for line in entry.lines.all():
            line_url = reverse("admin:ledger_journalline_change", args=[line.pk])
            assert line_url in page
            if link.kind != "inventory_posting" or kinds[entry.pk] in walked_kinds:
                continue
            listing = admin_client.get(
                reverse("admin:inventory_valueentry_changelist"), {"journal_line": line.pk}
            ).content.decode()
            expected = journal_line_value_entries(line)
            for value_entry in expected:
                assert (
                    reverse("admin:inventory_valueentry_change", args=[value_entry.pk]) in listing
                )
            value_page = admin_client.get(
                reverse("admin:inventory_valueentry_change", args=[expected[0].pk])
            ).content.decode()
            assert entry_url in value_page
            assert link.admin_url in value_page
        if link.kind == "inventory_posting":
            walked_kinds.add(kinds[entry.pk])
    assert POSTING_KINDS <= walked_kinds


def test_variance_drills_to_the_consumption_that_caused_it_in_the_admin(month, admin_client):
    variance = (
        ValueEntry.objects.filter(entry_type="variance", variance_type="material")
        .exclude(variance_sources=None)
        .first()
    )
    source = variance.variance_sources.select_related("source_entry").first().source_entry
    page = admin_client.get(
        reverse("admin:inventory_valueentry_change", args=[variance.pk])
    ).content.decode()
    assert reverse("admin:inventory_valueentry_change", args=[source.pk]) in page
    assert reverse("admin:production_productionorder_change", args=[_order_pk(variance)]) in page
    # The journal entry names the order and the Adjust Cost run behind its posting.
    entry_page = admin_client.get(
        reverse("admin:ledger_journalentry_change", args=[variance.journal_entry_id])
    ).content.decode()
    assert reverse("admin:production_productionorder_change", args=[_order_pk(variance)]) in (
        entry_page
    )
    run_pk = int(variance.posting.source_key.split(":")[2])
    assert reverse("admin:costing_costadjustmentrun_change", args=[run_pk]) in entry_page
    back = admin_client.get(
        reverse("admin:inventory_valueentry_change", args=[source.pk])
    ).content.decode()
    assert reverse("admin:inventory_valueentry_change", args=[variance.pk]) in back
    assert reverse(
        "admin:inventory_itemledgerentry_change", args=[source.item_ledger_entry_id]
    ) in (back)


def _order_pk(entry: ValueEntry) -> int:
    from mfgcost.production.models import ProductionOrder

    return ProductionOrder.objects.get(number=entry.order_no).pk


def test_posted_documents_show_no_save_buttons(month, admin_client):
    """Everything the month posted, and the history it left (a closed period, an active
    standard cost, a closed subcontracting order, a finished production order), is shown
    without SAVE buttons."""
    from ledger.models import Period
    from mfgcost.items.models import StandardCost
    from mfgcost.production.models import ProductionOrder
    from subcontracting.models import SubcontractingOrder, SubcontractingReceipt, VendorInvoice

    shown = [
        Period.objects.get(status="closed"),
        StandardCost.objects.filter(status="active").first(),
        SubcontractingOrder.objects.get(status="closed"),
        ProductionOrder.objects.filter(status="finished").first(),
        JournalEntry.objects.first(),
        JournalLine.objects.first(),
        InventoryPosting.objects.first(),
        ValueEntry.objects.first(),
        SubcontractingReceipt.objects.first(),
        VendorInvoice.objects.first(),
    ]
    for obj in shown:
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        page = admin_client.get(url).content.decode()
        assert 'name="_save"' not in page, url
        assert 'name="_continue"' not in page, url


def test_journal_entry_list_shows_every_source_without_a_query_per_row(
    month, admin_client, django_assert_max_num_queries
):
    sources = sources_of(month)
    with django_assert_max_num_queries(20):  # not one per entry: the month has more than 30
        page = admin_client.get(
            reverse("admin:ledger_journalentry_changelist"), {"all": ""}
        ).content.decode()
    assert len(month) > 30
    for entry in month:
        assert sources[entry.pk].admin_url in page


def test_ledger_lists_link_orders_and_entries_and_show_plain_quantities(month, admin_client):
    for model in ("itemledgerentry", "capacityledgerentry", "valueentry"):
        url = reverse(f"admin:inventory_{model}_changelist")
        page = admin_client.get(url, {"order_no": "PO-1001"}).content.decode()
        assert f'href="{url}?order_no=PO-1001"' in page, model
        assert ".000000<" not in page, model
    value_entry = ValueEntry.objects.filter(order_no="PO-1001").exclude(journal_entry=None).first()
    page = admin_client.get(
        reverse("admin:inventory_valueentry_changelist"), {"order_no": "PO-1001"}
    ).content.decode()
    assert reverse("admin:ledger_journalentry_change", args=[value_entry.journal_entry_id]) in page
