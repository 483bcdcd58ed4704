"""The worked case of the bracket: an order at standard, finished, adjusted, then re-invoiced.

Standard per bracket (from the roll-up): material 2 kg x 5.00 + 1 l x 3.00 = 13.00; capacity
(1 h / 10 + 0.5 h) x 20.00 = 12.00; capacity overhead 25 % = 3.00; manufacturing overhead 10 %
of material = 1.30; total 29.30.

Order for 10, steel received 30 kg at 5.20 (not yet invoiced):
  material  21 kg x 5.20 + 10 l x 3.00 = 139.20 vs 130.00: 9.20
            price (5.20 - 5.00) x 21 = 4.20, quantity (21 - 20) x 5.00 = 5.00
  capacity  (1.5 + 5.5) h x 20.00 = 140.00 vs 120.00: 20.00
            lot size (1.5 - 1.0) x 20.00 = 10.00, quantity (5.5 - 5.0) x 20.00 = 10.00
  capacity overhead 25 % x 140.00 = 35.00 vs 30.00: 5.00 (lot size 2.50, quantity 2.50)
  manufacturing overhead 10 % x 139.20 = 13.92 vs 13.00: 0.92 (price 0.42, quantity 0.50)
  actual 328.12 = output at standard 293.00 + variances 35.12.

The steel invoice at 5.50: the receipt is worth 165.00 instead of 156.00; the 21 kg consumed
take 6.30 more (material price variance 10.50), overhead follows with 0.63 (manufacturing
overhead price variance 1.05), and the 9 kg left are worth 49.50 (46.80 + 2.70).
"""

from decimal import Decimal

from ledger.selectors import account_balance, trial_balance
from mfgcost.costing.selectors import order_cost_sheet, wip_by_order
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.selectors import reconciliation
from mfgcost.items.models import StandardCostLine

D = Decimal


def balances(company, *numbers):
    return tuple(account_balance(company.account(n)) for n in numbers)


def sheet_by_group(order):
    sheet = order_cost_sheet(order)
    return sheet, {row.cost_group: row for row in sheet.rows}


def value_of(**filters) -> Decimal:
    rows = ValueEntry.objects.filter(**filters)
    return sum((v.cost_amount for v in rows), D("0"))


def assert_books_balance():
    assert sum((row.balance for row in trial_balance()), D("0")) == 0
    assert [row["difference"] for row in reconciliation()] == [D("0")] * len(reconciliation())
    assert all(row["difference"] == 0 for row in wip_by_order()["accounts"])


def test_bracket_order_adjusted_then_steel_invoice_forwarded(bracket, post):
    company = bracket.company
    lines = {
        line.cost_group.code: line.rolled_up
        for line in StandardCostLine.objects.filter(standard_cost=bracket.standard)
    }
    assert lines == {"MAT": D("13"), "LAB": D("12"), "COH": D("3"), "MOH": D("1.3")}
    assert bracket.item.standard_cost == D("29.30")

    steel_receipt = post.receipt(bracket.steel, "30", "5.20", day=1)
    post.receipt(bracket.paint, "10", "3.00", day=1)
    order = post.release(bracket.item, "10", "PO-1", day=2)
    post.consume(order, bracket.steel, "21")
    post.consume(order, bracket.paint, "10")
    post.time(order, setup="1.5", run="5.5")
    post.output(order, "10")
    order = post.finish(order)

    # Before Adjust Cost: WIP holds the difference between actual and output at standard.
    sheet, rows = sheet_by_group(order)
    assert sheet.output_value == D("293.00")
    assert sheet.total("actual") == D("328.12")
    assert sheet.wip == D("35.12")

    first = adjust_cost_run()
    assert first.orders == [order.pk]

    sheet, rows = sheet_by_group(order)
    assert sheet.output_quantity == D("10")
    assert sheet.output_value == D("293.00")
    assert sheet.total("standard") == D("293.00")
    assert sheet.total("actual") == D("328.12")
    assert sheet.total("variance") == D("35.12")
    assert sheet.wip == D("0.00")
    assert {code: (r.standard, r.estimate, r.actual) for code, r in rows.items()} == {
        "MAT": (D("130.00"), D("130.00"), D("139.20")),
        "LAB": (D("120.00"), D("120.00"), D("140.00")),
        "COH": (D("30.00"), D("30.00"), D("35.00")),
        "MOH": (D("13.00"), D("13.00"), D("13.92")),
    }
    assert {code: (r.variance, r.causes) for code, r in rows.items()} == {
        "MAT": (D("9.20"), {"price": D("4.20"), "quantity": D("5.00")}),
        "LAB": (D("20.00"), {"quantity": D("10.00"), "lot_size": D("10.00")}),
        "COH": (D("5.00"), {"quantity": D("2.50"), "lot_size": D("2.50")}),
        "MOH": (D("0.92"), {"price": D("0.42"), "quantity": D("0.50")}),
    }
    output = ItemLedgerEntry.objects.get(entry_type="output", order_no=order.number)
    assert value_of(item_ledger_entry=output) == D("293.00")
    assert sum((v.cost_amount_expected for v in output.value_entries.all()), D("0")) == D("0.00")
    # Variances on the accounts of their type; WIP empty; finished goods at standard.
    assert balances(company, "5310", "5320", "5340", "5350") == (
        D("9.20"),
        D("20.00"),
        D("5.00"),
        D("0.92"),
    )
    assert balances(company, "1330", "1310") == (D("0.00"), D("293.00"))
    # Steel: 30 kg x 5.20 = 156.00 received, 109.20 consumed, 9 kg x 5.20 = 46.80 left.
    assert value_of(item=bracket.steel, item_ledger_entry__isnull=False) == D("46.80")
    assert [row for row in wip_by_order()["rows"] if row["order"] == order.number] == []
    assert_books_balance()
    assert adjust_cost_run().posted_nothing

    # The steel invoice arrives at 5.50 a kg.
    post.invoice(steel_receipt, "30", "5.50", day=10)
    second = adjust_cost_run()

    assert second.items == [bracket.steel.pk]
    assert second.orders == [order.pk]
    consumption = ItemLedgerEntry.objects.get(item=bracket.steel, entry_type="consumption")
    assert value_of(item_ledger_entry=consumption) == D("-115.50")
    assert value_of(item_ledger_entry=consumption, adjustment=True) == D("-6.30")
    sheet, rows = sheet_by_group(order)
    assert rows["MAT"].causes == {"price": D("10.50"), "quantity": D("5.00")}
    assert rows["MOH"].causes == {"price": D("1.05"), "quantity": D("0.50")}
    assert rows["MAT"].actual == D("145.50")
    assert rows["MOH"].actual == D("14.55")
    assert sheet.total("variance") == D("42.05")
    assert sheet.wip == D("0.00")
    new_variances = ValueEntry.objects.filter(
        entry_type="variance", posting__in=[v.posting_id for v in second.value_entries]
    )
    assert {(v.cost_group.code, v.variance_cause): -v.cost_amount for v in new_variances} == {
        ("MAT", "price"): D("6.30"),
        ("MOH", "price"): D("0.63"),
    }
    assert value_of(item=bracket.steel, item_ledger_entry__isnull=False) == D("49.50")
    assert balances(company, "5310", "5350", "1330", "1310") == (
        D("15.50"),
        D("1.55"),
        D("0.00"),
        D("293.00"),
    )
    assert account_balance(company.account("2000")) == D("-165.00")
    assert_books_balance()
    assert adjust_cost_run().posted_nothing
