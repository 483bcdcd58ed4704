"""General ledger.

The ledger knows nothing of items or production. Other apps build line drafts and call
``ledger.services.journal_entry_post``; the ledger checks them (balanced, period open, accounts
postable, dimension rules) and writes one journal entry with a gapless number per journal and
fiscal year. Posted entries and lines are never updated or deleted: a mistake is corrected with
``journal_entry_reverse``. On PostgreSQL the database enforces both rules itself (see the
triggers in migration 0002): an unbalanced entry fails at commit, and UPDATE or DELETE of a posted
row is refused.

Dimensions are cost centres and cost objects; each account says per dimension whether a value is
required, optional or not allowed. Posting setup maps item posting groups to the accounts that
inventory and production postings use (``GeneralPostingSetup``); the per-location inventory
accounts live with locations, in ``mfgcost.inventory``.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce


class Account(models.Model):
    class AccountType(models.TextChoices):
        ASSET = "asset", "Asset"
        LIABILITY = "liability", "Liability"
        EQUITY = "equity", "Equity"
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expense"

    class Statement(models.TextChoices):
        BALANCE_SHEET = "bs", "Balance sheet"
        PROFIT_AND_LOSS = "pl", "Profit and loss"

    class DimensionRule(models.TextChoices):
        OPTIONAL = "optional", "Optional"
        REQUIRED = "required", "Required"
        NOT_ALLOWED = "not_allowed", "Not allowed"

    number = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    account_type = models.CharField(max_length=10, choices=AccountType.choices)
    statement = models.CharField(max_length=2, choices=Statement.choices)
    direct_posting = models.BooleanField(
        default=True, help_text="Manual journal entries may post here (sub-ledgers always may)."
    )
    blocked = models.BooleanField(default=False)
    cost_center_rule = models.CharField(
        max_length=12, choices=DimensionRule.choices, default=DimensionRule.OPTIONAL
    )
    cost_object_rule = models.CharField(
        max_length=12, choices=DimensionRule.choices, default=DimensionRule.OPTIONAL
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(statement="bs", account_type__in=["asset", "liability", "equity"])
                    | Q(statement="pl", account_type__in=["income", "expense"])
                ),
                name="account_statement_matches_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class CostCenter(models.Model):
    """A place where cost arises: a machine group, a department, a service function."""

    class Kind(models.TextChoices):
        PRODUCTION = "production", "Production"
        SERVICE = "service", "Service"
        ADMINISTRATION = "administration", "Administration"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PRODUCTION)
    blocked = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CostObject(models.Model):
    """What cost is carried to: a product, a product group, an order type."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    blocked = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class FiscalYear(models.Model):
    code = models.CharField(max_length=10, unique=True)
    start_date = models.DateField(unique=True)
    end_date = models.DateField(unique=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="fiscal_year_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Period(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="periods")
    name = models.CharField(max_length=20, unique=True)
    start_date = models.DateField(unique=True)
    end_date = models.DateField(unique=True)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="period_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Journal(models.Model):
    """A book of entries with its own number series (GEN, INV, PROD, ...)."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class JournalSequence(models.Model):
    """The last number used per journal and fiscal year; locked while a number is taken."""

    journal = models.ForeignKey(Journal, on_delete=models.PROTECT)
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["journal", "fiscal_year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.journal} {self.fiscal_year}: {self.last_number}"


class JournalEntry(models.Model):
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    posting_date = models.DateField(db_index=True)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="entries")
    description = models.CharField(max_length=250, blank=True)
    source_key = models.CharField(
        max_length=200, unique=True, help_text="What caused the entry; a repeat posts nothing."
    )
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["journal", "fiscal_year", "number"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(
                fields=["journal", "fiscal_year", "number"], name="gapless_number_per_journal_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.journal.code}-{self.fiscal_year.code}-{self.number:06d}"

    @property
    def document_number(self) -> str:
        return str(self)


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    line_no = models.PositiveIntegerField()
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal("0"))
    credit = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal("0"))
    cost_center = models.ForeignKey(
        CostCenter, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    cost_object = models.ForeignKey(
        CostObject, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    description = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["entry_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "line_no"], name="line_no_unique_in_entry"),
            models.CheckConstraint(
                condition=(Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0)),
                name="line_debit_xor_credit",
            ),
        ]
        indexes = [models.Index(fields=["account", "entry"])]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account.number} {side}"

    @property
    def amount(self) -> Decimal:
        """Signed amount: debit positive, credit negative."""
        return self.debit - self.credit


class ItemPostingGroup(models.Model):
    """Groups items that post to the same accounts (raw materials, finished goods, services)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


def _account_field(help_text: str = "") -> models.ForeignKey:
    return models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", help_text=help_text
    )


class GeneralPostingSetup(models.Model):
    """Accounts for an item posting group that do not depend on the location.

    A row with no posting group is the company default; a group's own row wins over it.
    """

    posting_group = models.OneToOneField(
        ItemPostingGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="setup"
    )

    cogs_account = _account_field("Cost of goods sold.")
    inventory_adjustment_account = _account_field("Positive and negative adjustments.")
    direct_cost_applied_account = _account_field("Credit side of capacity cost put into WIP.")
    overhead_applied_account = _account_field("Credit side of overhead put into WIP.")
    subcontracting_applied_account = _account_field("Credit side of services put into WIP.")
    purchase_price_variance_account = _account_field("Standard-cost items bought off standard.")
    revaluation_account = _account_field("Offset of standard-cost revaluations.")
    payables_account = _account_field("Vendor invoices (inventory and services).")
    material_variance_account = _account_field()
    capacity_variance_account = _account_field()
    subcontracted_variance_account = _account_field()
    capacity_overhead_variance_account = _account_field()
    manufacturing_overhead_variance_account = _account_field()
    # Production in the profit and loss ("the continental way"): when both are set, a produced
    # item of this group books its consumption (issue offset) and its output (receipt offset) to
    # these change-in-inventory accounts instead of the WIP balance account.
    production_issue_offset_account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="P&L change in inventory (raw materials): consumption and capacity, no WIP.",
    )
    production_receipt_offset_account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="P&L change in inventory (products): output of produced items, no WIP.",
    )

    class Meta:
        constraints = [
            # One row per group and exactly one default (NULL) row, on every backend.
            models.UniqueConstraint(
                Coalesce("posting_group", 0), name="one_general_setup_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"General posting setup {self.posting_group or '(default)'}"

    @property
    def production_in_profit_and_loss(self) -> bool:
        return bool(
            self.production_issue_offset_account_id and self.production_receipt_offset_account_id
        )
