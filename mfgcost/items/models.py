"""Items, units, cost groups, work centres, routings, bills of materials and standard costs.

An item is stocked (bought, produced, sold) or a non-stocked service (what a subcontractor
sells). Its costing method decides how outbound entries are valued: FIFO and average follow the
actual cost of what was received; standard values every movement at the item's standard cost and
sends differences to variances.

Every cost belongs to a cost group with one of five types. A produced item's standard cost is
rolled up through its BOM and routing (lowest level first, by low-level code) into a costing
version and kept per cost group, both for this level and rolled up from the levels below.
Activating a version's cost record makes it the item's standard and revalues stock on hand.

Routings and BOMs have versions with validity dates; the version valid on a date is the one used
(one at a time: validity ranges of one item's versions never overlap). A BOM's ``quantity`` is
its formula size: line quantities are per that many units of the product (1.4 t of sinter).
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

QUANTITY = {"max_digits": 20, "decimal_places": 6}
ZERO = Decimal("0")


class UnitOfMeasure(models.Model):
    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["code"]
        verbose_name = "unit of measure"
        verbose_name_plural = "units of measure"

    def __str__(self) -> str:
        return self.code


class UnitConversion(models.Model):
    """``1 from_unit = factor to_unit``, for one item or (item empty) for every item."""

    item = models.ForeignKey(
        "Item", null=True, blank=True, on_delete=models.CASCADE, related_name="unit_conversions"
    )
    from_unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    factor = models.DecimalField(**QUANTITY)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(factor__gt=0), name="conversion_factor_positive"),
            models.CheckConstraint(
                condition=~Q(from_unit=F("to_unit")), name="conversion_between_different_units"
            ),
            models.UniqueConstraint(
                fields=["item", "from_unit", "to_unit"], name="one_conversion_per_item_and_units"
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_unit} = {self.factor} {self.to_unit}"


class CostGroup(models.Model):
    class GroupType(models.TextChoices):
        DIRECT_MATERIAL = "direct_material", "Direct material"
        DIRECT_MANUFACTURING = "direct_manufacturing", "Direct manufacturing"
        DIRECT_OUTSOURCING = "direct_outsourcing", "Direct outsourcing"
        CAPACITY_OVERHEAD = "capacity_overhead", "Capacity overhead"
        MANUFACTURING_OVERHEAD = "manufacturing_overhead", "Manufacturing overhead"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    group_type = models.CharField(max_length=24, choices=GroupType.choices)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CostingSheet(models.Model):
    """Overhead rules applied in the roll-up of items that use this sheet."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CostingSheetRule(models.Model):
    class Basis(models.TextChoices):
        SURCHARGE_PERCENT = "surcharge_percent", "Surcharge % of chosen cost groups"
        RATE_PER_HOUR = "rate_per_hour", "Rate per hour of operation time"
        RATE_PER_UNIT = "rate_per_unit", "Rate per unit produced"
        RATE_PER_KG = "rate_per_kg", "Rate per kg produced"

    sheet = models.ForeignKey(CostingSheet, on_delete=models.CASCADE, related_name="rules")
    sequence = models.PositiveIntegerField(default=10)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    percent = models.DecimalField(max_digits=9, decimal_places=4, default=ZERO)
    rate = models.DecimalField(max_digits=20, decimal_places=6, default=ZERO)
    base_cost_groups = models.ManyToManyField(
        CostGroup, blank=True, related_name="+", help_text="For a surcharge: what it is a % of."
    )
    work_center = models.ForeignKey(
        "WorkCenter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a rate per hour: only time at this work centre (empty: all).",
    )
    cost_group = models.ForeignKey(
        CostGroup,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Overhead cost group it adds to.",
    )

    class Meta:
        ordering = ["sheet", "sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0), name="sheet_percent_not_negative"),
            models.CheckConstraint(condition=Q(rate__gte=0), name="sheet_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet}: {self.get_basis_display()} -> {self.cost_group}"


class Item(models.Model):
    class ItemType(models.TextChoices):
        STOCKED = "stocked", "Stocked"
        SERVICE = "service", "Non-stocked service"

    class CostingMethod(models.TextChoices):
        FIFO = "fifo", "FIFO"
        AVERAGE = "average", "Average"
        STANDARD = "standard", "Standard"

    class Replenishment(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        PRODUCTION = "production", "Production"

    number = models.CharField(max_length=30, unique=True)
    description = models.CharField(max_length=200)
    item_type = models.CharField(max_length=8, choices=ItemType.choices, default=ItemType.STOCKED)
    replenishment = models.CharField(
        max_length=10, choices=Replenishment.choices, default=Replenishment.PURCHASE
    )
    base_unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    costing_method = models.CharField(
        max_length=8, choices=CostingMethod.choices, default=CostingMethod.FIFO
    )
    posting_group = models.ForeignKey(
        "ledger.ItemPostingGroup", on_delete=models.PROTECT, related_name="items"
    )
    cost_group = models.ForeignKey(
        CostGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        help_text="Cost group of the item's own cost when bought (direct material, or direct "
        "outsourcing for a service).",
    )
    costing_sheet = models.ForeignKey(
        CostingSheet, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    lot_size = models.DecimalField(
        **QUANTITY, default=Decimal("1"), help_text="Standard lot: setup time is spread over it."
    )
    net_weight_kg = models.DecimalField(**QUANTITY, default=ZERO)
    standard_cost = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        default=ZERO,
        help_text="Active standard cost per base unit (the sum of its cost-group breakdown).",
    )
    unit_cost = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        default=ZERO,
        help_text="Current unit cost: the last average, or the standard for standard items.",
    )
    last_direct_cost = models.DecimalField(max_digits=20, decimal_places=6, default=ZERO)
    cost_object = models.ForeignKey(
        "ledger.CostObject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        help_text="Cost object of the item's production postings (consumption, time, output).",
    )
    allow_negative_stock = models.BooleanField(default=False)
    blocked = models.BooleanField(default=False)
    low_level_code = models.PositiveSmallIntegerField(
        default=0, help_text="Deepest BOM level the item is used at (0 = top); costing order."
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(standard_cost__gte=0), name="item_standard_cost_not_negative"
            ),
            models.CheckConstraint(condition=Q(lot_size__gt=0), name="item_lot_size_positive"),
            models.CheckConstraint(
                condition=~Q(item_type="service") | Q(allow_negative_stock=False),
                name="service_has_no_stock",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_stocked(self) -> bool:
        return self.item_type == self.ItemType.STOCKED


class WorkCenter(models.Model):
    """A machine or labour group where operations run; its rates are the standard for time.

    Direct cost per hour goes to ``direct_cost_group``; capacity overhead, per hour and as a
    percentage of direct cost, goes to ``overhead_cost_group``. A work centre with a vendor is
    subcontracted: its operations are bought as services.
    """

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    cost_center = models.ForeignKey(
        "ledger.CostCenter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    capacity_unit = models.ForeignKey(
        UnitOfMeasure, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    direct_cost_per_hour = models.DecimalField(max_digits=20, decimal_places=6, default=ZERO)
    direct_cost_group = models.ForeignKey(
        CostGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overhead_per_hour = models.DecimalField(max_digits=20, decimal_places=6, default=ZERO)
    overhead_percent = models.DecimalField(
        max_digits=9,
        decimal_places=4,
        default=ZERO,
        help_text="Capacity overhead, % of direct cost.",
    )
    overhead_cost_group = models.ForeignKey(
        CostGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    vendor = models.ForeignKey(
        "subcontracting.Vendor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_centers",
        help_text="Set for a subcontracted work centre.",
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direct_cost_per_hour__gte=0), name="wc_rate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(overhead_per_hour__gte=0), name="wc_oh_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(overhead_percent__gte=0), name="wc_oh_pct_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class RoutingVersion(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="routing_versions")
    version = models.CharField(max_length=20)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")

    class Meta:
        ordering = ["item", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="routing_version_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="routing_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} routing {self.version}"


class Operation(models.Model):
    routing = models.ForeignKey(RoutingVersion, on_delete=models.CASCADE, related_name="operations")
    operation_no = models.PositiveIntegerField(help_text="Sequence: 10, 20, 30 ...")
    description = models.CharField(max_length=120, blank=True)
    work_center = models.ForeignKey(WorkCenter, on_delete=models.PROTECT, related_name="operations")
    setup_time = models.DecimalField(**QUANTITY, default=ZERO, help_text="Hours per lot.")
    run_time = models.DecimalField(**QUANTITY, default=ZERO, help_text="Hours per unit.")
    subcontracted = models.BooleanField(default=False)
    service_item = models.ForeignKey(
        Item,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The service bought from the vendor (subcontracted operations).",
    )

    class Meta:
        ordering = ["routing", "operation_no"]
        constraints = [
            models.UniqueConstraint(fields=["routing", "operation_no"], name="operation_no_unique"),
            models.CheckConstraint(condition=Q(setup_time__gte=0), name="setup_not_negative"),
            models.CheckConstraint(condition=Q(run_time__gte=0), name="run_not_negative"),
            models.CheckConstraint(
                condition=Q(subcontracted=False) | Q(service_item__isnull=False),
                name="subcontracted_operation_has_service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.routing} op {self.operation_no}"


class BomVersion(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="bom_versions")
    version = models.CharField(max_length=20)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    quantity = models.DecimalField(
        **QUANTITY, default=Decimal("1"), help_text="Formula size: lines are per this quantity."
    )
    main_allocation_percent = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        default=Decimal("100"),
        help_text="Share of the batch cost the main product carries (co-products take the rest).",
    )

    class Meta:
        ordering = ["item", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="bom_version_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="bom_validity_ordered",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bom_quantity_positive"),
            models.CheckConstraint(
                condition=Q(main_allocation_percent__gt=0, main_allocation_percent__lte=100),
                name="bom_main_allocation_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} BOM {self.version}"


class BomLine(models.Model):
    class Flushing(models.TextChoices):
        MANUAL = "manual", "Manual"
        FORWARD = "forward", "Forward (at release)"
        BACKWARD = "backward", "Backward (with output)"

    bom = models.ForeignKey(BomVersion, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    component = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="used_in")
    quantity_per = models.DecimalField(**QUANTITY, help_text="Per BOM quantity, in ``unit``.")
    unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    scrap_percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)
    flushing_method = models.CharField(
        max_length=8, choices=Flushing.choices, default=Flushing.MANUAL
    )
    operation_no = models.PositiveIntegerField(
        null=True, blank=True, help_text="Routing operation the component is consumed at."
    )

    class Meta:
        ordering = ["bom", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["bom", "line_no"], name="bom_line_no_unique"),
            models.CheckConstraint(
                condition=Q(quantity_per__gt=0), name="bom_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(scrap_percent__gte=0, scrap_percent__lt=100), name="bom_scrap_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bom} line {self.line_no}: {self.quantity_per} {self.unit} {self.component}"


class BomOutput(models.Model):
    """A further product of the BOM: a co-product sharing the cost, or a by-product."""

    class Kind(models.TextChoices):
        CO_PRODUCT = "co_product", "Co-product (shares the cost)"
        BY_PRODUCT = "by_product", "By-product (no cost, or a fixed credit)"

    bom = models.ForeignKey(BomVersion, on_delete=models.CASCADE, related_name="outputs")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quantity = models.DecimalField(**QUANTITY, help_text="Per BOM quantity of the main product.")
    cost_allocation_percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)
    fixed_credit_per_unit = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        default=ZERO,
        help_text="By-product: value per unit credited against the batch cost.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="bom_output_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(kind="co_product") | Q(cost_allocation_percent=0),
                name="by_product_carries_no_allocation",
            ),
            models.CheckConstraint(
                condition=Q(cost_allocation_percent__gte=0, cost_allocation_percent__lte=100),
                name="bom_output_allocation_range",
            ),
            models.CheckConstraint(
                condition=Q(fixed_credit_per_unit__gte=0), name="bom_output_credit_not_negative"
            ),
            models.UniqueConstraint(fields=["bom", "item"], name="bom_output_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bom}: {self.kind} {self.item}"


class CostingVersion(models.Model):
    class VersionType(models.TextChoices):
        STANDARD = "standard", "Standard"
        PLANNED = "planned", "Planned"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    version_type = models.CharField(max_length=8, choices=VersionType.choices)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class StandardCost(models.Model):
    """An item's cost in a costing version, from an activation date; pending until activated."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded"

    version = models.ForeignKey(CostingVersion, on_delete=models.PROTECT, related_name="costs")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="standard_costs")
    activation_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    unit_cost = models.DecimalField(max_digits=20, decimal_places=6, default=ZERO)
    lot_size = models.DecimalField(**QUANTITY, default=Decimal("1"))
    bom = models.ForeignKey(
        BomVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    routing = models.ForeignKey(
        RoutingVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    calculated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "-activation_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "item", "activation_date"], name="one_cost_per_version_item_date"
            ),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="active"), name="one_active_standard_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.version} {self.activation_date}: {self.unit_cost}"


class StandardCostLine(models.Model):
    """One cost group of a standard cost: what this level adds and the total rolled up."""

    standard_cost = models.ForeignKey(StandardCost, on_delete=models.CASCADE, related_name="lines")
    cost_group = models.ForeignKey(CostGroup, on_delete=models.PROTECT, related_name="+")
    this_level = models.DecimalField(max_digits=20, decimal_places=6, default=ZERO)
    rolled_up = models.DecimalField(max_digits=20, decimal_places=6, default=ZERO)

    class Meta:
        ordering = ["standard_cost", "cost_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard_cost", "cost_group"], name="one_line_per_cost_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cost_group}: {self.rolled_up}"


class WorkCenterRate(models.Model):
    """A work centre's rate per hour in a costing version; pending until activated.

    Cost accounting proposes these from the actual cost per hour of a production cost centre;
    activating a rate makes it the work centre's standard rate for the next roll-up.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACTIVE = "active", "Active"

    version = models.ForeignKey(
        CostingVersion, on_delete=models.PROTECT, related_name="work_center_rates"
    )
    work_center = models.ForeignKey(WorkCenter, on_delete=models.PROTECT, related_name="rates")
    direct_cost_per_hour = models.DecimalField(max_digits=20, decimal_places=6)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["version", "work_center"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "work_center"], name="one_rate_per_version_and_work_center"
            ),
            models.CheckConstraint(
                condition=Q(direct_cost_per_hour__gte=0), name="wc_version_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.work_center}: {self.direct_cost_per_hour}"
