"""The back-dating preview: the real invoice posting and Adjust Cost, rolled back."""

from decimal import Decimal

import pytest

from ledger.models import JournalEntry, JournalLine, JournalSequence
from mfgcost.close.preview import purchase_invoice_preview, value_entry_impact
from mfgcost.costing.models import CostAdjustmentMark, CostAdjustmentRun, CostAdjustmentState
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import (
    CapacityLedgerEntry,
    InventoryPosting,
    ItemApplication,
    ItemLedgerEntry,
    ValueEntry,
)
from tests.scenarios.support import march

D = Decimal
TABLES = (
    InventoryPosting,
    ItemLedgerEntry,
    ItemApplication,
    CapacityLedgerEntry,
    ValueEntry,
    JournalEntry,
    JournalLine,
    CostAdjustmentMark,
    CostAdjustmentRun,
)


def counts() -> tuple:
    return (
        tuple(model.objects.count() for model in TABLES)
        + tuple(JournalSequence.objects.order_by("pk").values_list("last_number", flat=True))
        + tuple(CostAdjustmentState.objects.values_list("last_value_entry_id", flat=True))
    )


def consumption(order) -> int:
    return ItemLedgerEntry.objects.get(
        order_no=order.number, entry_type="consumption", item__number="STEEL"
    ).pk


@pytest.fixture
def steel_in_two_orders_and_a_sale(bracket, post):
    """30 kg steel received at 5.20 (FIFO); PO-1 and PO-2 (5 brackets each) consume 10 kg
    each and are finished and adjusted; 4 kg are sold; 6 kg stay in stock."""
    receipt = post.receipt(bracket.steel, "30", "5.20", day=1)
    post.receipt(bracket.paint, "20", "3.00", day=1)
    orders = []
    for number in ("PO-1", "PO-2"):
        order = post.release(bracket.item, "5", number, day=2)
        post.consume(order, bracket.steel, "10")
        post.consume(order, bracket.paint, "5")
        post.time(order, setup="1", run="2.5")
        post.output(order, "5")
        orders.append(post.finish(order))
    sale = post.sale(bracket.steel, "4", day=6)
    adjust_cost_run()
    return receipt, orders, sale


def test_preview_of_a_back_dated_invoice_equals_the_posting(
    company, steel_in_two_orders_and_a_sale, post, django_capture_on_commit_callbacks
):
    receipt, orders, sale = steel_in_two_orders_and_a_sale
    before = counts()

    with django_capture_on_commit_callbacks() as callbacks:
        preview = purchase_invoice_preview(
            receipt_entry=receipt, quantity="30", unit_price="5.50", posting_date=march(8)
        )

    assert counts() == before  # not a row, a number or a mark left behind
    assert callbacks == []  # nothing waits for a commit that never comes: no task escapes
    # The invoice raises the receipt from 30 x 5.20 = 156.00 to 30 x 5.50 = 165.00: +9.00,
    # 0.30 a kg, forwarded along the applications: PO-1 and PO-2 10 kg each, the sale 4 kg.
    assert preview["value_entries"][0]["amount"] == D("9.00")
    assert preview["outbound_entries"] == [
        {
            "item_ledger_entry": consumption(orders[0]),
            "entry_type": "consumption",
            "amount": D("-3.00"),
        },
        {
            "item_ledger_entry": consumption(orders[1]),
            "entry_type": "consumption",
            "amount": D("-3.00"),
        },
        {"item_ledger_entry": sale.pk, "entry_type": "sale", "amount": D("-1.20")},
    ]
    # Each order: material +3.00 and its 10 % manufacturing overhead +0.30, both to variance
    # (the brackets are at standard), in the inventory's sign on the output entry.
    assert preview["variances"] == [
        {"order_no": "PO-1", "variance_type": "manufacturing_overhead", "amount": D("-0.30")},
        {"order_no": "PO-1", "variance_type": "material", "amount": D("-3.00")},
        {"order_no": "PO-2", "variance_type": "manufacturing_overhead", "amount": D("-0.30")},
        {"order_no": "PO-2", "variance_type": "material", "amount": D("-3.00")},
    ]
    assert preview["cogs"] == [{"item_ledger_entry": sale.pk, "amount": D("1.20")}]
    by_account = {row["account"]: row["amount"] for row in preview["accounts"]}
    assert by_account == {
        "1300": D("1.80"),  # 9.00 - 3.00 - 3.00 - 1.20: the 6 kg left, 6 x 0.30
        "2000": D("-165.00"),  # payable at the invoice price
        "2100": D("156.00"),  # the accrual of the receipt cleared
        "5000": D("1.20"),  # 4 kg sold x 0.30
        "5210": D("-0.60"),  # overhead applied: 2 x 0.30
        "5310": D("6.00"),  # material variance: 2 x 3.00
        "5350": D("0.60"),  # manufacturing overhead variance: 2 x 0.30
    }
    assert sum(by_account.values()) == D("0.00")

    invoice = post.invoice(receipt, "30", "5.50", day=8)
    adjusted = adjust_cost_run(items=[receipt.item_id])
    actual = value_entry_impact([*invoice.value_entries, *adjusted.value_entries])
    preview.pop("errors")
    assert preview == actual


def test_preview_into_a_closed_period_is_refused(steel_in_two_orders_and_a_sale, company):
    from ledger.models import Period
    from ledger.services import period_close
    from mfgcost.core.errors import BusinessError

    receipt = steel_in_two_orders_and_a_sale[0]
    period_close(period=Period.objects.get(start_date=march(1)))
    before = counts()
    with pytest.raises(BusinessError) as refused:
        purchase_invoice_preview(
            receipt_entry=receipt, quantity="30", unit_price="5.50", posting_date=march(8)
        )
    assert refused.value.field == "posting_date"
    assert counts() == before


def test_preview_of_a_back_dated_receipt_on_an_average_item(api, company, make_item, post):
    item = make_item(number="GREASE", costing_method="average")
    post.receipt(item, "10", "10.00", day=2)
    sale = post.sale(item, "5", day=4)  # 5 x 10.00 = 50.00
    adjust_cost_run()
    before = counts()

    response = api.post(
        "/api/close/preview/receipt/",
        {
            "item": "GREASE",
            "location": "MAIN",
            "quantity": "10",
            "unit_cost": "16.00",
            "posting_date": "2026-03-03",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert counts() == before
    body = response.json()
    # Day 4's average becomes (100.00 + 160.00) / 20 = 13.00: the sale 5 x 13.00 = 65.00,
    # 15.00 more cost of goods sold; stock 260.00 - 65.00 = 195.00, i.e. +160.00 - 15.00.
    assert body["outbound_entries"] == [
        {"item_ledger_entry": sale.pk, "entry_type": "sale", "amount": "-15.00"}
    ]
    assert body["cogs"] == [{"item_ledger_entry": sale.pk, "amount": "15.00"}]
    by_account = {row["account"]: row["amount"] for row in body["accounts"]}
    assert by_account == {"1300": "145.00", "2100": "-160.00", "5000": "15.00"}
