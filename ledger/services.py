"""Writes to the general ledger: posting, reversal, period open and close.

``journal_entry_post`` is the one way into the ledger. It is idempotent on ``source_key``: posting
the same key again returns the entry already posted and writes nothing, even when two transactions
race (the unique index decides, the loser reads the winner's entry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from mfgcost.core.errors import BusinessError, ConflictError
from mfgcost.core.idempotency import DocumentKeyReused
from mfgcost.core.locks import advisory_xact_lock
from mfgcost.core.money import ZERO, amount_fits, round_amount, to_decimal

from .models import (
    Account,
    CostCenter,
    CostObject,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
    JournalSequence,
    Period,
)
from .signals import account_changing

PERIOD_LOCK = "ledger.period"
# Source keys of entries typed by a person start with this, so that a manual entry can never
# take the key of a sub-ledger posting (which would then be skipped as "already posted").
MANUAL_KEY_PREFIX = "manual:"


@dataclass(frozen=True)
class LineDraft:
    """One line to post: an account and a signed amount (debit positive, credit negative)."""

    account: Account
    amount: Decimal
    cost_center: CostCenter | None = None
    cost_object: CostObject | None = None
    description: str = ""
    field_name: str = field(default="", compare=False)

    @property
    def debit(self) -> Decimal:
        return self.amount if self.amount > 0 else ZERO

    @property
    def credit(self) -> Decimal:
        return -self.amount if self.amount < 0 else ZERO


def period_for_date(posting_date: dt.date, *, field_name: str = "posting_date") -> Period:
    """The period that holds ``posting_date``; an error naming the field if none does."""
    period = (
        Period.objects.select_related("fiscal_year")
        .filter(start_date__lte=posting_date, end_date__gte=posting_date)
        .first()
    )
    if period is None:
        raise BusinessError(
            f"No fiscal period covers {posting_date.isoformat()}.", field=field_name
        )
    return period


def open_period_for_date(posting_date: dt.date, *, field_name: str = "posting_date") -> Period:
    """The open period that holds ``posting_date``, holding a shared lock against its close."""
    period = period_for_date(posting_date, field_name=field_name)
    advisory_xact_lock(PERIOD_LOCK, period.pk, shared=True)
    # Read the status again under the lock: a close that held the lock while we waited has
    # committed by now, and the row read above predates it.
    period.refresh_from_db(fields=["status", "closed_at", "closed_by"])
    if not period.is_open:
        raise BusinessError(
            f"Period {period.name} is closed; {posting_date.isoformat()} cannot be posted.",
            field=field_name,
            code="period_closed",
        )
    return period


def _check_locked_period(period: Period, posting_date: dt.date) -> None:
    """Check a period the caller took with ``open_period_for_date`` in this transaction.

    Its shared lock is held until the transaction ends and a close needs the lock exclusively,
    so the status read under the lock still holds: nothing needs to be read again.
    """
    if not period.start_date <= posting_date <= period.end_date:
        raise ValueError(f"Period {period.name} does not hold {posting_date.isoformat()}.")
    if not period.is_open:
        raise BusinessError(
            f"Period {period.name} is closed; {posting_date.isoformat()} cannot be posted.",
            field="posting_date",
            code="period_closed",
        )


def _check_line(line: LineDraft, index: int, *, manual: bool) -> None:
    name = line.field_name or f"lines[{index}]"
    account = line.account
    if account.blocked:
        raise BusinessError(f"Account {account.number} is blocked.", field=f"{name}.account")
    if manual and not account.direct_posting:
        raise BusinessError(
            f"Account {account.number} does not allow direct posting.", field=f"{name}.account"
        )
    for dim, rule, value in (
        ("cost_center", account.cost_center_rule, line.cost_center),
        ("cost_object", account.cost_object_rule, line.cost_object),
    ):
        label = dim.replace("_", " ")
        if rule == Account.DimensionRule.REQUIRED and value is None:
            raise BusinessError(
                f"Account {account.number} requires a {label}.", field=f"{name}.{dim}"
            )
        if rule == Account.DimensionRule.NOT_ALLOWED and value is not None:
            raise BusinessError(
                f"Account {account.number} does not allow a {label}.", field=f"{name}.{dim}"
            )
        if value is not None and value.blocked:
            raise BusinessError(f"{label.capitalize()} {value} is blocked.", field=f"{name}.{dim}")


def _next_number(journal: Journal, fiscal_year: FiscalYear) -> int:
    sequence = (
        JournalSequence.objects.select_for_update()
        .filter(journal=journal, fiscal_year=fiscal_year)
        .first()
    )
    if sequence is None:
        try:
            with transaction.atomic():
                JournalSequence.objects.create(journal=journal, fiscal_year=fiscal_year)
        except IntegrityError:
            pass  # created by a concurrent transaction; lock it below
        sequence = JournalSequence.objects.select_for_update().get(
            journal=journal, fiscal_year=fiscal_year
        )
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _journal(journal: Journal | str) -> Journal:
    if isinstance(journal, Journal):
        return journal
    try:
        return Journal.objects.get(code=journal)
    except Journal.DoesNotExist:
        raise BusinessError(f"Journal {journal!r} does not exist.", field="journal") from None


@transaction.atomic
def journal_entry_post(
    *,
    journal: Journal | str,
    posting_date: dt.date,
    source_key: str,
    lines: Sequence[LineDraft],
    description: str = "",
    manual: bool = False,
    user=None,
    reversal_of: JournalEntry | None = None,
    period: Period | None = None,
    source_key_claimed: bool = False,
) -> JournalEntry:
    """Post a balanced journal entry, or return the one already posted under ``source_key``.

    ``manual`` marks an entry typed by a person: accounts without direct posting refuse it.
    Amounts must already be rounded to cents; zero lines are dropped.

    A sub-ledger service that is itself the transaction may save round trips:

    * ``period``: the period of ``posting_date`` as it got it from ``open_period_for_date`` in
      this transaction. Its shared lock against a close is already held, so it is not taken and
      read a second time.
    * ``source_key_claimed``: the service has inserted a record of its own under a unique key in
      this transaction, and ``source_key`` is derived from that key alone, so no entry can carry
      it yet (a repeat or a racing twin stopped at the service's own record). The look-up and the
      savepoint that catch a repeat are then skipped; the unique index still refuses a duplicate,
      and the error ends the caller's transaction.
    """
    entry, _ = _entry_post(
        journal=journal,
        posting_date=posting_date,
        source_key=source_key,
        lines=lines,
        description=description,
        manual=manual,
        user=user,
        reversal_of=reversal_of,
        period=period,
        source_key_claimed=source_key_claimed,
    )
    return entry


def _entry_post(
    *,
    journal: Journal | str,
    posting_date: dt.date,
    source_key: str,
    lines: Sequence[LineDraft],
    description: str = "",
    manual: bool = False,
    user=None,
    reversal_of: JournalEntry | None = None,
    period: Period | None = None,
    source_key_claimed: bool = False,
) -> tuple[JournalEntry, bool]:
    """``journal_entry_post``, telling also whether the entry is new (False: found by key)."""
    if not source_key_claimed:
        existing = JournalEntry.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing, False
    if not source_key:
        raise BusinessError("A source key is required.", field="source_key")

    journal = _journal(journal)
    # Name each line by its place in the caller's list before zero lines are dropped, so that an
    # error points at the line the caller sent.
    lines = [
        line if line.field_name else replace(line, field_name=f"lines[{index}]")
        for index, line in enumerate(lines)
    ]
    lines = [line for line in lines if line.amount != 0]
    if not lines:
        raise BusinessError("A journal entry needs at least one non-zero line.", field="lines")
    for index, line in enumerate(lines):
        amount = to_decimal(line.amount)
        if not amount_fits(amount):
            raise BusinessError(
                f"Amount {amount} is too large: an amount has at most 18 digits before the point.",
                field=f"{line.field_name}.amount",
            )
        if amount != round_amount(amount):
            raise BusinessError(
                f"Amount {amount} has more than two decimal places.",
                field=f"{line.field_name}.amount",
            )
        _check_line(line, index, manual=manual)
    total = sum((line.amount for line in lines), ZERO)
    if total != 0:
        raise BusinessError(
            f"Debits and credits differ by {total}; a journal entry must balance.", field="lines"
        )

    if period is None:
        period = open_period_for_date(posting_date)
    else:
        _check_locked_period(period, posting_date)
    fiscal_year = period.fiscal_year

    def create_entry() -> JournalEntry:
        return JournalEntry.objects.create(
            journal=journal,
            fiscal_year=fiscal_year,
            number=_next_number(journal, fiscal_year),
            posting_date=posting_date,
            period=period,
            description=description[:250],
            source_key=source_key,
            reversal_of=reversal_of,
            created_by=user if (user is not None and user.is_authenticated) else None,
        )

    if source_key_claimed:
        entry = create_entry()
    else:
        try:
            with transaction.atomic():
                entry = create_entry()
        except IntegrityError:
            # A concurrent transaction posted the same source key first (or reversed the same
            # entry).
            existing = JournalEntry.objects.filter(source_key=source_key).first()
            if existing is not None:
                return existing, False
            if reversal_of is not None:
                raise ConflictError(
                    f"Entry {reversal_of} has already been reversed.", field="entry"
                ) from None
            raise
    JournalLine.objects.bulk_create(
        JournalLine(
            entry=entry,
            line_no=index,
            account=line.account,
            debit=line.debit,
            credit=line.credit,
            cost_center=line.cost_center,
            cost_object=line.cost_object,
            description=line.description[:250],
        )
        for index, line in enumerate(lines, start=1)
    )
    return entry, True


@transaction.atomic
def journal_entry_reverse(
    *,
    entry: JournalEntry,
    posting_date: dt.date | None = None,
    source_key: str | None = None,
    user=None,
) -> JournalEntry:
    """Post the mirror image of ``entry``; an entry is reversed at most once."""
    key = source_key or f"reversal:{entry.source_key}"
    existing = JournalEntry.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    if entry.reversal_of_id is not None:
        raise ConflictError(f"Entry {entry} is itself a reversal.", field="entry")
    if JournalEntry.objects.filter(reversal_of=entry).exists():
        raise ConflictError(f"Entry {entry} has already been reversed.", field="entry")
    lines = [
        LineDraft(
            account=line.account,
            amount=-line.amount,
            cost_center=line.cost_center,
            cost_object=line.cost_object,
            description=line.description,
        )
        for line in entry.lines.select_related("account", "cost_center", "cost_object")
    ]
    return journal_entry_post(
        journal=entry.journal,
        posting_date=posting_date or entry.posting_date,
        source_key=key,
        lines=lines,
        description=f"Reversal of {entry}",
        user=user,
        reversal_of=entry,
    )


@transaction.atomic
def period_close(*, period: Period, user=None) -> Period:
    """Close a period. Waits for postings into it to finish; later postings are refused."""
    advisory_xact_lock(PERIOD_LOCK, period.pk)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status == Period.Status.CLOSED:
        return period
    period.status = Period.Status.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = user if (user is not None and user.is_authenticated) else None
    period.save(update_fields=["status", "closed_at", "closed_by"])
    return period


@transaction.atomic
def period_reopen(*, period: Period) -> Period:
    """Reopen a closed period (for corrections an auditor has approved)."""
    advisory_xact_lock(PERIOD_LOCK, period.pk)
    period = Period.objects.select_for_update().get(pk=period.pk)
    period.status = Period.Status.OPEN
    period.closed_at = None
    period.closed_by = None
    period.save(update_fields=["status", "closed_at", "closed_by"])
    return period


def fiscal_year_months(*, start_date: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The twelve (first, last) days of a fiscal year starting on ``start_date``, checked.

    Raises ``BusinessError`` when the start is not the first of a month or the year would overlap
    existing periods. Writes nothing, so forms can check a year before creating it.
    """
    if start_date.day != 1:
        raise BusinessError("A fiscal year starts on the first of a month.", field="start_date")
    months = []
    year, month = start_date.year, start_date.month
    for _ in range(12):
        first = dt.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        months.append((first, dt.date(year, month, 1) - dt.timedelta(days=1)))
    end_date = months[-1][1]
    if Period.objects.filter(start_date__lte=end_date, end_date__gte=start_date).exists():
        raise BusinessError("The year overlaps existing periods.", field="start_date")
    return months


@transaction.atomic
def fiscal_year_create(*, code: str, start_date: dt.date) -> FiscalYear:
    """Create a fiscal year of twelve calendar-month periods starting on ``start_date``."""
    months = fiscal_year_months(start_date=start_date)
    end_date = months[-1][1]
    if FiscalYear.objects.filter(code=code).exists():
        raise BusinessError(f"Fiscal year {code} already exists.", field="code")
    fiscal_year = FiscalYear.objects.create(code=code, start_date=start_date, end_date=end_date)
    Period.objects.bulk_create(
        Period(
            fiscal_year=fiscal_year, name=first.strftime("%Y-%m"), start_date=first, end_date=last
        )
        for first, last in months
    )
    return fiscal_year


def manual_source_key(key: str) -> str:
    """The source key of a manual entry: the client's key in the manual namespace."""
    return key if key.startswith(MANUAL_KEY_PREFIX) else f"{MANUAL_KEY_PREFIX}{key}"


def _same_entry(
    entry: JournalEntry,
    *,
    journal: Journal,
    posting_date: dt.date,
    description: str,
    lines: Sequence[LineDraft],
    user,
) -> bool:
    """Whether ``entry`` is what posting these lines would post (dropping zero lines)."""
    user_id = user.pk if (user is not None and user.is_authenticated) else None
    if (entry.journal_id, entry.posting_date, entry.description, entry.created_by_id) != (
        journal.pk,
        posting_date,
        description[:250],
        user_id,
    ):
        return False
    posted = [
        (
            row.account_id,
            row.debit,
            row.credit,
            row.cost_center_id,
            row.cost_object_id,
            row.description,
        )
        for row in entry.lines.order_by("line_no")
    ]
    asked = [
        (
            line.account.pk,
            line.debit,
            line.credit,
            line.cost_center.pk if line.cost_center else None,
            line.cost_object.pk if line.cost_object else None,
            line.description[:250],
        )
        for line in lines
        if line.amount != 0
    ]
    return posted == asked


@transaction.atomic
def manual_entry_post(
    *,
    journal: Journal | str,
    posting_date: dt.date,
    source_key: str,
    lines: Sequence[LineDraft],
    description: str = "",
    user=None,
) -> tuple[JournalEntry, bool]:
    """Post an entry typed by a person; return (entry, created).

    A repeat of ``source_key`` (the client's key, or the key its document number gives) returns
    the entry already posted when it asks for the same entry -- journal, date, description,
    lines and user -- and is refused with ``DocumentKeyReused`` naming ``source_key`` when it
    asks for anything else: a key never answers with another document. Two identical requests
    racing post one entry; the loser waits on the unique index and gets the winner's entry.
    """
    journal = _journal(journal)
    entry, created = _entry_post(
        journal=journal,
        posting_date=posting_date,
        source_key=manual_source_key(source_key),
        lines=lines,
        description=description,
        manual=True,
        user=user,
    )
    if not created and not _same_entry(
        entry,
        journal=journal,
        posting_date=posting_date,
        description=description,
        lines=lines,
        user=user,
    ):
        raise DocumentKeyReused(
            f"Source key {entry.source_key} was posted before as entry {entry} with other "
            "content or by another user; use a new key (or document number) for another entry.",
            field="source_key",
        )
    return entry, created


def journal_entry_is_manual(entry: JournalEntry) -> bool:
    return entry.source_key.startswith(MANUAL_KEY_PREFIX)


@transaction.atomic
def manual_entry_reverse(
    *, entry: JournalEntry, posting_date: dt.date | None = None, user=None
) -> JournalEntry:
    """Reverse an entry typed by a person (API, admin).

    Entries posted by a sub-ledger (inventory, production) are corrected at their source
    document; reversing them here would put the general ledger out of step with the value
    entries that map to it.
    """
    if entry.reversal_of_id is None and not journal_entry_is_manual(entry):
        raise ConflictError(
            f"Entry {entry} was posted by a sub-ledger ({entry.source_key}); "
            "correct it at its source document.",
            field="entry",
        )
    return journal_entry_reverse(entry=entry, posting_date=posting_date, user=user)


def amount_line(account: Account, amount: Decimal, **kwargs) -> LineDraft:
    """Shorthand for a line draft with a signed amount."""
    return LineDraft(account=account, amount=amount, **kwargs)


# --------------------------------------------------------------------------- accounts


def account_change_check(*, account: Account) -> None:
    """Refuse a change of ``account`` that would break a rule kept by another app.

    The apps above the ledger listen to ``signals.account_changing`` and raise
    ``BusinessError`` naming the field (a control account that sub-ledger postings have reached
    cannot be opened to direct posting). Called by ``account_save`` and by the admin form.
    """
    previous = Account.objects.filter(pk=account.pk).first() if account.pk else None
    account_changing.send(sender=Account, account=account, previous=previous)


@transaction.atomic
def account_save(*, account: Account | None = None, **values) -> Account:
    """Create or change an account of the chart."""
    account = account if account is not None else Account()
    if account.pk:
        Account.objects.select_for_update().filter(pk=account.pk).first()
    for name, value in values.items():
        setattr(account, name, value)
    account_change_check(account=account)
    account.save()
    return account
