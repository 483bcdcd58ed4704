"""Variance causes end to end: a substitute component, and an order finished without output.

Both use the bracket of the worked case (standard 29.30: material 13.00, capacity 12.00,
capacity overhead 3.00, manufacturing overhead 1.30; manufacturing overhead is 10 % of direct
material, capacity overhead 25 % of direct cost).
"""

from decimal import Decimal

from django.db.models import Sum

from ledger.models import JournalLine
from ledger.selectors import account_balance, trial_balance
from mfgcost.costing.models import VarianceSource
from mfgcost.costing.selectors import order_cost_sheet, variance_sources, wip_by_order
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.inventory.selectors import reconciliation

D = Decimal


def assert_books_balance():
    assert sum((row.balance for row in trial_balance()), D("0")) == 0
    assert all(row["difference"] == 0 for row in reconciliation())
    assert all(row["difference"] == 0 for row in wip_by_order()["accounts"])


def test_a_substitute_not_on_the_bom_is_a_substitution_variance(bracket, post, make_item):
    company = bracket.company
    primer = make_item(
        number="PRIMER", base_unit=company.units["l"], costing_method="fifo"
    )  # cost group MAT, not on the bracket's BOM
    post.receipt(bracket.steel, "20", "5.00", day=1)
    post.receipt(bracket.paint, "10", "3.00", day=1)
    post.receipt(primer, "2", "4.00", day=1)
    order = post.release(bracket.item, "10", "PO-SUB", day=2)
    post.consume(order, bracket.steel, "20")  # 20 kg x 5.00 = 100.00, exactly the standard
    post.consume(order, bracket.paint, "10")  # 10 l x 3.00 = 30.00
    post.consume(order, primer, "2")  # 2 l x 4.00 = 8.00, on no line
    post.time(order, setup="1", run="5")  # 6 h x 20.00 = 120.00 + 25 % = 30.00
    post.output(order, "10")
    order = post.finish(order)

    result = adjust_cost_run()

    assert result.orders == [order.pk]
    sheet = order_cost_sheet(order)
    rows = {row.cost_group: row for row in sheet.rows}
    # Material: 100.00 + 30.00 + 8.00 = 138.00 against 10 x 13.00 = 130.00; the steel and the
    # paint are exactly at standard, so all of the 8.00 is the primer.
    # Overhead: 10 % of each consumption posted (10.00 + 3.00 + 0.80 = 13.80) against 13.00;
    # the surcharge takes 10 % of its base's causes: substitution 0.80.
    assert {code: (r.standard, r.actual, r.variance, r.causes) for code, r in rows.items()} == {
        "MAT": (D("130.00"), D("138.00"), D("8.00"), {"substitution": D("8.00")}),
        "LAB": (D("120.00"), D("120.00"), D("0.00"), {}),
        "COH": (D("30.00"), D("30.00"), D("0.00"), {}),
        "MOH": (D("13.00"), D("13.80"), D("0.80"), {"substitution": D("0.80")}),
    }
    assert sheet.output_value == D("293.00")
    assert sheet.total("actual") == D("301.80")
    assert sheet.wip == D("0.00")
    assert account_balance(company.account("5310")) == D("8.00")
    assert account_balance(company.account("5350")) == D("0.80")
    assert account_balance(company.account("1330")) == D("0.00")
    assert account_balance(company.account("1310")) == D("293.00")

    # The drill-down from the material variance line reaches the primer's consumption.
    line = JournalLine.objects.get(account=company.account("5310"), entry__journal__code="COST")
    rows = variance_sources(journal_line=line)
    consumption = ItemLedgerEntry.objects.get(item=primer, entry_type="consumption")
    assert [(r["cause"], r["item"], r["kind"], r["amount"]) for r in rows] == [
        ("substitution", "PRIMER", "consumption", D("8.00"))
    ]
    assert rows[0]["item_ledger_entry"] == consumption.pk
    assert_books_balance()
    assert adjust_cost_run().posted_nothing


def test_an_order_finished_without_output_sends_its_whole_cost_to_variances(bracket, post):
    company = bracket.company
    post.receipt(bracket.steel, "30", "5.20", day=1)
    order = post.release(bracket.item, "10", "PO-NIL", day=2)
    post.consume(order, bracket.steel, "4")  # 4 kg x 5.20 = 20.80; overhead 10 % = 2.08
    post.time(order, setup="1", run="0")  # 1 h x 20.00 = 20.00; capacity overhead 25 % = 5.00
    order = post.finish(order)
    assert order_cost_sheet(order).wip == D("47.88")  # 20.80 + 2.08 + 20.00 + 5.00

    adjust_cost_run()

    sheet = order_cost_sheet(order)
    rows = {row.cost_group: row for row in sheet.rows}
    # No good output: the standard of the output is 0, so every cost is variance.
    # Steel: price (5.20 - 5.00) x 4 = 0.80, quantity (4 - 0) x 5.00 = 20.00.
    # Setup: lot size (1 - 0) h x 20.00 = 20.00; its overhead (1 h x 5.00 per hour) 5.00.
    # Manufacturing overhead: 10 % of the material causes, price 0.08 and quantity 2.00.
    assert {code: (r.standard, r.actual, r.variance, r.causes) for code, r in rows.items()} == {
        "MAT": (D("0"), D("20.80"), D("20.80"), {"price": D("0.80"), "quantity": D("20.00")}),
        "LAB": (D("0"), D("20.00"), D("20.00"), {"lot_size": D("20.00")}),
        "COH": (D("0"), D("5.00"), D("5.00"), {"lot_size": D("5.00")}),
        "MOH": (D("0"), D("2.08"), D("2.08"), {"price": D("0.08"), "quantity": D("2.00")}),
    }
    assert sheet.output_value == D("0")
    assert sheet.wip == D("0.00")
    # Straight from WIP (Dr variance / Cr WIP: negative amounts): no output entry carries them.
    variances = ValueEntry.objects.filter(entry_type="variance", order_no="PO-NIL")
    assert not variances.filter(item_ledger_entry__isnull=False).exists()
    assert variances.aggregate(total=Sum("cost_amount_actual"))["total"] == D("-47.88")
    assert VarianceSource.objects.filter(variance_entry__in=variances).exists()
    assert [
        account_balance(company.account(n)) for n in ("5310", "5320", "5340", "5350", "1330")
    ] == [D("20.80"), D("20.00"), D("5.00"), D("2.08"), D("0.00")]
    assert [r for r in wip_by_order()["rows"] if r["order"] == "PO-NIL"] == []
    assert_books_balance()
    assert adjust_cost_run().posted_nothing
