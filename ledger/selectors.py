"""Reads of the general ledger: trial balance and balances by account and dimension."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from mfgcost.core.links import Link, sources_of

from .models import Account, JournalEntry, JournalLine
from .services import MANUAL_KEY_PREFIX

ZERO_AMOUNT = Value(Decimal("0"))


@dataclass(frozen=True)
class TrialBalanceRow:
    account_id: int
    number: str
    name: str
    statement: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


def _lines(date_from: dt.date | None, date_to: dt.date | None):
    lines = JournalLine.objects.all()
    if date_from is not None:
        lines = lines.filter(entry__posting_date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(entry__posting_date__lte=date_to)
    return lines


def trial_balance(
    *, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> list[TrialBalanceRow]:
    """Debit, credit and balance per account with postings in the range (inclusive)."""
    totals = (
        _lines(date_from, date_to)
        .values("account_id")
        .annotate(
            debit=Coalesce(Sum("debit"), ZERO_AMOUNT), credit=Coalesce(Sum("credit"), ZERO_AMOUNT)
        )
    )
    by_account = {row["account_id"]: row for row in totals}
    rows = []
    for account in Account.objects.filter(pk__in=by_account.keys()).order_by("number"):
        row = by_account[account.pk]
        rows.append(
            TrialBalanceRow(
                account_id=account.pk,
                number=account.number,
                name=account.name,
                statement=account.statement,
                debit=row["debit"],
                credit=row["credit"],
            )
        )
    return rows


def account_balance(
    account: Account, *, date_to: dt.date | None = None, date_from: dt.date | None = None
) -> Decimal:
    """Signed balance (debit positive) of one account."""
    row = (
        _lines(date_from, date_to)
        .filter(account=account)
        .aggregate(
            debit=Coalesce(Sum("debit"), ZERO_AMOUNT), credit=Coalesce(Sum("credit"), ZERO_AMOUNT)
        )
    )
    return row["debit"] - row["credit"]


def account_balances_by_account_number(*, date_to: dt.date | None = None) -> dict[str, Decimal]:
    """Signed balance of every account with postings, keyed by account number."""
    return {row.number: row.balance for row in trial_balance(date_to=date_to)}


def balances_by_dimension(
    *,
    dimension: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    account: Account | None = None,
) -> list[dict]:
    """Balance per account and dimension value (``cost_center`` or ``cost_object``)."""
    if dimension not in ("cost_center", "cost_object"):
        raise ValueError("dimension is cost_center or cost_object")
    lines = _lines(date_from, date_to)
    if account is not None:
        lines = lines.filter(account=account)
    rows = (
        lines.values("account__number", f"{dimension}__code")
        .annotate(
            debit=Coalesce(Sum("debit"), ZERO_AMOUNT), credit=Coalesce(Sum("credit"), ZERO_AMOUNT)
        )
        .order_by("account__number", f"{dimension}__code")
    )
    return [
        {
            "account": row["account__number"],
            dimension: row[f"{dimension}__code"],
            "debit": row["debit"],
            "credit": row["credit"],
            "balance": row["debit"] - row["credit"],
        }
        for row in rows
    ]


@dataclass(frozen=True)
class TrialBalanceTotals:
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        """Zero whenever every entry balances (rule 1 of the ledger)."""
        return self.debit - self.credit


def trial_balance_totals(rows: list[TrialBalanceRow]) -> TrialBalanceTotals:
    """Column totals of a trial balance."""
    return TrialBalanceTotals(
        debit=sum((row.debit for row in rows), Decimal("0")),
        credit=sum((row.credit for row in rows), Decimal("0")),
    )


def journal_entries():
    """Journal entries with everything their rendering needs, lines in order."""
    return JournalEntry.objects.select_related(
        "journal", "fiscal_year", "period", "created_by", "reversed_by"
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=JournalLine.objects.select_related("account", "cost_center", "cost_object"),
        )
    )


# Drill-down -----------------------------------------------------------------------------------


def journal_entry_own_sources(entries) -> dict[int, Link]:
    """The sources the ledger itself knows: a reversal leads to the entry it reverses, a manual
    entry is its own source. Postings of other apps register theirs (``mfgcost.core.links``)."""
    found: dict[int, Link] = {}
    for entry in entries:
        if entry.reversal_of_id is not None:
            target, kind = entry.reversal_of_id, "reversal"
        elif entry.source_key.startswith(MANUAL_KEY_PREFIX):
            target, kind = entry.pk, "manual_entry"
        else:
            continue
        found[entry.pk] = Link(
            kind=kind,
            id=target,
            label=("Reversal of entry " if kind == "reversal" else "Manual entry ") + str(target),
            admin_url=reverse("admin:ledger_journalentry_change", args=[target]),
            api_url=reverse("ledger:journalentry-detail", args=[target]),
        )
    return found


def journal_line_source(line: JournalLine) -> Link | None:
    """The document behind a general-ledger line (that of its journal entry)."""
    return sources_of([line.entry]).get(line.entry_id)
