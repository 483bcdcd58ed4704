"""Settling a FIFO order with a co-product and a by-product at actual cost.

MIX (FIFO, produced) from 2 PART (FIFO, standard 3.00) per unit; its BOM keeps 75 % of the
cost for MIX, gives 25 % to the co-product TWIN (1 per MIX) and makes the by-product CHIPS
(0.5 per MIX) with a fixed credit of 0.40. The order for 10 consumes 20 PART received at 3.50
(70.00) and posts, at expected cost: MIX 10 x 6.00 (its computed estimate, 2 x 3.00) = 60.00,
TWIN 10 x its standard 2.00 = 20.00, CHIPS 5 x 0.40 = 2.00.

Adjust Cost values the output at the actual 70.00: CHIPS keeps its fixed 2.00, the other 68.00
is shared 75 : 25, MIX 51.00 (5.10 a unit) and TWIN 17.00 (1.70 a unit).

When TWIN is a standard-cost item it stays at its standard 20.00, like CHIPS at its credit; MIX,
the only output that takes actual cost, takes the rest: 70.00 - 2.00 - 20.00 = 48.00 (4.80 a
unit). The actual 70.00 is the output 48.00 + 20.00 + 2.00 with no variance.
"""

import datetime as dt
from decimal import Decimal

from ledger.selectors import account_balance, trial_balance
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.selectors import reconciliation
from mfgcost.items.models import BomLine, BomOutput, BomVersion
from mfgcost.items.services import item_low_level_codes_update
from mfgcost.production.models import ProductionOrder
from tests.scenarios.support import entry_value, stock_value

D = Decimal


def mix_case(company, make_item, post, *, twin_method: str):
    part = make_item(number="PART", costing_method="fifo", standard_cost=D("3.00"))
    finished = {
        "posting_group": company.groups["FINISHED"],
        "replenishment": "production",
    }
    mix = make_item(number="MIX", costing_method="fifo", **finished)
    twin = make_item(number="TWIN", costing_method=twin_method, standard_cost=D("2.00"), **finished)
    chips = make_item(number="CHIPS", costing_method="fifo", **finished)
    bom = BomVersion.objects.create(
        item=mix, version="1", valid_from=dt.date(2026, 1, 1), main_allocation_percent=D("75")
    )
    BomLine.objects.create(
        bom=bom, line_no=10, component=part, quantity_per=D("2"), unit=company.units["pcs"]
    )
    BomOutput.objects.create(
        bom=bom, item=twin, kind="co_product", quantity=D("1"), cost_allocation_percent=D("25")
    )
    BomOutput.objects.create(
        bom=bom, item=chips, kind="by_product", quantity=D("0.5"), fixed_credit_per_unit=D("0.40")
    )
    item_low_level_codes_update()
    post.receipt(part, "20", "3.50", day=1)
    order = post.release(mix, "10", "MIX-1", day=2)
    post.consume(order, part, "20", day=2)
    post.output(order, "10", day=3)
    outputs = {
        e.item.number: e
        for e in ItemLedgerEntry.objects.filter(order_no="MIX-1", entry_type="output")
    }
    assert {n: (e.quantity, entry_value(e)) for n, e in outputs.items()} == {
        "MIX": (D("10"), D("60.00")),
        "TWIN": (D("10"), D("20.00")),
        "CHIPS": (D("5"), D("1.00") * 2),
    }
    sale = post.sale(mix, "4", day=4)
    assert entry_value(sale) == D("-24.00")  # at the expected 6.00
    order = post.finish(order, day=5)
    return order, outputs, sale, {"mix": mix, "twin": twin, "chips": chips}


def test_fifo_output_shares_the_actual_cost_with_its_co_and_by_products(company, make_item, post):
    order, outputs, sale, items = mix_case(company, make_item, post, twin_method="fifo")

    adjust_cost_run()

    # 70.00 - 2.00 fixed = 68.00; 75 % = 51.00, 25 % = 17.00.
    assert {n: entry_value(e) for n, e in outputs.items()} == {
        "MIX": D("51.00"),
        "TWIN": D("17.00"),
        "CHIPS": D("2.00"),
    }
    assert all(
        sum(v.cost_amount_expected for v in e.value_entries.all()) == 0 for e in outputs.values()
    )
    assert entry_value(sale) == D("-20.40")  # 4 x 5.10, forwarded from the output
    assert stock_value(items["mix"]) == D("30.60")  # 6 x 5.10
    assert order_cost_sheet(order).wip == D("0.00")
    assert not ValueEntry.objects.filter(entry_type="variance").exists()
    assert account_balance(company.account("1330")) == D("0.00")
    assert account_balance(company.account("1310")) == D("49.60")  # 30.60 + 17.00 + 2.00
    assert account_balance(company.account("5000")) == D("20.40")
    assert sum((row.balance for row in trial_balance()), D("0")) == 0
    assert all(row["difference"] == 0 for row in reconciliation())
    assert adjust_cost_run().posted_nothing


def test_a_standard_cost_co_product_of_a_fifo_order_stays_at_its_standard(company, make_item, post):
    order, outputs, sale, items = mix_case(company, make_item, post, twin_method="standard")

    adjust_cost_run()

    # TWIN is a standard-cost item: every movement at its standard, 10 x 2.00.
    assert entry_value(outputs["TWIN"]) == D("20.00")
    assert stock_value(items["twin"]) == D("20.00")
    # MIX takes the rest of the actual cost: 70.00 - 2.00 - 20.00.
    assert {n: entry_value(e) for n, e in outputs.items()} == {
        "MIX": D("48.00"),
        "TWIN": D("20.00"),
        "CHIPS": D("2.00"),
    }
    assert entry_value(sale) == D("-19.20")  # 4 x 4.80, forwarded from the output
    assert stock_value(items["mix"]) == D("28.80")  # 6 x 4.80
    assert order_cost_sheet(order).wip == D("0.00")
    assert not ValueEntry.objects.filter(entry_type="variance").exists()
    assert account_balance(company.account("1330")) == D("0.00")
    assert account_balance(company.account("1310")) == D("50.80")  # 28.80 + 20.00 + 2.00
    assert account_balance(company.account("5000")) == D("19.20")
    assert sum((row.balance for row in trial_balance()), D("0")) == 0
    assert all(row["difference"] == 0 for row in reconciliation())
    assert adjust_cost_run().posted_nothing


def test_without_an_output_that_takes_actual_cost_the_difference_is_variance(
    company, make_item, post
):
    """A FIFO order whose outputs that take actual cost carry no share is settled as a standard
    order. Valid master data cannot make one (the main share is above 0 %), so the order's share
    is set to 0 here: MIX then takes no actual cost and keeps its expected 60.00, TWIN its
    standard 20.00 and CHIPS its 2.00; the actual 70.00 is 12.00 less, a favourable material
    variance carried by TWIN, the standard-cost output."""
    order, outputs, sale, items = mix_case(company, make_item, post, twin_method="standard")
    ProductionOrder.objects.filter(pk=order.pk).update(main_allocation_percent=D("0"))

    adjust_cost_run()

    assert {n: entry_value(e) for n, e in outputs.items()} == {
        "MIX": D("60.00"),
        "TWIN": D("20.00"),
        "CHIPS": D("2.00"),
    }
    variances = ValueEntry.objects.filter(entry_type="variance")
    assert {(v.item_ledger_entry_id, v.cost_group.code) for v in variances} == {
        (outputs["TWIN"].pk, "MAT")
    }
    assert sum(v.cost_amount_actual for v in variances) == D("12.00")  # Cr variance
    sheet = order_cost_sheet(order)
    assert sheet.wip == D("0.00")
    assert all(row.difference == row.variance for row in sheet.rows)
    assert account_balance(company.account("5310")) == D("-12.00")
    assert sum((row.balance for row in trial_balance()), D("0")) == 0
    assert all(row["difference"] == 0 for row in reconciliation())
    assert adjust_cost_run().posted_nothing
