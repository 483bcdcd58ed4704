"""What PostgreSQL enforces by itself, and postings that race.

These tests commit for real (``transaction=True``): the balance trigger runs at commit, and each
thread has its own connection.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction

from ledger.models import Journal, JournalEntry, JournalLine, JournalSequence, Period
from ledger.services import LineDraft, journal_entry_post, period_close
from mfgcost.core.errors import BusinessError

from .support import MARCH, D, post_subledger

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def raw_entry(cursor, company, *, source_key: str, lines: list[tuple[str, str, str]]) -> None:
    """Insert an entry and its lines with plain SQL, bypassing every Python check."""
    period = Period.objects.get(name="2026-03")
    cursor.execute(
        "INSERT INTO ledger_journalentry (journal_id, fiscal_year_id, number, posting_date,"
        " period_id, description, source_key, created_at)"
        " VALUES (%s, %s, %s, %s, %s, '', %s, now()) RETURNING id",
        [
            Journal.objects.get(code="GEN").pk,
            company.fiscal_year.pk,
            900 + JournalEntry.objects.count(),
            MARCH,
            period.pk,
            source_key,
        ],
    )
    entry_id = cursor.fetchone()[0]
    for line_no, (account, debit, credit) in enumerate(lines, start=1):
        cursor.execute(
            "INSERT INTO ledger_journalline (entry_id, line_no, account_id, debit, credit,"
            " description) VALUES (%s, %s, %s, %s, %s, '')",
            [entry_id, line_no, company.account(account).pk, D(debit), D(credit)],
        )


def test_unbalanced_entry_is_refused_at_commit_not_at_insert(company):
    inserted = False
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            raw_entry(
                cursor,
                company,
                source_key="raw:unbalanced",
                lines=[("5000", "100.00", "0"), ("2000", "0", "99.99")],
            )
            inserted = True  # both INSERTs were accepted; the refusal comes at COMMIT
    with pytest.raises(IntegrityError, match="has no lines"):
        with transaction.atomic(), connection.cursor() as cursor:
            raw_entry(cursor, company, source_key="raw:empty", lines=[])
    with transaction.atomic(), connection.cursor() as cursor:
        raw_entry(
            cursor,
            company,
            source_key="raw:balanced",
            lines=[("5000", "100.00", "0"), ("2000", "0", "60.00"), ("2100", "0", "40.00")],
        )

    assert inserted
    assert list(JournalEntry.objects.values_list("source_key", flat=True)) == ["raw:balanced"]
    assert JournalLine.objects.count() == 3


REFUSED_STATEMENTS = [
    "UPDATE ledger_journalline SET debit = debit + 1 WHERE id = %(line)s",
    "UPDATE ledger_journalline SET description = 'edited' WHERE id = %(line)s",
    "DELETE FROM ledger_journalline WHERE id = %(line)s",
    "UPDATE ledger_journalentry SET description = 'edited' WHERE id = %(entry)s",
    "DELETE FROM ledger_journalentry WHERE id = %(entry)s",
]


def test_posted_rows_cannot_be_updated_or_deleted(company):
    entry = post_subledger(company, source_key="inventory:receipt:1", amount="250.50")
    first_line = entry.lines.first()

    for statement in REFUSED_STATEMENTS:
        with pytest.raises(IntegrityError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, {"line": first_line.pk, "entry": entry.pk})

    entry.refresh_from_db()
    assert entry.description == ""
    assert [(line.debit, line.credit, line.description) for line in entry.lines.all()] == [
        (D("250.50"), D("0"), ""),
        (D("0"), D("250.50"), ""),
    ]


def run_together(count: int, post) -> list:
    """Run ``post(i)`` in ``count`` threads released at the same moment; return the results."""
    barrier = threading.Barrier(count)

    def worker(index: int):
        try:
            barrier.wait(timeout=10)
            return post(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


def test_two_threads_posting_the_same_key_make_one_entry(company):
    entries = run_together(
        2, lambda _: post_subledger(company, source_key="inventory:receipt:9", amount="12.34")
    )

    assert entries[0].pk == entries[1].pk
    assert JournalEntry.objects.count() == 1
    assert JournalLine.objects.count() == 2
    assert JournalSequence.objects.get(journal__code="INV").last_number == 1


def test_concurrent_postings_in_one_journal_are_numbered_without_gaps(company):
    count = 8

    entries = run_together(
        count,
        lambda i: post_subledger(
            company, source_key=f"inventory:receipt:{i}", amount=f"{i + 1}.00"
        ),
    )

    numbers = sorted(
        JournalEntry.objects.filter(journal__code="INV").values_list("number", flat=True)
    )
    assert numbers == list(range(1, count + 1))
    assert len({entry.pk for entry in entries}) == count
    assert JournalSequence.objects.get(journal__code="INV").last_number == count


def test_posting_waiting_for_a_close_sees_the_period_closed(company):
    """A close holds its lock while a posting reads the period; the posting must not get in."""
    period = Period.objects.get(name="2026-03")
    closed_but_not_committed = threading.Event()

    def close_slowly():
        try:
            with transaction.atomic():
                period_close(period=period)
                closed_but_not_committed.set()
                time.sleep(0.5)  # the posting below reads the period and waits for the lock
        finally:
            connection.close()

    closer = threading.Thread(target=close_slowly)
    closer.start()
    assert closed_but_not_committed.wait(timeout=10)
    try:
        with pytest.raises(BusinessError, match="Period 2026-03 is closed"):
            journal_entry_post(
                journal="GEN",
                posting_date=MARCH,
                source_key="manual:late",
                lines=[
                    LineDraft(account=company.account("5000"), amount=D("5.00")),
                    LineDraft(account=company.account("2000"), amount=D("-5.00")),
                ],
            )
    finally:
        closer.join()

    assert not JournalEntry.objects.exists()


def test_an_entry_into_a_closed_period_is_refused_by_the_database(company):
    period_close(period=Period.objects.get(name="2026-03"))

    with pytest.raises(IntegrityError, match="period 2026-03 is closed"):
        with transaction.atomic(), connection.cursor() as cursor:
            raw_entry(
                cursor,
                company,
                source_key="raw:closed",
                lines=[("5000", "10.00", "0"), ("2000", "0", "10.00")],
            )

    assert not JournalEntry.objects.exists()


def test_a_posting_date_outside_the_entry_period_is_refused_by_the_database(company):
    april = Period.objects.get(name="2026-04")

    with pytest.raises(IntegrityError, match="lies outside period 2026-04"):
        with transaction.atomic(), connection.cursor() as cursor:
            # MARCH's date with April's period: each is open, the pair is wrong.
            cursor.execute(
                "INSERT INTO ledger_journalentry (journal_id, fiscal_year_id, number,"
                " posting_date, period_id, description, source_key, created_at)"
                " VALUES (%s, %s, 1, %s, %s, '', 'raw:outside', now())",
                [Journal.objects.get(code="GEN").pk, company.fiscal_year.pk, MARCH, april.pk],
            )

    assert not JournalEntry.objects.exists()


def test_lines_cannot_be_added_to_an_entry_committed_earlier(company):
    entry = post_subledger(company, source_key="inventory:receipt:1", amount="40.00")

    with pytest.raises(IntegrityError, match="committed in an earlier transaction"):
        with transaction.atomic(), connection.cursor() as cursor:
            # A balanced pair of extra lines: the balance trigger alone would accept them.
            for line_no, (account, debit, credit) in enumerate(
                [("5000", "7.00", "0"), ("2000", "0", "7.00")], start=3
            ):
                cursor.execute(
                    "INSERT INTO ledger_journalline (entry_id, line_no, account_id, debit,"
                    " credit, description) VALUES (%s, %s, %s, %s, %s, '')",
                    [entry.pk, line_no, company.account(account).pk, D(debit), D(credit)],
                )

    assert entry.lines.count() == 2


def test_lines_inserted_in_a_savepoint_of_the_entry_transaction_are_accepted(company):
    # Django's nested atomic blocks are savepoints: the entry and its lines still share one
    # top-level transaction, which is what the line trigger compares.
    with transaction.atomic(), connection.cursor() as cursor:
        with transaction.atomic():
            raw_entry(cursor, company, source_key="raw:entry-only", lines=[])
        with transaction.atomic():
            entry_id = JournalEntry.objects.get(source_key="raw:entry-only").pk
            for line_no, (account, debit, credit) in enumerate(
                [("5000", "3.00", "0"), ("2000", "0", "3.00")], start=1
            ):
                cursor.execute(
                    "INSERT INTO ledger_journalline (entry_id, line_no, account_id, debit,"
                    " credit, description) VALUES (%s, %s, %s, %s, %s, '')",
                    [entry_id, line_no, company.account(account).pk, D(debit), D(credit)],
                )

    assert JournalLine.objects.filter(entry_id=entry_id).count() == 2
