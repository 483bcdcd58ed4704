"""What a sub-ledger may hand ``journal_entry_post``: its locked period and a claimed key."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from ledger.models import Period
from ledger.services import LineDraft, journal_entry_post, open_period_for_date
from mfgcost.core.errors import BusinessError

from .support import MARCH, D, ledger_rows, post_subledger


def _post(company, *, source_key: str, period: Period, posting_date=MARCH, **extra):
    return journal_entry_post(
        journal="INV",
        posting_date=posting_date,
        source_key=source_key,
        lines=[
            LineDraft(account=company.account("1300"), amount=D("5.00")),
            LineDraft(account=company.account("2100"), amount=D("-5.00")),
        ],
        period=period,
        **extra,
    )


def test_a_passed_period_is_used_for_the_entry(company):
    period = open_period_for_date(MARCH)
    entry = _post(company, source_key="inventory:shortcut:1", period=period)
    assert entry.period_id == period.pk
    assert entry.fiscal_year_id == period.fiscal_year_id


def test_a_passed_closed_period_refuses_and_writes_nothing(company):
    period = Period.objects.select_related("fiscal_year").get(name="2026-03")
    period.status = Period.Status.CLOSED
    before = ledger_rows()
    with pytest.raises(BusinessError) as error:
        _post(company, source_key="inventory:shortcut:2", period=period)
    assert error.value.field == "posting_date"
    assert "2026-03 is closed" in str(error.value)
    assert ledger_rows() == before


def test_a_passed_period_must_hold_the_date(company):
    period = open_period_for_date(MARCH)
    with pytest.raises(ValueError):
        _post(
            company,
            source_key="inventory:shortcut:3",
            period=period,
            posting_date=dt.date(2026, 4, 1),
        )


def test_a_claimed_key_already_posted_is_still_refused_by_the_index(company):
    post_subledger(company, source_key="inventory:shortcut:4", amount="5.00")
    before = ledger_rows()
    period = open_period_for_date(MARCH)
    with pytest.raises(IntegrityError), transaction.atomic():
        _post(company, source_key="inventory:shortcut:4", period=period, source_key_claimed=True)
    assert ledger_rows() == before
