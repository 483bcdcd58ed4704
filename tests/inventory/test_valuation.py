"""Valuation through the posting services, with hand-worked amounts and general-ledger balances.

Accounts of the standard company: 1300 raw materials, 1320 stock at subcontractors, 2000
payables, 2100 inventory accrual, 5000 cost of goods sold, 5300 purchase price variance.
"""

from decimal import Decimal

import pytest

from mfgcost.core.errors import BusinessError
from mfgcost.inventory import services
from mfgcost.inventory.models import ItemApplication, ItemLedgerEntry, ValueEntry
from mfgcost.inventory.services import average_unit_cost

from .support import assert_reconciled, ledger_counts, march

D = Decimal
pytestmark = pytest.mark.django_db


def test_fifo_takes_the_oldest_receipts_first(post, make_item):
    steel = make_item()
    first = post.receipt(steel, "10", "10.00", day=2)
    second = post.receipt(steel, "10", "12.00", day=3)

    sale = post.sale(steel, "15", day=4)

    # 10 x 10.00 from the first receipt + 5 x 12.00 from the second = 160.00
    assert [v.cost_amount_actual for v in sale.value_entries] == [D("-160.00")]
    assert post.stock(steel) == (D("5"), D("60.00"))
    assert post.balance("1300") == D("60.00")
    assert post.balance("5000") == D("160.00")
    assert post.balance("2100") == D("-220.00")
    applied = ItemApplication.objects.filter(outbound_entry=sale.item_entries[0])
    assert sorted((a.inbound_entry_id, a.quantity) for a in applied) == [
        (first.pk, D("10")),
        (second.pk, D("5")),
    ]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.remaining_quantity, second.remaining_quantity) == (D("0"), D("5"))
    assert_reconciled()


def test_moving_average_across_dates(post, make_item):
    paint = make_item(costing_method="average")
    post.receipt(paint, "10", "10.00", day=2)  # 100.00
    post.receipt(paint, "10", "13.00", day=3)  # 130.00 -> 230.00 / 20 = 11.50

    first = post.sale(paint, "5", day=4)  # 5 x 11.50 = 57.50; 172.50 / 15 = 11.50 left
    post.receipt(paint, "5", "15.50", day=5)  # + 77.50 = 250.00 / 20 = 12.50
    second = post.sale(paint, "8", day=6)  # 8 x 12.50 = 100.00

    assert first.value_entries[0].cost_amount_actual == D("-57.50")
    assert first.value_entries[0].cost_per_unit == D("11.500000")
    assert second.value_entries[0].cost_amount_actual == D("-100.00")
    assert second.value_entries[0].cost_per_unit == D("12.500000")
    assert post.stock(paint) == (D("12"), D("150.00"))
    paint.refresh_from_db()
    assert paint.unit_cost == D("12.500000")
    assert post.balance("1300") == D("150.00")
    assert post.balance("5000") == D("157.50")
    assert post.balance("2100") == D("-307.50")
    assert_reconciled()


def test_average_with_back_dated_entries(post, make_item):
    """The rule: an outbound entry costs the average as of its own posting date.

    A back-dated receipt counts for its date and every later one, so outbound entries posted
    afterwards on later dates see it; an outbound entry already posted keeps its cost (Adjust
    Cost corrects it with a new value entry). A back-dated outbound entry sees only what was
    posted on or before its date.
    """
    paint = make_item(costing_method="average")
    post.receipt(paint, "10", "10.00", day=2)  # 100.00
    early = post.sale(paint, "4", day=10)  # 4 x 10.00 = 40.00

    post.receipt(paint, "10", "16.00", day=5)  # back-dated: 160.00 on 5 March
    assert average_unit_cost(paint, march(4)) == D("10")
    # as of 10 March: (100.00 + 160.00 - 40.00) / (10 + 10 - 4) = 220.00 / 16 = 13.75
    assert average_unit_cost(paint, march(10)) == D("13.75")

    late = post.sale(paint, "4", day=10)  # 4 x 13.75 = 55.00
    back_dated = post.sale(paint, "2", day=4)  # as of 4 March only the first receipt: 20.00

    assert early.value_entries[0].cost_amount_actual == D("-40.00")
    assert ValueEntry.objects.filter(item_ledger_entry=early.item_entries[0]).count() == 1
    assert late.value_entries[0].cost_amount_actual == D("-55.00")
    assert back_dated.value_entries[0].cost_amount_actual == D("-20.00")
    # 100.00 + 160.00 - 40.00 - 55.00 - 20.00
    assert post.stock(paint) == (D("10"), D("145.00"))
    paint.refresh_from_db()
    assert paint.unit_cost == D("14.500000")
    assert post.balance("5000") == D("115.00")
    assert_reconciled()


def test_average_is_kept_per_location(post, make_item, vendor_location):
    """Locations post to their own accounts, so each keeps its own average."""
    paint = make_item(costing_method="average")
    post.receipt(paint, "10", "10.00")
    post.receipt(paint, "10", "20.00", location=vendor_location)

    sale = post.sale(paint, "10")

    assert sale.value_entries[0].cost_amount_actual == D("-100.00")
    assert post.stock(paint) == (D("0"), D("0.00"))
    assert post.stock(paint, vendor_location) == (D("10"), D("200.00"))
    assert post.balance("1300") == D("0.00")
    assert post.balance("1320") == D("200.00")
    assert_reconciled()


def test_standard_cost_purchase_price_variance(post, make_item):
    bolt = make_item(costing_method="standard", standard_cost=D("10.00"))
    receipt = post.receipt(bolt, "10", "11.00", day=2)

    # The receipt is valued at standard: 100.00 expected, to inventory and the accrual.
    assert post.balance("1300") == D("100.00")
    assert post.balance("2100") == D("-100.00")

    invoice = post.invoice(receipt, "10", "11.00", day=3)

    kinds = sorted(
        (v.entry_type, v.variance_type, v.cost_amount_actual) for v in invoice.value_entries
    )
    assert kinds == [("direct_cost", "", D("110.00")), ("variance", "purchase", D("-10.00"))]
    assert post.balance("1300") == D("100.00")  # still 10 x 10.00
    assert post.balance("5300") == D("10.00")  # 1.00 a unit
    assert post.balance("2100") == D("0.00")
    assert post.balance("2000") == D("-110.00")

    sale = post.sale(bolt, "4", day=4)
    assert sale.value_entries[0].cost_amount_actual == D("-40.00")
    assert post.stock(bolt) == (D("6"), D("60.00"))
    assert_reconciled()


def test_transfer_keeps_value(post, make_item, vendor_location, second_warehouse):
    steel = make_item()
    post.receipt(steel, "10", "10.00")
    post.receipt(steel, "10", "12.00")
    before_total = post.balance("1300") + post.balance("1320")

    moved = post.transfer(steel, "15", vendor_location)

    out_value, in_value = (v.cost_amount_actual for v in moved.value_entries)
    assert (out_value, in_value) == (D("-160.00"), D("160.00"))
    assert post.stock(steel) == (D("5"), D("60.00"))
    assert post.stock(steel, vendor_location) == (D("15"), D("160.00"))
    assert post.balance("1300") == D("60.00")
    assert post.balance("1320") == D("160.00")
    assert post.balance("1300") + post.balance("1320") == before_total == D("220.00")
    inbound = moved.item_entries[1]
    assert inbound.transfer_from_entry_id == moved.item_entries[0].pk

    # Between two warehouses on the same account the general ledger does not move at all.
    post.transfer(steel, "5", second_warehouse)  # 5 x 12.00 = 60.00, 1300 to 1300
    assert post.balance("1300") == D("60.00")
    post.transfer(steel, "5", second_warehouse, from_location=vendor_location)  # 160 x 5/15
    assert post.stock(steel, second_warehouse) == (D("10"), D("113.33"))
    assert post.stock(steel, vendor_location) == (D("10"), D("106.67"))
    assert post.stock(steel) == (D("0"), D("0.00"))
    assert post.balance("1300") == D("113.33")
    assert post.balance("1320") == D("106.67")
    assert_reconciled()


def test_invoice_at_another_price_corrects_the_cost(post, make_item):
    steel = make_item()
    receipt = post.receipt(steel, "10", "10.00", day=2)

    post.invoice(receipt, "6", "10.50", day=3)  # 60.00 expected out, 63.00 actual in
    assert post.stock(steel) == (D("10"), D("103.00"))
    assert post.balance("1300") == D("103.00")
    assert post.balance("2100") == D("-40.00")
    assert post.balance("2000") == D("-63.00")

    last = post.invoice(receipt, "4", "10.25", day=4)  # the last 40.00 expected, 41.00 actual
    assert [(v.cost_amount_expected, v.cost_amount_actual) for v in last.value_entries] == [
        (D("-40.00"), D("41.00"))
    ]
    assert post.stock(steel) == (D("10"), D("104.00"))
    assert post.balance("2100") == D("0.00")
    assert post.balance("2000") == D("-104.00")

    with pytest.raises(BusinessError) as error:
        post.invoice(receipt, "1", "10.00", day=4)
    assert error.value.field == "quantity"

    post.sale(steel, "10", day=5)
    assert post.balance("5000") == D("104.00")
    assert post.stock(steel) == (D("0"), D("0.00"))
    assert_reconciled()


def test_rounding_residue_is_posted_when_the_stock_runs_out(post, make_item):
    steel = make_item()
    post.receipt(steel, "3", "3.333333")  # 3 x 3.333333 = 9.999999 -> 10.00

    sales = [post.sale(steel, "1", day=d) for d in (3, 4, 5)]

    assert [v.cost_amount_actual for v in sales[0].value_entries] == [D("-3.33")]
    assert [v.cost_amount_actual for v in sales[1].value_entries] == [D("-3.33")]
    last = [(v.entry_type, v.cost_amount_actual) for v in sales[2].value_entries]
    assert last == [("direct_cost", D("-3.33")), ("rounding", D("-0.01"))]
    assert post.stock(steel) == (D("0"), D("0.00"))
    assert post.balance("1300") == D("0.00")
    assert post.balance("5000") == D("10.00")
    assert_reconciled()


def test_negative_stock_is_refused_and_nothing_written(post, make_item):
    steel = make_item()
    post.receipt(steel, "3", "10.00")
    before = ledger_counts()

    with pytest.raises(BusinessError) as error:
        post.sale(steel, "5")

    assert error.value.field == "quantity"
    assert error.value.code == "insufficient_stock"
    assert str(error.value) == f"Only 3 of item {steel.number} on hand at MAIN; 5 requested."
    assert ledger_counts() == before
    assert post.stock(steel) == (D("3"), D("30.00"))


def test_negative_stock_when_allowed_is_covered_by_the_next_inbound(post, make_item):
    steel = make_item(allow_negative_stock=True, unit_cost=D("10.00"))

    sale = post.sale(steel, "5", day=2)

    # Valued provisionally at the item's unit cost, apart from any quantity taken from stock.
    (provisional,) = sale.value_entries
    assert (provisional.uncovered, provisional.cost_amount_actual) == (True, D("-50.00"))
    outbound = ItemLedgerEntry.objects.get(pk=sale.item_entries[0].pk)
    assert outbound.remaining_quantity == D("-5")
    assert post.stock(steel) == (D("-5"), D("-50.00"))

    receipt = post.receipt(steel, "8", "12.00", day=3)

    outbound.refresh_from_db()
    receipt.refresh_from_db()
    assert (outbound.remaining_quantity, receipt.remaining_quantity) == (D("0"), D("3"))
    correction = ValueEntry.objects.get(item_ledger_entry=outbound, applies_to_entry=provisional)
    assert correction.cost_amount_actual == D("-10.00")  # 5 x (12.00 - 10.00)
    assert correction.posting_date == march(3)
    assert correction.valuation_date == march(2)
    assert post.stock(steel) == (D("3"), D("36.00"))
    assert post.balance("5000") == D("60.00")
    assert post.balance("1300") == D("36.00")
    assert post.balance("2100") == D("-96.00")
    assert_reconciled()


def test_negative_stock_partly_from_stock_and_covered_to_zero(post, make_item):
    paint = make_item(costing_method="average", allow_negative_stock=True)
    post.receipt(paint, "2", "9.00", day=2)  # average 9.00

    sale = post.sale(paint, "5", day=3)  # 2 from stock, 3 beyond it, all at 9.00

    assert [(v.uncovered, v.valued_quantity, v.cost_amount_actual) for v in sale.value_entries] == [
        (False, D("-2"), D("-18.00")),
        (True, D("-3"), D("-27.00")),
    ]
    post.receipt(paint, "3", "11.00", day=4)  # covers the 3: 3 x 2.00 more cost

    assert post.stock(paint) == (D("0"), D("0.00"))
    assert post.balance("5000") == D("51.00")
    assert post.balance("1300") == D("0.00")
    assert not ValueEntry.objects.filter(entry_type="rounding").exists()
    assert_reconciled()


def test_repeated_source_key_posts_once(post, make_item):
    steel = make_item()
    first = post.receipt(steel, "10", "10.00", source_key="po:7:1")
    counts = ledger_counts()

    again = post.receipt(steel, "10", "10.00", source_key="po:7:1")

    assert again.pk == first.pk
    assert ledger_counts() == counts
    assert post.balance("1300") == D("100.00")


def test_standard_invoice_after_a_revaluation_leaves_inventory_at_the_new_standard(post, make_item):
    bolt = make_item(costing_method="standard", standard_cost=D("10.00"))
    receipt = post.receipt(bolt, "10", "11.00", day=2)  # 100.00 expected at standard
    services.standard_cost_revalue(
        item=bolt, new_standard_cost=D("12.00"), posting_date=march(3), source_key="reval:bolt"
    )  # + 20.00 to 5400
    assert post.stock(bolt) == (D("10"), D("120.00"))

    post.invoice(receipt, "4", "11.00", day=4)  # 40.00 expected out, 44.00 in, -4.00 variance
    post.invoice(receipt, "6", "11.50", day=5)  # 60.00 expected out, 69.00 in, -9.00 variance

    assert post.stock(bolt) == (D("10"), D("120.00"))
    assert post.balance("5400") == D("-20.00")
    assert post.balance("5300") == D("13.00")  # against the standard the receipt was booked at
    assert post.balance("2100") == D("0.00")
    assert post.balance("2000") == D("-113.00")
    assert_reconciled()


def test_a_transfer_in_covers_negative_stock_at_its_destination(post, make_item, second_warehouse):
    steel = make_item(allow_negative_stock=True, unit_cost=D("9.00"))
    post.receipt(steel, "10", "10.00", day=2)
    post.sale(steel, "4", day=3, location=second_warehouse)  # 4 x 9.00 provisional at EAST

    post.transfer(steel, "4", second_warehouse, day=4)  # 4 x 10.00 arrive and cover it

    assert post.stock(steel, second_warehouse) == (D("0"), D("0.00"))
    assert post.stock(steel) == (D("6"), D("60.00"))
    assert post.balance("5000") == D("40.00")
    assert post.balance("1300") == D("60.00")
    assert_reconciled()


def test_a_transfer_moves_only_what_is_on_hand(post, make_item, vendor_location):
    steel = make_item(allow_negative_stock=True, unit_cost=D("9.00"))
    post.receipt(steel, "3", "10.00")
    before = ledger_counts()

    with pytest.raises(BusinessError) as error:
        post.transfer(steel, "5", vendor_location)

    assert (error.value.field, error.value.code) == ("quantity", "insufficient_stock")
    assert ledger_counts() == before
