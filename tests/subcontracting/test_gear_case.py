"""The worked case of subcontracting: a gear with its heat treatment done by vendor V.

Standard 22.00 a gear = blank 10.00 + powder 0.1 kg x 20.00 (2.00) + machining 0.2 h x 30.00
(6.00) + heat treatment 4.00. Order for 100: release makes the subcontracting order
(100 x 4.00 = 400.00); 11 kg powder shipped to V (220.00); machining 20 h (600.00); V reports
through the API 98 good, 2 scrapped, 10.5 kg powder consumed (210.00); the receipt puts the
service into WIP at 400.00 and posts the output 98 x 22.00 = 2156.00; V invoices 100 at 4.30
(430.00: 30.00 over the order price). Actual 1000 + 210 + 600 + 430 = 2240.00, standard of the
output 2156.00, variances 84.00: material 1210 - 98 x 12 = 34.00, capacity 600 - 98 x 6 = 12.00,
direct outsourcing 430 - 98 x 4 = 38.00 (price 30.00, scrap 2 x 4 = 8.00). 0.5 kg powder
(10.00) stays at V.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.selectors import account_balances_by_account_number, trial_balance
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import CapacityLedgerEntry, ItemLedgerEntry, ValueEntry
from mfgcost.inventory.selectors import reconciliation
from mfgcost.production.services import (
    production_consumption_post,
    production_order_finish,
    production_time_post,
)
from subcontracting.models import SubcontractingOrder

from .conftest import vendor_token_client

D = Decimal
API = "/api/subcontracting"
SHIP_DAY = dt.date(2026, 3, 3)
RECEIVE_DAY = dt.date(2026, 3, 6)
INVOICE_DAY = dt.date(2026, 3, 9)
FINISH_DAY = dt.date(2026, 3, 10)
pytestmark = pytest.mark.django_db


def _ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def run_gear_case(gear, purchasing) -> dict:
    """Post the case up to the vendor's invoice, through the API where purchasing and V act."""
    vendor_api = vendor_token_client(gear.vendor)
    production = gear.released("PO-GEAR", "100")
    order = SubcontractingOrder.objects.get(vendor=gear.vendor)
    line = order.lines.get()
    powder = production.components.get(item=gear.powder)
    blank = production.components.get(item=gear.blank)

    # Purchasing sends; V sees the order and acknowledges it.
    assert _ok(purchasing.post(f"{API}/orders/{order.pk}/send/", {}, format="json"))["status"] == (
        "sent"
    )
    seen = _ok(vendor_api.get(f"{API}/vendor/orders/{order.pk}/"))
    assert seen["lines"][0]["quantity"] == "100.000000"
    assert seen["lines"][0]["unit_price"] == "4.000000"
    assert [c["item"] for c in seen["lines"][0]["components"]] == ["POWDER"]
    _ok(
        vendor_api.post(
            f"{API}/vendor/orders/{order.pk}/acknowledge/",
            {"promised_date": "2026-03-06"},
            format="json",
        )
    )

    # 11 kg powder to V.
    _ok(
        purchasing.post(
            f"{API}/shipments/",
            {
                "order": order.pk,
                "warehouse": gear.company.main.pk,
                "posting_date": SHIP_DAY.isoformat(),
                "lines": [{"order_line": line.pk, "component": powder.pk, "quantity": "11"}],
            },
            format="json",
        ),
        201,
    )
    # In house: 100 blanks into machining, 20 h.
    production_consumption_post(
        order=production,
        component=blank,
        quantity=D("100"),
        posting_date=SHIP_DAY,
        source_key="gear:blanks",
    )
    production_time_post(
        order=production,
        operation_no=10,
        run_time=D("20"),
        posting_date=SHIP_DAY,
        source_key="gear:machining",
    )
    # V reports 98 good, 2 scrapped, 10.5 kg powder used; purchasing receives the report.
    report = _ok(
        vendor_api.post(
            f"{API}/vendor/orders/{order.pk}/reports/",
            {
                "order_line": line.pk,
                "good_quantity": "98",
                "scrapped_quantity": "2",
                "consumption": [{"component": powder.pk, "quantity": "10.5"}],
            },
            format="json",
        ),
        201,
    )
    receipt = _ok(
        purchasing.post(
            f"{API}/receipts/",
            {
                "order_line": line.pk,
                "posting_date": RECEIVE_DAY.isoformat(),
                "vendor_report": report["id"],
            },
            format="json",
        ),
        201,
    )
    # V's invoice: 100 at 4.30.
    invoice = _ok(
        purchasing.post(
            f"{API}/invoices/",
            {
                "vendor": gear.vendor.pk,
                "vendor_invoice_no": "V-118",
                "invoice_date": INVOICE_DAY.isoformat(),
                "posting_date": INVOICE_DAY.isoformat(),
                "lines": [{"receipt": receipt["id"], "quantity": "100", "unit_price": "4.30"}],
            },
            format="json",
        ),
        201,
    )
    return {
        "production": production,
        "order": order,
        "line": line,
        "receipt": receipt,
        "invoice": invoice,
        "vendor_api": vendor_api,
    }


def _value(**filters) -> Decimal:
    row = ValueEntry.objects.filter(**filters).aggregate(
        e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual")
    )
    return (row["e"] or D("0")) + (row["a"] or D("0"))


def _assert_ledgers_agree() -> None:
    assert sum((row.balance for row in trial_balance()), D("0")) == D("0")
    assert {row["account"]: row["difference"] for row in reconciliation()} == {
        row["account"]: D("0") for row in reconciliation()
    }


def test_gear_up_to_the_invoice(gear, purchasing):
    case = run_gear_case(gear, purchasing)
    order = case["order"]
    order.refresh_from_db()
    line = order.lines.get()
    assert order.status == "invoiced"
    assert (line.received_quantity, line.scrapped_quantity, line.invoiced_quantity) == (
        D("100"),
        D("2"),
        D("100"),
    )
    # Receipt: 98 good + 2 scrap at the order price.
    assert case["receipt"]["good_quantity"] == "98.000000"
    assert case["receipt"]["scrapped_quantity"] == "2.000000"
    assert case["receipt"]["unit_price"] == "4.000000"
    service = CapacityLedgerEntry.objects.get(capacity_type="subcontracting")
    assert (service.quantity, service.scrap_quantity) == (D("100"), D("2"))
    # Output 98 x 22.00 = 2156.00 at standard.
    output = ItemLedgerEntry.objects.get(entry_type="output")
    assert (output.item, output.quantity) == (gear.item, D("98"))
    assert _value(item_ledger_entry=output) == D("2156.00")
    # Powder consumed at V's location: 10.5 kg x 20.00.
    consumed = ItemLedgerEntry.objects.get(entry_type="consumption", item=gear.powder)
    assert (consumed.location, consumed.quantity) == (gear.vendor.location, D("-10.5"))
    assert _value(item_ledger_entry=consumed) == D("-210.00")
    # Invoice: 430.00 payable, 400.00 applied at the receipt, 30.00 price difference to WIP.
    invoice = case["invoice"]
    assert invoice["amount"] == "430.00"
    assert [
        (row["amount"], row["applied_amount"], row["price_difference"]) for row in invoice["lines"]
    ] == [("430.00", "400.00", "30.00")]
    assert _value(capacity_ledger_entry=service) == D("430.00")
    balances = account_balances_by_account_number()
    assert balances["5220"] == D("0.00")  # applied 400 + difference 30 = invoiced 430
    assert balances["2000"] == D("-430.00")
    # WIP before Adjust Cost: 1000 + 600 + 210 + 430 - 2156 = 84.00.
    assert balances["1330"] == D("84.00")
    # Material at V: 11 sent, 10.5 consumed, 0.5 kg (10.00) on hand.
    (row,) = _ok(purchasing.get(f"{API}/material-at-vendors/", {"vendor": "V"}))
    assert row == {
        "vendor": "V",
        "location": "L-V",
        "item": "POWDER",
        "sent": "11.000000",
        "returned": "0.000000",
        "consumed": "10.500000",
        "other": "0.000000",
        "on_hand": "0.500000",
        "value": "10.00",
    }
    (seen,) = _ok(case["vendor_api"].get(f"{API}/vendor/material/"))
    assert (seen["item"], seen["on_hand"]) == ("POWDER", "0.500000")
    assert "value" not in seen
    assert balances["1320"] == D("10.00")
    _assert_ledgers_agree()


def _adjust_cost(production) -> None:
    adjust_cost_run(orders=[production])


def test_gear_worked_case_finished_and_adjusted(gear, purchasing):
    case = run_gear_case(gear, purchasing)
    production = case["production"]
    production_order_finish(order=production, posting_date=FINISH_DAY, source_key="gear:finish")
    _adjust_cost(production)

    # Variance value entries take the output from actual back to standard: unfavourable
    # variances are negative there and debits on the variance accounts.
    variances = {
        row["variance_type"]: -row["total"]
        for row in ValueEntry.objects.filter(entry_type="variance", order_no="PO-GEAR")
        .values("variance_type")
        .annotate(total=Sum("cost_amount_actual"))
    }
    assert variances == {
        "material": D("34.00"),
        "capacity": D("12.00"),
        "subcontracted": D("38.00"),
    }
    outsourcing_causes = {
        row["variance_cause"]: -row["total"]
        for row in ValueEntry.objects.filter(
            entry_type="variance", order_no="PO-GEAR", variance_type="subcontracted"
        )
        .values("variance_cause")
        .annotate(total=Sum("cost_amount_actual"))
    }
    assert outsourcing_causes == {"price": D("30.00"), "scrap": D("8.00")}
    output = ItemLedgerEntry.objects.get(entry_type="output")
    assert output.quantity == D("98")
    balances = account_balances_by_account_number()
    assert {number: balance for number, balance in balances.items() if balance} == {
        "1300": D("180.00"),  # 9 kg powder left at MAIN
        "1310": D("2156.00"),  # 98 gears at 22.00
        "1320": D("10.00"),  # 0.5 kg powder at V
        "2000": D("-430.00"),
        "2100": D("-1400.00"),  # blanks 1000 + powder 400 received, not invoiced
        "5200": D("-600.00"),
        "5310": D("34.00"),
        "5320": D("12.00"),
        "5330": D("38.00"),
    }
    assert balances.get("1330", D("0")) == D("0")  # WIP of the finished order is zero
    _assert_ledgers_agree()
