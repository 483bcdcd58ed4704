"""Settling orders: FIFO output taking actual cost, a closed period, scrap, the command."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from ledger.models import Period
from ledger.selectors import account_balance
from ledger.services import period_close
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.items.models import BomLine, BomVersion
from mfgcost.items.services import item_low_level_codes_update
from tests.scenarios.support import entry_value, march

D = Decimal


@pytest.fixture
def kit(company, make_item):
    """K (FIFO, produced, expected at 6.00 from its computed estimate) = 2 x part (FIFO)."""
    part = make_item(number="PART", costing_method="fifo", standard_cost=D("3.00"))
    kit = make_item(
        number="KIT",
        costing_method="fifo",
        replenishment="production",
        posting_group=company.groups["FINISHED"],
    )
    bom = BomVersion.objects.create(item=kit, version="1", valid_from=dt.date(2026, 1, 1))
    BomLine.objects.create(
        bom=bom, line_no=10, component=part, quantity_per=D("2"), unit=company.units["pcs"]
    )
    item_low_level_codes_update()
    return kit, part


def test_fifo_output_takes_actual_cost_and_forwards_it_to_the_sale(company, kit, post):
    kit_item, part = kit
    post.receipt(part, "20", "3.50", day=1)
    order = post.release(kit_item, "10", "K-1", day=2)
    assert order.unit_cost_standard == D("6")
    post.consume(order, part, "20", day=2)
    post.output(order, "10", day=3)
    sale = post.sale(kit_item, "4", day=4)
    assert entry_value(sale) == D("-24.00")  # at expected 6.00
    order = post.finish(order, day=5)

    result = adjust_cost_run()

    output = ItemLedgerEntry.objects.get(order_no="K-1", entry_type="output")
    assert entry_value(output) == D("70.00")
    assert sum(v.cost_amount_expected for v in output.value_entries.all()) == D("0.00")
    assert entry_value(sale) == D("-28.00")
    assert result.worked == [("item", part.pk), ("order", order.pk), ("item", kit_item.pk)]
    assert order_cost_sheet(order).wip == D("0.00")
    assert not ValueEntry.objects.filter(entry_type="variance").exists()
    assert account_balance(company.account("1330")) == D("0.00")
    assert account_balance(company.account("1310")) == D("42.00")
    assert account_balance(company.account("5000")) == D("28.00")
    assert adjust_cost_run().posted_nothing


def test_adjustment_of_a_closed_period_is_posted_in_the_next_open_one(company, kit, post):
    kit_item, part = kit
    receipt = post.receipt(part, "10", "3.00", day=1)
    sale = post.sale(part, "10", day=2)
    adjust_cost_run()
    period_close(period=Period.objects.get(name="2026-03"))
    post_april = dt.date(2026, 4, 2)
    from mfgcost.inventory.services import purchase_invoice_post

    purchase_invoice_post(
        receipt_entry=receipt,
        quantity=D("10"),
        unit_price=D("3.30"),
        posting_date=post_april,
        source_key="test:late-invoice",
    )

    adjust_cost_run()

    adjustment = ValueEntry.objects.get(adjustment=True)
    assert adjustment.item_ledger_entry_id == sale.pk
    assert (adjustment.valuation_date, adjustment.posting_date) == (march(2), dt.date(2026, 4, 1))
    assert adjustment.cost_amount_actual == D("-3.00")
    assert adjustment.journal_entry.posting_date == dt.date(2026, 4, 1)


def test_scrap_reported_with_output_is_its_own_cause(bracket, post):
    post.receipt(bracket.steel, "30", "5.00", day=1)
    post.receipt(bracket.paint, "10", "3.00", day=1)
    order = post.release(bracket.item, "10", "PO-S", day=2)
    post.consume(order, bracket.steel, "20")
    post.consume(order, bracket.paint, "10")
    post.time(order, setup="1", run="5")
    post.output(order, "8", scrap="2")
    order = post.finish(order)

    adjust_cost_run()

    rows = {row.cost_group: row for row in order_cost_sheet(order).rows}
    # 8 good at standard: material 104.00; the 2 scrapped took 2 x 13.00 = 26.00 of material.
    assert rows["MAT"].causes == {"scrap": D("26.00")}
    assert rows["LAB"].causes == {"scrap": D("24.00")}  # 2 x 0.6 h x 20.00
    assert rows["COH"].causes == {"scrap": D("6.00")}
    assert rows["MOH"].causes == {"scrap": D("2.60")}
    assert order_cost_sheet(order).wip == D("0.00")


def test_management_command_shows_progress_and_pending_work(capsys, company, kit, post):
    kit_item, part = kit
    receipt = post.receipt(part, "10", "3.00", day=1)
    post.sale(part, "4", day=2)
    post.invoice(receipt, "10", "3.50", day=3)

    call_command("adjust_cost", "--pending")
    assert "value entries not collected: 3" in capsys.readouterr().out
    call_command("adjust_cost")
    out = capsys.readouterr().out
    assert f"[{'#' * 30}]     1/1     item {part.pk}" in out
    assert "1 items and 0 orders adjusted, 1 value entries posted." in out
    call_command("adjust_cost")
    assert "0 items and 0 orders adjusted, 0 value entries posted." in capsys.readouterr().out
