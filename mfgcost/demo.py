"""The demo company: Bracket & Gear Works, October 2026.

``demo_run`` loads the company and posts a month of its business through the services (the same
code the API and admin call), so the demo is also an end-to-end check of every capability:

* standard costs: items, work centres, a costing sheet, BOMs and routings of a bracket and of a
  coated shelf made from brackets, rolled up in a standard costing version and activated
  (``demo_masterdata``);
* inventory: receipts and invoices of steel (FIFO), paint (average) and bolts (standard), two
  sales and a count adjustment;
* production: order PO-1001 for 50 brackets (consumption, backward flushing, time, 48 good and
  2 scrapped, finish) and PO-1002 for 20 shelves whose powder coating is done by vendor COATCO
  (``demo_production``);
* subcontracting: the coating order made on release, paint shipped to the vendor's location,
  the vendor's notice and report (19 good, 1 scrapped), the receipt and the vendor's invoice at
  2.10 instead of 2.00;
* Adjust Cost after each finish and after a steel invoice that arrives once both orders are
  finished; then the period close;
* cost accounting: the month's GL and hours transferred and calculated, and the statement of
  the welding shop's cost centre printed (``demo_costacct``).

``cost_report`` (``demo_report``) prints what a cost accountant looks at after the month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from ledger.models import Period
from ledger.services import period_close
from mfgcost.company import company_setup
from mfgcost.inventory import services as inventory
from mfgcost.items.models import Item

from .demo_costacct import costacct_run
from .demo_masterdata import catalogue_create, standards_roll_up_and_activate
from .demo_production import ShopFloor
from .demo_report import cost_report

__all__ = ["DEMO_MARKER", "MONTH_END", "MONTH_START", "cost_report", "day", "demo_run"]

D = Decimal
MONTH_START = dt.date(2026, 10, 1)
MONTH_END = dt.date(2026, 10, 31)
DEMO_MARKER = "DEMO-STEEL"


def day(n: int) -> dt.date:
    return MONTH_START + dt.timedelta(days=n - 1)


def demo_user():
    """The demo's superuser (demo / demo), for the admin and the API."""
    user_model = get_user_model()
    user = user_model.objects.filter(username="demo").first()
    if user is None:
        user = user_model.objects.create_superuser("demo", "demo@example.com", "demo")
    return user


class Stores:
    """Purchasing and the warehouse: receipts, invoices, sales and counts at MAIN."""

    def __init__(self, *, company, user):
        self.company = company
        self.user = user
        self.receipts = 0
        self.invoices = 0
        self.sales = 0

    def receive(self, item: Item, quantity: str, unit_cost: str, *, on: dt.date):
        self.receipts += 1
        result = inventory.purchase_receipt_post(
            item=item,
            location=self.company.main,
            quantity=D(quantity),
            unit_cost=D(unit_cost),
            posting_date=on,
            source_key=f"demo:receipt:{self.receipts}",
            document_no=f"PR-{self.receipts:04d}",
            user=self.user,
        )
        return result.item_entries[0]

    def invoice(self, receipt, quantity: str, unit_price: str, *, on: dt.date) -> None:
        self.invoices += 1
        inventory.purchase_invoice_post(
            receipt_entry=receipt,
            quantity=D(quantity),
            unit_price=D(unit_price),
            posting_date=on,
            source_key=f"demo:invoice:{self.invoices}",
            document_no=f"PI-{self.invoices:04d}",
            user=self.user,
        )

    def sell(self, item: Item, quantity: str, *, on: dt.date) -> None:
        self.sales += 1
        inventory.sale_post(
            item=item,
            location=self.company.main,
            quantity=D(quantity),
            posting_date=on,
            source_key=f"demo:sale:{self.sales}",
            document_no=f"SO-{self.sales:04d}",
            user=self.user,
        )

    def count_shortage(self, item: Item, quantity: str, *, on: dt.date) -> None:
        inventory.negative_adjustment_post(
            item=item,
            location=self.company.main,
            quantity=D(quantity),
            posting_date=on,
            source_key="demo:adjust:1",
            document_no="COUNT-10",
            user=self.user,
        )


@transaction.atomic
def demo_run(*, log: Callable[[str], None] = print) -> bool:
    """Load the demo company and post its month; False when it is already loaded."""
    if Item.objects.filter(number=DEMO_MARKER).exists():
        return False
    user = demo_user()
    company = company_setup(year_start=dt.date(2026, 1, 1))
    log("Company: chart of accounts, posting setup, fiscal year 2026 with monthly periods.")

    cat = catalogue_create(company=company, marker=DEMO_MARKER, valid_from=MONTH_START)
    standards_roll_up_and_activate(catalogue=cat, on=day(1), user=user)
    log(
        f"Standard costs: version {cat.version.code} rolled up and active on {day(1)}: "
        f"{cat.bracket.number} {cat.bracket.standard_cost:.2f}, "
        f"{cat.shelf.number} {cat.shelf.standard_cost:.2f}."
    )
    stores = Stores(company=company, user=user)
    floor = ShopFloor(company=company, user=user, month_end=MONTH_END)

    def adjust_cost(why: str) -> None:
        result = floor.adjust_cost(why)
        log(
            f"Adjust Cost run {result.run.pk} ({why}): {len(result.orders)} order(s) and "
            f"{len(result.items)} item(s) adjusted, {len(result.value_entries)} value entries."
        )

    log("Purchases: steel, paint and bolts received; bolts invoiced above their standard.")
    steel_1 = stores.receive(cat.steel, "300", "5.20", on=day(1))
    stores.receive(cat.paint, "50", "3.00", on=day(2))
    bolts = stores.receive(cat.bolts, "1000", "0.42", on=day(3))

    log("PO-1001, 50 brackets: release, steel, time, 48 good and 2 scrapped, finish.")
    brackets = floor.release("PO-1001", cat.bracket, "50", on=day(5))
    stores.invoice(bolts, "1000", "0.42", on=day(6))
    floor.consume(brackets, cat.steel, "104", on=day(6))
    floor.time(brackets, 10, setup="3", run="12", on=day(7))
    steel_2 = stores.receive(cat.steel, "200", "5.40", on=day(8))
    floor.time(brackets, 10, setup="2.5", run="12.5", on=day(8))
    stores.receive(cat.paint, "50", "3.40", on=day(9))
    floor.output(brackets, "48", scrap="2", on=day(9))  # flushes 4 bolts per bracket
    stores.invoice(steel_2, "200", "5.45", on=day(10))
    floor.finish(brackets, on=day(10))
    adjust_cost("after PO-1001 finished")

    log("Inventory: 120 kg steel sold, 2 l paint short at the count.")
    stores.sell(cat.steel, "120", on=day(12))
    stores.count_shortage(cat.paint, "2", on=day(14))

    log("PO-1002, 20 shelves: release makes the coating order for COATCO.")
    shelves = floor.release("PO-1002", cat.shelf, "20", on=day(15))
    coating = floor.subcontracting_order(shelves)
    coating = floor.send_and_acknowledge(coating, promised=day(22), reference="CC-ORD-7781")
    floor.consume(shelves, cat.bracket, "40", on=day(16))
    floor.consume(shelves, cat.steel, "61", on=day(16))
    floor.ship(coating, cat.paint, "6", on=day(16))
    floor.time(shelves, 10, setup="1.2", run="5", on=day(17))
    log("Subcontracting: COATCO reports 19 coated, 1 scrapped, 5.2 l paint used; received.")
    report = floor.vendor_report(
        coating,
        good="19",
        scrapped="1",
        consumed={cat.paint: "5.2"},
        shipped_on=day(21),
        expected_on=day(22),
    )
    receipt = floor.receive(coating, report, on=day(22))
    floor.finish(shelves, on=day(23))
    adjust_cost("after PO-1002 finished")

    log("Late invoices: the first steel receipt at 5.30, COATCO's invoice at 2.10 a shelf.")
    stores.invoice(steel_1, "300", "5.30", on=day(26))
    floor.vendor_invoice(
        coating, receipt, number="CC-2231", quantity="20", unit_price="2.10", on=day(27)
    )
    floor.close(coating)
    stores.sell(cat.shelf, "15", on=day(28))
    adjust_cost("nightly run after the late invoices")
    adjust_cost("nightly run, nothing new")

    log(f"Period close: {MONTH_START:%Y-%m} is closed; later postings go to November.")
    october = Period.objects.get(start_date=MONTH_START)
    period_close(period=october, user=user)

    log("Cost accounting: GL and hours transferred, actual version calculated; cost centre WELD:")
    for row in costacct_run(period=october):
        value = "-" if row.value is None else f"{row.value:,}"
        log(f"  {row.code:<4} {row.name:<24} {value:>12}")
    return True
