"""Adjust Cost on the inventory side: invoices, averages and transfers forwarded."""

from decimal import Decimal

from ledger.selectors import account_balance
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ValueEntry
from tests.scenarios.support import entry_value, stock_value

D = Decimal


def test_invoice_after_sale_reaches_cost_of_goods_sold(company, make_item, post):
    item = make_item(costing_method="fifo")
    receipt = post.receipt(item, "10", "10.00", day=2)
    sale = post.sale(item, "4", day=3)
    assert entry_value(sale) == D("-40.00")
    post.invoice(receipt, "10", "12.00", day=5)

    result = adjust_cost_run()

    assert entry_value(sale) == D("-48.00")
    assert stock_value(item) == D("72.00")
    assert account_balance(company.account("5000")) == D("48.00")
    assert account_balance(company.account("1300")) == D("72.00")
    adjustment = ValueEntry.objects.get(adjustment=True)
    assert adjustment.item_ledger_entry_id == sale.pk
    assert adjustment.cost_amount_actual == D("-8.00")
    assert adjustment.journal_entry.journal.code == "COST"
    assert [e.pk for e in result.value_entries] == [adjustment.pk]
    assert adjust_cost_run().posted_nothing


def test_last_application_takes_the_remainder(company, make_item, post):
    item = make_item(costing_method="fifo")
    receipt = post.receipt(item, "3", "1.00", day=2)
    sales = [post.sale(item, "1", day=3) for _ in range(3)]
    post.invoice(receipt, "3", "3.333333", day=4)

    adjust_cost_run()

    assert [entry_value(s) for s in sales] == [D("-3.33"), D("-3.33"), D("-3.34")]
    assert stock_value(item) == D("0.00")
    assert account_balance(company.account("1300")) == D("0.00")


def test_average_is_recomputed_per_day_from_the_invoiced_receipt(company, make_item, post):
    item = make_item(costing_method="average")
    first = post.receipt(item, "10", "10.00", day=2)
    sale_1 = post.sale(item, "5", day=3)
    post.receipt(item, "10", "13.00", day=4)
    sale_2 = post.sale(item, "5", day=5)
    assert (entry_value(sale_1), entry_value(sale_2)) == (D("-50.00"), D("-60.00"))
    post.invoice(first, "10", "11.00", day=6)

    adjust_cost_run()

    # Day 3: 110.00 / 10 = 11.00 a unit; day 5: (55.00 + 130.00) / 15 x 5 = 61.67.
    assert (entry_value(sale_1), entry_value(sale_2)) == (D("-55.00"), D("-61.67"))
    assert stock_value(item) == D("123.33")
    assert account_balance(company.account("5000")) == D("116.67")
    assert adjust_cost_run().posted_nothing


def test_back_dated_receipt_changes_the_average_of_later_days(company, make_item, post):
    item = make_item(costing_method="average")
    post.receipt(item, "10", "10.00", day=2)
    sale = post.sale(item, "5", day=4)
    post.receipt(item, "10", "16.00", day=3)  # posted after the sale, dated before it

    adjust_cost_run()

    assert entry_value(sale) == D("-65.00")  # (100.00 + 160.00) / 20 x 5
    assert stock_value(item) == D("195.00")


def test_transfer_carries_the_new_cost_to_the_other_location(company, make_item, post, east):
    item = make_item(costing_method="fifo")
    receipt = post.receipt(item, "10", "10.00", day=2)
    transfer_out, transfer_in = post.transfer(item, "6", east, day=3)
    sale = post.sale(item, "2", day=4, location=east)
    post.invoice(receipt, "10", "12.00", day=5)

    adjust_cost_run()

    assert entry_value(transfer_out) == D("-72.00")
    assert entry_value(transfer_in) == D("72.00")
    assert entry_value(sale) == D("-24.00")
    assert stock_value(item, company.main) == D("48.00")
    assert stock_value(item, east) == D("48.00")
    assert account_balance(company.account("1300")) == D("96.00")
    assert account_balance(company.account("5000")) == D("24.00")
    assert adjust_cost_run().posted_nothing
