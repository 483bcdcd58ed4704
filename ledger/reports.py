"""General-ledger reports: the trial balance and balances by dimension. Figures come from
``ledger.selectors``; each row drills down to the journal lines it sums."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from mfgcost.core.reports import AMOUNT, Column, Report, changelist_url, register

from . import selectors
from .models import Account, CostCenter, CostObject, Period

ZERO = Decimal("0")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
GL_SIGNS = (
    "Debit and credit are both shown positive; balance = debit - credit, so a debit balance is "
    "positive and a credit balance negative. Every entry balances: the balances sum to zero."
)


class TrialBalanceFilters(forms.Form):
    period = forms.ModelChoiceField(queryset=Period.objects.all(), required=False)
    date = forms.DateField(
        required=False,
        widget=DATE_INPUT,
        help_text="Up to the end of this day (with a period: within the period).",
    )


def date_range(filters: dict) -> tuple[dt.date | None, dt.date | None]:
    """From a period and/or an end date to the inclusive range the selectors take."""
    period, date = filters.get("period"), filters.get("date")
    if period is None:
        return None, date
    return period.start_date, min(period.end_date, date) if date else period.end_date


def journal_lines_url(account_id: int, date_from, date_to, **more) -> str:
    dated = {}
    if date_from:
        dated["entry__posting_date__gte"] = date_from.isoformat()
    if date_to:
        dated["entry__posting_date__lte"] = date_to.isoformat()
    return changelist_url("ledger", "journalline", account=account_id, **dated, **more)


@register
class TrialBalanceReport(Report):
    slug = "trial-balance"
    title = "Trial balance"
    description = "Debit, credit and balance of every account with postings in the range."
    filter_form = TrialBalanceFilters
    permission = "ledger.view_journalline"
    sign_convention = GL_SIGNS
    columns = [
        Column("number", "Account"),
        Column("name", "Name"),
        Column("statement", "Statement"),
        Column("debit", "Debit", AMOUNT),
        Column("credit", "Credit", AMOUNT),
        Column("balance", "Balance", AMOUNT),
    ]

    @property
    def balance(self) -> list[selectors.TrialBalanceRow]:
        if not hasattr(self, "_rows"):
            date_from, date_to = date_range(self.filters)
            self._rows = selectors.trial_balance(date_from=date_from, date_to=date_to)
        return self._rows

    def rows(self) -> list[dict]:
        date_from, date_to = date_range(self.filters)
        rows = []
        for row in self.balance:
            url = journal_lines_url(row.account_id, date_from, date_to)
            rows.append(
                {
                    "account_id": row.account_id,
                    "number": row.number,
                    "name": row.name,
                    "statement": row.statement,
                    "debit": row.debit,
                    "credit": row.credit,
                    "balance": row.balance,
                    "links": {"number": url, "balance": url},
                }
            )
        return rows

    def totals(self) -> list[dict]:
        totals = selectors.trial_balance_totals(self.balance)
        return [
            {
                "number": "Total",
                "debit": totals.debit,
                "credit": totals.credit,
                "balance": totals.balance,
            }
        ]


class DimensionFilters(TrialBalanceFilters):
    dimension = forms.ChoiceField(
        choices=[("cost_center", "Cost centre"), ("cost_object", "Cost object")],
        required=False,
        help_text="Empty: cost centre.",
    )
    account = forms.ModelChoiceField(queryset=Account.objects.all(), required=False)


@register
class BalancesByDimensionReport(Report):
    slug = "balances-by-dimension"
    title = "Balances by dimension"
    description = "Balance per account and cost centre (or cost object)."
    filter_form = DimensionFilters
    permission = "ledger.view_journalline"
    sign_convention = GL_SIGNS

    @property
    def dimension(self) -> str:
        return self.filters.get("dimension") or "cost_center"

    @property
    def columns(self) -> list[Column]:
        label = "Cost centre" if self.dimension == "cost_center" else "Cost object"
        return [
            Column("account", "Account"),
            Column(self.dimension, label),
            Column("debit", "Debit", AMOUNT),
            Column("credit", "Credit", AMOUNT),
            Column("balance", "Balance", AMOUNT),
        ]

    @property
    def balances(self) -> list[dict]:
        if not hasattr(self, "_rows"):
            date_from, date_to = date_range(self.filters)
            self._rows = selectors.balances_by_dimension(
                dimension=self.dimension,
                date_from=date_from,
                date_to=date_to,
                account=self.filters.get("account"),
            )
        return self._rows

    def rows(self) -> list[dict]:
        date_from, date_to = date_range(self.filters)
        accounts = dict(Account.objects.values_list("number", "pk"))
        model = CostCenter if self.dimension == "cost_center" else CostObject
        codes = dict(model.objects.values_list("code", "pk"))
        rows = []
        for row in self.balances:
            code = row[self.dimension]
            more = (
                {f"{self.dimension}__isnull": "True"}
                if code is None
                else {f"{self.dimension}__id__exact": codes[code]}
            )
            url = journal_lines_url(accounts[row["account"]], date_from, date_to, **more)
            rows.append({**row, "links": {"account": url, "balance": url}})
        return rows

    def totals(self) -> list[dict]:
        return [
            {
                "account": "Total",
                **{
                    key: sum((row[key] for row in self.balances), ZERO)
                    for key in ("debit", "credit", "balance")
                },
            }
        ]
