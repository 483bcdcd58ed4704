"""Consumption, time, output and finish on the bracket order: ledgers and WIP to the cent."""

import datetime as dt
from decimal import Decimal

import pytest

from ledger.models import JournalLine
from ledger.selectors import account_balance, trial_balance
from mfgcost.inventory.models import CapacityLedgerEntry, ItemLedgerEntry, ValueEntry
from mfgcost.production import selectors
from mfgcost.production.models import ProductionOrder
from mfgcost.production.services import (
    production_consumption_post,
    production_order_finish,
    production_output_post,
    production_time_post,
)

from .conftest import POST_DAY

D = Decimal
pytestmark = pytest.mark.django_db


def post_worked_case(bracket, order):
    """21 kg steel, 10 l paint, setup 1.5 h + run 5.5 h, output 10."""
    steel, paint = order.components.order_by("line_no")
    production_consumption_post(
        order=order,
        component=steel,
        quantity=D("21"),
        posting_date=POST_DAY,
        source_key="t:steel",
    )
    production_consumption_post(
        order=order,
        component=paint,
        quantity=D("10"),
        posting_date=POST_DAY,
        source_key="t:paint",
    )
    production_time_post(
        order=order,
        operation_no=10,
        setup_time=D("1.5"),
        run_time=D("5.5"),
        posting_date=POST_DAY,
        source_key="t:time",
    )
    production_output_post(
        order=order, quantity=D("10"), posting_date=POST_DAY, source_key="t:output"
    )


def test_worked_case_wip_is_the_sum_of_what_was_posted(bracket):
    order = bracket.released()
    post_worked_case(bracket, order)

    wip = selectors.order_wip_by_cost_group(order)
    assert wip == {
        "MAT": D("139.20"),  # steel 21 x 5.20 = 109.20, paint 10 x 3.00 = 30.00
        "LAB": D("140.00"),  # (1.5 + 5.5) h x 20.00
        "COH": D("35.00"),  # 25 % of 140.00
        "MOH": D("13.92"),  # 10 % of 139.20, posted with the material
        "": D("-293.00"),  # output 10 x 29.30 at standard, expected
    }
    assert selectors.order_wip(order) == D("35.12")
    accounts = bracket.company.accounts
    assert account_balance(accounts["1330"]) == D("35.12")
    # Raw materials: 30 x 5.20 + 20 x 3.00 received, 109.20 + 30.00 consumed.
    assert account_balance(accounts["1300"]) == D("156.00") + D("60.00") - D("139.20")
    assert account_balance(accounts["1310"]) == D("293.00")
    assert account_balance(accounts["5200"]) == D("-140.00")
    assert account_balance(accounts["5210"]) == D("-48.92")  # 35.00 + 13.92
    assert sum((row.balance for row in trial_balance()), D("0")) == D("0")

    output = ItemLedgerEntry.objects.get(entry_type="output")
    assert (output.item, output.quantity, output.order_type, output.order_no) == (
        bracket.item,
        D("10"),
        "production",
        "PO-1",
    )
    value = output.value_entries.get()
    assert (value.cost_amount_expected, value.cost_amount_actual) == (D("293.00"), D("0"))
    steel_entry = ItemLedgerEntry.objects.get(entry_type="consumption", item=bracket.steel)
    assert (steel_entry.quantity, steel_entry.order_line) == (D("-21"), 10)
    steel_value = steel_entry.value_entries.get()
    assert steel_value.cost_amount_actual == D("-109.20")
    assert steel_value.wip_location == bracket.company.main
    assert steel_value.wip_posting_group == bracket.company.groups["FINISHED"]


def test_time_posts_capacity_entry_with_direct_and_overhead(bracket):
    order = bracket.released()
    production_time_post(
        order=order,
        operation_no=10,
        setup_time=D("1.5"),
        run_time=D("5.5"),
        posting_date=POST_DAY,
        source_key="t:time",
    )
    entry = CapacityLedgerEntry.objects.get(order_no="PO-1")
    assert (entry.work_center, entry.operation_no, entry.setup_time, entry.run_time) == (
        bracket.work_center,
        "10",
        D("1.5"),
        D("5.5"),
    )
    values = {
        (v.entry_type, v.cost_group.code): v.cost_amount_actual for v in entry.value_entries.all()
    }
    assert values == {("direct_cost", "LAB"): D("140.00"), ("indirect_cost", "COH"): D("35.00")}


def test_finish_sets_status_and_refuses_further_postings(bracket):
    order = bracket.released()
    post_worked_case(bracket, order)
    finished = production_order_finish(
        order=order, posting_date=dt.date(2026, 3, 4), source_key="t:finish"
    )
    assert (finished.status, finished.finished_on) == ("finished", dt.date(2026, 3, 4))
    assert ProductionOrder.objects.get(pk=order.pk).is_finished
    rows = ValueEntry.objects.count(), JournalLine.objects.count()
    from mfgcost.core.errors import BusinessError

    with pytest.raises(BusinessError) as error:
        production_consumption_post(
            order=order,
            item=bracket.steel,
            quantity=D("1"),
            posting_date=dt.date(2026, 3, 4),
            source_key="t:late",
        )
    assert error.value.field == "order"
    assert (ValueEntry.objects.count(), JournalLine.objects.count()) == rows
