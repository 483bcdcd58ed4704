"""Adjust Cost through a return to stock, and through an average-cost component."""

import datetime as dt
from decimal import Decimal

from ledger.selectors import account_balance, trial_balance
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.selectors import reconciliation
from mfgcost.items.models import BomLine, BomVersion
from mfgcost.items.services import item_low_level_codes_update
from tests.scenarios.support import entry_value, stock_value

D = Decimal


def books_agree() -> bool:
    return sum((r.balance for r in trial_balance()), D("0")) == 0 and all(
        r["difference"] == 0 for r in reconciliation()
    )


def test_a_return_to_stock_follows_the_invoiced_cost_of_its_consumption(bracket, post):
    company = bracket.company
    steel_receipt = post.receipt(bracket.steel, "30", "5.20", day=1)
    post.receipt(bracket.paint, "10", "3.00", day=1)
    order = post.release(bracket.item, "10", "PO-RET", day=2)
    consumption = post.consume(order, bracket.steel, "21").item_entries[0]  # 109.20
    back = post.consume(order, bracket.steel, "-1").item_entries[0]  # 1 kg back at 5.20
    post.consume(order, bracket.paint, "10")
    post.time(order, setup="1", run="5")
    post.output(order, "10")
    order = post.finish(order)
    assert entry_value(back) == D("5.20")

    adjust_cost_run()

    # Net 20 kg at 5.20 = 104.00 against 100.00: price 4.00; overhead 10 % of it: 0.40.
    rows = {r.cost_group: r for r in order_cost_sheet(order).rows}
    assert (rows["MAT"].actual, rows["MAT"].causes) == (D("134.00"), {"price": D("4.00")})
    assert (rows["MOH"].actual, rows["MOH"].causes) == (D("13.40"), {"price": D("0.40")})

    post.invoice(steel_receipt, "30", "5.50", day=10)
    adjust_cost_run()

    # The 21 kg take 21 x 5.50 = 115.50 (6.30 more); the kilogram returned is worth what the
    # consumption it came back from now costs, 5.50 (0.30 more). Net 20 kg x 5.50 = 110.00:
    # price variance 10.00, and the overhead follows to 11.00 + 3.00 = 14.00 (price 1.00).
    assert entry_value(consumption) == D("-115.50")
    assert entry_value(back) == D("5.50")
    rows = {r.cost_group: r for r in order_cost_sheet(order).rows}
    assert (rows["MAT"].actual, rows["MAT"].causes) == (D("140.00"), {"price": D("10.00")})
    assert (rows["MOH"].actual, rows["MOH"].causes) == (D("14.00"), {"price": D("1.00")})
    assert order_cost_sheet(order).wip == D("0.00")
    # In stock: 9 kg of the receipt and the kilogram returned, all at 5.50.
    assert stock_value(bracket.steel) == D("55.00")
    assert account_balance(company.account("5310")) == D("10.00")
    assert account_balance(company.account("5350")) == D("1.00")
    assert account_balance(company.account("1330")) == D("0.00")
    assert books_agree()
    assert adjust_cost_run().posted_nothing


def test_an_average_component_invoiced_late_reaches_a_fifo_output(company, make_item, post):
    part = make_item(number="PART", costing_method="average", standard_cost=D("3.00"))
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
    first = post.receipt(part, "10", "3.00", day=1)
    post.receipt(part, "10", "3.60", day=1)
    order = post.release(kit, "10", "K-AVG", day=2)
    consumption = post.consume(order, part, "20", day=2).item_entries[0]
    post.output(order, "10", day=3)
    order = post.finish(order, day=4)
    assert entry_value(consumption) == D("-66.00")  # (30.00 + 36.00) / 20 x 20

    adjust_cost_run()
    output = ItemLedgerEntry.objects.get(order_no="K-AVG", entry_type="output")
    assert entry_value(output) == D("66.00")

    post.invoice(first, "10", "3.30", day=10)
    second = adjust_cost_run()

    # The day's average is now (33.00 + 36.00) / 20 = 3.45: 69.00 for the 20 consumed.
    assert second.worked == [("item", part.pk), ("order", order.pk), ("item", kit.pk)]
    assert entry_value(consumption) == D("-69.00")
    assert entry_value(output) == D("69.00")
    assert stock_value(part) == D("0.00")
    assert stock_value(kit) == D("69.00")
    assert order_cost_sheet(order).wip == D("0.00")
    assert not ValueEntry.objects.filter(entry_type="variance").exists()
    assert account_balance(company.account("1310")) == D("69.00")
    assert account_balance(company.account("1330")) == D("0.00")
    assert books_agree()
    assert adjust_cost_run().posted_nothing
