"""Helpers of the general ledger tests: payloads, row counts, sub-ledger postings."""

import datetime as dt
from decimal import Decimal

from ledger.models import JournalEntry, JournalLine, JournalSequence
from ledger.services import LineDraft, journal_entry_post

D = Decimal
MARCH = dt.date(2026, 3, 2)
ENTRIES_URL = "/api/ledger/journal-entries/"


def ledger_rows() -> tuple[int, int, int]:
    """Entries, lines and numbers taken: what a refused posting must leave alone."""
    numbers = sum(JournalSequence.objects.values_list("last_number", flat=True))
    return JournalEntry.objects.count(), JournalLine.objects.count(), numbers


def line(account: str, debit: str = "0", credit: str = "0", **extra) -> dict:
    return {"account": account, "debit": debit, "credit": credit, **extra}


def entry_payload(*lines: dict, **fields) -> dict:
    """A manual entry in GEN on 2 March 2026; ``fields`` override the header."""
    payload = {"journal": "GEN", "posting_date": MARCH.isoformat(), "description": "Test"}
    payload.update(fields)
    payload["lines"] = list(lines)
    return payload


def salaries_payload(**fields) -> dict:
    """Salaries of 1000.00 on the assembly cost centre, owed to payables."""
    return entry_payload(
        line("6100", debit="1000.00", cost_center="ASSEMBLY"),
        line("2000", credit="1000.00"),
        **fields,
    )


def post_subledger(company, *, source_key: str, amount: str, posting_date=MARCH) -> JournalEntry:
    """What a sub-ledger posts: inventory debited against the accrual, in journal INV."""
    return journal_entry_post(
        journal="INV",
        posting_date=posting_date,
        source_key=source_key,
        lines=[
            LineDraft(account=company.account("1300"), amount=D(amount)),
            LineDraft(account=company.account("2100"), amount=-D(amount)),
        ],
    )
