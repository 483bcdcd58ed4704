"""Adjust Cost, one item: forward changed inbound costs to the outbound entries that took them.

``item_costs_forward`` is one transaction for one item. It takes the item's advisory lock (a
second run skips the item), then the item row like every posting does (postings on the item wait
until it commits), reads the item's marks, recomputes the target value of every outbound entry
that the marks reach, and posts the differences as adjustment value entries:

* FIFO: an outbound entry is worth the shares of the inbound entries it was applied to
  (``adjust.inbound_shares``); only applications of marked inbound entries are looked at, so the
  work grows with what changed, not with the ledger.
* Average: each marked location is re-averaged per posting date from the earliest marked date
  (``adjust.average_targets``).
* Standard: outbound entries are at standard; nothing to forward.

A transfer's inbound entry follows its outbound entry (the pair is adjusted together, so the
journal entry balances) and is itself forwarded in the same transaction; a consumption return
follows the consumption it returned. An adjusted consumption marks its production order, which
the run settles next. The marks read are deleted in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum

from mfgcost.core.money import ZERO, round_amount, round_unit_cost
from mfgcost.inventory.models import ItemApplication, ItemLedgerEntry, ValueEntry
from mfgcost.inventory.services import entry_values, item_unit_cost_update, new_value_entry
from mfgcost.items.models import Item
from mfgcost.production.models import ORDER_TYPE, ConsumptionReturn, ProductionOrder

from .adjust import Day, Outbound, PostingCalendar, average_targets, inbound_shares
from .models import CostAdjustmentMark
from .posting import AdjustmentBatch, unit_claim

ILE = ItemLedgerEntry.EntryType
METHOD = Item.CostingMethod
ITEM_LOCK = "costing.adjust.item"
MAX_ROUNDS = 100


@dataclass
class ForwardResult:
    worked: bool = False
    skipped: bool = False
    value_entries: list[ValueEntry] = field(default_factory=list)
    order_ids: set[int] = field(default_factory=set)


class _ItemLedger:
    """The entries of one item that a forward pass reads, with the adjustments it has decided
    (``pending``) counted in their values."""

    def __init__(self, item: Item):
        self.item = item
        self.pending: dict[int, Decimal] = defaultdict(Decimal)
        self.pending_rounding: dict[int, Decimal] = defaultdict(Decimal)
        self.entries: dict[int, ItemLedgerEntry] = {}
        self._values: dict[int, Decimal] = {}
        self._rounding: dict[int, Decimal] = defaultdict(Decimal)

    def load(self, ids) -> None:
        missing = [pk for pk in ids if pk not in self.entries]
        if not missing:
            return
        for entry in ItemLedgerEntry.objects.filter(pk__in=missing).select_related("location"):
            entry.item = self.item
            self.entries[entry.pk] = entry
        self._values.update(entry_values(missing))
        for entry_id, expected, actual in (
            ValueEntry.objects.filter(
                item_ledger_entry_id__in=missing, entry_type=ValueEntry.EntryType.ROUNDING
            )
            .values("item_ledger_entry_id")
            .annotate(e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual"))
            .values_list("item_ledger_entry_id", "e", "a")
            .order_by()
        ):
            self._rounding[entry_id] = (expected or ZERO) + (actual or ZERO)

    def value(self, entry_id: int) -> Decimal:
        """Everything the entry is worth now, rounding entries and decided adjustments too."""
        return self._values[entry_id] + self.pending[entry_id] + self.pending_rounding[entry_id]

    def rounding(self, entry_id: int) -> Decimal:
        """The part of the entry's value that rounding entries hold (a location's residue
        cleared when the entry emptied it)."""
        return self._rounding[entry_id] + self.pending_rounding[entry_id]


class _Forwarder:
    def __init__(self, item: Item, batch: AdjustmentBatch):
        self.item = item
        self.batch = batch
        self.ledger = _ItemLedger(item)
        self.order_numbers: set[str] = set()
        self.adjustments: dict[int, Decimal] = defaultdict(Decimal)
        self.rounding_adjustments: dict[int, Decimal] = defaultdict(Decimal)

    # ---------------------------------------------------------------- shared

    def adjust(self, entry_id: int, amount: Decimal) -> None:
        """Decide an adjustment of ``amount`` on an entry (posted at the end)."""
        if not amount:
            return
        self.ledger.pending[entry_id] += amount
        self.adjustments[entry_id] += amount

    def adjust_rounding(self, entry_id: int, amount: Decimal) -> None:
        """Decide a rounding adjustment (posted as a rounding value entry, never forwarded)."""
        if not amount:
            return
        self.ledger.pending_rounding[entry_id] += amount
        self.rounding_adjustments[entry_id] += amount

    def follow(self, outbound_id: int, amount: Decimal) -> set[int]:
        """Adjust an outbound entry; return inbound entries that change with it."""
        entry = self.ledger.entries[outbound_id]
        changed: set[int] = set()
        if entry.entry_type == ILE.TRANSFER:
            # A target is the whole value the entry should carry, so reaching it takes back the
            # rounding entry its posting made when it emptied the source location. That
            # rounding never reached the destination (its counter account is inventory
            # adjustment), so taking it back must not either: only the rest is mirrored.
            # Whatever residue that leaves at an empty source is cleared at the end.
            rounding = self.ledger.rounding(outbound_id)
            self.adjust_rounding(outbound_id, -rounding)
            amount += rounding
            self.adjust(outbound_id, amount)
            inbound = ItemLedgerEntry.objects.filter(transfer_from_entry_id=outbound_id).first()
            if inbound is not None and amount:
                self.ledger.load([inbound.pk])
                self.adjust(inbound.pk, -amount)
                changed.add(inbound.pk)
            return changed
        self.adjust(outbound_id, amount)
        if entry.entry_type == ILE.CONSUMPTION and entry.order_type == ORDER_TYPE:
            self.order_numbers.add(entry.order_no)
            changed |= self.follow_returns(outbound_id)
        return changed

    def follow_returns(self, consumption_id: int) -> set[int]:
        """Returns to stock of a consumption are worth what that consumption cost."""
        returns = list(
            ConsumptionReturn.objects.filter(
                return_entry__in=ConsumptionReturn.objects.filter(
                    consumption_entry_id=consumption_id
                ).values("return_entry_id")
            ).values_list("return_entry_id", "consumption_entry_id", "quantity")
        )
        if not returns:
            return set()
        self.ledger.load({r for r, _, _ in returns} | {c for _, c, _ in returns})
        targets: dict[int, Decimal] = defaultdict(Decimal)
        for return_id, consumption, quantity in returns:
            source = self.ledger.entries[consumption]
            targets[return_id] += self.ledger.value(consumption) * quantity / source.quantity
        changed = set()
        for return_id, target in targets.items():
            difference = round_amount(target) - self.ledger.value(return_id)
            if difference:
                self.adjust(return_id, difference)
                self.order_numbers.add(self.ledger.entries[return_id].order_no)
                changed.add(return_id)
        return changed

    # ---------------------------------------------------------------- FIFO

    def fifo(self, changed: set[int]) -> None:
        for _ in range(MAX_ROUNDS):
            if not changed:
                return
            outbound_ids = set(
                ItemApplication.objects.filter(inbound_entry_id__in=changed).values_list(
                    "outbound_entry_id", flat=True
                )
            )
            changed = set()
            if not outbound_ids:
                continue
            applications = list(
                ItemApplication.objects.filter(outbound_entry_id__in=outbound_ids).values_list(
                    "id", "inbound_entry_id", "outbound_entry_id", "quantity"
                )
            )
            inbound_ids = {inbound for _, inbound, _, _ in applications}
            by_inbound: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
            for app_id, inbound, _, quantity in (
                ItemApplication.objects.filter(inbound_entry_id__in=inbound_ids)
                .order_by("id")
                .values_list("id", "inbound_entry_id", "outbound_entry_id", "quantity")
            ):
                by_inbound[inbound].append((app_id, quantity))
            self.ledger.load(inbound_ids | outbound_ids)
            shares: dict[int, Decimal] = {}
            for inbound_id, apps in by_inbound.items():
                inbound = self.ledger.entries[inbound_id]
                shares.update(
                    inbound_shares(
                        value=self.ledger.value(inbound_id),
                        remaining=inbound.remaining_quantity,
                        applications=apps,
                    )
                )
            targets: dict[int, Decimal] = defaultdict(Decimal)
            for app_id, _, outbound_id, _ in applications:
                targets[outbound_id] -= shares[app_id]
            for outbound_id in sorted(outbound_ids):
                outbound = self.ledger.entries[outbound_id]
                if outbound.remaining_quantity != 0:
                    continue  # still partly beyond stock: valued when covered
                difference = targets[outbound_id] - self.ledger.value(outbound_id)
                if difference:
                    changed |= self.follow(outbound_id, difference)

    # ---------------------------------------------------------------- average

    def average(self, from_dates: dict[int, dt.date]) -> None:
        """Re-average each location from its date; an inbound entry that changes on the way (a
        transfer in, a return) sends its location back into the queue from its date."""
        for _ in range(MAX_ROUNDS):
            if not from_dates:
                return
            location_id, from_date = min(from_dates.items(), key=lambda kv: (kv[1], kv[0]))
            del from_dates[location_id]
            for inbound_id in self.average_location(location_id, from_date):
                inbound = self.ledger.entries[inbound_id]
                current = from_dates.get(inbound.location_id)
                if current is None or inbound.posting_date < current:
                    from_dates[inbound.location_id] = inbound.posting_date

    def average_location(self, location_id: int, from_date: dt.date) -> set[int]:
        """Re-average one location from ``from_date``; return the inbound entries changed."""
        item = self.item
        opening_quantity = (
            ItemLedgerEntry.objects.filter(
                item=item, location_id=location_id, posting_date__lt=from_date
            ).aggregate(q=Sum("quantity"))["q"]
            or ZERO
        )
        opening = ValueEntry.objects.filter(
            item=item,
            location_id=location_id,
            item_ledger_entry__isnull=False,
            valuation_date__lt=from_date,
        ).aggregate(e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual"))
        opening_value = (opening["e"] or ZERO) + (opening["a"] or ZERO)
        # Adjustments decided in this transaction but not yet written, on earlier entries.
        for pending in (self.ledger.pending, self.ledger.pending_rounding):
            for entry_id, amount in pending.items():
                entry = self.ledger.entries[entry_id]
                if entry.location_id == location_id and entry.posting_date < from_date:
                    opening_value += amount
        entries = list(
            ItemLedgerEntry.objects.filter(
                item=item, location_id=location_id, posting_date__gte=from_date
            ).order_by("posting_date", "id")
        )
        self.ledger.load([e.pk for e in entries])
        days: dict[dt.date, Day] = {}
        for entry in entries:
            day = days.setdefault(entry.posting_date, Day(date=entry.posting_date))
            if entry.quantity > 0:
                day.inbound_quantity += entry.quantity
                day.inbound_value += self.ledger.value(entry.pk)
            else:
                day.outbound.append(
                    Outbound(
                        entry_id=entry.pk,
                        quantity=-entry.quantity,
                        value=self.ledger.value(entry.pk),
                    )
                )
        result = average_targets(
            opening_quantity=opening_quantity, opening_value=opening_value, days=list(days.values())
        )
        changed: set[int] = set()
        for entry_id, target in sorted(result.targets.items()):
            difference = target - self.ledger.value(entry_id)
            if difference:
                changed |= self.follow(entry_id, difference)
        return changed

    # ---------------------------------------------------------------- empty locations

    def clear_residues(self) -> None:
        """Zero quantity keeps zero value: a location the adjustments reached that has no
        stock left but some value (the rounding a posting made when it emptied the location
        no longer matches the forwarded costs) gets the residue back as a rounding
        adjustment on its latest outbound entry, as the posting that emptied it did."""
        touched = {
            self.ledger.entries[pk].location_id
            for pk in set(self.adjustments) | set(self.rounding_adjustments)
        }
        for location_id in sorted(touched):
            entries = ItemLedgerEntry.objects.filter(item=self.item, location_id=location_id)
            if (entries.aggregate(q=Sum("quantity"))["q"] or ZERO) != 0:
                continue
            stored = ValueEntry.objects.filter(
                item=self.item, location_id=location_id, item_ledger_entry__isnull=False
            ).aggregate(e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual"))
            residue = (stored["e"] or ZERO) + (stored["a"] or ZERO)
            residue += sum(
                (
                    amount
                    for pending in (self.ledger.pending, self.ledger.pending_rounding)
                    for pk, amount in pending.items()
                    if self.ledger.entries[pk].location_id == location_id
                ),
                ZERO,
            )
            if not residue:
                continue
            last = entries.filter(quantity__lt=0).order_by("-id").values_list("pk", flat=True)
            last_id = last.first()
            if last_id is None:
                continue
            self.ledger.load([last_id])
            self.adjust_rounding(last_id, -residue)

    # ---------------------------------------------------------------- write

    def write(self) -> None:
        self.clear_residues()
        self._write_rounding()
        entries = [self.ledger.entries[pk] for pk in sorted(self.adjustments)]
        firsts: dict[int, dict] = {}
        for row in (
            ValueEntry.objects.filter(item_ledger_entry_id__in=[e.pk for e in entries])
            .order_by("id")
            .values(
                "id",
                "item_ledger_entry_id",
                "cost_group_id",
                "wip_posting_group_id",
                "wip_location_id",
            )
        ):
            firsts.setdefault(row["item_ledger_entry_id"], row)
        for entry in entries:
            amount = self.adjustments[entry.pk]
            if not amount:
                continue
            first = firsts.get(entry.pk, {})
            self.batch.add(
                new_value_entry(
                    entry,
                    cost_amount_actual=amount,
                    cost_per_unit=round_unit_cost(amount / entry.quantity),
                    valued_quantity=entry.quantity,
                    applies_to_entry_id=first.get("id"),
                    cost_group_id=first.get("cost_group_id", self.item.cost_group_id),
                    wip_posting_group_id=first.get("wip_posting_group_id"),
                    wip_location_id=first.get("wip_location_id"),
                    description="Adjust Cost",
                ),
                valuation_date=entry.posting_date,
            )

    def _write_rounding(self) -> None:
        for entry_id in sorted(self.rounding_adjustments):
            amount = self.rounding_adjustments[entry_id]
            if not amount:
                continue
            entry = self.ledger.entries[entry_id]
            self.batch.add(
                new_value_entry(
                    entry,
                    entry_type=ValueEntry.EntryType.ROUNDING,
                    cost_amount_actual=amount,
                    valued_quantity=ZERO,
                    description="Adjust Cost: rounding",
                ),
                valuation_date=entry.posting_date,
            )


@transaction.atomic
def item_costs_forward(
    *, item_id: int, calendar: PostingCalendar, source_key: str
) -> ForwardResult:
    """Forward the marked cost changes of one item (one transaction; see the module doc)."""
    if not unit_claim(ITEM_LOCK, item_id):
        return ForwardResult(skipped=True)
    item = Item.objects.select_for_update().get(pk=item_id)
    marks = list(CostAdjustmentMark.objects.filter(item_id=item_id))
    if not marks:
        return ForwardResult()
    batch = AdjustmentBatch(
        calendar=calendar,
        source_key=f"{source_key}:item:{item_id}",
        description=f"Adjust Cost {item.number}",
    )
    forwarder = _Forwarder(item, batch)
    if item.costing_method == METHOD.FIFO:
        forwarder.fifo(_marked_inbound_entries(item, marks))
    elif item.costing_method == METHOD.AVERAGE:
        forwarder.average(_marked_locations(item, marks))
    forwarder.write()
    posted = batch.post()
    order_ids = set(
        ProductionOrder.objects.filter(number__in=forwarder.order_numbers).values_list(
            "pk", flat=True
        )
    )
    CostAdjustmentMark.objects.bulk_create(CostAdjustmentMark(order_id=pk) for pk in order_ids)
    CostAdjustmentMark.objects.filter(pk__in=[m.pk for m in marks]).delete()
    if posted:
        item_unit_cost_update(item=item)
    return ForwardResult(worked=True, value_entries=posted, order_ids=order_ids)


def _marked_inbound_entries(item: Item, marks: list[CostAdjustmentMark]) -> set[int]:
    entries = {m.item_ledger_entry_id for m in marks if m.item_ledger_entry_id}
    open_ended = [m for m in marks if not m.item_ledger_entry_id]
    if open_ended:
        condition = Q()
        for mark in open_ended:
            part = Q(posting_date__gte=mark.from_date)
            if mark.location_id:
                part &= Q(location_id=mark.location_id)
            condition |= part
        entries |= set(
            ItemLedgerEntry.objects.filter(condition, item=item, quantity__gt=0).values_list(
                "pk", flat=True
            )
        )
    return entries


def _marked_locations(item: Item, marks: list[CostAdjustmentMark]) -> dict[int, dt.date]:
    """Location -> the earliest date to re-average it from (a mark without a location means
    every location with entries from its date)."""
    dates: dict[int, dt.date] = {}

    def earliest(location_id: int, date: dt.date) -> None:
        if location_id not in dates or date < dates[location_id]:
            dates[location_id] = date

    everywhere = [m.from_date for m in marks if not m.location_id]
    if everywhere:
        since = min(everywhere)
        for location_id in (
            ItemLedgerEntry.objects.filter(item=item, posting_date__gte=since)
            .values_list("location_id", flat=True)
            .distinct()
        ):
            earliest(location_id, since)
    for mark in marks:
        if mark.location_id:
            earliest(mark.location_id, mark.from_date)
    return dates
