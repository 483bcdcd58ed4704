"""Multi-level: a price change on a purchased component reaches the top of the BOM in one run.

Component C (FIFO, bought) -> subassembly S (FIFO, produced: 1 C each) -> product P (standard
cost, produced: 2 S each). Standards from the roll-up: S 4.00, P 8.00 (all material).

Order S-1 makes 10 S from 10 C received at 4.00 (expected): output 40.00. Order P-1 makes 5 P
from 10 S: consumption 40.00, output at standard 40.00, no variance. Then C is invoiced at
5.00: C's receipt is worth 50.00; S-1's consumption takes 10.00 more; S-1's output takes the
actual 50.00; P-1's consumption of S takes 10.00 more; P-1 posts a material price variance of
10.00. All in one run, lowest level first.
"""

import datetime as dt
from decimal import Decimal

import pytest

from ledger.selectors import account_balance
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.services import adjust_cost_run, item_mark_changed, order_mark_changed
from mfgcost.inventory.models import ItemLedgerEntry
from mfgcost.items.models import BomLine, BomVersion, CostingVersion
from mfgcost.items.services import standard_cost_activate, standard_cost_rollup
from tests.scenarios.support import entry_value, march, stock_value

D = Decimal


@pytest.fixture
def chain(company, make_item, post):
    units = company.units
    component = make_item(number="C", costing_method="fifo", standard_cost=D("4.00"))
    sub = make_item(
        number="S",
        costing_method="fifo",
        replenishment="production",
        posting_group=company.groups["FINISHED"],
    )
    product = make_item(
        number="P",
        costing_method="standard",
        replenishment="production",
        posting_group=company.groups["FINISHED"],
        cost_group=None,
    )
    for parent, child, quantity in ((sub, component, "1"), (product, sub, "2")):
        bom = BomVersion.objects.create(item=parent, version="1", valid_from=dt.date(2026, 1, 1))
        BomLine.objects.create(
            bom=bom, line_no=10, component=child, quantity_per=D(quantity), unit=units["pcs"]
        )
    version = CostingVersion.objects.create(code="STD", name="Standard", version_type="standard")
    rollup = standard_cost_rollup(version=version, items=[product], as_of=march(1))
    standard_cost_activate(standard_costs=rollup.records, posting_date=march(1))
    for item in (component, sub, product):
        item.refresh_from_db()
    assert (component.low_level_code, sub.low_level_code, product.low_level_code) == (2, 1, 0)
    assert (sub.standard_cost, product.standard_cost) == (D("4"), D("8"))

    receipt = post.receipt(component, "10", "4.00", day=1)
    sub_order = post.release(sub, "10", "S-1", day=2)
    post.consume(sub_order, component, "10", day=2)
    post.output(sub_order, "10", day=3)
    sub_order = post.finish(sub_order, day=3)
    product_order = post.release(product, "5", "P-1", day=4)
    post.consume(product_order, sub, "10", day=4)
    post.output(product_order, "5", day=5)
    product_order = post.finish(product_order, day=5)
    adjust_cost_run()
    assert order_cost_sheet(product_order).total("variance") == D("0")
    return component, sub, product, receipt, sub_order, product_order


def posted(result):
    return sorted(
        (v.item.number, v.item_ledger_entry_type, v.entry_type, v.variance_cause, v.cost_amount)
        for v in result.value_entries
    )


@pytest.mark.parametrize("marks_first", ["none", "top_down", "bottom_up"])
def test_price_change_reaches_the_parent_variance_in_one_run(company, chain, post, marks_first):
    component, sub, product, receipt, sub_order, product_order = chain
    # Marks arriving in any order (here: made before the invoice's own) change nothing.
    if marks_first == "top_down":
        order_mark_changed(order=product_order)
        item_mark_changed(item=sub, from_date=march(1))
        order_mark_changed(order=sub_order)
    elif marks_first == "bottom_up":
        order_mark_changed(order=sub_order)
        item_mark_changed(item=sub, from_date=march(1))
        order_mark_changed(order=product_order)
    post.invoice(receipt, "10", "5.00", day=10)

    result = adjust_cost_run()

    assert result.worked == [
        ("item", component.pk),
        ("order", sub_order.pk),
        ("item", sub.pk),
        ("order", product_order.pk),
    ]
    assert posted(result) == [
        ("C", "consumption", "direct_cost", "", D("-10.00")),
        ("P", "output", "direct_cost", "", D("10.00")),
        ("P", "output", "variance", "price", D("-10.00")),
        ("S", "consumption", "direct_cost", "", D("-10.00")),
        ("S", "output", "direct_cost", "", D("10.00")),
    ]
    sub_output = ItemLedgerEntry.objects.get(order_no=sub_order.number, entry_type="output")
    assert entry_value(sub_output) == D("50.00")
    sheet = order_cost_sheet(product_order)
    assert sheet.total("actual") == D("50.00")
    assert sheet.output_value == D("40.00")
    assert [(r.cost_group, r.causes) for r in sheet.rows] == [("MAT", {"price": D("10.00")})]
    assert sheet.wip == D("0.00")
    assert stock_value(component) == D("0.00")
    assert stock_value(sub) == D("0.00")
    assert stock_value(product) == D("40.00")
    assert account_balance(company.account("5310")) == D("10.00")
    assert account_balance(company.account("1330")) == D("0.00")
    assert adjust_cost_run().posted_nothing
