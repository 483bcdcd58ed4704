"""A whole item bought as a service: a routing with one subcontracted operation.

HOUSING (costing method standard) is made entirely by vendor W out of a casting we supply. Its
BOM: 1 CASTING (standard 12.00) consumed at operation 10. Its routing: operation 10 only,
"machining at W", subcontracted, work centre MACH-W (vendor W), service SVC-HOUSING (standard
8.00, cost group SUB). W's price list for SVC-HOUSING: 8.60 from any quantity (lead time 10
days), 7.80 from 50 (lead time 6 days), and 9.00 from April (not valid yet).

Roll-up: material 1 x 12.00 + direct outsourcing 8.00 (the service's standard) = 20.00.

Order PO-HSG for 50, released on 2 March:
  subcontracting order line   50 at 7.80 (the quantity break of 50 wins over 8.60), due
                              2 March + 6 days = 8 March; order value 50 x 7.80 = 390.00
  shipped to W                52 castings x 12.00 = 624.00 (1300 -> 1320)
  receipt                     48 good, 2 scrapped, W used 51 castings:
                                castings consumed at W  51 x 12.00 = 612.00 (1320 -> WIP)
                                service into WIP        50 x 7.80  = 390.00 (Dr 1330 / Cr 5220)
                                output (last operation) 48 x 20.00 = 960.00 (WIP -> 1310)
  W's invoice                 50 at 8.10 = 405.00 payable; applied 390.00; the price
                              difference 15.00 goes to WIP
  WIP before Adjust Cost      612.00 + 390.00 + 15.00 - 960.00 = 57.00

Adjust Cost on the finished order (actual 612.00 + 405.00 = 1017.00, output at standard 960.00):
  material           612.00 - 48 x 12.00 = 36.00
                       scrap    2 x 12.00                     = 24.00
                       quantity (51 - 48 - 2) x 12.00         = 12.00
                       price    612.00 - 51 x 12.00           =  0.00
  direct outsourcing 405.00 - 48 x 8.00  = 21.00
                       scrap    2 x 8.00                      = 16.00
                       price    405.00 - 50 x 8.00            =  5.00
                                (receipt 50 x -0.20 = -10.00, invoice 50 x 0.30 = 15.00)
  total 57.00: WIP of the order 0.00; output stays 960.00 (48 x 20.00).
Left at W: 52 - 51 = 1 casting, 12.00. Left at MAIN: 60 - 52 = 8 castings, 96.00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.selectors import account_balances_by_account_number, trial_balance
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory.models import CapacityLedgerEntry, ItemLedgerEntry, ValueEntry
from mfgcost.inventory.selectors import reconciliation
from mfgcost.inventory.services import purchase_receipt_post
from mfgcost.items.models import (
    BomLine,
    BomVersion,
    CostingVersion,
    Item,
    Operation,
    RoutingVersion,
    StandardCost,
    WorkCenter,
)
from mfgcost.items.services import standard_cost_activate, standard_cost_rollup
from mfgcost.production.models import ProductionOrder
from mfgcost.production.services import (
    production_order_create,
    production_order_finish,
    production_order_release,
)
from subcontracting import services
from subcontracting.models import ServicePrice, SubcontractingOrder, Vendor
from subcontracting.selectors import material_at_vendors

from .conftest import RECEIPT_DAY, RELEASE_DAY, vendor_create

D = Decimal
SHIP_DAY = dt.date(2026, 3, 3)
RECEIVE_DAY = dt.date(2026, 3, 6)
INVOICE_DAY = dt.date(2026, 3, 9)
FINISH_DAY = dt.date(2026, 3, 10)
START = dt.date(2026, 1, 1)
pytestmark = pytest.mark.django_db


@dataclass
class Housing:
    company: object
    item: Item
    casting: Item
    service: Item
    work_center: WorkCenter
    vendor: Vendor

    def released(self, number: str, quantity: str) -> ProductionOrder:
        order = production_order_create(
            number=number,
            item=self.item,
            quantity=quantity,
            location=self.company.main,
            due_date=dt.date(2026, 3, 31),
        )
        return production_order_release(
            order=order, posting_date=RELEASE_DAY, source_key=f"test:{number}:release"
        )


@pytest.fixture
def housing(company, make_item) -> Housing:
    """HOUSING, made whole by W: one BOM line and one subcontracted operation (see above)."""
    groups, units = company.cost_groups, company.units
    casting = make_item(number="CASTING", costing_method="standard", standard_cost=D("12.00"))
    service = make_item(
        number="SVC-HOUSING",
        item_type=Item.ItemType.SERVICE,
        posting_group=company.groups["SERVICE"],
        cost_group=groups["SUB"],
        standard_cost=D("8.00"),
    )
    vendor = vendor_create(company, "W", price_tolerance_percent=D("5"))
    for valid_from, min_quantity, price, lead in (
        (START, "0", "8.60", 10),
        (START, "50", "7.80", 6),
        (dt.date(2026, 4, 1), "0", "9.00", 3),
    ):
        ServicePrice.objects.create(
            vendor=vendor,
            service_item=service,
            valid_from=valid_from,
            min_quantity=D(min_quantity),
            unit_price=D(price),
            lead_time_days=lead,
        )
    work_center = WorkCenter.objects.create(code="MACH-W", name="Machining at W", vendor=vendor)
    item = make_item(
        number="HOUSING",
        posting_group=company.groups["FINISHED"],
        costing_method="standard",
        replenishment="production",
        cost_group=None,
    )
    bom = BomVersion.objects.create(item=item, version="1", valid_from=START)
    BomLine.objects.create(
        bom=bom,
        line_no=10,
        component=casting,
        quantity_per=D("1"),
        unit=units["pcs"],
        operation_no=10,
    )
    routing = RoutingVersion.objects.create(item=item, version="1", valid_from=START)
    Operation.objects.create(
        routing=routing,
        operation_no=10,
        description="Machining",
        work_center=work_center,
        subcontracted=True,
        service_item=service,
    )
    purchase_receipt_post(
        item=casting,
        location=company.main,
        quantity=D("60"),
        unit_cost=D("12.00"),
        posting_date=RECEIPT_DAY,
        source_key="housing:castings:receipt",
    )
    return Housing(
        company=company,
        item=item,
        casting=casting,
        service=service,
        work_center=work_center,
        vendor=vendor,
    )


def _standard_rolled_up_and_active(housing: Housing) -> StandardCost:
    version = CostingVersion.objects.create(code="STD", name="Standard", version_type="standard")
    outcome = standard_cost_rollup(version=version, items=[housing.item], as_of=RECEIPT_DAY)
    (record,) = outcome.records
    assert record.item == housing.item
    assert {line.cost_group.code: line.rolled_up for line in record.lines.all()} == {
        "MAT": D("12.00"),
        "SUB": D("8.00"),
    }
    assert record.unit_cost == D("20.00")
    standard_cost_activate(standard_costs=[record], posting_date=RECEIPT_DAY)
    housing.item.refresh_from_db()
    assert housing.item.standard_cost == D("20.00")
    return record


def _value(**filters) -> Decimal:
    row = ValueEntry.objects.filter(**filters).aggregate(
        e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual")
    )
    return (row["e"] or D("0")) + (row["a"] or D("0"))


def _books_agree() -> None:
    assert sum((row.balance for row in trial_balance()), D("0")) == D("0")
    assert {row["account"]: row["difference"] for row in reconciliation()} == {
        row["account"]: D("0") for row in reconciliation()
    }


def _variances(order_no: str, field: str = "variance_type", **filters) -> dict[str, Decimal]:
    """Variance value entries of an order summed by ``field``.

    They take the output from actual back to standard, so an unfavourable variance is negative
    there; it is shown positive here.
    """
    return {
        row[field]: -row["total"]
        for row in ValueEntry.objects.filter(entry_type="variance", order_no=order_no, **filters)
        .values(field)
        .annotate(total=Sum("cost_amount_actual"))
    }


def test_whole_item_bought_as_a_service(housing):
    _standard_rolled_up_and_active(housing)
    main, vendor = housing.company.main, housing.vendor

    # Release: one draft subcontracting order for W with one line at the price-list break.
    production = housing.released("PO-HSG", "50")
    assert production.unit_cost_standard == D("20.00")
    (operation,) = production.operations.all()
    assert (operation.subcontracted, operation.vendor, operation.service_unit_cost) == (
        True,
        vendor,
        D("8.00"),
    )
    order = SubcontractingOrder.objects.get(vendor=vendor)
    line = order.lines.get()
    assert (order.status, order.order_date, order.due_date) == (
        "draft",
        RELEASE_DAY,
        dt.date(2026, 3, 8),
    )
    assert (line.production_order, line.operation, line.service_item) == (
        production,
        operation,
        housing.service,
    )
    # 7.80 (from 50) and not 8.60 (from 0), 9.00 (April) or the service's own 8.00.
    assert (line.quantity, line.unit_price, line.due_date) == (
        D("50"),
        D("7.80"),
        dt.date(2026, 3, 8),
    )
    order = services.subcontracting_order_send(order=order)

    # 52 castings to W: they stay ours and keep their value (1300 -> 1320).
    casting = production.components.get(item=housing.casting)
    assert (casting.operation_no, casting.expected_quantity) == (10, D("50"))
    services.material_shipment_post(
        order=order,
        direction="shipment",
        warehouse=main,
        lines=[services.MaterialLineDraft(order_line=line, component=casting, quantity=D("52"))],
        posting_date=SHIP_DAY,
        source_key="housing:ship",
    )
    balances = account_balances_by_account_number()
    assert (balances["1300"], balances["1320"]) == (D("96.00"), D("624.00"))

    # The receipt: 48 good, 2 scrapped, 51 castings used at W.
    receipt = services.subcontracting_receipt_post(
        order_line=line,
        posting_date=RECEIVE_DAY,
        source_key="housing:receipt",
        good_quantity=D("48"),
        scrapped_quantity=D("2"),
        consumption=[services.ConsumptionDraft(component=casting, quantity=D("51"))],
    )
    assert (receipt.good_quantity, receipt.scrapped_quantity, receipt.unit_price) == (
        D("48"),
        D("2"),
        D("7.80"),
    )
    consumed = ItemLedgerEntry.objects.get(entry_type="consumption")
    assert (consumed.item, consumed.location, consumed.quantity) == (
        housing.casting,
        vendor.location,
        D("-51"),
    )
    assert _value(item_ledger_entry=consumed) == D("-612.00")  # 51 x 12.00
    service_entry = CapacityLedgerEntry.objects.get(order_no="PO-HSG")
    assert (
        service_entry.capacity_type,
        service_entry.work_center,
        service_entry.quantity,
        service_entry.scrap_quantity,
    ) == ("subcontracting", housing.work_center, D("50"), D("2"))
    direct = ValueEntry.objects.get(capacity_ledger_entry=service_entry)
    assert (direct.entry_type, direct.cost_group.code, direct.cost_amount_actual) == (
        "direct_cost",
        "SUB",
        D("390.00"),  # 50 x 7.80
    )
    output = ItemLedgerEntry.objects.get(entry_type="output")
    assert (output.item, output.location, output.quantity) == (housing.item, main, D("48"))
    assert _value(item_ledger_entry=output) == D("960.00")  # 48 x 20.00
    line.refresh_from_db()
    assert (line.received_quantity, line.scrapped_quantity) == (D("50"), D("2"))

    # W invoices 50 at 8.10 (within 5 % of 7.80): 405.00, of which 15.00 over the receipt.
    invoice = services.vendor_invoice_post(
        vendor=vendor,
        vendor_invoice_no="W-2026-031",
        invoice_date=INVOICE_DAY,
        posting_date=INVOICE_DAY,
        lines=[services.InvoiceLineDraft(receipt=receipt, quantity=D("50"), unit_price=D("8.10"))],
        source_key="housing:invoice",
    )
    invoice_line = invoice.lines.get()
    assert (
        invoice.amount,
        invoice_line.amount,
        invoice_line.applied_amount,
        invoice_line.price_difference,
    ) == (D("405.00"), D("405.00"), D("390.00"), D("15.00"))
    assert _value(capacity_ledger_entry=service_entry) == D("405.00")
    order.refresh_from_db()
    assert order.status == "invoiced"
    balances = account_balances_by_account_number()
    assert (balances["1330"], balances["5220"], balances["2000"]) == (
        D("57.00"),  # 612 + 390 + 15 - 960
        D("0.00"),  # applied 390 + difference 15 = invoiced 405
        D("-405.00"),
    )
    _books_agree()

    production = production_order_finish(
        order=production, posting_date=FINISH_DAY, source_key="housing:finish"
    )
    first = adjust_cost_run()

    assert production.pk in first.orders
    assert _variances("PO-HSG") == {"material": D("36.00"), "subcontracted": D("21.00")}
    assert _variances("PO-HSG", "variance_cause", variance_type="material") == {
        "scrap": D("24.00"),
        "quantity": D("12.00"),
    }
    assert _variances("PO-HSG", "variance_cause", variance_type="subcontracted") == {
        "scrap": D("16.00"),
        "price": D("5.00"),
    }
    sheet = order_cost_sheet(production)
    assert {row.cost_group: (row.variance, row.causes) for row in sheet.rows} == {
        "MAT": (D("36.00"), {"quantity": D("12.00"), "scrap": D("24.00")}),
        "SUB": (D("21.00"), {"price": D("5.00"), "scrap": D("16.00")}),
    }
    assert (sheet.total("actual"), sheet.output_value, sheet.wip) == (
        D("1017.00"),
        D("960.00"),
        D("0.00"),
    )
    assert _value(item_ledger_entry=output) == D("960.00")  # still at standard
    assert ProductionOrder.objects.get(pk=production.pk).status == "finished"

    (at_w,) = material_at_vendors(vendor=vendor)
    assert (at_w.item_number, at_w.sent, at_w.returned, at_w.consumed, at_w.on_hand) == (
        "CASTING",
        D("52"),
        D("0"),
        D("51"),
        D("1"),
    )
    assert at_w.value == D("12.00")
    balances = account_balances_by_account_number()
    assert {number: balance for number, balance in balances.items() if balance} == {
        "1300": D("96.00"),  # 8 castings at MAIN
        "1310": D("960.00"),  # 48 housings at 20.00
        "1320": D("12.00"),  # 1 casting at W
        "2000": D("-405.00"),  # W's invoice
        "2100": D("-720.00"),  # 60 castings received, not invoiced
        "5310": D("36.00"),
        "5330": D("21.00"),
    }
    assert balances.get("1330", D("0")) == D("0")
    _books_agree()

    second = adjust_cost_run()
    assert second.posted_nothing
    assert account_balances_by_account_number() == balances
