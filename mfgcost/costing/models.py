"""Adjust Cost: what changed, what was run, and where each variance came from.

Adjust Cost works only on what changed since its last run. What changed is kept as
``CostAdjustmentMark`` rows:

* an *item mark* names an item (and, when known, the location, the inbound item ledger entry
  whose value changed, and the valuation date from which the item must be looked at again);
* an *order mark* names a production order whose work in process changed.

Marks come from two places. Each run first turns the value entries posted since the previous
run into marks (``CostAdjustmentState.last_value_entry_id`` is that high-water mark, see
``services.marks_collect``); services may also mark directly (``item_mark_changed``,
``order_mark_changed``), inside the transaction of their posting. A run deletes the marks it has
worked, in the same transaction as the adjustments it posts for them, so an interrupted run
leaves exactly the unfinished work behind.

``CostAdjustmentRun`` is the log of runs. ``VarianceSource`` links each variance value entry to
the consumption, capacity and overhead value entries it was computed from, so a report can drill
from a general-ledger line down to the entry that caused it. Marks and runs are bookkeeping of
the job, not ledger rows: marks are deleted when worked; value entries are never touched.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q


class CostAdjustmentState(models.Model):
    """One row: the last value entry already turned into marks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_value_entry_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "cost adjustment state"

    def __str__(self) -> str:
        return f"Value entries up to {self.last_value_entry_id} marked"


class CostAdjustmentMark(models.Model):
    """Work waiting for Adjust Cost.

    The references carry no database constraint on purpose: checking one takes a share lock on
    the referenced row, and a mark written while a posting holds that row (and waits for a row
    this transaction holds) would deadlock. Marks are deleted when worked.
    """

    item = models.ForeignKey(
        "items.Item",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    location = models.ForeignKey(
        "inventory.Location",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        help_text="Average items: the location to re-average (empty: all).",
    )
    item_ledger_entry = models.ForeignKey(
        "inventory.ItemLedgerEntry",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        help_text="FIFO items: the inbound entry whose value changed (empty: every inbound "
        "entry from the date).",
    )
    from_date = models.DateField(null=True, blank=True)
    order = models.ForeignKey(
        "production.ProductionOrder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(item__isnull=False, from_date__isnull=False, order__isnull=True)
                    | Q(item__isnull=True, order__isnull=False)
                ),
                name="mark_is_item_or_order",
            )
        ]
        indexes = [models.Index(fields=["item"]), models.Index(fields=["order"])]

    def __str__(self) -> str:
        if self.order_id:
            return f"order {self.order_id}"
        return f"item {self.item_id} from {self.from_date}"


class CostAdjustmentRun(models.Model):
    """One run of Adjust Cost, written as it goes so its page can follow it.

    A run started from the admin or the API is first recorded as *queued* (with the id of the
    Celery task that will work it); the task turns it to *running*, updates ``units_done`` /
    ``units_total`` and the counts after each item or order, and ends it *done* or *failed*.

    ``heartbeat_at`` and the counters are written in the transaction of every unit of work the
    run commits, so they always tell what the run has posted, even when its worker dies. A run
    still ``running`` whose heartbeat is older than the stale age (the broker's visibility
    timeout, after which the task is delivered again) is marked ``abandoned`` by the next run
    and by the periodic check. A run that stopped at its time budget with work left is
    ``partial``; a continuation run works the rest.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        PARTIAL = "partial", "Stopped at its time budget (continued by the next run)"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned (its worker was lost)"

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When the run last committed a unit of work."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    queued_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    scope = models.JSONField(
        default=dict, blank=True, help_text="What a queued run was asked to work (ids, date)."
    )
    units_done = models.PositiveIntegerField(default=0)
    units_total = models.PositiveIntegerField(
        default=0, help_text="Items and orders known so far (work found on the way adds to it)."
    )
    current_unit = models.CharField(max_length=60, blank=True)
    items_adjusted = models.PositiveIntegerField(default=0)
    orders_adjusted = models.PositiveIntegerField(default=0)
    value_entries_posted = models.PositiveIntegerField(default=0)
    marks_collected = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(
        default=list, blank=True, help_text="Items and orders another run was working on."
    )
    errors = models.JSONField(default=list, blank=True)
    requested_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Adjust Cost run {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class VarianceSource(models.Model):
    """One entry a variance value entry was computed from, and its share of the variance."""

    variance_entry = models.ForeignKey(
        "inventory.ValueEntry", on_delete=models.PROTECT, related_name="variance_sources"
    )
    source_entry = models.ForeignKey(
        "inventory.ValueEntry", on_delete=models.PROTECT, related_name="variance_uses"
    )
    amount = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["variance_entry", "source_entry"], name="variance_source_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.variance_entry_id} <- {self.source_entry_id}: {self.amount}"
