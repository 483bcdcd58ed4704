"""The demo company: Bracket & Gear Works, October 2026.

``demo_run`` loads the company and posts a month of its business through the services (the same
code the API and admin call), so the demo is also an end-to-end check of every capability.
``cost_report`` prints what a cost accountant looks at after the month: the trial balance,
inventory by item, and the inventory/WIP reconciliation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from ledger.models import Period
from ledger.selectors import trial_balance
from ledger.services import period_close
from mfgcost.company import company_setup, vendor_location_create
from mfgcost.inventory import services as inventory
from mfgcost.items.models import Item

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


@transaction.atomic
def demo_run(*, log: Callable[[str], None] = print) -> bool:
    """Load the demo company and post its month; False when it is already loaded."""
    if Item.objects.filter(number=DEMO_MARKER).exists():
        return False
    user = demo_user()
    company = company_setup(year_start=dt.date(2026, 1, 1))
    log("Company: chart of accounts, posting setup, fiscal year 2026 with monthly periods.")
    vendor_loc = vendor_location_create(
        code="VEND-HT", name="Heat treatment vendor", company=company
    )

    def item(number, description, unit, *, method="fifo", group="RAW", cost_group="MAT", **kw):
        return Item.objects.create(
            number=number,
            description=description,
            base_unit=company.units[unit],
            costing_method=method,
            posting_group=company.groups[group],
            cost_group=company.cost_groups[cost_group],
            **kw,
        )

    steel = item(DEMO_MARKER, "Steel sheet", "kg")
    paint = item("DEMO-PAINT", "Powder paint", "l", method="average")
    bolts = item(
        "DEMO-BOLT",
        "Bolt M8",
        "pcs",
        method="standard",
        standard_cost=D("0.40"),
        unit_cost=D("0.40"),
    )

    log("Inventory: receipts, invoices, a sale, an adjustment and a transfer to the vendor.")
    receipts = {}
    for n, (it, qty, cost, date) in enumerate(
        [
            (steel, "300", "5.20", day(1)),
            (steel, "200", "5.40", day(8)),
            (paint, "50", "3.00", day(2)),
            (paint, "40", "3.30", day(9)),
            (bolts, "1000", "0.42", day(3)),
        ],
        start=1,
    ):
        result = inventory.purchase_receipt_post(
            item=it,
            location=company.main,
            quantity=qty,
            unit_cost=cost,
            posting_date=date,
            source_key=f"demo:receipt:{n}",
            document_no=f"PR-{n:04d}",
            user=user,
        )
        receipts[n] = result.item_entries[0]
    inventory.purchase_invoice_post(
        receipt_entry=receipts[1],
        quantity="300",
        unit_price="5.25",
        posting_date=day(5),
        source_key="demo:invoice:1",
        document_no="PI-0001",
        user=user,
    )
    inventory.purchase_invoice_post(
        receipt_entry=receipts[5],
        quantity="1000",
        unit_price="0.42",
        posting_date=day(6),
        source_key="demo:invoice:5",
        document_no="PI-0005",
        user=user,
    )
    inventory.sale_post(
        item=steel,
        location=company.main,
        quantity="120",
        posting_date=day(12),
        source_key="demo:sale:1",
        document_no="SO-0001",
        user=user,
    )
    inventory.negative_adjustment_post(
        item=paint,
        location=company.main,
        quantity="2",
        posting_date=day(14),
        source_key="demo:adjust:1",
        document_no="COUNT-10",
        user=user,
    )
    inventory.transfer_post(
        item=paint,
        from_location=company.main,
        to_location=vendor_loc,
        quantity="10",
        posting_date=day(15),
        source_key="demo:transfer:1",
        document_no="TR-0001",
        user=user,
    )

    log(f"Period close: {MONTH_START:%Y-%m} is closed; later postings go to November.")
    period = Period.objects.get(start_date=MONTH_START)
    period_close(period=period, user=user)
    return True


# --------------------------------------------------------------------------- the report


def _table(title: str, header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    """A text table; columns from ``numeric_from`` on are right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    line = "  ".join("-" * w for w in widths)

    def fmt(row):
        return "  ".join(
            str(c).rjust(w) if i >= numeric_from else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=False))
        )

    return "\n".join([f"\n{title}", line, fmt(header), line, *(fmt(r) for r in rows), line])


def cost_report() -> str:
    """The month's cost report as text."""
    parts = ["", "=" * 72, "mfgcost cost report: Bracket & Gear Works, October 2026", "=" * 72]

    rows = trial_balance()
    total_debit = sum((r.debit for r in rows), D(0))
    total_credit = sum((r.credit for r in rows), D(0))
    parts.append(
        _table(
            "Trial balance",
            ["account", "name", "debit", "credit", "balance"],
            [
                [r.number, r.name[:34], f"{r.debit:,.2f}", f"{r.credit:,.2f}", f"{r.balance:,.2f}"]
                for r in rows
            ]
            + [
                [
                    "",
                    "total",
                    f"{total_debit:,.2f}",
                    f"{total_credit:,.2f}",
                    f"{total_debit - total_credit:,.2f}",
                ]
            ],
            numeric_from=2,
        )
    )

    try:
        from mfgcost.inventory.selectors import inventory_valuation, reconciliation
    except ImportError:  # pragma: no cover - selectors land with the inventory reports
        inventory_valuation = reconciliation = None
    if inventory_valuation is not None:
        valuation = inventory_valuation()
        parts.append(
            _table(
                "Inventory by item and location",
                ["item", "location", "quantity", "value"],
                [
                    [r["item"], r["location"], f"{r['quantity']:,.3f}", f"{r['value']:,.2f}"]
                    for r in valuation
                ],
                numeric_from=2,
            )
        )
        recon = reconciliation()
        parts.append(
            _table(
                "Inventory and WIP accounts: ledgers vs general ledger",
                ["account", "ledgers", "general ledger", "difference"],
                [
                    [
                        r["account"],
                        f"{r['ledger_value']:,.2f}",
                        f"{r['gl_balance']:,.2f}",
                        f"{r['difference']:,.2f}",
                    ]
                    for r in recon
                ],
            )
        )
    return "\n".join(parts) + "\n"
