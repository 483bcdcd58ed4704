"""Inventory postings: receipts, invoices, sales, adjustments, transfers, revaluation.

Every service here is a transaction and is idempotent on ``source_key``. It locks the item row
first (``select_for_update``), so postings on one item are serialised and a quantity can never be
taken twice; postings on different items run in parallel. Item ledger entries, value entries and
the journal entry that carries them to the general ledger are written together or not at all.

Valuation at posting time (see docs/inventory.md for the full rules):

* FIFO: an outbound entry takes the oldest open inbound entries (by posting date, then entry
  number) and costs each applied quantity at that inbound entry's current unit cost.
* Average: an outbound entry costs the average unit cost of its item at its location as of its
  posting date: value of the value entries valued on or before that date / quantity of the item
  ledger entries posted on or before it (the outbound entry itself left out). A back-dated inbound
  entry changes the average of its date and later ones; outbound entries already posted on or
  after its date keep their cost until Adjust Cost corrects them with new value entries. A
  back-dated outbound entry sees only what was posted on or before its date.
* Standard: every movement is valued at the item's standard cost; a purchase invoice at another
  price posts the difference as purchase price variance.

An outbound entry that cannot be covered is refused, unless the item allows negative stock: then
the uncovered part stays open (negative remaining quantity) and is valued provisionally (its own
value entry, ``uncovered``) at the location's average or the item's unit cost. The next inbound
entry at that location is applied to it and corrects the covered quantity to its own unit cost
with a value entry on the outbound entry, posted with the inbound document.

Amounts are rounded once per value entry. When a posting leaves zero quantity at a location, the
value still there (a rounding residue) is posted as a rounding value entry on the entry that
emptied it, so zero quantity always has zero value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ledger.models import Account, CostCenter, CostObject, Period
from ledger.services import LineDraft, journal_entry_post, open_period_for_date
from mfgcost.core import idempotency
from mfgcost.core.errors import BusinessError
from mfgcost.core.idempotency import posting_request_check
from mfgcost.core.money import (
    ZERO,
    amount_fits,
    round_amount,
    round_unit_cost,
    split_amount,
    to_decimal,
)
from mfgcost.items.models import CostGroup, Item

from .links import posting_setup_change_check
from .locks import items_lock
from .models import (
    CapacityLedgerEntry,
    InventoryPosting,
    InventoryPostingSetup,
    ItemApplication,
    ItemLedgerEntry,
    Location,
    ValueEntry,
)
from .posting import EntryKey, SetupResolver, entry_lines

NOT_ALLOWED = Account.DimensionRule.NOT_ALLOWED

ILE = ItemLedgerEntry.EntryType
VE = ValueEntry.EntryType
METHOD = Item.CostingMethod
INVENTORY_JOURNAL = "INV"
ZERO_DEC = Value(Decimal("0"))


@dataclass
class PostingResult:
    """What one posting wrote (or, on a repeat of its key, had written the first time)."""

    posting: InventoryPosting
    created: bool
    item_entries: list[ItemLedgerEntry] = field(default_factory=list)
    value_entries: list[ValueEntry] = field(default_factory=list)

    @classmethod
    def existing(cls, posting: InventoryPosting) -> PostingResult:
        return cls(
            posting=posting,
            created=False,
            item_entries=list(posting.item_entries.order_by("id")),
            value_entries=list(posting.value_entries.order_by("id")),
        )


# --------------------------------------------------------------------------- input checks


def clean_quantity(
    value: object, *, field_name: str = "quantity", allow_zero: bool = False
) -> Decimal:
    """A quantity as Decimal with at most six places; positive unless ``allow_zero``."""
    try:
        quantity = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise BusinessError(f"{value!r} is not a valid quantity.", field=field_name) from exc
    if quantity.as_tuple().exponent < -6:  # type: ignore[operator]
        raise BusinessError("A quantity has at most six decimal places.", field=field_name)
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise BusinessError("The quantity must be greater than zero.", field=field_name)
    return quantity


def clean_unit_cost(value: object, *, field_name: str = "unit_cost") -> Decimal:
    try:
        cost = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise BusinessError(f"{value!r} is not a valid amount.", field=field_name) from exc
    if cost < 0:
        raise BusinessError("A unit cost cannot be negative.", field=field_name)
    if cost.as_tuple().exponent < -6:  # type: ignore[operator]
        raise BusinessError("A unit cost has at most six decimal places.", field=field_name)
    return cost


def amount_check(quantity: Decimal, unit_cost: Decimal, *, field_name: str = "quantity") -> None:
    """Refuse a quantity whose amount (quantity x unit cost) does not fit an amount field."""
    if not amount_fits(quantity * unit_cost):
        raise BusinessError(
            f"{quantity.normalize():f} x {unit_cost.normalize():f} is too large an amount: an "
            "amount has at most 18 digits before the point.",
            field=field_name,
        )


def posting_digest(*, kind: str, user=None, **values: object) -> str:
    """The digest of a posting request: its kind, its normalised inputs and who asked."""
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    return idempotency.request_digest(kind=kind, user=user_id, **values)


def _check_location(location: Location, *, field_name: str = "location") -> None:
    if location.blocked:
        raise BusinessError(f"Location {location} is blocked.", field=field_name)


def _lock_item(item: Item, *, field_name: str = "item") -> Item:
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if locked.blocked:
        raise BusinessError(f"Item {locked} is blocked.", field=field_name)
    if not locked.is_stocked:
        raise BusinessError(f"Item {locked} is a service and has no stock.", field=field_name)
    return locked


def lock_items(items: list[Item]) -> dict[int, Item]:
    """Lock several items in primary-key order (the last step of ``locks``' order)."""
    return items_lock(items)


def begin_posting(
    *,
    source_key: str,
    kind: str,
    posting_date: dt.date,
    document_no: str = "",
    request_digest: str = "",
) -> tuple[InventoryPosting, bool]:
    """Insert the posting record for ``source_key``; return (record, created).

    A concurrent transaction with the same key blocks on the unique index until the first
    commits, then finds its record: the work is done once. A record found under the key must
    be of the same ``kind`` and, when both have one, of the same ``request_digest`` (see
    ``mfgcost.core.idempotency``); otherwise the key belongs to another document and the call
    is refused with ``DocumentKeyReused`` naming ``source_key``.
    """
    if not source_key:
        raise BusinessError("A source key is required.", field="source_key")
    existing = InventoryPosting.objects.filter(source_key=source_key).first()
    if existing is None:
        try:
            with transaction.atomic():
                return InventoryPosting.objects.create(
                    source_key=source_key,
                    kind=kind,
                    posting_date=posting_date,
                    document_no=document_no,
                    request_digest=request_digest,
                ), True
        except IntegrityError:
            existing = InventoryPosting.objects.get(source_key=source_key)
    posting_request_check(
        source_key=source_key,
        stored_kind=existing.kind,
        kind=kind,
        stored_digest=existing.request_digest,
        digest=request_digest,
    )
    return existing, False


# --------------------------------------------------------------------------- posting setup


@transaction.atomic
def inventory_posting_setup_save(
    *, setup: InventoryPostingSetup | None = None, **values
) -> InventoryPostingSetup:
    """Create or change an inventory posting setup row.

    Refused (400 naming the field) when it would move entries already posted to other
    accounts (``links.posting_setup_change_check``).
    """
    setup = setup if setup is not None else InventoryPostingSetup()
    for name, value in values.items():
        setattr(setup, name, value)
    posting_setup_change_check(setup=setup)
    setup.save()
    return setup


@transaction.atomic
def inventory_posting_setup_delete(*, setup: InventoryPostingSetup) -> None:
    """Delete a setup row; a row that posted entries resolve through is a 409."""
    posting_setup_change_check(setup=setup, deleting=True)
    setup.delete()


# --------------------------------------------------------------------------- valuation helpers


def entry_values(entry_ids: list[int]) -> dict[int, Decimal]:
    """Current total value (expected + actual) of item ledger entries."""
    rows = (
        ValueEntry.objects.filter(item_ledger_entry_id__in=entry_ids)
        .values("item_ledger_entry_id")
        .annotate(
            total=Coalesce(Sum("cost_amount_expected"), ZERO_DEC)
            + Coalesce(Sum("cost_amount_actual"), ZERO_DEC)
        )
    )
    values = {row["item_ledger_entry_id"]: row["total"] for row in rows}
    return {pk: values.get(pk, ZERO) for pk in entry_ids}


def average_unit_cost(
    item: Item,
    as_of: dt.date,
    *,
    exclude_entry_id: int | None = None,
    location: Location | None = None,
) -> Decimal | None:
    """Average unit cost of ``item`` (at ``location``, or all locations) as of ``as_of``.

    Value of the value entries valued on or before ``as_of`` divided by the quantity of the item
    ledger entries posted on or before it; None when that quantity is not positive.
    ``exclude_entry_id`` leaves out the outbound entry being valued: it is already written but
    has no value yet, and must not dilute the average it is valued at.
    """
    entries = ItemLedgerEntry.objects.filter(item=item, posting_date__lte=as_of)
    values = ValueEntry.objects.filter(
        item=item, item_ledger_entry__isnull=False, valuation_date__lte=as_of
    )
    if location is not None:
        entries = entries.filter(location=location)
        values = values.filter(location=location)
    quantity = entries.exclude(pk=exclude_entry_id).aggregate(
        q=Coalesce(Sum("quantity"), ZERO_DEC)
    )["q"]
    if quantity <= 0:
        return None
    value = values.aggregate(
        v=Coalesce(Sum("cost_amount_expected"), ZERO_DEC)
        + Coalesce(Sum("cost_amount_actual"), ZERO_DEC)
    )["v"]
    return value / quantity


def on_hand(item: Item, location: Location | None = None) -> Decimal:
    entries = ItemLedgerEntry.objects.filter(item=item)
    if location is not None:
        entries = entries.filter(location=location)
    return entries.aggregate(q=Coalesce(Sum("quantity"), ZERO_DEC))["q"]


def _location_value(item: Item, location: Location) -> Decimal:
    return ValueEntry.objects.filter(
        item=item, location=location, item_ledger_entry__isnull=False
    ).aggregate(
        v=Coalesce(Sum("cost_amount_expected"), ZERO_DEC)
        + Coalesce(Sum("cost_amount_actual"), ZERO_DEC)
    )["v"]


def inbound_unit_cost(
    item: Item, unit_cost: Decimal | None, *, field_name: str = "unit_cost"
) -> Decimal:
    """Unit cost of a new inbound entry: standard for standard items, else the given cost."""
    if item.costing_method == METHOD.STANDARD:
        return item.standard_cost
    if unit_cost is None:
        return item.unit_cost
    return clean_unit_cost(unit_cost, field_name=field_name)


# --------------------------------------------------------------------------- building blocks


def _new_item_entry(
    *,
    posting: InventoryPosting,
    item: Item,
    location: Location,
    entry_type: str,
    posting_date: dt.date,
    quantity: Decimal,
    document_no: str = "",
    description: str = "",
    order_type: str = "",
    order_no: str = "",
    order_line: int | None = None,
    transfer_from_entry: ItemLedgerEntry | None = None,
) -> ItemLedgerEntry:
    return ItemLedgerEntry.objects.create(
        posting=posting,
        item=item,
        location=location,
        entry_type=entry_type,
        posting_date=posting_date,
        document_no=document_no,
        description=description,
        quantity=quantity,
        remaining_quantity=quantity,
        order_type=order_type,
        order_no=order_no,
        order_line=order_line,
        transfer_from_entry=transfer_from_entry,
    )


def new_value_entry(entry: ItemLedgerEntry, **fields) -> ValueEntry:
    """An unsaved value entry for an item ledger entry, with the item's own keys filled in."""
    fields.setdefault("posting_date", entry.posting_date)
    fields.setdefault("valuation_date", fields["posting_date"])
    fields.setdefault("valued_quantity", entry.quantity)
    fields.setdefault("entry_type", VE.DIRECT_COST)
    fields.setdefault("cost_group_id", entry.item.cost_group_id)
    fields.setdefault("order_type", entry.order_type)
    fields.setdefault("order_no", entry.order_no)
    return ValueEntry(
        item_ledger_entry=entry,
        item=entry.item,
        location=entry.location,
        posting_group_id=entry.item.posting_group_id,
        item_ledger_entry_type=entry.entry_type,
        **fields,
    )


def apply_inbound_to_open_outbound(entry: ItemLedgerEntry) -> list[tuple[ItemLedgerEntry, Decimal]]:
    """Cover open (negative-stock) outbound entries at the location with a new inbound entry.

    Returns the outbound entries covered and the quantity each took, oldest first. The cost is
    not touched here; ``cover_open_outbound`` also corrects it.
    """
    open_outbound = ItemLedgerEntry.objects.filter(
        item_id=entry.item_id, location_id=entry.location_id, remaining_quantity__lt=0
    ).order_by("posting_date", "id")
    left = entry.remaining_quantity
    covered: list[tuple[ItemLedgerEntry, Decimal]] = []
    for outbound in open_outbound:
        if left <= 0:
            break
        take = min(left, -outbound.remaining_quantity)
        ItemApplication.objects.create(
            inbound_entry=entry,
            outbound_entry=outbound,
            quantity=take,
            posting_date=entry.posting_date,
        )
        ItemLedgerEntry.objects.filter(pk=outbound.pk).update(
            remaining_quantity=F("remaining_quantity") + take
        )
        covered.append((outbound, take))
        left -= take
    if left != entry.remaining_quantity:
        ItemLedgerEntry.objects.filter(pk=entry.pk).update(remaining_quantity=left)
        entry.remaining_quantity = left
    return covered


def cover_open_outbound(entry: ItemLedgerEntry, *, unit_cost: Decimal) -> list[ValueEntry]:
    """Apply a new inbound entry to open outbound entries and correct their provisional cost.

    The quantity each outbound entry took beyond stock was valued at a provisional unit cost (its
    ``uncovered`` value entry; without one, the outbound entry's own unit cost so far). The
    covered quantity is revalued to ``unit_cost``, the inbound entry's: one unsaved value entry
    per outbound entry, dated like the inbound document (valued at the outbound's date), to post
    together with the inbound entry's own value.
    """
    covered = apply_inbound_to_open_outbound(entry)
    if not covered:
        return []
    outbound_ids = [outbound.pk for outbound, _ in covered]
    # The outbound entry's own value entries: the provisional one (or else its first, for the
    # WIP side a consumption carries), walked oldest first.
    templates: dict[int, ValueEntry] = {}
    for value in ValueEntry.objects.filter(item_ledger_entry_id__in=outbound_ids).order_by("id"):
        current = templates.get(value.item_ledger_entry_id)
        if current is None or (value.uncovered and not current.uncovered):
            templates[value.item_ledger_entry_id] = value
    values = entry_values(outbound_ids)
    corrections = []
    for outbound, take in covered:
        outbound.item, outbound.location = entry.item, entry.location
        template = templates.get(outbound.pk)
        uncovered = template if template is not None and template.uncovered else None
        if uncovered is not None:
            provisional_unit = uncovered.cost_per_unit
        else:
            provisional_unit = values[outbound.pk] / outbound.quantity
        amount = round_amount(provisional_unit * take) - round_amount(unit_cost * take)
        if amount:
            corrections.append(
                new_value_entry(
                    outbound,
                    posting_date=entry.posting_date,
                    valuation_date=outbound.posting_date,
                    valued_quantity=-take,
                    cost_amount_actual=amount,
                    cost_per_unit=unit_cost,
                    applies_to_entry=uncovered,
                    wip_posting_group_id=template.wip_posting_group_id if template else None,
                    wip_location_id=template.wip_location_id if template else None,
                    description=f"Negative stock covered by entry {entry.pk}",
                )
            )
    return corrections


@dataclass(frozen=True)
class OutboundCost:
    """The cost of an outbound entry: the part taken from stock and the part taken beyond it."""

    covered_quantity: Decimal
    covered_cost: Decimal
    uncovered_quantity: Decimal
    provisional_unit_cost: Decimal

    @property
    def uncovered_cost(self) -> Decimal:
        return self.provisional_unit_cost * self.uncovered_quantity

    @property
    def total(self) -> Decimal:
        return self.covered_cost + self.uncovered_cost


def _provisional_unit_cost(item: Item, average: Decimal | None) -> Decimal:
    """Unit cost for quantity taken beyond stock, until an inbound entry covers it."""
    if item.costing_method == METHOD.STANDARD:
        return item.standard_cost
    if average is not None:
        return average
    return item.unit_cost or item.last_direct_cost


def apply_outbound_split(
    entry: ItemLedgerEntry, *, field_name: str = "quantity", negative_stock: bool = True
) -> OutboundCost:
    """Take ``-entry.quantity`` from open inbound entries at its location, oldest first.

    FIFO items cost each applied quantity at its inbound entry's current unit value (unrounded);
    average items at the location's average as of the entry's date; standard items at standard.
    A quantity beyond stock is refused unless the item allows negative stock (and
    ``negative_stock`` is left on); then it stays open on the entry and is costed at the
    provisional unit cost.
    """
    item = entry.item
    wanted = -entry.quantity
    open_inbound = list(
        ItemLedgerEntry.objects.filter(
            item_id=item.pk, location_id=entry.location_id, remaining_quantity__gt=0
        ).order_by("posting_date", "id")
    )
    applications: list[tuple[ItemLedgerEntry, Decimal]] = []
    left = wanted
    for inbound in open_inbound:
        if left <= 0:
            break
        take = min(left, inbound.remaining_quantity)
        applications.append((inbound, take))
        left -= take
    if left > 0 and not (item.allow_negative_stock and negative_stock):
        available = wanted - left
        raise BusinessError(
            f"Only {available.normalize():f} of item {item} on hand at {entry.location}; "
            f"{wanted.normalize():f} requested.",
            field=field_name,
            code="insufficient_stock",
        )
    ItemApplication.objects.bulk_create(
        ItemApplication(
            inbound_entry=inbound,
            outbound_entry=entry,
            quantity=take,
            posting_date=entry.posting_date,
        )
        for inbound, take in applications
    )
    for inbound, take in applications:
        ItemLedgerEntry.objects.filter(pk=inbound.pk).update(
            remaining_quantity=F("remaining_quantity") - take
        )
    ItemLedgerEntry.objects.filter(pk=entry.pk).update(remaining_quantity=-left)
    entry.remaining_quantity = -left
    covered = wanted - left

    average = None
    if item.costing_method == METHOD.AVERAGE:
        average = average_unit_cost(
            item, entry.posting_date, exclude_entry_id=entry.pk, location=entry.location
        )
    provisional = _provisional_unit_cost(item, average)
    if item.costing_method == METHOD.FIFO:
        values = entry_values([inbound.pk for inbound, _ in applications])
        covered_cost = sum(
            (values[inbound.pk] * take / inbound.quantity for inbound, take in applications), ZERO
        )
    else:
        covered_cost = provisional * covered
    return OutboundCost(
        covered_quantity=covered,
        covered_cost=covered_cost,
        uncovered_quantity=left,
        provisional_unit_cost=provisional,
    )


def apply_outbound(entry: ItemLedgerEntry, *, field_name: str = "quantity") -> Decimal:
    """Take ``-entry.quantity`` from open inbound entries; return the cost of what was taken.

    Returns the unrounded cost for FIFO items (the uncovered part valued at the provisional unit
    cost), and the rounded cost for average and standard items. ``apply_outbound_split`` keeps
    the parts apart (see ``outbound_value_entries``).
    """
    cost = apply_outbound_split(entry, field_name=field_name)
    if entry.item.costing_method == METHOD.FIFO:
        return cost.total
    return round_amount(cost.total)


def outbound_value_entries(
    entry: ItemLedgerEntry, cost: OutboundCost, **fields
) -> list[ValueEntry]:
    """Unsaved value entries for an outbound entry: what came from stock, and apart from it the
    provisional value of what was taken beyond stock (``uncovered``)."""
    entries = []
    if cost.covered_quantity:
        amount = round_amount(cost.covered_cost)
        entries.append(
            new_value_entry(
                entry,
                valued_quantity=-cost.covered_quantity,
                cost_amount_actual=-amount,
                cost_per_unit=round_unit_cost(amount / cost.covered_quantity),
                **fields,
            )
        )
    if cost.uncovered_quantity:
        entries.append(
            new_value_entry(
                entry,
                valued_quantity=-cost.uncovered_quantity,
                cost_amount_actual=-round_amount(cost.uncovered_cost),
                cost_per_unit=round_unit_cost(cost.provisional_unit_cost),
                uncovered=True,
                **fields,
            )
        )
    return entries


def rounding_entry_if_empty(entry: ItemLedgerEntry, pending: list[ValueEntry]) -> ValueEntry | None:
    """A rounding value entry when ``entry`` leaves no quantity at its location but some value.

    ``pending`` are the value entries of the same posting, not yet written. The residue is
    normally a few cents of rounding; it is larger only when a cost change has not yet been
    forwarded to the outbound entries (Adjust Cost's work), and then it is cleared all the same,
    so that zero quantity always carries zero value.
    """
    if on_hand(entry.item, entry.location) != 0:
        return None
    residue = _location_value(entry.item, entry.location) + sum(
        (
            ve.cost_amount
            for ve in pending
            if ve.location_id == entry.location_id and ve.item_id == entry.item_id
        ),
        ZERO,
    )
    if residue == 0:
        return None
    return new_value_entry(
        entry,
        entry_type=VE.ROUNDING,
        valued_quantity=ZERO,
        cost_amount_actual=-residue,
        description="Rounding: zero quantity carries zero value",
    )


def _cover_and_round(
    entry: ItemLedgerEntry, *, unit_cost: Decimal, pending: list[ValueEntry]
) -> list[ValueEntry]:
    """Corrections for the negative stock a new inbound entry covers, and the rounding entry if
    that leaves its location at zero quantity."""
    corrections = cover_open_outbound(entry, unit_cost=unit_cost)
    if not corrections:
        return []
    rounding = rounding_entry_if_empty(entry, pending + corrections)
    return corrections + ([rounding] if rounding is not None else [])


def _capacity_cost_centers(entries: list[ValueEntry]) -> dict[int, CostCenter]:
    """The cost centre of the work centre each capacity entry ran at, by capacity entry id
    (two queries for the whole posting, none without capacity entries)."""
    ids = {e.capacity_ledger_entry_id for e in entries if e.capacity_ledger_entry_id}
    if not ids:
        return {}
    pairs = dict(
        CapacityLedgerEntry.objects.filter(
            pk__in=ids, work_center__cost_center__isnull=False
        ).values_list("pk", "work_center__cost_center")
    )
    if not pairs:
        return {}
    centers = CostCenter.objects.in_bulk(set(pairs.values()))
    return {entry: centers[cc] for entry, cc in pairs.items()}


def post_value_entries(
    *,
    posting: InventoryPosting,
    entries: list[ValueEntry],
    description: str = "",
    journal: str = INVENTORY_JOURNAL,
    user=None,
    period: Period | None = None,
    cost_object: CostObject | None = None,
) -> list[ValueEntry]:
    """Write value entries and their journal entry (one per posting) in the general ledger.

    Profit-and-loss lines of production value entries carry dimensions: ``cost_object`` (the
    produced item's) and, for capacity, the cost centre of the work centre it ran at.

    ``posting`` must have been begun (created by ``begin_posting``) in this transaction: its
    journal entry's key is derived from the posting's own unique key, so no entry can carry it
    yet and the ledger need not look for one. ``period`` is the period the service took with
    ``open_period_for_date``, passed on so the ledger does not lock and read it again.
    """
    for entry in entries:
        if not (amount_fits(entry.cost_amount_expected) and amount_fits(entry.cost_amount_actual)):
            # A backstop for amounts the services did not check at their inputs: the
            # quantity is what makes an amount too large for its field.
            raise BusinessError(
                "The amount of this posting is too large: an amount has at most 18 digits "
                "before the point.",
                field="quantity",
            )
    setup = SetupResolver()
    # Only a capacity entry's accounts depend on its cost group's type (``entry_lines``), so
    # postings of item entries alone need not read the cost groups.
    group_ids = {
        e.cost_group_id for e in entries if e.cost_group_id and not e.item_ledger_entry_type
    }
    group_types = (
        dict(CostGroup.objects.filter(pk__in=group_ids).values_list("pk", "group_type"))
        if group_ids
        else {}
    )
    debits: dict = defaultdict(Decimal)
    credits: dict = defaultdict(Decimal)
    centers = _capacity_cost_centers(entries)
    for entry in entries:
        key = EntryKey.of(entry, group_types.get(entry.cost_group_id, ""))
        production = entry.wip_location_id is not None
        center = centers.get(entry.capacity_ledger_entry_id)
        for account, amount in entry_lines(
            key, entry.cost_amount_expected, entry.cost_amount_actual, setup
        ):
            dims = (None, None)
            if production and account.statement == Account.Statement.PROFIT_AND_LOSS:
                dims = (
                    center if account.cost_center_rule != NOT_ALLOWED else None,
                    cost_object if account.cost_object_rule != NOT_ALLOWED else None,
                )
            if amount > 0:
                debits[(account, *dims)] += amount
            elif amount < 0:
                credits[(account, *dims)] += amount
    if not all(amount_fits(v) for v in (*debits.values(), *credits.values())):
        raise BusinessError(
            "The amount of this posting is too large: an amount has at most 18 digits before "
            "the point.",
            field="quantity",
        )
    drafts = [
        LineDraft(account=a, amount=v, cost_center=cc, cost_object=co)
        for (a, cc, co), v in list(debits.items()) + list(credits.items())
    ]
    journal_entry = None
    if drafts:
        journal_entry = journal_entry_post(
            journal=journal,
            posting_date=posting.posting_date,
            source_key=f"inventory:{posting.source_key}",
            lines=sorted(
                drafts,
                key=lambda d: (
                    d.amount < 0,
                    d.account.number,
                    d.cost_center.code if d.cost_center else "",
                    d.cost_object.code if d.cost_object else "",
                ),
            ),
            description=description or f"{posting.kind} {posting.document_no}".strip(),
            user=user,
            period=period,
            source_key_claimed=True,
        )
        InventoryPosting.objects.filter(pk=posting.pk).update(journal_entry=journal_entry)
        posting.journal_entry = journal_entry
    for entry in entries:
        entry.posting = posting
        if entry.cost_amount_expected or entry.cost_amount_actual:
            entry.journal_entry = journal_entry
    return ValueEntry.objects.bulk_create(entries)


def _stock_quantity_and_value(item: Item) -> tuple[Decimal, Decimal]:
    """Everything posted on ``item``: its quantity and the value of its item entries.

    The two sums of ``average_unit_cost`` with no date limit, read in one statement.
    """
    quantity = (
        ItemLedgerEntry.objects.filter(item_id=OuterRef("pk"))
        .values("item_id")
        .annotate(q=Sum("quantity"))
        .values("q")
    )
    value = (
        ValueEntry.objects.filter(item_id=OuterRef("pk"), item_ledger_entry__isnull=False)
        .values("item_id")
        .annotate(
            v=Coalesce(Sum("cost_amount_expected"), ZERO_DEC)
            + Coalesce(Sum("cost_amount_actual"), ZERO_DEC)
        )
        .values("v")
    )
    row = (
        Item.objects.filter(pk=item.pk)
        .values(q=Coalesce(Subquery(quantity), ZERO_DEC), v=Coalesce(Subquery(value), ZERO_DEC))
        .get()
    )
    return row["q"], row["v"]


def item_unit_cost_update(*, item: Item, last_direct_cost: Decimal | None = None) -> None:
    """Set a FIFO or average item's unit cost to the value of its stock / its quantity.

    Everything posted counts, whatever its date (a back-dated entry must not set the current
    unit cost to an old date's). Without stock the last unit cost stays. Standard items keep
    their standard. ``last_direct_cost`` (a purchase's price) is set in the same UPDATE.
    """
    fields = {} if last_direct_cost is None else {"last_direct_cost": last_direct_cost}
    if item.costing_method != METHOD.STANDARD:
        quantity, value = _stock_quantity_and_value(item)
        if quantity > 0:
            fields["unit_cost"] = round_unit_cost(value / quantity)
    if fields:
        Item.objects.filter(pk=item.pk).update(**fields)


# --------------------------------------------------------------------------- documents


@transaction.atomic
def purchase_receipt_post(
    *,
    item: Item,
    location: Location,
    quantity: object,
    unit_cost: object,
    posting_date: dt.date,
    source_key: str,
    document_no: str = "",
    user=None,
) -> PostingResult:
    """Receive purchased goods at expected cost (the order price; standard for standard items)."""
    quantity = clean_quantity(quantity)
    cost = clean_unit_cost(unit_cost)
    amount_check(quantity, cost)
    posting, created = begin_posting(
        source_key=source_key,
        kind="purchase_receipt",
        posting_date=posting_date,
        document_no=document_no,
        request_digest=posting_digest(
            kind="purchase_receipt",
            user=user,
            item=item,
            location=location,
            quantity=quantity,
            unit_cost=cost,
            posting_date=posting_date,
            document_no=document_no,
        ),
    )
    if not created:
        return PostingResult.existing(posting)
    period = open_period_for_date(posting_date)
    _check_location(location)
    item = _lock_item(item)
    entry = _new_item_entry(
        posting=posting,
        item=item,
        location=location,
        entry_type=ILE.PURCHASE,
        posting_date=posting_date,
        quantity=quantity,
        document_no=document_no,
    )
    expected_unit = item.standard_cost if item.costing_method == METHOD.STANDARD else cost
    entries = [
        new_value_entry(
            entry,
            cost_amount_expected=round_amount(expected_unit * quantity),
            cost_per_unit=expected_unit,
            description=f"Receipt {document_no}".strip(),
        )
    ]
    entries += _cover_and_round(entry, unit_cost=expected_unit, pending=entries)
    values = post_value_entries(posting=posting, entries=entries, user=user, period=period)
    item_unit_cost_update(item=item, last_direct_cost=cost)
    return PostingResult(posting=posting, created=True, item_entries=[entry], value_entries=values)


@transaction.atomic
def purchase_invoice_post(
    *,
    receipt_entry: ItemLedgerEntry,
    quantity: object,
    unit_price: object,
    posting_date: dt.date,
    source_key: str,
    document_no: str = "",
    user=None,
) -> PostingResult:
    """Invoice (part of) a receipt: replace its expected cost by the actual price.

    For standard items the difference between the price and the standard cost is posted as a
    purchase price variance. For FIFO and average items the receipt's cost changes; outbound
    entries already applied to it are corrected by Adjust Cost.
    """
    quantity = clean_quantity(quantity)
    price = clean_unit_cost(unit_price, field_name="unit_price")
    amount_check(quantity, price)
    posting, created = begin_posting(
        source_key=source_key,
        kind="purchase_invoice",
        posting_date=posting_date,
        document_no=document_no,
        request_digest=posting_digest(
            kind="purchase_invoice",
            user=user,
            receipt_entry=receipt_entry,
            quantity=quantity,
            unit_price=price,
            posting_date=posting_date,
            document_no=document_no,
        ),
    )
    if not created:
        return PostingResult.existing(posting)
    period = open_period_for_date(posting_date)
    if receipt_entry.entry_type != ILE.PURCHASE:
        raise BusinessError("Only purchase receipts can be invoiced.", field="receipt_entry")
    item = _lock_item(receipt_entry.item)
    totals = ValueEntry.objects.filter(item_ledger_entry=receipt_entry).aggregate(
        invoiced=Coalesce(Sum("invoiced_quantity"), ZERO_DEC),
        expected=Coalesce(Sum("cost_amount_expected"), ZERO_DEC),
    )
    uninvoiced = receipt_entry.quantity - totals["invoiced"]
    if quantity > uninvoiced:
        raise BusinessError(
            f"Only {uninvoiced.normalize():f} of receipt {receipt_entry.pk} is not yet invoiced.",
            field="quantity",
        )
    if quantity == uninvoiced:
        reverse_expected = totals["expected"]
    else:
        reverse_expected = round_amount(totals["expected"] * quantity / uninvoiced)
    actual = round_amount(price * quantity)
    receipt_entry.item = item
    entries = [
        new_value_entry(
            receipt_entry,
            posting_date=posting_date,
            valuation_date=receipt_entry.posting_date,
            valued_quantity=quantity,
            invoiced_quantity=quantity,
            cost_amount_expected=-reverse_expected,
            cost_amount_actual=actual,
            cost_per_unit=price,
            description=f"Invoice {document_no}".strip(),
        )
    ]
    if item.costing_method == METHOD.STANDARD:
        # Inventory stays at what the receipt put there (standard, or a revalued standard):
        # the whole difference between the expected cost reversed and the price is variance.
        variance = reverse_expected - actual
        if variance:
            entries.append(
                new_value_entry(
                    receipt_entry,
                    posting_date=posting_date,
                    valuation_date=receipt_entry.posting_date,
                    entry_type=VE.VARIANCE,
                    variance_type=ValueEntry.VarianceType.PURCHASE,
                    valued_quantity=quantity,
                    cost_amount_actual=variance,
                    cost_per_unit=item.standard_cost,
                    description="Purchase price variance",
                )
            )
    values = post_value_entries(posting=posting, entries=entries, user=user, period=period)
    item_unit_cost_update(item=item, last_direct_cost=price)
    return PostingResult(posting=posting, created=True, item_entries=[], value_entries=values)


def _post_outbound(
    *,
    entry_type: str,
    kind: str,
    item: Item,
    location: Location,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    document_no: str,
    user,
) -> PostingResult:
    quantity = clean_quantity(quantity)
    posting, created = begin_posting(
        source_key=source_key,
        kind=kind,
        posting_date=posting_date,
        document_no=document_no,
        request_digest=posting_digest(
            kind=kind,
            user=user,
            item=item,
            location=location,
            quantity=quantity,
            posting_date=posting_date,
            document_no=document_no,
        ),
    )
    if not created:
        return PostingResult.existing(posting)
    period = open_period_for_date(posting_date)
    _check_location(location)
    item = _lock_item(item)
    entry = _new_item_entry(
        posting=posting,
        item=item,
        location=location,
        entry_type=entry_type,
        posting_date=posting_date,
        quantity=-quantity,
        document_no=document_no,
    )
    entries = outbound_value_entries(entry, apply_outbound_split(entry))
    rounding = rounding_entry_if_empty(entry, entries)
    if rounding is not None:
        entries.append(rounding)
    values = post_value_entries(posting=posting, entries=entries, user=user, period=period)
    item_unit_cost_update(item=item)
    return PostingResult(posting=posting, created=True, item_entries=[entry], value_entries=values)


@transaction.atomic
def sale_post(
    *,
    item: Item,
    location: Location,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    document_no: str = "",
    user=None,
) -> PostingResult:
    """Ship sold goods: an outbound entry at cost, to cost of goods sold."""
    return _post_outbound(
        entry_type=ILE.SALE,
        kind="sale",
        item=item,
        location=location,
        quantity=quantity,
        posting_date=posting_date,
        source_key=source_key,
        document_no=document_no,
        user=user,
    )


@transaction.atomic
def negative_adjustment_post(
    *,
    item: Item,
    location: Location,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    document_no: str = "",
    user=None,
) -> PostingResult:
    """Write stock off (count difference, damage): an outbound entry at cost."""
    return _post_outbound(
        entry_type=ILE.NEGATIVE_ADJUSTMENT,
        kind="negative_adjustment",
        item=item,
        location=location,
        quantity=quantity,
        posting_date=posting_date,
        source_key=source_key,
        document_no=document_no,
        user=user,
    )


@transaction.atomic
def positive_adjustment_post(
    *,
    item: Item,
    location: Location,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    unit_cost: object | None = None,
    document_no: str = "",
    user=None,
) -> PostingResult:
    """Add found stock at a unit cost (default: the item's current unit cost; standard items
    always at standard)."""
    quantity = clean_quantity(quantity)
    if unit_cost is not None:
        amount_check(quantity, clean_unit_cost(unit_cost))
    posting, created = begin_posting(
        source_key=source_key,
        kind="positive_adjustment",
        posting_date=posting_date,
        document_no=document_no,
        request_digest=posting_digest(
            kind="positive_adjustment",
            user=user,
            item=item,
            location=location,
            quantity=quantity,
            unit_cost=None if unit_cost is None else clean_unit_cost(unit_cost),
            posting_date=posting_date,
            document_no=document_no,
        ),
    )
    if not created:
        return PostingResult.existing(posting)
    period = open_period_for_date(posting_date)
    _check_location(location)
    item = _lock_item(item)
    cost = inbound_unit_cost(item, unit_cost)
    entry = _new_item_entry(
        posting=posting,
        item=item,
        location=location,
        entry_type=ILE.POSITIVE_ADJUSTMENT,
        posting_date=posting_date,
        quantity=quantity,
        document_no=document_no,
    )
    entries = [
        new_value_entry(entry, cost_amount_actual=round_amount(cost * quantity), cost_per_unit=cost)
    ]
    entries += _cover_and_round(entry, unit_cost=cost, pending=entries)
    values = post_value_entries(posting=posting, entries=entries, user=user, period=period)
    item_unit_cost_update(item=item)
    return PostingResult(posting=posting, created=True, item_entries=[entry], value_entries=values)


@transaction.atomic
def transfer_post(
    *,
    item: Item,
    from_location: Location,
    to_location: Location,
    quantity: object,
    posting_date: dt.date,
    source_key: str,
    document_no: str = "",
    order_type: str = "",
    order_no: str = "",
    user=None,
) -> PostingResult:
    """Move stock between locations; the value moves with it unchanged."""
    quantity = clean_quantity(quantity)
    if from_location.pk == to_location.pk:
        raise BusinessError("The destination must differ from the source.", field="to_location")
    posting, created = begin_posting(
        source_key=source_key,
        kind="transfer",
        posting_date=posting_date,
        document_no=document_no,
        request_digest=posting_digest(
            kind="transfer",
            user=user,
            item=item,
            from_location=from_location,
            to_location=to_location,
            quantity=quantity,
            posting_date=posting_date,
            document_no=document_no,
            order_type=order_type,
            order_no=order_no,
        ),
    )
    if not created:
        return PostingResult.existing(posting)
    period = open_period_for_date(posting_date)
    _check_location(from_location, field_name="from_location")
    _check_location(to_location, field_name="to_location")
    item = _lock_item(item)
    outbound = _new_item_entry(
        posting=posting,
        item=item,
        location=from_location,
        entry_type=ILE.TRANSFER,
        posting_date=posting_date,
        quantity=-quantity,
        document_no=document_no,
        order_type=order_type,
        order_no=order_no,
    )
    # A transfer moves only what is there: its value must arrive whole at the destination, and
    # a later correction of a provisional cost would have no account to go to.
    entries = outbound_value_entries(outbound, apply_outbound_split(outbound, negative_stock=False))
    rounding = rounding_entry_if_empty(outbound, entries)
    if rounding is not None:
        entries.append(rounding)
    # The value arriving is exactly the value leaving (rounding at the source stays there).
    cost = -sum((e.cost_amount_actual for e in entries if not e.entry_type == VE.ROUNDING), ZERO)
    inbound = _new_item_entry(
        posting=posting,
        item=item,
        location=to_location,
        entry_type=ILE.TRANSFER,
        posting_date=posting_date,
        quantity=quantity,
        document_no=document_no,
        order_type=order_type,
        order_no=order_no,
        transfer_from_entry=outbound,
    )
    unit = cost / quantity
    arriving = [
        new_value_entry(inbound, cost_amount_actual=cost, cost_per_unit=round_unit_cost(unit))
    ]
    arriving += _cover_and_round(inbound, unit_cost=unit, pending=entries + arriving)
    values = post_value_entries(
        posting=posting, entries=entries + arriving, user=user, period=period
    )
    return PostingResult(
        posting=posting, created=True, item_entries=[outbound, inbound], value_entries=values
    )


@transaction.atomic
def standard_cost_revalue(
    *,
    item: Item,
    new_standard_cost: object,
    posting_date: dt.date,
    source_key: str,
    user=None,
) -> PostingResult:
    """Set a standard-cost item's standard and revalue what is on hand to it.

    Each location's on-hand quantity is revalued to quantity x new standard; the difference to
    its current value is spread over the open inbound entries (the last takes the remainder) as
    revaluation value entries, to inventory and the revaluation account.
    """
    new_cost = clean_unit_cost(new_standard_cost, field_name="standard_cost")
    posting, created = begin_posting(
        source_key=source_key, kind="revaluation", posting_date=posting_date
    )
    if not created:
        return PostingResult.existing(posting)
    period = open_period_for_date(posting_date)
    item = Item.objects.select_for_update().get(pk=item.pk)
    entries: list[ValueEntry] = []
    if item.costing_method == METHOD.STANDARD:
        open_inbound = list(
            ItemLedgerEntry.objects.filter(item=item, remaining_quantity__gt=0)
            .select_related("item", "location")
            .order_by("location_id", "posting_date", "id")
        )
        by_location: dict[int, list[ItemLedgerEntry]] = defaultdict(list)
        for entry in open_inbound:
            by_location[entry.location_id].append(entry)
        values = entry_values([e.pk for e in open_inbound])
        for location_entries in by_location.values():
            current = sum(
                (values[e.pk] * e.remaining_quantity / e.quantity for e in location_entries), ZERO
            )
            quantity = sum((e.remaining_quantity for e in location_entries), ZERO)
            change = round_amount(new_cost * quantity - current)
            if change == 0:
                continue
            shares = split_amount(change, [e.remaining_quantity for e in location_entries])
            for entry, share in zip(location_entries, shares, strict=True):
                if share:
                    entries.append(
                        new_value_entry(
                            entry,
                            posting_date=posting_date,
                            entry_type=VE.REVALUATION,
                            valued_quantity=entry.remaining_quantity,
                            cost_amount_actual=share,
                            cost_per_unit=new_cost,
                            description=f"Standard cost {item.standard_cost} -> {new_cost}",
                        )
                    )
    values_posted = post_value_entries(
        posting=posting, entries=entries, journal="COST", user=user, period=period
    )
    if item.costing_method == METHOD.STANDARD:
        Item.objects.filter(pk=item.pk).update(standard_cost=new_cost, unit_cost=new_cost)
    else:
        Item.objects.filter(pk=item.pk).update(standard_cost=new_cost)
    return PostingResult(posting=posting, created=True, value_entries=values_posted)
