"""Adjust Cost arithmetic: what an entry should be worth, from what it came from.

Pure functions on ``Decimal`` (no database). Adjust Cost asks them for the *target* value of
each entry it looks at and posts the difference to the entry's current value; a second run finds
every entry at its target and posts nothing. Amounts are in cents; shares of one amount are
made with ``split_amount`` (the last share takes the remainder), so the parts of a value always
add back up to it and an inbound entry that has gone out completely leaves no cent behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from mfgcost.core.money import ZERO, round_amount, split_amount

# --------------------------------------------------------------------------- FIFO


def inbound_shares(
    *, value: Decimal, remaining: Decimal, applications: Sequence[tuple[int, Decimal]]
) -> dict[int, Decimal]:
    """How much of an inbound entry's ``value`` each application carries away.

    ``applications`` are (application id, quantity) in the order they were made; ``remaining``
    is the quantity still in stock. Each application takes its quantity's share, rounded; while
    stock remains it keeps the rounding remainder, and once it is gone the last application
    takes it, so the value is handed on to the cent.
    """
    if not applications:
        return {}
    weights = [quantity for _, quantity in applications]
    if remaining > 0:
        weights.append(remaining)
    shares = split_amount(value, weights)
    return {app_id: share for (app_id, _), share in zip(applications, shares, strict=False)}


# --------------------------------------------------------------------------- average


@dataclass(frozen=True)
class Outbound:
    """An outbound entry on one day: its id, quantity (positive) and current value (negative)."""

    entry_id: int
    quantity: Decimal
    value: Decimal


@dataclass
class Day:
    """One posting date of an item at a location: what came in, and what went out."""

    date: dt.date
    inbound_quantity: Decimal = ZERO
    inbound_value: Decimal = ZERO
    outbound: list[Outbound] = field(default_factory=list)


@dataclass
class AverageResult:
    targets: dict[int, Decimal]
    closing_quantity: Decimal
    closing_value: Decimal


def average_targets(
    *, opening_quantity: Decimal, opening_value: Decimal, days: Sequence[Day]
) -> AverageResult:
    """Target values of outbound entries re-averaged per posting date.

    The average of a day is (value at the start of the day + value received that day) /
    (quantity at the start + quantity received): every outbound entry of the day costs that
    average, whatever the order it was posted in on the day. When a day ends with nothing in
    stock the outbound entries take all the value there was. A day without stock to average
    (negative stock) keeps its outbound values as they are.
    """
    quantity, value = opening_quantity, opening_value
    targets: dict[int, Decimal] = {}
    for day in sorted(days, key=lambda d: d.date):
        quantity += day.inbound_quantity
        value += day.inbound_value
        if not day.outbound:
            continue
        out_quantity = sum((o.quantity for o in day.outbound), ZERO)
        if quantity <= 0:
            for o in day.outbound:
                targets[o.entry_id] = o.value
            quantity -= out_quantity
            value += sum((o.value for o in day.outbound), ZERO)
            continue
        if quantity == out_quantity:
            total = value
        else:
            total = round_amount(value * out_quantity / quantity)
        shares = split_amount(total, [o.quantity for o in day.outbound])
        for o, share in zip(day.outbound, shares, strict=True):
            targets[o.entry_id] = -share
        quantity -= out_quantity
        value -= total
    return AverageResult(targets=targets, closing_quantity=quantity, closing_value=value)


# --------------------------------------------------------------------------- order output


@dataclass(frozen=True)
class OutputShare:
    """One output entry of an order: its weight in the order's cost, or a fixed value.

    ``weight`` is the allocation key times the entry's part of its item's output (co-products
    share by allocation %); a by-product has ``fixed_value`` (its credit) and no weight.
    """

    key: int
    weight: Decimal = ZERO
    fixed_value: Decimal | None = None


def group_order(key: int | None) -> tuple[bool, int]:
    """Sort key for cost-group ids where None (no group) comes last."""
    return (key is None, key or 0)


def split_by_weights(total: Decimal, weights: Mapping) -> dict:
    """``total`` in proportion to ``weights`` (in key order); zero weights get nothing."""
    keys = sorted((k for k in weights if weights[k]), key=group_order)
    if not keys:
        return {}
    return dict(zip(keys, split_amount(total, [weights[k] for k in keys]), strict=True))


def allocate_output_cost(
    actual_by_group: Mapping[int | None, Decimal], outputs: Sequence[OutputShare]
) -> dict[int, dict[int | None, Decimal]]:
    """The order's actual cost by cost group, shared among its output entries.

    By-products take their fixed value first (out of every group in proportion to it); what is
    left of each group is shared by weight, exactly, so each group's shares add up to it.
    """
    groups = sorted(actual_by_group, key=group_order)
    remaining = {g: actual_by_group[g] for g in groups}
    result: dict[int, dict[int | None, Decimal]] = {o.key: {} for o in outputs}
    fixed = [o for o in outputs if o.fixed_value is not None]
    fixed_total = sum((o.fixed_value for o in fixed), ZERO)
    if fixed_total and any(remaining.values()):
        taken = _split_groups(fixed_total, remaining)
        by_output = {o.key: o.fixed_value for o in fixed}
        for group, amount in taken.items():
            remaining[group] -= amount
            for key, share in split_by_weights(amount, by_output).items():
                result[key][group] = share
    weights = {o.key: o.weight for o in outputs if o.fixed_value is None and o.weight}
    for group in groups:
        for key, share in split_by_weights(remaining[group], weights).items():
            result[key][group] = result[key].get(group, ZERO) + share
    return result


def _split_groups(total: Decimal, by_group: Mapping[int | None, Decimal]) -> dict:
    groups = [g for g in by_group if by_group[g]]
    return dict(zip(groups, split_amount(total, [by_group[g] for g in groups]), strict=True))


# --------------------------------------------------------------------------- posting dates


@dataclass(frozen=True)
class PeriodSpan:
    start: dt.date
    end: dt.date
    is_open: bool


class PostingCalendar:
    """When an adjustment is posted: on its valuation date if that period is open, else on
    ``fallback`` (when given) or the first day of the first open period after it."""

    def __init__(self, periods: Sequence[PeriodSpan], *, fallback: dt.date | None = None):
        self.periods = sorted(periods, key=lambda p: p.start)
        self.fallback = fallback

    def posting_date(self, valuation_date: dt.date) -> dt.date | None:
        for period in self.periods:
            if period.start <= valuation_date <= period.end:
                if period.is_open:
                    return valuation_date
                break
        if self.fallback is not None and self.fallback >= valuation_date:
            return self.fallback
        for period in self.periods:
            if period.is_open and period.start > valuation_date:
                return period.start
        return self.fallback
