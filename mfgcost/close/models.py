"""The close of a period: runs, their steps, check settings and reopenings.

A ``CloseRun`` is one attempt to close a ``ledger.Period``; it is resumed, not repeated, after a
failure or a blocker: its steps keep their status and a resumed run starts at the first step not
done. At most one run of a period is pending or running at a time (a partial unique
constraint). A run that finished leaves the period closed; a later run of the same period (after
a reopening, or a rerun) is a new row.

A ``CloseRunStep`` is one step of a run: ``readiness`` first (its ``details`` hold every
check's severity and rows, the drill-down), then the steps of ``registry.steps()`` in position
order, each with status, progress (0 to 100), timings, counts and the error that stopped it.

``CloseCheckSetting`` makes a readiness check a blocker or a warning (or turns it off);
``PeriodReopening`` records who reopened a closed period and why. These are records of the
close job, not ledger rows.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from .registry import BLOCKER, WARNING


class CloseRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        BLOCKED = "blocked", "Blocked by readiness checks"
        FAILED = "failed", "Failed"
        DONE = "done", "Done"

    ACTIVE = (Status.PENDING, Status.RUNNING)

    period = models.ForeignKey("ledger.Period", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_via = models.CharField(max_length=20, blank=True, help_text="api, admin, beat...")
    attempts = models.PositiveIntegerField(default=1, help_text="Starts and resumptions.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the run stopped.")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status__in=["pending", "running"]),
                name="one_active_close_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"Close {self.period} #{self.pk} ({self.status})"


class CloseRunStep(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        BLOCKED = "blocked", "Blocked"
        FAILED = "failed", "Failed"

    FINISHED = (Status.DONE, Status.SKIPPED)

    run = models.ForeignKey(CloseRun, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=60)
    label = models.CharField(max_length=120, blank=True)
    position = models.IntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    details = models.JSONField(
        default=dict, blank=True, help_text="Readiness: each check's rows; fan-out: parts done."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="close_step_once_per_run"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="close_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def seconds(self) -> Decimal | None:
        if self.started_at and self.finished_at:
            elapsed = self.finished_at - self.started_at
            return Decimal(elapsed.days * 86400 + elapsed.seconds) + Decimal(
                elapsed.microseconds
            ) / Decimal(1_000_000)
        return None


class CloseCheckSetting(models.Model):
    """The severity of one readiness check (default: the severity it was registered with)."""

    class Severity(models.TextChoices):
        BLOCKER = BLOCKER, "Blocker: the close stops"
        WARNING = WARNING, "Warning: reported, the close goes on"

    check_name = models.CharField(max_length=60, unique=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["check_name"]

    def __str__(self) -> str:
        return f"{self.check_name}: {self.severity}"


class PeriodReopening(models.Model):
    """A closed period opened again: by whom, when and why."""

    period = models.ForeignKey("ledger.Period", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        permissions = [("reopen_period", "Can reopen a closed period")]

    def __str__(self) -> str:
        return f"{self.period} reopened {self.reopened_at:%Y-%m-%d}"
