"""Production orders: what is made, from what, by which operations, and what it should cost.

An order is planned, then released, then finished. Releasing it freezes a copy of the BOM and
routing versions valid on the release date: ``ProductionOrderComponent`` (one per BOM line, with
its quantity per unit of the order item converted to the component's base unit),
``ProductionOrderOperation`` (one per routing operation, with the work centre's rates of the day)
and ``ProductionOrderOutput`` (co- and by-products). The ``ProductionOrderEstimate`` lines keep
the expected cost by cost group for the order quantity, from the item's active standard. After
release the order changes only through postings (consumption, time, output), which live in the
inventory ledgers and point back to the order by ``order_type="production"`` and
``order_no=number``: components by ``order_line=line_no``, operations by ``operation_no``.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q

QUANTITY = {"max_digits": 20, "decimal_places": 6}
UNIT_COST = {"max_digits": 20, "decimal_places": 6}
AMOUNT = {"max_digits": 20, "decimal_places": 2}
PERCENT = {"max_digits": 9, "decimal_places": 4}
ZERO = Decimal("0")

ORDER_TYPE = "production"


class ProductionOrder(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        RELEASED = "released", "Released"
        FINISHED = "finished", "Finished"

    number = models.CharField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)
    item = models.ForeignKey(
        "items.Item", on_delete=models.PROTECT, related_name="production_orders"
    )
    quantity = models.DecimalField(**QUANTITY)
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="production_orders"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    due_date = models.DateField()
    output_tolerance_percent = models.DecimalField(
        **PERCENT,
        default=ZERO,
        help_text="Good output may exceed the order quantity by this %.",
    )
    # Frozen at release.
    bom = models.ForeignKey(
        "items.BomVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    routing = models.ForeignKey(
        "items.RoutingVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    standard_cost = models.ForeignKey(
        "items.StandardCost",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The active standard the estimate and output were valued from.",
    )
    unit_cost_standard = models.DecimalField(
        **UNIT_COST, default=ZERO, help_text="Standard cost per unit of the item at release."
    )
    costing_sheet = models.ForeignKey(
        "items.CostingSheet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    main_allocation_percent = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        default=Decimal("100"),
        help_text="Share of the order's cost the main product carries (co-products the rest).",
    )
    released_on = models.DateField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    finished_on = models.DateField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_quantity_positive"),
            models.CheckConstraint(
                condition=Q(output_tolerance_percent__gte=0), name="order_tolerance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status="planned") | Q(released_on__isnull=False),
                name="released_order_has_release_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="finished") | Q(finished_on__isnull=False),
                name="finished_order_has_finish_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "number"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_planned(self) -> bool:
        return self.status == self.Status.PLANNED

    @property
    def is_released(self) -> bool:
        return self.status == self.Status.RELEASED

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.FINISHED


class ProductionOrderComponent(models.Model):
    """A frozen BOM line: ``quantity_per`` is per unit of the order item in the base unit."""

    class Flushing(models.TextChoices):
        MANUAL = "manual", "Manual"
        FORWARD = "forward", "Forward (at release)"
        BACKWARD = "backward", "Backward (with output)"

    order = models.ForeignKey(ProductionOrder, on_delete=models.CASCADE, related_name="components")
    line_no = models.PositiveIntegerField()
    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    quantity_per = models.DecimalField(**QUANTITY)
    # The BOM line as given for its formula size (1.3 t ore per 1.4 t sinter): flushing works
    # from these, so a ratio that six places cannot hold (0.928571...) is not rounded first.
    formula_quantity = models.DecimalField(**QUANTITY, null=True, blank=True)
    formula_size = models.DecimalField(**QUANTITY, default=Decimal("1"))
    scrap_percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)
    expected_quantity = models.DecimalField(
        **QUANTITY, help_text="For the order quantity, scrap included."
    )
    flushing_method = models.CharField(
        max_length=8, choices=Flushing.choices, default=Flushing.MANUAL
    )
    operation_no = models.PositiveIntegerField(null=True, blank=True)
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    unit_cost_standard = models.DecimalField(
        **UNIT_COST, default=ZERO, help_text="Component's standard (or unit) cost at release."
    )

    class Meta:
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "line_no"], name="order_component_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity_per__gt=0), name="order_component_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(scrap_percent__gte=0, scrap_percent__lt=100),
                name="order_component_scrap_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} line {self.line_no}: {self.item}"


class ProductionOrderOperation(models.Model):
    """A frozen routing operation with the work centre's rates on the release date.

    ``setup_time`` is hours per lot (the item's lot size), ``run_time`` hours per unit;
    ``expected_setup_time`` and ``expected_run_time`` are for the order quantity. A subcontracted
    operation is bought from ``vendor`` as ``service_item`` at ``service_unit_cost`` per unit.
    """

    order = models.ForeignKey(ProductionOrder, on_delete=models.CASCADE, related_name="operations")
    operation_no = models.PositiveIntegerField()
    description = models.CharField(max_length=120, blank=True)
    work_center = models.ForeignKey("items.WorkCenter", on_delete=models.PROTECT, related_name="+")
    setup_time = models.DecimalField(**QUANTITY, default=ZERO)
    run_time = models.DecimalField(**QUANTITY, default=ZERO)
    lot_size = models.DecimalField(**QUANTITY, default=Decimal("1"))
    expected_setup_time = models.DecimalField(**QUANTITY, default=ZERO)
    expected_run_time = models.DecimalField(**QUANTITY, default=ZERO)
    direct_cost_per_hour = models.DecimalField(**UNIT_COST, default=ZERO)
    direct_cost_group = models.ForeignKey(
        "items.CostGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overhead_per_hour = models.DecimalField(**UNIT_COST, default=ZERO)
    overhead_percent = models.DecimalField(**PERCENT, default=ZERO)
    overhead_cost_group = models.ForeignKey(
        "items.CostGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subcontracted = models.BooleanField(default=False)
    service_item = models.ForeignKey(
        "items.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    vendor = models.ForeignKey(
        "subcontracting.Vendor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Defaults to the work centre's vendor.",
    )
    service_unit_cost = models.DecimalField(
        **UNIT_COST, default=ZERO, help_text="Price of the service per unit of the order item."
    )

    class Meta:
        ordering = ["order", "operation_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "operation_no"], name="order_operation_no_unique"
            ),
            models.CheckConstraint(
                condition=Q(setup_time__gte=0, run_time__gte=0), name="order_operation_times"
            ),
            models.CheckConstraint(
                condition=Q(subcontracted=False) | Q(service_item__isnull=False),
                name="order_subcontracted_operation_has_service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} op {self.operation_no}"


class ProductionOrderOutput(models.Model):
    """A frozen co- or by-product of the BOM, per unit of the order's main item."""

    class Kind(models.TextChoices):
        CO_PRODUCT = "co_product", "Co-product (shares the cost)"
        BY_PRODUCT = "by_product", "By-product (no cost, or a fixed credit)"

    order = models.ForeignKey(ProductionOrder, on_delete=models.CASCADE, related_name="outputs")
    line_no = models.PositiveIntegerField()
    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quantity_per = models.DecimalField(**QUANTITY)
    expected_quantity = models.DecimalField(**QUANTITY)
    cost_allocation_percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)
    fixed_credit_per_unit = models.DecimalField(**UNIT_COST, default=ZERO)
    unit_cost_standard = models.DecimalField(**UNIT_COST, default=ZERO)

    class Meta:
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_output_line_unique"),
            models.UniqueConstraint(fields=["order", "item"], name="order_output_item_once"),
            models.CheckConstraint(
                condition=Q(quantity_per__gt=0), name="order_output_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}: {self.kind} {self.item}"


class ProductionOrderEstimate(models.Model):
    """Expected cost of one cost group for the order, as estimated at release.

    ``unit_amount`` is the standard per unit of the item (6 places); ``amount`` is for the order
    quantity, rounded to cents. ``source`` says whether it came from the item's active standard
    breakdown or was computed from the frozen BOM and routing.
    """

    class Source(models.TextChoices):
        STANDARD = "standard", "Active standard cost"
        COMPUTED = "computed", "Computed from the frozen BOM and routing"

    order = models.ForeignKey(
        ProductionOrder, on_delete=models.CASCADE, related_name="estimate_lines"
    )
    cost_group = models.ForeignKey("items.CostGroup", on_delete=models.PROTECT, related_name="+")
    unit_amount = models.DecimalField(**UNIT_COST, default=ZERO)
    amount = models.DecimalField(**AMOUNT, default=ZERO)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STANDARD)

    class Meta:
        ordering = ["order", "cost_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "cost_group"], name="order_estimate_cost_group_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.cost_group}: {self.amount}"


class ConsumptionReturn(models.Model):
    """Negative consumption (a return to stock) applied to the order's earlier consumption.

    The return is an inbound consumption entry; its cost is taken from the consumption entries
    it reverses (latest first), quantity by quantity, as recorded here, so a later change in
    the cost of a consumption (Adjust Cost) can follow to the returned quantity. Append-only.
    """

    return_entry = models.ForeignKey(
        "inventory.ItemLedgerEntry", on_delete=models.PROTECT, related_name="returned_from"
    )
    consumption_entry = models.ForeignKey(
        "inventory.ItemLedgerEntry", on_delete=models.PROTECT, related_name="returns"
    )
    quantity = models.DecimalField(**QUANTITY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="consumption_return_positive"),
            models.UniqueConstraint(
                fields=["return_entry", "consumption_entry"], name="consumption_return_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.return_entry_id} returns {self.quantity} of {self.consumption_entry_id}"
