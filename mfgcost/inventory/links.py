"""The link between the inventory ledgers and the general ledger, kept once posted.

Value entries keep the posting group and location they were posted with; the accounts they
reach come from the posting setup (``posting.SetupResolver``), read again by every posting and
by the reconciliation. So the link breaks when, after postings exist,

* an inventory posting setup row starts to resolve a used (posting group, location) to other
  inventory, accrual or WIP accounts (an account changed, a row re-keyed, deleted, or a new
  more specific row added in front of it): past entries then reconcile to accounts they never
  reached;
* a control account (an inventory, accrual or WIP account of the setup) that sub-ledger
  postings have reached is opened to direct posting: manual entries would then move it apart
  from its ledgers;
* an item moves to another posting group while it has stock or work in process: the stock
  entered under the old group's account would leave through the new group's.

The checks here refuse each of these with a ``BusinessError`` naming the field; the services
(``inventory_posting_setup_save`` / ``_delete``, ``ledger.services.account_save``,
``items.services.item_save``) call them, so the API and the admin refuse alike. The way to
change such an account is prospective and through postings: set up a new location (or posting
group) with the new accounts and transfer the stock to it; to regroup an item, transfer or
issue its stock out, finish its orders, change the group, and bring the stock back.
"""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.db.models import Sum

from ledger.models import Account, ItemPostingGroup, JournalLine
from mfgcost.core.errors import BusinessError, ConflictError

from .models import InventoryPostingSetup, ItemLedgerEntry, Location, ValueEntry
from .posting import setup_row_for

INVENTORY_SIDE = ("inventory_account", "inventory_accrual_account")
WIP_SIDE = ("wip_account",)
ZERO = Decimal("0")
CENT = Decimal("0.01")
HOW_TO_CHANGE = (
    "To post to other accounts from now on, set up a new location (or posting group) with "
    "them and transfer the stock there."
)


def _keys_in_use() -> tuple[set, set]:
    """(posting group, location) pairs value entries posted with, inventory and WIP side."""
    inventory = set(
        ValueEntry.objects.filter(item_ledger_entry__isnull=False)
        .values_list("posting_group_id", "location_id")
        .distinct()
        .order_by()
    )
    wip = set(
        ValueEntry.objects.filter(wip_location__isnull=False)
        .values_list("wip_posting_group_id", "wip_location_id")
        .distinct()
        .order_by()
    )
    return inventory, wip


def _describe(group_id, location_id) -> str:
    group = ItemPostingGroup.objects.filter(pk=group_id).first() if group_id else None
    location = Location.objects.filter(pk=location_id).first() if location_id else None
    return f"posting group {group or '(any)'} at location {location or '(any)'}"


def posting_setup_change_check(*, setup: InventoryPostingSetup, deleting: bool = False) -> None:
    """Refuse a save (or delete) of ``setup`` that would move posted entries to other accounts.

    Every (posting group, location) that value entries were posted with is resolved with the
    stored rows and with the rows as they would be; any account that changes is refused, on
    the account field when the row itself changes it, else on its key.
    """
    stored = {
        (row.posting_group_id, row.location_id): row for row in InventoryPostingSetup.objects.all()
    }
    after = {key: row for key, row in stored.items() if row.pk != setup.pk}
    if not deleting:
        after[(setup.posting_group_id, setup.location_id)] = setup
    inventory_keys, wip_keys = _keys_in_use()
    for keys, fields in ((inventory_keys, INVENTORY_SIDE), (wip_keys, WIP_SIDE)):
        for group_id, location_id in sorted(keys, key=lambda k: (k[0] or 0, k[1] or 0)):
            before = setup_row_for(stored, group_id, location_id)
            now = setup_row_for(after, group_id, location_id)
            for name in fields:
                old_id = getattr(before, f"{name}_id", None) if before is not None else None
                new_id = getattr(now, f"{name}_id", None) if now is not None else None
                if old_id == new_id:
                    continue
                old = Account.objects.filter(pk=old_id).first()
                label = InventoryPostingSetup._meta.get_field(name).verbose_name
                what = (
                    f"Entries of {_describe(group_id, location_id)} were posted to {label} "
                    f"{old} through this setup"
                )
                if deleting:
                    raise ConflictError(
                        f"{what}; deleting it would leave them without their account. "
                        f"{HOW_TO_CHANGE}",
                        field="non_field_errors",
                    )
                same_row = setup.pk is not None and before is not None and before.pk == setup.pk
                if same_row and now is setup:
                    field = name
                elif setup.location_id is not None:
                    field = "location"
                else:
                    field = "posting_group"
                new = Account.objects.filter(pk=new_id).first()
                raise BusinessError(
                    f"{what}; this change would map them to {new or 'no account'}, and the "
                    f"general ledger would no longer reconcile with the inventory ledgers. "
                    f"{HOW_TO_CHANGE}",
                    field=field,
                    code="posted_setup_change",
                )


def _control_account_ids() -> set[int]:
    ids: set[int] = set()
    names = [f"{n}_id" for n in INVENTORY_SIDE + WIP_SIDE]
    for row in InventoryPostingSetup.objects.values_list(*names):
        ids.update(row)
    return ids


def account_change_check(*, account: Account, previous: Account | None) -> None:
    """Refuse opening a control account that sub-ledger postings have reached to direct
    posting (manual journal entries would move it apart from its ledgers)."""
    if previous is None or previous.direct_posting or not account.direct_posting:
        return
    if account.pk not in _control_account_ids():
        return
    if not JournalLine.objects.filter(account_id=account.pk).exists():
        return
    raise BusinessError(
        f"Account {previous} is a control account of the inventory posting setup and has "
        f"postings from the inventory ledgers; opening it to direct posting would let manual "
        f"entries move it apart from them. Post corrections through the inventory documents "
        f"(an adjustment, a revaluation).",
        field="direct_posting",
        code="control_account",
    )


def _open_wip(item_id: int, group_id: int | None) -> Decimal:
    """Work in process under ``group_id`` of the production orders that make the item."""
    if not apps.is_installed("mfgcost.production"):
        return ZERO
    order_model = apps.get_model("production", "ProductionOrder")
    numbers = list(order_model.objects.filter(item_id=item_id).values_list("number", flat=True))
    if not numbers:
        return ZERO
    entries = ValueEntry.objects.filter(
        order_type="production", order_no__in=numbers, wip_posting_group_id=group_id
    )
    capacity = entries.filter(item_ledger_entry__isnull=True).aggregate(
        e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual")
    )
    # Item entries move WIP the other way round (consumption into it, output out of it).
    items = (
        entries.filter(
            item_ledger_entry_type__in=[
                ItemLedgerEntry.EntryType.CONSUMPTION,
                ItemLedgerEntry.EntryType.OUTPUT,
            ]
        )
        .exclude(entry_type=ValueEntry.EntryType.REVALUATION)
        .exclude(
            item_ledger_entry_type=ItemLedgerEntry.EntryType.OUTPUT,
            entry_type=ValueEntry.EntryType.VARIANCE,
        )
    ).aggregate(e=Sum("cost_amount_expected"), a=Sum("cost_amount_actual"))
    total = (capacity["e"] or ZERO) + (capacity["a"] or ZERO)
    total -= (items["e"] or ZERO) + (items["a"] or ZERO)
    return total


def item_posting_group_change_check(*, item, previous) -> None:
    """Refuse a new posting group for an item with stock (quantity or value) or open WIP."""
    if previous is None or previous.posting_group_id == item.posting_group_id:
        return
    stock = (
        ItemLedgerEntry.objects.filter(item_id=item.pk)
        .values("location__code")
        .annotate(quantity=Sum("quantity"))
        .order_by("location__code")
    )
    values = dict(
        ValueEntry.objects.filter(item_id=item.pk, item_ledger_entry__isnull=False)
        .values("location__code")
        .annotate(value=Sum("cost_amount_expected") + Sum("cost_amount_actual"))
        .order_by()
        .values_list("location__code", "value")
    )
    for row in stock:
        value = (values.get(row["location__code"]) or ZERO).quantize(CENT)
        if row["quantity"] or value:
            raise BusinessError(
                f"Item {previous.number} has {row['quantity'].normalize():f} on hand at "
                f"{row['location__code']} (value {value}) posted under posting group "
                f"{previous.posting_group}; a new group would take it out through other "
                f"accounts. Transfer or issue the stock out, change the group, and bring it back.",
                field="posting_group",
                code="posting_group_in_use",
            )
    wip = _open_wip(item.pk, previous.posting_group_id)
    if wip:
        raise BusinessError(
            f"Production orders of item {previous.number} have {wip} in work in process under "
            f"posting group {previous.posting_group}; finish and adjust them before changing "
            f"the group.",
            field="posting_group",
            code="posting_group_in_use",
        )
