"""The reconciliation: inventory and WIP accounts by the ledgers vs the general ledger."""

from decimal import Decimal

import pytest

from ledger.selectors import trial_balance
from ledger.services import LineDraft, journal_entry_post
from mfgcost.inventory.selectors import inventory_valuation, reconciliation
from mfgcost.inventory.services import standard_cost_revalue

from .support import assert_reconciled, march

D = Decimal
pytestmark = pytest.mark.django_db


def test_mixed_scenario_reconciles_to_the_cent(post, make_item, company, vendor_location):
    steel = make_item()  # FIFO
    paint = make_item(costing_method="average")
    bolts = make_item(costing_method="standard", standard_cost=D("0.40"))

    steel_receipt = post.receipt(steel, "100", "5.20", day=2)  # 520.00 expected
    post.receipt(paint, "50", "3.00", day=2)  # 150.00 expected
    bolt_receipt = post.receipt(bolts, "1000", "0.42", day=2)  # 400.00 expected at standard
    post.invoice(steel_receipt, "100", "5.25", day=5)  # 525.00 actual
    post.invoice(bolt_receipt, "1000", "0.42", day=5)  # 420.00: 20.00 price variance
    post.receipt(paint, "40", "3.30", day=8)  # 132.00: 282.00 / 90
    post.sale(steel, "30", day=12)  # 525.00 x 30/100 = 157.50
    post.negative_adjustment(paint, "2", day=14)  # 2 x 282.00/90 = 6.27
    moved = post.transfer(paint, "10", vendor_location, day=15)  # 10 x 275.73/88 = 31.33
    post.positive_adjustment(bolts, "10", day=16)  # at standard: 4.00
    standard_cost_revalue(
        item=bolts, new_standard_cost=D("0.45"), posting_date=march(20), source_key="reval:1"
    )  # 1010 x 0.05 = 50.50
    post.sale(bolts, "500", day=22)  # 500 x 0.45 = 225.00

    assert moved.value_entries[1].cost_amount_actual == D("31.33")
    stock = {(r["item"], r["location"]): (r["quantity"], r["value"]) for r in inventory_valuation()}
    assert stock == {
        (steel.number, "MAIN"): (D("70"), D("367.50")),
        (paint.number, "MAIN"): (D("78"), D("244.40")),
        (paint.number, "VEND-1"): (D("10"), D("31.33")),
        (bolts.number, "MAIN"): (D("510"), D("229.50")),
    }
    balances = {row.number: row.balance for row in trial_balance()}
    assert balances == {
        "1300": D("841.40"),  # 367.50 + 244.40 + 229.50
        "1320": D("31.33"),
        "2000": D("-945.00"),  # 525.00 + 420.00
        "2100": D("-282.00"),  # the paint, received and not invoiced
        "5000": D("382.50"),  # 157.50 + 225.00
        "5100": D("2.27"),  # 6.27 written off - 4.00 found
        "5300": D("20.00"),
        "5400": D("-50.50"),
    }
    assert sum(balances.values(), D("0")) == D("0")

    rows = {r["account"]: r for r in reconciliation()}
    assert set(rows) == {"1300", "1310", "1320", "1330"}
    assert (rows["1300"]["ledger_value"], rows["1300"]["gl_balance"]) == (D("841.40"), D("841.40"))
    assert (rows["1320"]["ledger_value"], rows["1320"]["gl_balance"]) == (D("31.33"), D("31.33"))
    assert rows["1330"]["ledger_value"] == rows["1330"]["gl_balance"] == D("0")
    assert_reconciled()

    # As of an earlier date both sides leave out what came later.
    earlier = {r["account"]: r for r in reconciliation(as_of=march(12))}
    # steel 525.00 - 157.50, paint 282.00, bolts 400.00
    assert earlier["1300"]["ledger_value"] == earlier["1300"]["gl_balance"] == D("1049.50")
    assert earlier["1320"]["gl_balance"] == D("0")
    assert all(not r["difference"] for r in earlier.values())


def test_a_journal_entry_outside_the_ledgers_shows_as_a_difference(post, make_item, company):
    steel = make_item()
    post.receipt(steel, "10", "10.00")

    journal_entry_post(
        journal="GEN",
        posting_date=march(9),
        source_key="manual:stock-writeup",
        lines=[
            LineDraft(account=company.account("1300"), amount=D("10.00")),
            LineDraft(account=company.account("3000"), amount=D("-10.00")),
        ],
    )

    rows = {r["account"]: r for r in reconciliation()}
    assert rows["1300"]["ledger_value"] == D("100.00")
    assert rows["1300"]["gl_balance"] == D("110.00")
    assert rows["1300"]["difference"] == D("10.00")
    assert reconciliation(as_of=march(8))[0]["difference"] == D("0")
