"""Lean production flows costed per period (backflush costing).

* ``ProductionFlow``: a flow at a site (the stock location material is taken from and products
  are received into). Its WIP is posted through the ordinary posting setup: the flow has a WIP
  location of its own (an ``InventoryPostingSetup`` row for that location names the flow's WIP
  account) and an item posting group of its own (its ``GeneralPostingSetup`` row names the
  applied accounts and the variance account per cost-group type).
* ``FlowActivity``: a process or transfer activity on a work cell (a work centre: run-time rate
  and cost group), or a subcontracted activity (a non-stocked service of a vendor, cost group of
  type direct outsourcing). ``inventory_update`` says what completing a job of it does: pick
  (stock into the flow's WIP), receipt (products out of WIP into stock) or nothing.
* ``KanbanRule``: a product (or a material staged into the flow), its quantity per handling
  unit, its activities with their run time per unit, and automatic empty registration.
* ``Kanban``: one handling unit, assigned -> received -> emptied (no partial emptying).
* ``KanbanJob``: a job of a kanban on one activity, planned -> started -> completed, with the
  run time and quantity reported at completion.
* ``FlowWipEntry``: the flow's WIP sub-ledger by cost group and item, append-only. Every row
  carries the value entry that moved the flow's WIP account, so the WIP account reconciles to
  it. Material staged into the flow is *physically updated* until a backflush run settles it.
* ``BackflushRun`` and ``BackflushRunFlow``: a run for a period end date over all flows (one
  record per flow: status, progress, errors), with the unused quantities (``UnusedQuantity``),
  the FIFO financial settlement (``FlowSettlement``: negative rows undo a reversed run), the
  variances (``FlowVariance``), the jobs left open (``BackflushOpenJob``) and the vendors'
  purchase of the period (``FlowVendorPurchase``).
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q

AMOUNT = {"max_digits": 20, "decimal_places": 2, "default": Decimal("0")}
QUANTITY = {"max_digits": 20, "decimal_places": 6}
ZERO = Decimal("0")
FLOW_ORDER_TYPE = "flow"


class ProductionFlow(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    site = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        related_name="production_flows",
        help_text="Stock location material is staged from and products are received into.",
    )
    wip_location = models.OneToOneField(
        "inventory.Location",
        on_delete=models.PROTECT,
        related_name="production_flow",
        help_text="The flow's own WIP location: its inventory posting setup names the WIP account.",
    )
    posting_group = models.OneToOneField(
        "ledger.ItemPostingGroup",
        on_delete=models.PROTECT,
        related_name="production_flow",
        help_text="The flow's posting group: its general posting setup names the variance "
        "accounts per cost-group type.",
    )
    costing_sheet = models.ForeignKey(
        "items.CostingSheet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Indirect cost on the material the flow consumes in a period.",
    )
    active = models.BooleanField(default=True)
    costed_through = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="End date of the last backflush run not reversed: nothing is posted on or "
        "before it.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class FlowActivity(models.Model):
    class Kind(models.TextChoices):
        PROCESS = "process", "Process"
        TRANSFER = "transfer", "Transfer"

    class InventoryUpdate(models.TextChoices):
        NONE = "none", "None (stays in the flow)"
        PICK = "pick", "On pick: stock into the flow's WIP"
        RECEIPT = "receipt", "On receipt: products out of the flow into stock"

    flow = models.ForeignKey(ProductionFlow, on_delete=models.CASCADE, related_name="activities")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PROCESS)
    inventory_update = models.CharField(
        max_length=8, choices=InventoryUpdate.choices, default=InventoryUpdate.NONE
    )
    work_cell = models.ForeignKey(
        "items.WorkCenter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Run time is costed at its direct cost per hour, in its direct cost group.",
    )
    subcontracted = models.BooleanField(default=False)
    vendor = models.ForeignKey(
        "subcontracting.Vendor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_item = models.ForeignKey(
        "items.Item",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Subcontracted: the non-stocked service bought (direct outsourcing).",
    )
    service_price = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        default=ZERO,
        help_text="Subcontracted: the vendor's price per unit (default for its jobs).",
    )

    class Meta:
        ordering = ["flow", "code"]
        verbose_name_plural = "flow activities"
        constraints = [
            models.UniqueConstraint(fields=["flow", "code"], name="flow_activity_code_unique"),
            models.CheckConstraint(
                condition=Q(subcontracted=False) | Q(service_item__isnull=False),
                name="flow_subcontracted_activity_has_service",
            ),
            models.CheckConstraint(
                condition=Q(service_price__gte=0), name="flow_service_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flow}/{self.code}"


class ItemDefaultFlow(models.Model):
    """The flow a product's standard cost is calculated from when none is chosen."""

    item = models.OneToOneField("items.Item", on_delete=models.CASCADE, related_name="+")
    flow = models.ForeignKey(ProductionFlow, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.item} -> {self.flow}"


class KanbanRule(models.Model):
    class AutomaticEmpty(models.TextChoices):
        NONE = "none", "None (registered by hand)"
        ON_RECEIPT = "on_receipt", "When the handling unit is received"
        ON_SOURCE_REQUIREMENT = "on_source_requirement", "When the source requirement is registered"

    flow = models.ForeignKey(ProductionFlow, on_delete=models.PROTECT, related_name="kanban_rules")
    product = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY, help_text="Quantity per handling unit.")
    automatic_empty = models.CharField(
        max_length=24, choices=AutomaticEmpty.choices, default=AutomaticEmpty.NONE
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["flow", "product", "valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="kanban_rule_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.flow}: {self.product} x {self.quantity.normalize():f}"


class KanbanRuleActivity(models.Model):
    rule = models.ForeignKey(KanbanRule, on_delete=models.CASCADE, related_name="activities")
    activity = models.ForeignKey(FlowActivity, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField(default=10)
    run_time = models.DecimalField(**QUANTITY, default=ZERO, help_text="Hours per unit.")

    class Meta:
        ordering = ["rule", "sequence", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(run_time__gte=0), name="kanban_run_time_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.sequence}: {self.activity.code}"


class Kanban(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Assigned (in process)"
        RECEIVED = "received", "Received (full)"
        EMPTIED = "emptied", "Emptied (consumed)"

    rule = models.ForeignKey(KanbanRule, on_delete=models.PROTECT, related_name="kanbans")
    flow = models.ForeignKey(ProductionFlow, on_delete=models.PROTECT, related_name="kanbans")
    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40, unique=True)
    quantity = models.DecimalField(**QUANTITY)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ASSIGNED)
    assigned_date = models.DateField()
    received_date = models.DateField(null=True, blank=True)
    emptied_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="kanban_quantity_positive")
        ]
        indexes = [models.Index(fields=["flow", "item", "status"])]

    def __str__(self) -> str:
        return self.number


class KanbanJob(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"

    kanban = models.ForeignKey(Kanban, on_delete=models.PROTECT, related_name="jobs")
    activity = models.ForeignKey(FlowActivity, on_delete=models.PROTECT, related_name="jobs")
    sequence = models.PositiveIntegerField(default=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    planned_date = models.DateField()
    started_date = models.DateField(null=True, blank=True)
    completed_date = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(**QUANTITY, default=ZERO, help_text="Reported at completion.")
    run_time = models.DecimalField(**QUANTITY, default=ZERO, help_text="Hours, at completion.")
    unit_price = models.DecimalField(
        max_digits=20, decimal_places=6, default=ZERO, help_text="Subcontracted: vendor price."
    )

    class Meta:
        ordering = ["kanban", "sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(run_time__gte=0), name="kanban_job_run_time"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="kanban_job_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.kanban} {self.activity.code}"


class BackflushRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    end_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    requested_by = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        kind = "Reversal" if self.reversal_of_id else "Backflush run"
        return f"{kind} {self.pk} to {self.end_date}"


class BackflushRunFlow(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped (already costed)"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(BackflushRun, on_delete=models.CASCADE, related_name="flows")
    flow = models.ForeignKey(ProductionFlow, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    error = models.TextField(blank=True)
    period_start = models.DateField(null=True, blank=True)
    wip_before = models.DecimalField(**AMOUNT)
    wip_after = models.DecimalField(**AMOUNT)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "flow"]
        constraints = [
            models.UniqueConstraint(fields=["run", "flow"], name="one_run_flow_per_flow")
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.flow}: {self.status}"


class UnusedQuantity(models.Model):
    run_flow = models.ForeignKey(BackflushRunFlow, on_delete=models.CASCADE, related_name="unused")
    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    kanbans = models.PositiveIntegerField(default=0)
    quantity = models.DecimalField(**QUANTITY)
    value = models.DecimalField(**AMOUNT)

    class Meta:
        ordering = ["run_flow", "item"]
        verbose_name_plural = "unused quantities"

    def __str__(self) -> str:
        return f"{self.item}: {self.quantity.normalize():f}"


class FlowWipEntry(models.Model):
    class Kind(models.TextChoices):
        MATERIAL = "material", "Material staged (physically updated)"
        PRODUCT = "product", "Product received (WIP relieved)"
        CONVERSION = "conversion", "Conversion cost (run time)"
        OUTSOURCING = "outsourcing", "Subcontracted service"
        INDIRECT = "indirect", "Indirect cost on consumed material"
        VARIANCE = "variance", "Variance"

    flow = models.ForeignKey(ProductionFlow, on_delete=models.PROTECT, related_name="wip_entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    posting_date = models.DateField()
    cost_group = models.ForeignKey("items.CostGroup", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        "items.Item",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Material: the component; product relief of material: the component relieved.",
    )
    product = models.ForeignKey(
        "items.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(**QUANTITY, default=ZERO)
    amount = models.DecimalField(**AMOUNT)
    standard_amount = models.DecimalField(
        **AMOUNT, help_text="Outsourcing: the quantity at the service's standard price."
    )
    job = models.ForeignKey(KanbanJob, null=True, blank=True, on_delete=models.PROTECT)
    kanban = models.ForeignKey(Kanban, null=True, blank=True, on_delete=models.PROTECT)
    run_flow = models.ForeignKey(
        BackflushRunFlow, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    vendor = models.ForeignKey(
        "subcontracting.Vendor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value_entry = models.ForeignKey(
        "inventory.ValueEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "flow WIP entries"
        indexes = [models.Index(fields=["flow", "kind", "posting_date"])]

    def __str__(self) -> str:
        return f"{self.flow} {self.kind} {self.cost_group} {self.amount}"


class FlowSettlement(models.Model):
    """The part of a staged material transaction a run settled financially (FIFO)."""

    run_flow = models.ForeignKey(
        BackflushRunFlow, on_delete=models.PROTECT, related_name="settlements"
    )
    wip_entry = models.ForeignKey(FlowWipEntry, on_delete=models.PROTECT, related_name="settled")
    quantity = models.DecimalField(**QUANTITY)
    amount = models.DecimalField(**AMOUNT)
    split = models.BooleanField(default=False, help_text="Usage ended inside the transaction.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.wip_entry_id}: {self.quantity.normalize():f}"


class FlowVariance(models.Model):
    run_flow = models.ForeignKey(
        BackflushRunFlow, on_delete=models.CASCADE, related_name="variances"
    )
    cost_group = models.ForeignKey("items.CostGroup", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        "items.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    variance_type = models.CharField(max_length=24)
    cause = models.CharField(max_length=16, blank=True)
    amount = models.DecimalField(**AMOUNT, help_text="Positive: more used than the standard.")

    class Meta:
        ordering = ["run_flow", "cost_group", "item", "cause"]

    def __str__(self) -> str:
        return f"{self.cost_group} {self.item or ''} {self.cause}: {self.amount}"


class BackflushOpenJob(models.Model):
    run_flow = models.ForeignKey(
        BackflushRunFlow, on_delete=models.CASCADE, related_name="open_jobs"
    )
    job = models.ForeignKey(KanbanJob, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return str(self.job)


class FlowVendorPurchase(models.Model):
    """A vendor's services to the flow in the period, aggregated from the kanban jobs."""

    run_flow = models.ForeignKey(
        BackflushRunFlow, on_delete=models.CASCADE, related_name="vendor_purchases"
    )
    vendor = models.ForeignKey("subcontracting.Vendor", on_delete=models.PROTECT, related_name="+")
    service_item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    amount = models.DecimalField(**AMOUNT)

    def __str__(self) -> str:
        return f"{self.vendor} {self.service_item}: {self.amount}"
