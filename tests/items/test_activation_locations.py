"""Activation with stock partly issued and at two locations, and of a FIFO item."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.selectors import account_balance
from mfgcost.inventory.models import Location, ValueEntry
from mfgcost.inventory.selectors import reconciliation
from mfgcost.inventory.services import purchase_receipt_post, sale_post
from mfgcost.items.models import Item, StandardCost
from mfgcost.items.services import standard_cost_activate, standard_cost_enter

D = Decimal
RECEIVED = dt.date(2026, 3, 2)
SOLD = dt.date(2026, 3, 3)
ACTIVE_FROM = dt.date(2026, 4, 1)
pytestmark = pytest.mark.django_db


def revaluations(**filters) -> Decimal:
    entries = ValueEntry.objects.filter(entry_type=ValueEntry.EntryType.REVALUATION, **filters)
    return entries.aggregate(total=Sum("cost_amount_actual"))["total"] or D("0")


def test_only_what_is_on_hand_is_revalued_at_each_location(company, version, make_item):
    east = Location.objects.create(code="EAST", name="East warehouse")
    item = make_item(
        number="WIDGET", costing_method=Item.CostingMethod.STANDARD, standard_cost=D("10.00")
    )
    for location, quantity in ((company.main, "60"), (east, "40")):
        purchase_receipt_post(
            item=item,
            location=location,
            quantity=D(quantity),
            unit_cost=D("10.00"),
            posting_date=RECEIVED,
            source_key=f"t:widget:{location.code}",
        )
    sale_post(
        item=item, location=company.main, quantity=D("30"), posting_date=SOLD, source_key="t:sale"
    )
    record = standard_cost_enter(
        version=version,
        item=item,
        activation_date=ACTIVE_FROM,
        amounts={company.cost_groups["MAT"]: D("12.00")},
    )

    standard_cost_activate(standard_costs=[record])

    # On hand: 30 at MAIN and 40 at EAST; each moves from 10.00 to 12.00.
    assert revaluations(location=company.main) == 30 * D("2.00") == D("60.00")
    assert revaluations(location=east) == 40 * D("2.00") == D("80.00")
    assert account_balance(company.account("5400")) == -D("140.00")
    # 100 x 10.00 received - 30 x 10.00 sold + 140.00 = 70 x 12.00
    assert account_balance(company.account("1300")) == D("840.00")
    assert all(row["difference"] == 0 for row in reconciliation())


def test_activating_a_fifo_items_cost_revalues_nothing(company, version, make_item):
    item = make_item(number="SCREW", costing_method=Item.CostingMethod.FIFO)
    purchase_receipt_post(
        item=item,
        location=company.main,
        quantity=D("10"),
        unit_cost=D("0.30"),
        posting_date=RECEIVED,
        source_key="t:screw",
    )
    record = standard_cost_enter(
        version=version,
        item=item,
        activation_date=ACTIVE_FROM,
        amounts={company.cost_groups["MAT"]: D("0.35")},
    )

    standard_cost_activate(standard_costs=[record])

    item.refresh_from_db()
    assert item.standard_cost == D("0.35")
    assert item.unit_cost == D("0.30")  # FIFO stock keeps its actual cost
    assert revaluations() == D("0")
    assert account_balance(company.account("1300")) == D("3.00")
    record.refresh_from_db()
    assert record.status == StandardCost.Status.ACTIVE
