"""The gear's vendor invoice arriving after the order was finished and adjusted.

The worked case (standard 22.00 = material 12.00, capacity 6.00, outsourcing 4.00), posted
through the services, with the invoice last. Order for 100: 100 blanks (1000.00), 20 h
machining (600.00), V's receipt of 98 good and 2 scrapped with 10.5 kg powder (210.00) and the
service at the order price (100 x 4.00 = 400.00); output 98 x 22.00 = 2156.00.

First Adjust Cost, before the invoice: actual 2210.00, variances 54.00 by cause:
  material  1210.00 - 98 x 12.00 = 34.00: scrap 2 blanks x 10.00 + 2 x 0.1 kg x 20.00 = 24.00,
            quantity (10.5 - 9.8 - 0.2) kg x 20.00 = 10.00
  capacity  600.00 - 98 x 6.00 = 12.00: scrap 2 x 0.2 h x 30.00
  outsourcing 400.00 - 98 x 4.00 = 8.00: scrap 2 x 4.00
Then V invoices 100 at 4.30: 30.00 over the order price reaches the finished order's WIP, and
the next run makes it outsourcing price variance: 38.00 in all (price 30.00, scrap 8.00).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledger.selectors import account_balances_by_account_number, trial_balance
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.selectors import reconciliation
from mfgcost.production.services import (
    production_consumption_post,
    production_order_finish,
    production_time_post,
)
from subcontracting import services
from subcontracting.models import SubcontractingOrder

D = Decimal
SHIP_DAY = dt.date(2026, 3, 3)
RECEIVE_DAY = dt.date(2026, 3, 6)
FINISH_DAY = dt.date(2026, 3, 7)
INVOICE_DAY = dt.date(2026, 3, 12)
pytestmark = pytest.mark.django_db


def causes(order) -> dict[str, tuple[Decimal, dict]]:
    return {row.cost_group: (row.variance, row.causes) for row in order_cost_sheet(order).rows}


def posted(result):
    return sorted(
        (v.item.number, v.item_ledger_entry_type, v.entry_type, v.variance_cause, v.cost_amount)
        for v in result.value_entries
    )


def books_agree() -> bool:
    return sum((r.balance for r in trial_balance()), D("0")) == 0 and all(
        r["difference"] == 0 for r in reconciliation()
    )


def test_invoice_after_finish_becomes_outsourcing_price_variance(gear):
    production = gear.released("PO-GEAR", "100")
    order = services.subcontracting_order_send(
        order=SubcontractingOrder.objects.get(vendor=gear.vendor)
    )
    line = order.lines.get()
    assert (line.quantity, line.unit_price) == (D("100"), D("4.00"))
    powder = production.components.get(item=gear.powder)
    blank = production.components.get(item=gear.blank)
    services.material_shipment_post(
        order=order,
        direction="shipment",
        warehouse=gear.company.main,
        lines=[services.MaterialLineDraft(order_line=line, component=powder, quantity=D("11"))],
        posting_date=SHIP_DAY,
        source_key="late:ship",
    )
    production_consumption_post(
        order=production,
        component=blank,
        quantity=D("100"),
        posting_date=SHIP_DAY,
        source_key="late:blanks",
    )
    production_time_post(
        order=production,
        operation_no=10,
        run_time=D("20"),
        posting_date=SHIP_DAY,
        source_key="late:machining",
    )
    report = services.vendor_report_create(
        order=order,
        order_line=line,
        good_quantity=D("98"),
        scrapped_quantity=D("2"),
        consumption=[services.ConsumptionDraft(component=powder, quantity=D("10.5"))],
    )
    receipt = services.subcontracting_receipt_post(
        order_line=line, posting_date=RECEIVE_DAY, source_key="late:receipt", vendor_report=report
    )
    production = production_order_finish(
        order=production, posting_date=FINISH_DAY, source_key="late:finish"
    )

    adjust_cost_run()

    assert causes(production) == {
        "MAT": (D("34.00"), {"quantity": D("10.00"), "scrap": D("24.00")}),
        "LAB": (D("12.00"), {"scrap": D("12.00")}),
        "SUB": (D("8.00"), {"scrap": D("8.00")}),
    }
    assert order_cost_sheet(production).wip == D("0.00")
    balances = account_balances_by_account_number()
    assert (balances["5330"], balances["1330"], balances["1310"]) == (
        D("8.00"),
        D("0.00"),
        D("2156.00"),
    )

    invoice = services.vendor_invoice_post(
        vendor=gear.vendor,
        vendor_invoice_no="V-118",
        invoice_date=INVOICE_DAY,
        posting_date=INVOICE_DAY,
        lines=[services.InvoiceLineDraft(receipt=receipt, quantity=D("100"), unit_price=D("4.30"))],
        source_key="late:invoice",
    )
    assert (invoice.amount, invoice.lines.get().price_difference) == (D("430.00"), D("30.00"))
    assert order_cost_sheet(production).wip == D("30.00")  # in WIP of the finished order

    second = adjust_cost_run()

    assert second.orders == [production.pk]
    assert posted(second) == [
        ("GEAR", "output", "direct_cost", "", D("30.00")),
        ("GEAR", "output", "variance", "price", D("-30.00")),
    ]
    sheet = order_cost_sheet(production)
    assert causes(production)["SUB"] == (D("38.00"), {"price": D("30.00"), "scrap": D("8.00")})
    assert (sheet.total("actual"), sheet.output_value, sheet.wip) == (
        D("2240.00"),
        D("2156.00"),
        D("0.00"),
    )
    balances = account_balances_by_account_number()
    assert {n: balances[n] for n in ("1330", "1310", "1320", "5220", "5330", "2000")} == {
        "1330": D("0.00"),
        "1310": D("2156.00"),
        "1320": D("10.00"),  # 0.5 kg powder still at V
        "5220": D("0.00"),
        "5330": D("38.00"),
        "2000": D("-430.00"),
    }
    assert books_agree()
    assert adjust_cost_run().posted_nothing
