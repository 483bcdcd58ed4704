"""From value entries to general-ledger lines.

``value_entry_lines`` says which accounts a value entry moves and by how much (signed: debit
positive). It is the single source of truth for both the posting services and the reconciliation
report, so the two can only disagree when the general ledger was touched some other way, or the
posting setup changed after the fact -- which is exactly what a reconciliation must show.

| item entry   | value entry type         | debit (positive amount) | credit                   |
| ------------ | ------------------------ | ----------------------- | ------------------------ |
| purchase     | direct cost, expected    | inventory               | inventory accrual        |
| purchase     | direct cost, actual      | inventory               | payables                 |
| purchase     | variance                 | inventory               | purchase price variance  |
| purchase     | rounding                 | inventory               | inventory adjustment     |
| any          | revaluation              | inventory               | revaluation              |
| sale         | direct cost, rounding    | inventory               | COGS                     |
| adjustments  | direct cost, rounding    | inventory               | inventory adjustment     |
| transfer     | direct cost              | inventory (each side)   | -- (the pair balances)   |
| transfer     | rounding                 | inventory               | inventory adjustment     |
| consumption  | any                      | inventory               | WIP                      |
| output       | direct cost, rounding    | inventory               | WIP                      |
| output       | variance                 | inventory               | variance account by type |
| (capacity)   | direct, indirect cost    | WIP                     | applied account by group |
| (capacity)   | variance                 | WIP                     | variance account by type |

When the produced item's general posting setup has both production offset accounts ("production
in the P&L"), consumption posts inventory against the issue offset, output (other than variances)
inventory against the receipt offset, and capacity debits the issue offset instead of WIP: the
WIP account is not used for that item's orders.

Outbound amounts are negative, so the same row reads the other way round for them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from ledger.models import Account, GeneralPostingSetup, ItemPostingGroup
from mfgcost.core.errors import BusinessError

from .models import InventoryPostingSetup, ItemLedgerEntry, Location, ValueEntry

ILE = ItemLedgerEntry.EntryType
VE = ValueEntry.EntryType
VAR = ValueEntry.VarianceType

VARIANCE_ACCOUNT_FIELD = {
    VAR.PURCHASE: "purchase_price_variance_account",
    VAR.MATERIAL: "material_variance_account",
    VAR.CAPACITY: "capacity_variance_account",
    VAR.SUBCONTRACTED: "subcontracted_variance_account",
    VAR.CAPACITY_OVERHEAD: "capacity_overhead_variance_account",
    VAR.MANUFACTURING_OVERHEAD: "manufacturing_overhead_variance_account",
}

APPLIED_ACCOUNT_FIELD = {
    "direct_manufacturing": "direct_cost_applied_account",
    "direct_material": "direct_cost_applied_account",
    "direct_outsourcing": "subcontracting_applied_account",
    "capacity_overhead": "overhead_applied_account",
    "manufacturing_overhead": "overhead_applied_account",
}


def _general_setup_rows() -> list[GeneralPostingSetup]:
    """The general posting setup rows with their accounts, in two queries.

    A ``select_related`` over all the accounts would be one join of over a dozen tables, and
    PostgreSQL spends far longer planning such a join (its genetic optimiser) than running it
    on a table of a few rows: measured at 8-14 ms a posting.
    """
    rows = list(GeneralPostingSetup.objects.all())
    fields = [f for f in GeneralPostingSetup._meta.fields if f.name.endswith("_account")]
    ids = {getattr(row, f.attname) for row in rows for f in fields} - {None}
    accounts = Account.objects.in_bulk(ids)
    for row in rows:
        for f in fields:
            account_id = getattr(row, f.attname)
            if account_id is not None:
                setattr(row, f.name, accounts[account_id])
    return rows


def setup_row_for(rows: dict, posting_group_id: int | None, location_id: int | None):
    """The inventory setup row that applies, from rows keyed by (posting group, location):
    group and location, then location alone, then group alone, then the default (or None)."""
    for candidate in (
        (posting_group_id, location_id),
        (None, location_id),
        (posting_group_id, None),
        (None, None),
    ):
        if candidate in rows:
            return rows[candidate]
    return None


class SetupResolver:
    """Finds posting-setup rows, caching them for one posting or report.

    Inventory setup precedence: group and location, then location alone (stock held at a vendor
    posts to one account whatever the item), then group alone, then the default row.
    """

    def __init__(self) -> None:
        self._inventory: dict[tuple[int | None, int | None], InventoryPostingSetup] = {}
        self._general: dict[int | None, GeneralPostingSetup] = {}
        self._inventory_rows = None
        self._general_rows = None

    def inventory(
        self, posting_group_id: int | None, location_id: int | None
    ) -> InventoryPostingSetup:
        key = (posting_group_id, location_id)
        if key not in self._inventory:
            if self._inventory_rows is None:
                self._inventory_rows = {
                    (row.posting_group_id, row.location_id): row
                    for row in InventoryPostingSetup.objects.select_related(
                        "inventory_account", "inventory_accrual_account", "wip_account"
                    )
                }
            row = setup_row_for(self._inventory_rows, posting_group_id, location_id)
            if row is not None:
                self._inventory[key] = row
            else:
                group = ItemPostingGroup.objects.filter(pk=posting_group_id).first()
                location = Location.objects.filter(pk=location_id).first()
                raise BusinessError(
                    f"No inventory posting setup for posting group {group} at location {location}.",
                    field="location",
                    code="posting_setup_missing",
                )
        return self._inventory[key]

    def general(self, posting_group_id: int | None) -> GeneralPostingSetup:
        if posting_group_id not in self._general:
            if self._general_rows is None:
                self._general_rows = {row.posting_group_id: row for row in _general_setup_rows()}
            row = self._general_rows.get(posting_group_id) or self._general_rows.get(None)
            if row is None:
                group = ItemPostingGroup.objects.filter(pk=posting_group_id).first()
                raise BusinessError(
                    f"No general posting setup for posting group {group}.",
                    field="item",
                    code="posting_setup_missing",
                )
            self._general[posting_group_id] = row
        return self._general[posting_group_id]


@dataclass(frozen=True)
class EntryKey:
    """What decides the accounts of a value entry (value entries with equal keys share them)."""

    item_ledger_entry_type: str
    entry_type: str
    variance_type: str
    cost_group_type: str
    posting_group_id: int
    location_id: int | None
    wip_posting_group_id: int | None
    wip_location_id: int | None

    @classmethod
    def of(cls, entry: ValueEntry, cost_group_type: str = "") -> EntryKey:
        return cls(
            item_ledger_entry_type=entry.item_ledger_entry_type,
            entry_type=entry.entry_type,
            variance_type=entry.variance_type,
            cost_group_type=cost_group_type,
            posting_group_id=entry.posting_group_id,
            location_id=entry.location_id,
            wip_posting_group_id=entry.wip_posting_group_id,
            wip_location_id=entry.wip_location_id,
        )


def entry_lines(
    key: EntryKey, expected: Decimal, actual: Decimal, setup: SetupResolver
) -> list[tuple[Account, Decimal]]:
    """Signed account movements for a value entry (or a sum of entries sharing ``key``)."""
    ile_type, entry_type = key.item_ledger_entry_type, key.entry_type

    def wip_account() -> Account:
        if key.wip_location_id is None:
            raise BusinessError("A production value entry needs a WIP location.", field="order")
        return setup.inventory(key.wip_posting_group_id, key.wip_location_id).wip_account

    def production_offsets() -> GeneralPostingSetup | None:
        """The produced item's setup when it books production in the P&L, else None."""
        if key.wip_location_id is None:
            return None
        produced = setup.general(key.wip_posting_group_id or key.posting_group_id)
        return produced if produced.production_in_profit_and_loss else None

    if not ile_type:  # capacity
        general = setup.general(key.wip_posting_group_id or key.posting_group_id)
        offsets = production_offsets()
        # No WIP in the P&L setup: the absorbed cost goes to the issue offset.
        debit = offsets.production_issue_offset_account if offsets is not None else None
        if entry_type in (VE.DIRECT_COST, VE.INDIRECT_COST):
            field = APPLIED_ACCOUNT_FIELD.get(key.cost_group_type, "direct_cost_applied_account")
            if entry_type == VE.INDIRECT_COST and field == "direct_cost_applied_account":
                field = "overhead_applied_account"
            counter = getattr(general, field)
            return [(debit or wip_account(), expected + actual), (counter, -(expected + actual))]
        if entry_type == VE.VARIANCE:
            counter = getattr(general, VARIANCE_ACCOUNT_FIELD[key.variance_type])
            return [(debit or wip_account(), expected + actual), (counter, -(expected + actual))]
        raise BusinessError(f"Capacity value entries cannot be {entry_type}.", field="entry_type")

    inventory_setup = setup.inventory(key.posting_group_id, key.location_id)
    inventory = inventory_setup.inventory_account
    general = setup.general(key.posting_group_id)
    total = expected + actual

    if entry_type == VE.REVALUATION:
        return [(inventory, total), (general.revaluation_account, -total)]
    if ile_type == ILE.PURCHASE:
        if entry_type == VE.VARIANCE:
            return [(inventory, total), (general.purchase_price_variance_account, -total)]
        if entry_type == VE.ROUNDING:
            return [(inventory, total), (general.inventory_adjustment_account, -total)]
        return [
            (inventory, total),
            (inventory_setup.inventory_accrual_account, -expected),
            (general.payables_account, -actual),
        ]
    if ile_type == ILE.SALE:
        return [(inventory, total), (general.cogs_account, -total)]
    if ile_type in (ILE.POSITIVE_ADJUSTMENT, ILE.NEGATIVE_ADJUSTMENT):
        return [(inventory, total), (general.inventory_adjustment_account, -total)]
    if ile_type == ILE.TRANSFER:
        if entry_type == VE.ROUNDING:
            return [(inventory, total), (general.inventory_adjustment_account, -total)]
        return [(inventory, total)]
    if ile_type == ILE.CONSUMPTION:
        offsets = production_offsets()
        if offsets is not None:
            return [(inventory, total), (offsets.production_issue_offset_account, -total)]
        return [(inventory, total), (wip_account(), -total)]
    if ile_type == ILE.OUTPUT:
        if entry_type == VE.VARIANCE:
            wip_general = setup.general(key.wip_posting_group_id or key.posting_group_id)
            counter = getattr(wip_general, VARIANCE_ACCOUNT_FIELD[key.variance_type])
            return [(inventory, total), (counter, -total)]
        offsets = production_offsets()
        if offsets is not None:
            return [(inventory, total), (offsets.production_receipt_offset_account, -total)]
        return [(inventory, total), (wip_account(), -total)]
    raise BusinessError(f"Unknown item ledger entry type {ile_type!r}.", field="entry_type")


def lines_for_entries(
    entries: list[ValueEntry], setup: SetupResolver, cost_group_types: dict[int, str] | None = None
) -> dict[Account, Decimal]:
    """Net movement per account for a batch of value entries (one journal entry)."""
    cost_group_types = cost_group_types or {}
    totals: dict[Account, Decimal] = defaultdict(Decimal)
    for entry in entries:
        key = EntryKey.of(entry, cost_group_types.get(entry.cost_group_id, ""))
        for account, amount in entry_lines(
            key, entry.cost_amount_expected, entry.cost_amount_actual, setup
        ):
            totals[account] += amount
    return totals
