"""Multi-level: price changes at two BOM levels, marked in either order, give the same result.

C (FIFO, bought, 4.00) -> S (FIFO, produced: 1 C each); P (standard cost, produced: 2 S and
1 D each), D (FIFO, bought, 3.00). Standards from the roll-up: S 4.00, P 2 x 4.00 + 3.00 =
11.00. Low-level codes: C 2, S 1, D 1, P 0.

Order S-1 makes 10 S from 10 C (40.00); order P-1 makes 5 P from 10 S (40.00) and 5 D (15.00):
output 5 x 11.00 = 55.00, no variance. Then C is invoiced at 5.00 (+10.00) and D at 3.60
(+3.00), in one order or the other, before a single run:

* S-1's consumption of C: -50.00, its output takes the actual 50.00;
* P-1's consumption of S: -50.00 and of D: -18.00, actual 68.00 against 55.00: a material price
  variance of 13.00 ((50.00 - 10 x 4.00) + (18.00 - 5 x 3.00)).
"""

import datetime as dt
from decimal import Decimal

import pytest

from ledger.selectors import account_balance
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.services import adjust_cost_run, item_mark_changed
from mfgcost.inventory.models import ItemLedgerEntry
from mfgcost.items.models import BomLine, BomVersion, CostingVersion
from mfgcost.items.services import standard_cost_activate, standard_cost_rollup
from tests.scenarios.support import entry_value, march, stock_value

D = Decimal


@pytest.fixture
def two_levels(company, make_item, post):
    units = company.units
    component = make_item(number="C", costing_method="fifo", standard_cost=D("4.00"))
    other = make_item(number="D", costing_method="fifo", standard_cost=D("3.00"))
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
    for parent, lines in ((sub, [(component, "1")]), (product, [(sub, "2"), (other, "1")])):
        bom = BomVersion.objects.create(item=parent, version="1", valid_from=dt.date(2026, 1, 1))
        for number, (child, quantity) in enumerate(lines, start=1):
            BomLine.objects.create(
                bom=bom,
                line_no=10 * number,
                component=child,
                quantity_per=D(quantity),
                unit=units["pcs"],
            )
    version = CostingVersion.objects.create(code="STD", name="Standard", version_type="standard")
    rollup = standard_cost_rollup(version=version, items=[product], as_of=march(1))
    standard_cost_activate(standard_costs=rollup.records, posting_date=march(1))
    for item in (component, other, sub, product):
        item.refresh_from_db()
    levels = [i.low_level_code for i in (component, sub, other, product)]
    assert levels == [2, 1, 1, 0]
    assert (sub.standard_cost, product.standard_cost) == (D("4"), D("11"))

    receipt_c = post.receipt(component, "10", "4.00", day=1)
    receipt_d = post.receipt(other, "5", "3.00", day=1)
    sub_order = post.release(sub, "10", "S-1", day=2)
    post.consume(sub_order, component, "10", day=2)
    post.output(sub_order, "10", day=3)
    sub_order = post.finish(sub_order, day=3)
    product_order = post.release(product, "5", "P-1", day=4)
    post.consume(product_order, sub, "10", day=4)
    post.consume(product_order, other, "5", day=4)
    post.output(product_order, "5", day=5)
    product_order = post.finish(product_order, day=5)
    adjust_cost_run()
    assert order_cost_sheet(product_order).total("variance") == D("0")
    return {
        "C": component,
        "D": other,
        "S": sub,
        "P": product,
        "receipt_C": receipt_c,
        "receipt_D": receipt_d,
        "S-1": sub_order,
        "P-1": product_order,
    }


def posted(result):
    return sorted(
        (v.item.number, v.item_ledger_entry_type, v.entry_type, v.variance_cause, v.cost_amount)
        for v in result.value_entries
    )


@pytest.mark.parametrize(
    "sequence",
    [
        ("invoice C", "invoice D"),
        ("invoice D", "invoice C"),
        ("mark P", "invoice D", "mark S", "invoice C"),
        ("invoice C", "mark S", "invoice D", "mark C", "mark D"),
    ],
)
def test_two_levels_changed_in_any_order_give_one_result(company, two_levels, post, sequence):
    case = two_levels
    prices = {"C": "5.00", "D": "3.60"}
    quantities = {"C": "10", "D": "5"}
    for step in sequence:
        verb, number = step.split()
        if verb == "invoice":
            post.invoice(case[f"receipt_{number}"], quantities[number], prices[number], day=10)
        else:
            item_mark_changed(item=case[number], from_date=march(1))

    result = adjust_cost_run()

    # Lowest level first; at a level, orders before items, items by id (D was made before S).
    # A mark on P (a standard-cost item, nothing to forward) adds a unit that posts nothing.
    expected = [
        ("item", case["C"].pk),
        ("order", case["S-1"].pk),
        ("item", case["D"].pk),
        ("item", case["S"].pk),
        ("order", case["P-1"].pk),
    ]
    if "mark P" in sequence:
        expected.append(("item", case["P"].pk))
    assert result.worked == expected
    assert posted(result) == [
        ("C", "consumption", "direct_cost", "", D("-10.00")),
        ("D", "consumption", "direct_cost", "", D("-3.00")),
        ("P", "output", "direct_cost", "", D("13.00")),
        ("P", "output", "variance", "price", D("-13.00")),
        ("S", "consumption", "direct_cost", "", D("-10.00")),
        ("S", "output", "direct_cost", "", D("10.00")),
    ]
    sub_output = ItemLedgerEntry.objects.get(order_no="S-1", entry_type="output")
    assert entry_value(sub_output) == D("50.00")
    sheet = order_cost_sheet(case["P-1"])
    assert sheet.total("actual") == D("68.00")
    assert sheet.output_value == D("55.00")
    assert [(r.cost_group, r.causes) for r in sheet.rows] == [("MAT", {"price": D("13.00")})]
    assert sheet.wip == D("0.00")
    assert [stock_value(case[n]) for n in ("C", "D", "S", "P")] == [
        D("0.00"),
        D("0.00"),
        D("0.00"),
        D("55.00"),
    ]
    assert account_balance(company.account("5310")) == D("13.00")
    assert account_balance(company.account("1330")) == D("0.00")
    assert adjust_cost_run().posted_nothing
