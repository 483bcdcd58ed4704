"""Backflush costing arithmetic: pure functions on plain Decimals (no database).

* ``net_usage``: what the flow used of a material in the period: the quantity physically in
  WIP (staged, not yet settled) less what is still unused in full handling units. Never below
  zero (a handling unit received without staging is reported, not consumed).
* ``fifo_settle``: settle the usage over the physically updated transactions oldest first; the
  transaction where the usage ends is split, its rest stays physically updated with the value
  of its quantity (the last part of a transaction takes the remainder of its value).
* ``wip_variances``: the variance of each (cost group, item) is its WIP balance less what
  should stay in WIP (the unused material at its value; nothing for conversion, services and
  indirect cost).
* ``outsourcing_split``: a service variance split into price (the vendor's price against the
  service's standard, on what was bought) and usage (the rest: bought against relieved).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from mfgcost.core.money import ZERO, round_amount


@dataclass(frozen=True)
class OpenTransaction:
    """A staged material transaction with what is still physically updated of it."""

    key: int
    remaining_quantity: Decimal
    remaining_amount: Decimal


@dataclass(frozen=True)
class Settlement:
    key: int
    quantity: Decimal
    amount: Decimal
    split: bool


def net_usage(physical_quantity: Decimal, unused_quantity: Decimal) -> Decimal:
    return max(physical_quantity - unused_quantity, ZERO)


def fifo_settle(transactions: Iterable[OpenTransaction], usage: Decimal) -> list[Settlement]:
    """Settle ``usage`` over ``transactions`` in the order given (oldest first)."""
    settled: list[Settlement] = []
    left = usage
    for txn in transactions:
        if left <= 0:
            break
        if txn.remaining_quantity <= 0:
            continue
        if left >= txn.remaining_quantity:
            settled.append(Settlement(txn.key, txn.remaining_quantity, txn.remaining_amount, False))
            left -= txn.remaining_quantity
        else:
            amount = round_amount(txn.remaining_amount * left / txn.remaining_quantity)
            settled.append(Settlement(txn.key, left, amount, True))
            left = ZERO
    return settled


Key = tuple[int, int | None]  # (cost group id, item id or None)


def wip_variances(
    balances: Mapping[Key, Decimal], targets: Mapping[Key, Decimal]
) -> dict[Key, Decimal]:
    """Balance less target per key; keys without a variance are left out."""
    result = {}
    for key in balances.keys() | targets.keys():
        variance = balances.get(key, ZERO) - targets.get(key, ZERO)
        if variance:
            result[key] = variance
    return result


def outsourcing_split(variance: Decimal, price_difference: Decimal) -> dict[str, Decimal]:
    """``{"price": ..., "quantity": ...}`` of a service variance, zero parts left out."""
    parts = {"price": price_difference, "quantity": variance - price_difference}
    return {cause: amount for cause, amount in parts.items() if amount}
