"""The demo month, run end to end, with its figures worked out by hand.

Standards (roll-up of STD-2026-10): bracket MAT 2 x 5.00 + 4 x 0.40 = 11.60, LAB (1/10 + 0.5) h
x 30.00 = 18.00, COH 25 % = 4.50, MOH 10 % of MAT = 1.16: 35.26. Shelf this level MAT
2 x 35.26 + 3 x 5.00 + 0.25 x 3.20 = 86.32, LAB (1/20 + 0.25) h x 30.00 = 9.00, COH 2.25,
SUB 2.00: 99.57.

PO-1001, 50 brackets, 48 good and 2 scrapped: steel 104 kg x 5.20 = 540.80 (first receipt, not
yet invoiced), bolts flushed 4 x 50 x 0.40 = 80.00, 30 h (setup 5.5, run 24.5) x 30.00 = 900.00,
COH 225.00, MOH 10 % x 620.80 = 62.08; output 48 x 35.26 = 1692.48, variance 115.40. The first
steel receipt is invoiced at 5.30 after the finish: the 104 kg take 10.40 more and MOH 1.04 more,
so MAT 631.20 vs 556.80 (price 31.20, quantity (104 - 96 - 4) x 5 = 20.00, scrap 4 x 5.00 +
8 x 0.40 = 23.20), MOH 63.12 vs 55.68; variance 126.84.

PO-1002, 20 shelves, coated by COATCO (19 good, 1 scrapped): 40 brackets x 35.26 = 1410.40,
61 kg steel x 5.30 = 323.30, 5.2 l paint at the vendor x 3.20 = 16.64; 6.2 h x 30.00 = 186.00,
COH 46.50; service 20 x 2.00 = 40.00 at the receipt, 42.00 after the invoice at 2.10. Output
19 x 99.57 = 1891.83, actual 2024.84, variance 133.01.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.models import JournalEntry, Period
from ledger.selectors import account_balances_by_account_number, trial_balance
from mfgcost.costing.models import CostAdjustmentRun
from mfgcost.costing.selectors import order_cost_sheet, wip_by_order
from mfgcost.demo import MONTH_START, cost_report, demo_run
from mfgcost.inventory.models import InventoryPosting, ValueEntry
from mfgcost.inventory.selectors import inventory_valuation, reconciliation
from mfgcost.items.models import Item, StandardCostLine
from mfgcost.production.models import ProductionOrder
from subcontracting.models import SubcontractingOrder, VendorInvoiceLine
from subcontracting.selectors import material_at_vendors

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tasks_in_process, django_capture_on_commit_callbacks):
    """The demo loaded, with the Adjust Cost tasks that the finishes queue run after commit."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert demo_run(log=lambda line: None) is True
    return callbacks


def _sheet(number: str):
    sheet = order_cost_sheet(ProductionOrder.objects.get(number=number))
    rows = {
        row.cost_group: (row.standard, row.actual, row.variance, row.causes)
        for row in sheet.rows
        if row.standard or row.actual or row.variance
    }
    return sheet, rows


def test_standards_from_the_rollup(demo):
    lines = {
        (line.standard_cost.item.number, line.cost_group.code): (line.this_level, line.rolled_up)
        for line in StandardCostLine.objects.filter(standard_cost__status="active")
    }
    assert lines == {
        ("DEMO-BRACKET", "MAT"): (D("11.60"), D("11.60")),
        ("DEMO-BRACKET", "LAB"): (D("18.00"), D("18.00")),
        ("DEMO-BRACKET", "COH"): (D("4.50"), D("4.50")),
        ("DEMO-BRACKET", "MOH"): (D("1.16"), D("1.16")),
        ("DEMO-SHELF", "MAT"): (D("86.32"), D("39.00")),
        ("DEMO-SHELF", "LAB"): (D("9.00"), D("45.00")),
        ("DEMO-SHELF", "COH"): (D("2.25"), D("11.25")),
        ("DEMO-SHELF", "MOH"): (D("0"), D("2.32")),
        ("DEMO-SHELF", "SUB"): (D("2.00"), D("2.00")),
    }
    standards = dict(
        Item.objects.filter(number__in=["DEMO-BRACKET", "DEMO-SHELF"]).values_list(
            "number", "standard_cost"
        )
    )
    assert standards == {"DEMO-BRACKET": D("35.26"), "DEMO-SHELF": D("99.57")}


def test_bracket_order_settled_with_the_late_steel_price(demo):
    sheet, rows = _sheet("PO-1001")
    assert (sheet.status, sheet.output_quantity) == ("finished", D("48"))
    assert sheet.output_value == D("1692.48")
    assert sheet.total("actual") == D("1819.32")
    assert sheet.total("variance") == D("126.84")
    assert sheet.wip == D("0.00")
    assert rows == {
        "MAT": (
            D("556.80"),
            D("631.20"),
            D("74.40"),
            {"price": D("31.20"), "quantity": D("20.00"), "scrap": D("23.20")},
        ),
        "LAB": (
            D("864.00"),
            D("900.00"),
            D("36.00"),
            {"quantity": D("-15.00"), "lot_size": D("15.00"), "scrap": D("36.00")},
        ),
        "COH": (
            D("216.00"),
            D("225.00"),
            D("9.00"),
            {"quantity": D("-3.75"), "lot_size": D("3.75"), "scrap": D("9.00")},
        ),
        "MOH": (
            D("55.68"),
            D("63.12"),
            D("7.44"),
            {"price": D("3.12"), "quantity": D("2.00"), "scrap": D("2.32")},
        ),
    }


def test_subcontracted_shelf_order_and_the_vendor(demo):
    sheet, rows = _sheet("PO-1002")
    assert (sheet.status, sheet.output_quantity) == ("finished", D("19"))
    assert sheet.output_value == D("1891.83")
    assert sheet.total("actual") == D("2024.84")
    assert sheet.total("variance") == D("133.01")
    assert sheet.wip == D("0.00")
    assert rows == {
        "MAT": (
            D("1640.08"),
            D("1750.34"),
            D("110.26"),
            {"price": D("18.30"), "quantity": D("5.64"), "scrap": D("86.32")},
        ),
        "LAB": (D("171.00"), D("186.00"), D("15.00"), {"lot_size": D("6.00"), "scrap": D("9.00")}),
        "SUB": (D("38.00"), D("42.00"), D("4.00"), {"price": D("2.00"), "scrap": D("2.00")}),
        "COH": (D("42.75"), D("46.50"), D("3.75"), {"lot_size": D("1.50"), "scrap": D("2.25")}),
    }
    order = SubcontractingOrder.objects.get(vendor__code="COATCO")
    line = order.lines.get()
    assert order.status == "closed"
    assert (line.quantity, line.unit_price) == (D("20"), D("2.00"))
    assert (line.received_quantity, line.scrapped_quantity, line.invoiced_quantity) == (
        D("20"),
        D("1"),
        D("20"),
    )
    invoice_line = VendorInvoiceLine.objects.get()
    assert (invoice_line.amount, invoice_line.applied_amount, invoice_line.price_difference) == (
        D("42.00"),
        D("40.00"),
        D("2.00"),
    )
    (held,) = material_at_vendors()
    assert (held.vendor_code, held.location_code, held.item_number) == (
        "COATCO",
        "VEND-COAT",
        "DEMO-PAINT",
    )
    assert (held.sent, held.consumed, held.on_hand, held.value) == (
        D("6"),
        D("5.2"),
        D("0.8"),
        D("2.56"),
    )


def test_books_after_the_close(demo):
    assert sum((row.balance for row in trial_balance()), D("0")) == D("0.00")
    assert {r["account"]: r["difference"] for r in reconciliation()} == {
        "1300": D("0.00"),
        "1310": D("0.00"),
        "1320": D("0.00"),
        "1330": D("0.00"),
    }
    wip = wip_by_order()
    assert wip["rows"] == []
    assert [(a["account"], a["gl_balance"], a["difference"]) for a in wip["accounts"]] == [
        ("1330", D("0.00"), D("0.00"))
    ]
    balances = {n: b for n, b in account_balances_by_account_number().items() if b}
    assert balances == {
        "1300": D("1783.90"),  # steel 1169.50, paint 294.40, bolts 320.00
        "1310": D("680.36"),  # 8 brackets 282.08, 4 shelves 398.28
        "1320": D("2.56"),  # 0.8 l paint at COATCO
        "2000": D("-3142.00"),  # steel 1090.00 + 1590.00, bolts 420.00, coating 42.00
        "2100": D("-320.00"),  # paint received, not invoiced
        "5000": D("2129.55"),  # 120 kg steel 636.00, 15 shelves 1493.55
        "5100": D("6.40"),
        "5200": D("-1086.00"),
        "5210": D("-334.62"),
        "5300": D("20.00"),
        "5310": D("184.66"),
        "5320": D("51.00"),
        "5330": D("4.00"),
        "5340": D("12.75"),
        "5350": D("7.44"),
    }
    steel = next(r for r in inventory_valuation() if r["item"] == "DEMO-STEEL")
    assert (steel["quantity"], steel["value"]) == (D("215"), D("1169.50"))
    assert Period.objects.get(start_date=MONTH_START).status == Period.Status.CLOSED


def test_adjust_cost_runs(demo):
    runs = list(CostAdjustmentRun.objects.order_by("id"))
    variance = [
        -sum(
            (
                v.cost_amount_actual
                for v in ValueEntry.objects.filter(
                    entry_type="variance", posting__source_key__startswith=f"costing:adjust:{r.pk}:"
                )
            ),
            D("0"),
        )
        for r in runs
    ]
    # Two demo runs after the finishes, one after the late invoices, one with nothing new, then
    # the two tasks the finishes queued, run after commit: they find nothing to post.
    assert [(r.requested_by[:6], r.status, r.value_entries_posted > 0) for r in runs] == [
        ("demo: ", "done", True),
        ("demo: ", "done", True),
        ("demo: ", "done", True),
        ("demo: ", "done", False),
        ("celery", "done", False),
        ("celery", "done", False),
    ]
    assert variance == [D("115.40"), D("124.91"), D("19.54"), D("0"), D("0"), D("0")]
    assert (runs[2].items_adjusted, runs[2].orders_adjusted) == (1, 2)
    assert all(not r.errors and not r.skipped for r in runs)


def test_second_run_posts_nothing(demo):
    counts = (
        ValueEntry.objects.count(),
        JournalEntry.objects.count(),
        InventoryPosting.objects.count(),
        CostAdjustmentRun.objects.count(),
    )
    assert demo_run(log=lambda line: None) is False
    assert (
        ValueEntry.objects.count(),
        JournalEntry.objects.count(),
        InventoryPosting.objects.count(),
        CostAdjustmentRun.objects.count(),
    ) == counts
    report = cost_report()
    assert "Cost sheet PO-1001: DEMO-BRACKET, finished, 50 ordered, 48 good" in report
    assert "output at standard 1,891.83, WIP 0.00" in report


def test_cost_accounting_statement_of_the_welding_shop(tasks_in_process):
    printed = []
    assert demo_run(log=printed.append) is True
    start = printed.index(
        "Cost accounting: GL and hours transferred, actual version calculated; cost centre WELD:"
    )
    statement = {line.split()[0]: line.split()[-1] for line in printed[start + 1 :]}
    # 36.2 h at WELD (PO-1001: 3 + 12 + 2.5 + 12.5 = 30 h; PO-1002: 1.2 + 5 = 6.2 h)
    # x 30.00 = 1,086.00 direct cost applied (a credit of the P&L: absorbed)
    assert statement["DC"] == "-1,086.00"
    assert statement["H"] == "36.20"
    assert statement["DCH"] == "30.00"  # 1,086.00 / 36.2 h
    # Overhead applied at WELD: capacity overhead 25 % of 1,086.00 = 271.50 on the time
    # postings, plus the bracket's manufacturing overhead carried by its output posting at WELD:
    # 10 % of the 80.00 bolts flushed = 8.00, and Adjust Cost's 10 % of the 10.40 the steel's
    # late invoice added = 1.04: 271.50 + 8.00 + 1.04 = 280.54.
    assert statement["OH"] == "-280.54"
    assert statement["TA"] == "-1,366.54"  # 1,086.00 + 280.54
    assert statement["TAH"] == "37.75"  # 1,366.54 / 36.2 = 37.749...
