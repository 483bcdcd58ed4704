"""Inventory ledgers: quantities and values kept apart.

* ``ItemLedgerEntry``: one per movement of a quantity of an item at a location. Inbound entries
  (quantity > 0) keep a ``remaining_quantity`` that outbound entries take from; an outbound entry
  posted into negative stock keeps a negative remaining quantity until a later inbound entry
  covers it. ``remaining_quantity`` is the only column that ever changes after insert.
* ``ItemApplication``: which inbound entry each outbound quantity was taken from. Cost flows along
  applications for FIFO items; for average items the quantity is tracked the same way but the cost
  is the item's average; standard items are valued at standard.
* ``CapacityLedgerEntry``: time (setup, run) or a quantity of an operation, posted by production.
* ``ValueEntry``: the money side of an item or capacity entry: expected and actual amounts, entry
  type, cost group, variance type. A correction is a new value entry. Every value entry with an
  amount carries the journal entry that posted it to the general ledger, in the same transaction.

The accounts come from ``InventoryPostingSetup`` (item posting group x location: inventory,
inventory accrual, WIP) and ``ledger.GeneralPostingSetup`` (item posting group: COGS, variances,
applied accounts, ...). See ``mfgcost.inventory.posting`` for the mapping and docs/inventory.md.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

AMOUNT = {"max_digits": 20, "decimal_places": 2, "default": Decimal("0")}
QUANTITY = {"max_digits": 20, "decimal_places": 6}


class Location(models.Model):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", "Warehouse"
        VENDOR = "vendor", "Vendor location (our stock held by a subcontractor)"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WAREHOUSE)
    blocked = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class InventoryPostingSetup(models.Model):
    """Balance-sheet accounts by item posting group and location.

    An empty posting group or location is a default. The first row found wins, in this order:
    group and location, location alone, group alone, default.
    """

    posting_group = models.ForeignKey(
        "ledger.ItemPostingGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="posting_setups"
    )
    inventory_account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+"
    )
    inventory_accrual_account = models.ForeignKey(
        "ledger.Account",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Received, not yet invoiced (credit side of expected cost).",
    )
    wip_account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Coalesce("posting_group", 0), Coalesce("location", 0), name="one_inventory_setup"
            )
        ]

    def __str__(self) -> str:
        return f"{self.posting_group or '*'} @ {self.location or '*'}"


class InventoryPosting(models.Model):
    """One posted document (a receipt line, an invoice, an output...): the unit of idempotency.

    Every posting service first inserts this row under the caller's ``source_key``; a repeat with
    the same key finds it and returns what was posted the first time, writing nothing -- if it is
    the same request (``request_digest``); another request under the key is refused. The entries
    it produced point back to it, and its journal entry is the general-ledger side.
    """

    source_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30)
    document_no = models.CharField(max_length=40, blank=True)
    posting_date = models.DateField()
    request_digest = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text="Digest of the request that made the posting: a repeat of its source key with "
        "another request is refused (empty: compared by kind only).",
    )
    journal_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.source_key


class ItemLedgerEntry(models.Model):
    class EntryType(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        SALE = "sale", "Sale"
        POSITIVE_ADJUSTMENT = "positive_adjustment", "Positive adjustment"
        NEGATIVE_ADJUSTMENT = "negative_adjustment", "Negative adjustment"
        TRANSFER = "transfer", "Transfer"
        CONSUMPTION = "consumption", "Consumption"
        OUTPUT = "output", "Output"

    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="ledger_entries")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="ledger_entries")
    entry_type = models.CharField(max_length=20, choices=EntryType.choices)
    posting_date = models.DateField()
    document_no = models.CharField(max_length=40, blank=True)
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(**QUANTITY, help_text="Positive inbound, negative outbound.")
    remaining_quantity = models.DecimalField(**QUANTITY)
    order_type = models.CharField(max_length=20, blank=True)
    order_no = models.CharField(max_length=40, blank=True)
    order_line = models.PositiveIntegerField(null=True, blank=True)
    transfer_from_entry = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfer_to_entry",
        help_text="For a transfer's inbound entry: the outbound entry whose cost it carries.",
    )
    posting = models.ForeignKey(
        InventoryPosting, on_delete=models.PROTECT, related_name="item_entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "item ledger entries"
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="ile_quantity_not_zero"),
            models.CheckConstraint(
                condition=(
                    Q(
                        quantity__gt=0,
                        remaining_quantity__gte=0,
                        remaining_quantity__lte=F("quantity"),
                    )
                    | Q(
                        quantity__lt=0,
                        remaining_quantity__lte=0,
                        remaining_quantity__gte=F("quantity"),
                    )
                ),
                name="ile_remaining_within_quantity",
            ),
        ]
        indexes = [
            models.Index(fields=["item", "location", "posting_date"]),
            models.Index(
                fields=["item", "location", "id"],
                condition=~Q(remaining_quantity=0),
                name="ile_open_entries",
            ),
            models.Index(fields=["order_type", "order_no"]),
        ]

    def __str__(self) -> str:
        return f"Entry {self.pk}: {self.get_entry_type_display()} {self.quantity.normalize():f}"

    @property
    def is_inbound(self) -> bool:
        return self.quantity > 0


class ItemApplication(models.Model):
    inbound_entry = models.ForeignKey(
        ItemLedgerEntry, on_delete=models.PROTECT, related_name="outbound_applications"
    )
    outbound_entry = models.ForeignKey(
        ItemLedgerEntry, on_delete=models.PROTECT, related_name="inbound_applications"
    )
    quantity = models.DecimalField(**QUANTITY)
    posting_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="application_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outbound_entry_id} <- {self.inbound_entry_id}: {self.quantity}"


class CapacityLedgerEntry(models.Model):
    class CapacityType(models.TextChoices):
        WORK_CENTER = "work_center", "Work centre"
        SUBCONTRACTING = "subcontracting", "Subcontracted operation"

    capacity_type = models.CharField(
        max_length=16, choices=CapacityType.choices, default=CapacityType.WORK_CENTER
    )
    work_center = models.ForeignKey(
        "items.WorkCenter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "items.Item",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The item the order produces.",
    )
    order_type = models.CharField(max_length=20, blank=True)
    order_no = models.CharField(max_length=40, blank=True)
    order_line = models.PositiveIntegerField(null=True, blank=True)
    operation_no = models.CharField(max_length=10, blank=True)
    posting_date = models.DateField()
    document_no = models.CharField(max_length=40, blank=True)
    description = models.CharField(max_length=200, blank=True)
    setup_time = models.DecimalField(**QUANTITY, default=Decimal("0"))
    run_time = models.DecimalField(**QUANTITY, default=Decimal("0"))
    quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    scrap_quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    posting = models.ForeignKey(
        InventoryPosting, on_delete=models.PROTECT, related_name="capacity_entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "capacity ledger entries"
        indexes = [models.Index(fields=["order_type", "order_no"])]

    def __str__(self) -> str:
        return f"{self.order_no} op {self.operation_no}: {self.setup_time}+{self.run_time} h"


class ValueEntry(models.Model):
    class EntryType(models.TextChoices):
        DIRECT_COST = "direct_cost", "Direct cost"
        INDIRECT_COST = "indirect_cost", "Indirect cost"
        VARIANCE = "variance", "Variance"
        REVALUATION = "revaluation", "Revaluation"
        ROUNDING = "rounding", "Rounding"

    class VarianceType(models.TextChoices):
        PURCHASE = "purchase", "Purchase price"
        MATERIAL = "material", "Material"
        CAPACITY = "capacity", "Capacity"
        SUBCONTRACTED = "subcontracted", "Subcontracted"
        CAPACITY_OVERHEAD = "capacity_overhead", "Capacity overhead"
        MANUFACTURING_OVERHEAD = "manufacturing_overhead", "Manufacturing overhead"

    item_ledger_entry = models.ForeignKey(
        ItemLedgerEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="value_entries",
    )
    capacity_ledger_entry = models.ForeignKey(
        CapacityLedgerEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="value_entries",
    )
    item = models.ForeignKey(
        "items.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="value_entries"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="value_entries"
    )
    posting_group = models.ForeignKey(
        "ledger.ItemPostingGroup",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Inventory side: the item's posting group when posted.",
    )
    wip_posting_group = models.ForeignKey(
        "ledger.ItemPostingGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="WIP side (production): the produced item's posting group.",
    )
    wip_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item_ledger_entry_type = models.CharField(
        max_length=20, choices=ItemLedgerEntry.EntryType.choices, blank=True
    )
    entry_type = models.CharField(max_length=14, choices=EntryType.choices)
    cost_group = models.ForeignKey(
        "items.CostGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    variance_type = models.CharField(max_length=24, choices=VarianceType.choices, blank=True)
    variance_cause = models.CharField(max_length=16, blank=True)
    posting_date = models.DateField()
    valuation_date = models.DateField()
    valued_quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    invoiced_quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    cost_amount_expected = models.DecimalField(**AMOUNT)
    cost_amount_actual = models.DecimalField(**AMOUNT)
    cost_per_unit = models.DecimalField(max_digits=20, decimal_places=6, default=Decimal("0"))
    adjustment = models.BooleanField(default=False, help_text="Posted by Adjust Cost.")
    uncovered = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Values outbound quantity taken beyond stock (negative stock) at a provisional "
        "unit cost, until an inbound entry covers it and corrects the cost.",
    )
    order_type = models.CharField(max_length=20, blank=True)
    order_no = models.CharField(max_length=40, blank=True)
    applies_to_entry = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    description = models.CharField(max_length=200, blank=True)
    posting = models.ForeignKey(
        InventoryPosting, on_delete=models.PROTECT, related_name="value_entries"
    )
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="value_entries",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "value entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(item_ledger_entry__isnull=False)
                | Q(capacity_ledger_entry__isnull=False),
                name="value_entry_has_ledger_entry",
            ),
            models.CheckConstraint(
                condition=(
                    Q(journal_entry__isnull=False) | Q(cost_amount_expected=0, cost_amount_actual=0)
                ),
                name="value_entry_reaches_gl",
            ),
            models.CheckConstraint(
                condition=Q(entry_type="variance") | Q(variance_type=""),
                name="variance_type_only_on_variances",
            ),
        ]
        indexes = [
            models.Index(fields=["item", "location", "valuation_date"]),
            models.Index(fields=["order_type", "order_no"]),
            models.Index(fields=["posting_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.entry_type} {self.cost_amount_actual} (exp {self.cost_amount_expected})"

    @property
    def cost_amount(self) -> Decimal:
        return self.cost_amount_expected + self.cost_amount_actual
