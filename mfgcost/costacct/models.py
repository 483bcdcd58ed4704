"""Cost-centre and cost-object accounting.

* ``CostCategory``: primary categories are the P&L accounts (code = account number, kept in step
  by ``cost_categories_reconcile``); secondary categories carry allocations and their offsets;
  service categories carry quantities (hours run, tonnes produced). A category's dimension
  posting control says which dimensions its costs are kept on and whether a blank value is
  filtered out.
* ``CostEntry``: the cost ledger. A P&L journal line becomes one entry per kept dimension: the
  cost-centre view and the cost-object view of the same amount. Append-only; a GL reversal comes
  in as entries of the opposite sign that name the entries they reverse.
* ``ServiceEntry``: quantities per dimension value and period, from the capacity ledger (hours),
  from output (quantity reported as finished) or a manual service journal.
* ``CalculationVersion`` (actual or plan) holds ``CalculationRule``s: distributions keep the
  category, allocations post to a secondary category and its offset. The period calculation
  (``Calculation``) deletes and rebuilds its ``CalculationEntry`` rows, solved exactly
  (``mfgcost.costacct.solve``); each entry names its rule and the source amount it came from.
* ``LineStructure`` / ``StatementLine``: category lines, totals, quantity lines and calculated
  lines (a formula over other lines), the layout of a dimension statement.

A dimension value is a cost centre (dimension ``cc``) or a cost object (``co``); an entry of one
dimension leaves the other empty. A blank value is an entry of the dimension with no value.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q

AMOUNT = {"max_digits": 20, "decimal_places": 2}
QUANTITY = {"max_digits": 20, "decimal_places": 6}


class Dimension(models.TextChoices):
    COST_CENTER = "cc", "Cost centre"
    COST_OBJECT = "co", "Cost object"


def _dimension_fields():
    return (
        models.CharField(max_length=2, choices=Dimension.choices),
        models.ForeignKey(
            "ledger.CostCenter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
        ),
        models.ForeignKey(
            "ledger.CostObject", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
        ),
    )


def _one_dimension(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(dimension="cc", cost_object__isnull=True))
        | Q(dimension="co", cost_center__isnull=True),
        name=f"{prefix}_one_dimension",
    )


class CostCategory(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", "Primary (a P&L account)"
        SECONDARY = "secondary", "Secondary (allocations)"
        SERVICE = "service", "Service (quantities)"

    class ServiceSource(models.TextChoices):
        MANUAL = "manual", "Service journal only"
        CAPACITY_HOURS = "capacity_hours", "Hours run, from the capacity ledger"
        OUTPUT_QUANTITY = "output_quantity", "Quantity reported as finished"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    account = models.OneToOneField(
        "ledger.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cost_category",
    )
    service_source = models.CharField(max_length=16, choices=ServiceSource.choices, blank=True)
    unit = models.ForeignKey(
        "items.UnitOfMeasure", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    keep_cost_center = models.BooleanField(default=True, help_text="Keep costs on cost centres.")
    keep_cost_object = models.BooleanField(default=True, help_text="Keep costs on cost objects.")
    skip_blank_cost_center = models.BooleanField(
        default=False, help_text="Filter out lines without a cost centre (cost-centre view)."
    )
    skip_blank_cost_object = models.BooleanField(
        default=False, help_text="Filter out lines without a cost object (cost-object view)."
    )
    variable = models.BooleanField(
        default=False, help_text="Variable cost: the variable part of a split rule takes it."
    )
    blocked = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "cost categories"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="primary", account__isnull=False)
                | (~Q(kind="primary") & Q(account__isnull=True)),
                name="primary_category_is_an_account",
            ),
            models.CheckConstraint(
                condition=Q(kind="service") | Q(service_source=""),
                name="only_service_categories_have_a_source",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CostEntry(models.Model):
    """A primary cost on one dimension value, transferred from a P&L journal line."""

    category = models.ForeignKey(CostCategory, on_delete=models.PROTECT, related_name="entries")
    dimension, cost_center, cost_object = _dimension_fields()
    posting_date = models.DateField()
    period = models.ForeignKey("ledger.Period", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**AMOUNT, help_text="Debit positive, credit negative.")
    journal_line = models.ForeignKey(
        "ledger.JournalLine", on_delete=models.PROTECT, related_name="cost_entries"
    )
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "cost entries"
        constraints = [
            _one_dimension("cost_entry"),
            models.UniqueConstraint(
                fields=["journal_line", "dimension"], name="a_line_is_transferred_once"
            ),
        ]
        indexes = [models.Index(fields=["period", "dimension"])]

    def __str__(self) -> str:
        value = self.cost_center or self.cost_object
        return f"{self.category} {self.dimension} {value}: {self.amount}"


class TransferredLine(models.Model):
    """A journal line the transfer has seen, whether it gave entries or was filtered out."""

    journal_line = models.OneToOneField(
        "ledger.JournalLine", on_delete=models.PROTECT, related_name="cost_transfer"
    )
    entries = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"line {self.journal_line_id}: {self.entries}"


class ServiceEntry(models.Model):
    class Source(models.TextChoices):
        CAPACITY = "capacity", "Capacity ledger"
        OUTPUT = "output", "Output"
        JOURNAL = "journal", "Service journal"

    category = models.ForeignKey(
        CostCategory, on_delete=models.PROTECT, related_name="service_entries"
    )
    dimension, cost_center, cost_object = _dimension_fields()
    posting_date = models.DateField()
    period = models.ForeignKey("ledger.Period", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    source = models.CharField(max_length=10, choices=Source.choices)
    source_key = models.CharField(max_length=200, unique=True)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "service entries"
        constraints = [_one_dimension("service_entry")]
        indexes = [models.Index(fields=["period", "category"])]

    def __str__(self) -> str:
        return f"{self.category} {self.cost_center or self.cost_object}: {self.quantity}"


class LineStructure(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class StatementLine(models.Model):
    class LineType(models.TextChoices):
        CATEGORIES = "categories", "Cost categories"
        TOTAL = "total", "Total of lines"
        QUANTITY = "quantity", "Quantity of service categories"
        CALCULATED = "calculated", "Calculated (formula)"

    structure = models.ForeignKey(LineStructure, on_delete=models.CASCADE, related_name="lines")
    code = models.CharField(max_length=20)
    sequence = models.PositiveIntegerField(default=10)
    name = models.CharField(max_length=120)
    line_type = models.CharField(max_length=10, choices=LineType.choices)
    categories = models.ManyToManyField(CostCategory, blank=True, related_name="+")
    total_of = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="in_totals"
    )
    formula = models.CharField(
        max_length=200, blank=True, help_text="Over line codes: 3_TC / 3_TO, (A + B) * 100."
    )
    decimals = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["structure", "sequence", "code"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "code"], name="line_code_once"),
            models.CheckConstraint(
                condition=Q(line_type="calculated") | Q(formula=""),
                name="only_calculated_lines_have_a_formula",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} {self.code}"


class CalculationVersion(models.Model):
    class VersionType(models.TextChoices):
        ACTUAL = "actual", "Actual"
        PLAN = "plan", "Plan / budget"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    version_type = models.CharField(
        max_length=6, choices=VersionType.choices, default=VersionType.ACTUAL
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CalculationRule(models.Model):
    class Kind(models.TextChoices):
        DISTRIBUTION = "distribution", "Distribution (keeps the category)"
        ALLOCATION = "allocation", "Allocation (secondary category and offset)"

    class SourceKind(models.TextChoices):
        DIMENSION_VALUE = "dimension_value", "All cost of the sender"
        CATEGORY = "category", "One cost category"
        LINE = "line", "A statement line node"

    class Basis(models.TextChoices):
        FIXED = "fixed", "Fixed shares"
        SERVICE = "service", "The period's service quantities"

    version = models.ForeignKey(CalculationVersion, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(max_length=30)
    sequence = models.PositiveIntegerField(default=10, help_text="Display only: order is solved.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    sender_dimension, sender_cost_center, sender_cost_object = _dimension_fields()
    receiver_dimension = models.CharField(max_length=2, choices=Dimension.choices)
    source_kind = models.CharField(
        max_length=16, choices=SourceKind.choices, default=SourceKind.DIMENSION_VALUE
    )
    source_category = models.ForeignKey(
        CostCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_line = models.ForeignKey(
        StatementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocation_category = models.ForeignKey(
        CostCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offset_category = models.ForeignKey(
        CostCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField(max_length=8, choices=Basis.choices, default=Basis.FIXED)
    basis_category = models.ForeignKey(
        CostCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Service category whose quantities are the shares (service basis).",
    )
    split_fixed_variable = models.BooleanField(
        default=False,
        help_text="Fixed categories by the receivers' fixed shares, variable categories by the "
        "service quantities of the basis category.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["version", "sequence", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="rule_code_once_per_version"),
            models.CheckConstraint(
                condition=(Q(sender_dimension="cc", sender_cost_object__isnull=True))
                | Q(sender_dimension="co", sender_cost_center__isnull=True),
                name="rule_sender_one_dimension",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.code}"

    @property
    def sender(self):
        return self.sender_cost_center or self.sender_cost_object


class RuleReceiver(models.Model):
    rule = models.ForeignKey(CalculationRule, on_delete=models.CASCADE, related_name="receivers")
    line_no = models.PositiveIntegerField(default=10)
    cost_center = models.ForeignKey(
        "ledger.CostCenter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cost_object = models.ForeignKey(
        "ledger.CostObject", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    share = models.DecimalField(
        max_digits=20, decimal_places=6, default=Decimal("0"), help_text="Fixed basis only."
    )

    class Meta:
        ordering = ["rule", "line_no", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_center__isnull=True) ^ Q(cost_object__isnull=True),
                name="receiver_one_dimension_value",
            ),
            models.CheckConstraint(condition=Q(share__gte=0), name="receiver_share_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} -> {self.cost_center or self.cost_object} {self.share}"


class Calculation(models.Model):
    class Status(models.TextChoices):
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(
        CalculationVersion, on_delete=models.PROTECT, related_name="calculations"
    )
    period = models.ForeignKey("ledger.Period", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DONE)
    message = models.TextField(blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-calculated_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "period"], name="one_calculation_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.period}"


class CalculationEntry(models.Model):
    """One amount of a period calculation: a rule's outflow at its sender or a receiver's share."""

    calculation = models.ForeignKey(Calculation, on_delete=models.CASCADE, related_name="entries")
    rule = models.ForeignKey(CalculationRule, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(CostCategory, on_delete=models.PROTECT, related_name="+")
    dimension, cost_center, cost_object = _dimension_fields()
    amount = models.DecimalField(**AMOUNT)
    source_amount = models.DecimalField(**AMOUNT, help_text="The rule's total it is a share of.")
    share = models.DecimalField(max_digits=20, decimal_places=12)
    sender_side = models.BooleanField(default=False)

    class Meta:
        ordering = ["calculation", "pk"]
        verbose_name_plural = "calculation entries"
        constraints = [_one_dimension("calculation_entry")]

    def __str__(self) -> str:
        value = self.cost_center or self.cost_object
        return f"{self.rule.code} {self.category} {value}: {self.amount}"
