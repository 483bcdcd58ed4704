"""The demo's cost report: what a cost accountant looks at after the month.

Standard costs of the version, the trial balance, inventory by item and location, the
inventory/WIP reconciliation, each production order's cost sheet (standard, actual and variance
per cost group, with the causes), WIP by order, our material held at vendors, and the Adjust
Cost runs. Every figure comes from the selectors the admin and the API use.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from ledger.selectors import trial_balance
from mfgcost.costing.models import CostAdjustmentRun
from mfgcost.costing.selectors import order_cost_sheet, wip_by_order
from mfgcost.inventory.models import ValueEntry
from mfgcost.inventory.selectors import inventory_valuation, reconciliation
from mfgcost.items.models import StandardCost
from mfgcost.production.models import ProductionOrder
from subcontracting.selectors import material_at_vendors

D = Decimal
ZERO = D("0")
# The report is October's; later postings (the lean cell's November, ``demo_lean``) are
# reported apart, so that they do not change the month's figures.
REPORT_DATE = dt.date(2026, 10, 31)


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


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _quantity(quantity: Decimal) -> str:
    return f"{quantity:,.3f}"


def _standard_costs() -> str:
    records = (
        StandardCost.objects.filter(status=StandardCost.Status.ACTIVE, lines__isnull=False)
        .select_related("version", "item")
        .prefetch_related("lines__cost_group")
        .distinct()
        .order_by("item__number")
    )
    rows = []
    for record in records:
        for line in sorted(record.lines.all(), key=lambda line: line.cost_group.code):
            rows.append(
                [
                    record.item.number,
                    record.version.code,
                    line.cost_group.code,
                    f"{line.this_level:,.4f}",
                    f"{line.rolled_up:,.4f}",
                ]
            )
        rows.append([record.item.number, "", "unit cost", "", f"{record.unit_cost:,.4f}"])
    return _table(
        "Standard costs (active, per unit)",
        ["item", "version", "cost group", "this level", "rolled up"],
        rows,
        numeric_from=3,
    )


def _trial_balance() -> str:
    rows = trial_balance(date_to=REPORT_DATE)
    total_debit = sum((r.debit for r in rows), ZERO)
    total_credit = sum((r.credit for r in rows), ZERO)
    body = [
        [r.number, r.name[:34], _money(r.debit), _money(r.credit), _money(r.balance)] for r in rows
    ]
    body.append(
        ["", "total", _money(total_debit), _money(total_credit), _money(total_debit - total_credit)]
    )
    return _table(
        "Trial balance", ["account", "name", "debit", "credit", "balance"], body, numeric_from=2
    )


def _inventory() -> list[str]:
    valuation = _table(
        "Inventory by item and location",
        ["item", "location", "quantity", "value"],
        [
            [r["item"], r["location"], _quantity(r["quantity"]), _money(r["value"])]
            for r in inventory_valuation(as_of=REPORT_DATE)
        ],
        numeric_from=2,
    )
    recon = _table(
        "Inventory and WIP accounts: ledgers vs general ledger",
        ["account", "ledgers", "general ledger", "difference"],
        [
            [
                r["account"],
                _money(r["ledger_value"]),
                _money(r["gl_balance"]),
                _money(r["difference"]),
            ]
            for r in reconciliation(as_of=REPORT_DATE)
        ],
    )
    return [valuation, recon]


def _causes(causes: dict[str, Decimal]) -> str:
    return ", ".join(
        f"{cause.replace('_', ' ')} {_money(amount)}" for cause, amount in causes.items()
    )


def _cost_sheets() -> list[str]:
    parts = []
    for order in ProductionOrder.objects.select_related("item").order_by("number"):
        sheet = order_cost_sheet(order)
        rows = [
            [
                row.cost_group,
                _money(row.standard),
                _money(row.actual),
                _money(row.variance),
                _causes(row.causes),
            ]
            for row in sheet.rows
            if row.standard or row.actual or row.variance  # not a group only the estimate has
        ]
        rows.append(
            [
                "total",
                _money(sheet.total("standard")),
                _money(sheet.total("actual")),
                _money(sheet.total("variance")),
                "",
            ]
        )
        title = (
            f"Cost sheet {sheet.order}: {sheet.item}, {sheet.status}, "
            f"{sheet.quantity.normalize():f} ordered, {sheet.output_quantity.normalize():f} good; "
            f"output at standard {_money(sheet.output_value)}, WIP {_money(sheet.wip)}"
        )
        parts.append(
            _table(title, ["cost group", "standard", "actual", "variance", "causes"], rows)
        )
    return parts


def _wip() -> list[str]:
    wip = wip_by_order(as_of=REPORT_DATE)
    by_order: dict[str, Decimal] = defaultdict(Decimal)
    for row in wip["rows"]:
        by_order[row["order"]] += row["amount"]
    orders = list(ProductionOrder.objects.select_related("item").order_by("number"))
    rows = [
        [order.number, order.item.number, order.status, _money(by_order.pop(order.number, ZERO))]
        for order in orders
    ]
    rows += [
        [number or "(no order)", "", "", _money(amount)] for number, amount in by_order.items()
    ]
    accounts = _table(
        "WIP accounts: by order vs general ledger",
        ["account", "by order", "general ledger", "difference"],
        [
            [
                a["account"],
                _money(a["ledger_value"]),
                _money(a["gl_balance"]),
                _money(a["difference"]),
            ]
            for a in wip["accounts"]
        ],
    )
    return [
        _table("WIP by production order", ["order", "item", "status", "WIP"], rows, numeric_from=3),
        accounts,
    ]


def _material_at_vendors() -> str:
    return _table(
        "Our material at vendors",
        ["vendor", "location", "item", "sent", "returned", "consumed", "other", "on hand", "value"],
        [
            [
                r.vendor_code,
                r.location_code,
                r.item_number,
                _quantity(r.sent),
                _quantity(r.returned),
                _quantity(r.consumed),
                _quantity(r.other),
                _quantity(r.on_hand),
                _money(r.value),
            ]
            for r in material_at_vendors()
        ],
        numeric_from=3,
    )


def _adjust_cost_runs() -> str:
    rows = []
    for run in CostAdjustmentRun.objects.order_by("id"):
        variance = ValueEntry.objects.filter(
            entry_type=ValueEntry.EntryType.VARIANCE,
            posting__source_key__startswith=f"costing:adjust:{run.pk}:",
        ).aggregate(total=Sum("cost_amount_actual"))["total"]
        rows.append(
            [
                str(run.pk),
                run.requested_by or "(manual)",
                run.status,
                str(run.marks_collected),
                str(run.items_adjusted),
                str(run.orders_adjusted),
                str(run.value_entries_posted),
                _money(-(variance or ZERO)),
                "; ".join(run.skipped + run.errors),
            ]
        )
    return _table(
        "Adjust Cost runs (variance posted: positive is unfavourable)",
        [
            "run",
            "requested by",
            "status",
            "marks",
            "items",
            "orders",
            "value entries",
            "variance posted",
            "skipped / errors",
        ],
        rows,
        numeric_from=3,
    ) + (
        "\nEach finish also queues the Adjust Cost task (requested by celery). It runs after the"
        "\ndemo's transaction commits (in process without a broker, by the worker with one) and"
        "\nfinds nothing left to post."
    )


def cost_report() -> str:
    """The month's cost report as text."""
    parts = ["", "=" * 72, "mfgcost cost report: Bracket & Gear Works, October 2026", "=" * 72]
    parts.append(_standard_costs())
    parts.append(_trial_balance())
    parts += _inventory()
    parts += _cost_sheets()
    parts += _wip()
    parts.append(_material_at_vendors())
    parts.append(_adjust_cost_runs())
    return "\n".join(parts) + "\n"
