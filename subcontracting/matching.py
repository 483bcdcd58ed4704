"""Pure arithmetic of subcontracting: price lists, tolerances, invoice matching, order status.

Nothing here touches the database; the services feed it plain values and rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, TypeVar

from mfgcost.core.money import ZERO, round_amount, round_quantity

HUNDRED = Decimal("100")


class PriceRow(Protocol):
    valid_from: dt.date
    valid_to: dt.date | None
    min_quantity: Decimal


Row = TypeVar("Row", bound=PriceRow)


def price_row_pick(rows: Iterable[Row], *, quantity: Decimal, on_date: dt.date) -> Row | None:
    """The price-list row for ``quantity`` on ``on_date``.

    Among rows valid on the date, the highest quantity break not above the quantity wins; on a
    tie the row valid from the latest date (the newest price) wins.
    """
    valid = [
        row
        for row in rows
        if row.valid_from <= on_date
        and (row.valid_to is None or row.valid_to >= on_date)
        and row.min_quantity <= quantity
    ]
    if not valid:
        return None
    return max(valid, key=lambda row: (row.min_quantity, row.valid_from))


def max_receipt_quantity(quantity: Decimal, tolerance_percent: Decimal) -> Decimal:
    """The most that may be received against ``quantity`` with the over-receipt tolerance."""
    return round_quantity(quantity * (HUNDRED + tolerance_percent) / HUNDRED)


def price_within_tolerance(
    *, order_price: Decimal, invoice_price: Decimal, tolerance_percent: Decimal
) -> bool:
    """Whether the invoice price is within ``tolerance_percent`` of the order price (either way)."""
    allowed = order_price * tolerance_percent / HUNDRED
    return abs(invoice_price - order_price) <= allowed


def applied_share(
    *,
    applied_total: Decimal,
    applied_before: Decimal,
    received: Decimal,
    invoiced_before: Decimal,
    quantity: Decimal,
) -> Decimal:
    """The part of a receipt's service amount that ``quantity`` invoiced now accounts for.

    The receipt put ``applied_total`` into WIP for ``received`` units. Each invoice takes its
    proportional share, rounded to cents; the invoice that completes the receipt takes the
    remainder, so the shares always add up to the total.
    """
    if invoiced_before + quantity >= received:
        return applied_total - applied_before
    return round_amount(applied_total * quantity / received)


@dataclass(frozen=True)
class LineProgress:
    quantity: Decimal
    received: Decimal
    invoiced: Decimal
    cancelled: bool = False


def order_status_after(current: str, lines: Sequence[LineProgress]) -> str:
    """The status an order moves to when its lines' received and invoiced quantities change.

    Draft, closed and cancelled orders are moved only by their own actions. Otherwise: nothing
    received keeps sent or acknowledged; something received is partly received; every line
    received in full is received; and everything received also invoiced is invoiced.
    """
    if current in ("draft", "closed", "cancelled"):
        return current
    live = [line for line in lines if not line.cancelled]
    if not live or all(line.received == ZERO for line in live):
        return current if current in ("sent", "acknowledged") else "sent"
    if all(line.received >= line.quantity for line in live):
        if all(line.invoiced == line.received for line in live):
            return "invoiced"
        return "received"
    return "partly_received"
