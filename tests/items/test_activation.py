"""Activating a standard cost: the item's standard changes and stock on hand is revalued."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.models import JournalLine
from ledger.selectors import account_balance
from mfgcost.core.errors import BusinessError, ConflictError
from mfgcost.inventory.models import ValueEntry
from mfgcost.inventory.selectors import reconciliation
from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.items.models import Item, StandardCost
from mfgcost.items.services import standard_cost_activate, standard_cost_enter

D = Decimal
RECEIVED = dt.date(2026, 3, 2)
ACTIVE_FROM = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def widget_on_hand(company, make_item):
    """100 units of a standard-cost item received at its standard of 10.00."""
    item = make_item(
        number="WIDGET", costing_method=Item.CostingMethod.STANDARD, standard_cost=D("10.00")
    )
    purchase_receipt_post(
        item=item,
        location=company.main,
        quantity=D("100"),
        unit_cost=D("10.00"),
        posting_date=RECEIVED,
        source_key="t:widget:in",
    )
    return item


def test_activating_a_new_standard_revalues_stock_on_hand(company, version, widget_on_hand):
    mat = company.cost_groups["MAT"]
    old = standard_cost_enter(
        version=version, item=widget_on_hand, activation_date=RECEIVED, amounts={mat: D("10.00")}
    )
    standard_cost_activate(standard_costs=[old])  # same standard: nothing to revalue
    assert not ValueEntry.objects.filter(entry_type=ValueEntry.EntryType.REVALUATION).exists()

    new = standard_cost_enter(
        version=version, item=widget_on_hand, activation_date=ACTIVE_FROM, amounts={mat: D("12.00")}
    )
    standard_cost_activate(standard_costs=[new])

    revaluation = (D("12.00") - D("10.00")) * 100
    entries = ValueEntry.objects.filter(entry_type=ValueEntry.EntryType.REVALUATION)
    assert entries.aggregate(total=Sum("cost_amount_actual"))["total"] == revaluation == D("200.00")
    assert {e.posting_date for e in entries} == {ACTIVE_FROM}
    lines = JournalLine.objects.filter(entry=entries[0].journal_entry)
    assert sorted((line.account.number, line.debit, line.credit) for line in lines) == [
        ("1300", revaluation, D("0")),
        ("5400", D("0"), revaluation),
    ]
    assert account_balance(company.account("1300")) == D("1000.00") + revaluation
    assert account_balance(company.account("5400")) == -revaluation
    for row in reconciliation():
        assert row["difference"] == 0, row
    raw = next(row for row in reconciliation() if row["account"] == "1300")
    assert raw["gl_balance"] == raw["ledger_value"] == D("1200.00")

    widget_on_hand.refresh_from_db()
    assert widget_on_hand.standard_cost == D("12.00")
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (StandardCost.Status.SUPERSEDED, StandardCost.Status.ACTIVE)


def test_activating_twice_posts_once(company, version, widget_on_hand):
    record = standard_cost_enter(
        version=version,
        item=widget_on_hand,
        activation_date=ACTIVE_FROM,
        amounts={company.cost_groups["MAT"]: D("12.00")},
    )
    standard_cost_activate(standard_costs=[record])
    standard_cost_activate(standard_costs=[record])
    entries = ValueEntry.objects.filter(entry_type=ValueEntry.EntryType.REVALUATION)
    assert entries.aggregate(total=Sum("cost_amount_actual"))["total"] == D("200.00")


def test_a_superseded_standard_cannot_come_back(company, version, widget_on_hand):
    mat = company.cost_groups["MAT"]
    first = standard_cost_enter(
        version=version, item=widget_on_hand, activation_date=RECEIVED, amounts={mat: D("11.00")}
    )
    second = standard_cost_enter(
        version=version, item=widget_on_hand, activation_date=ACTIVE_FROM, amounts={mat: D("12.00")}
    )
    standard_cost_activate(standard_costs=[first])
    standard_cost_activate(standard_costs=[second])
    with pytest.raises(ConflictError):
        standard_cost_activate(standard_costs=[first])


def test_posting_before_the_activation_date_is_refused(company, version, widget_on_hand):
    record = standard_cost_enter(
        version=version,
        item=widget_on_hand,
        activation_date=ACTIVE_FROM,
        amounts={company.cost_groups["MAT"]: D("12.00")},
    )
    with pytest.raises(BusinessError) as error:
        standard_cost_activate(standard_costs=[record], posting_date=RECEIVED)
    assert error.value.field == "posting_date"
    record.refresh_from_db()
    assert record.status == StandardCost.Status.PENDING
    assert not ValueEntry.objects.filter(entry_type=ValueEntry.EntryType.REVALUATION).exists()


def test_an_active_standard_cannot_be_entered_over(company, version, widget_on_hand):
    mat = company.cost_groups["MAT"]
    record = standard_cost_enter(
        version=version, item=widget_on_hand, activation_date=ACTIVE_FROM, amounts={mat: D("12.00")}
    )
    standard_cost_activate(standard_costs=[record])
    with pytest.raises(ConflictError):
        standard_cost_enter(
            version=version,
            item=widget_on_hand,
            activation_date=ACTIVE_FROM,
            amounts={mat: D("13.00")},
        )
