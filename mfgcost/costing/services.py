"""Adjust Cost: marks of what changed, and the run that works them off.

``adjust_cost_run`` is the job (the Celery task and ``manage.py adjust_cost`` call it):

1. ``marks_collect``: the value entries posted since the last run become marks (items whose
   inbound cost changed, finished orders that received cost). The cut is taken under the
   exclusive period locks, which wait for every posting in progress, so an entry committed late
   with a lower id is never skipped.
2. The marked items and orders are worked lowest BOM level first (the highest low-level code
   first): at each level the orders that produce items of the level are settled, then the items
   of the level forward their changes. Forwarding marks the orders that consumed a changed
   entry; settling a FIFO or average order marks its output; both go into the same run's queue,
   so a price change on a purchased component reaches the top of the BOM in one run. Whatever
   order the marks came in, the queue works them in level order; a mark that appears below the
   level being worked (wrong low-level codes) is still worked, later in the same run.
3. Each item and each order is one transaction (``forwarding.item_costs_forward``,
   ``settlement.order_costs_settle``) that posts its adjustments and deletes its marks together.
   An item or order that another run holds (its advisory lock) is skipped and reported; its
   marks stay for the next run.

Every adjustment is computed as a target compared with what is posted, so a second run with
nothing new posts nothing, and a retried run cannot post anything twice.
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from mfgcost.core.errors import BusinessError
from mfgcost.core.schedules import periodic_task_seed
from mfgcost.inventory.models import ItemLedgerEntry, ValueEntry
from mfgcost.items.models import Item
from mfgcost.production.models import ORDER_TYPE, ProductionOrder

from .forwarding import item_costs_forward
from .models import CostAdjustmentMark, CostAdjustmentRun, CostAdjustmentState
from .posting import periods_lock, posting_calendar
from .settlement import order_costs_settle

logger = logging.getLogger(__name__)
ORDER, ITEM = 0, 1  # at one level, orders are settled before their items forward
MAX_VISITS = 20


# --------------------------------------------------------------------------- marks


@transaction.atomic
def item_mark_changed(
    *, item: Item, from_date: dt.date, entry: ItemLedgerEntry | None = None
) -> CostAdjustmentMark:
    """Mark ``item`` for Adjust Cost from ``from_date`` (and, for FIFO, the inbound ``entry``
    whose cost changed). Call it inside the posting's transaction."""
    return CostAdjustmentMark.objects.create(
        item=item,
        from_date=from_date,
        item_ledger_entry=entry,
        location_id=entry.location_id if entry is not None else None,
    )


@transaction.atomic
def order_mark_changed(*, order: ProductionOrder) -> CostAdjustmentMark:
    """Mark a production order for Adjust Cost (its WIP changed, or it was finished)."""
    return CostAdjustmentMark.objects.create(order=order)


def _state() -> CostAdjustmentState:
    state = CostAdjustmentState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        CostAdjustmentState.objects.get_or_create(pk=1)
        state = CostAdjustmentState.objects.select_for_update().get(pk=1)
    return state


def _ledger_cut() -> int:
    """The highest value entry id below which every entry is committed (or rolled back)."""
    with transaction.atomic():
        periods_lock(shared=False)
        return ValueEntry.objects.aggregate(m=Max("id"))["m"] or 0


@transaction.atomic
def marks_collect() -> int:
    """Turn value entries posted since the last collection into marks; return how many.

    Marked: FIFO and average items whose inbound entries got a new value entry (a receipt, an
    invoice, a positive adjustment, a transfer in, an output, a return), from that entry's
    valuation date; and finished production orders that got a new value entry. Adjust Cost's
    own entries are not marked: the run that posts them forwards them itself.
    """
    cut = _ledger_cut()
    state = _state()
    if cut <= state.last_value_entry_id:
        return 0
    new = ValueEntry.objects.filter(id__gt=state.last_value_entry_id, id__lte=cut, adjustment=False)
    item_rows = (
        new.filter(item_ledger_entry__quantity__gt=0)
        .exclude(item__costing_method=Item.CostingMethod.STANDARD)
        .values("item_id", "item_ledger_entry_id", "item_ledger_entry__location_id")
        .annotate(from_date=Min("valuation_date"))
    )
    marks = [
        CostAdjustmentMark(
            item_id=row["item_id"],
            item_ledger_entry_id=row["item_ledger_entry_id"],
            location_id=row["item_ledger_entry__location_id"],
            from_date=row["from_date"],
        )
        for row in item_rows
    ]
    numbers = set(new.filter(order_type=ORDER_TYPE).values_list("order_no", flat=True).distinct())
    if numbers:
        marks += [
            CostAdjustmentMark(order_id=pk)
            for pk in ProductionOrder.objects.filter(
                number__in=numbers, status=ProductionOrder.Status.FINISHED
            ).values_list("pk", flat=True)
        ]
    CostAdjustmentMark.objects.bulk_create(marks)
    state.last_value_entry_id = cut
    state.save(update_fields=["last_value_entry_id", "updated_at"])
    return len(marks)


# --------------------------------------------------------------------------- the run


@dataclass
class AdjustCostResult:
    run: CostAdjustmentRun
    items: list[int] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    value_entries: list[ValueEntry] = field(default_factory=list)
    worked: list[tuple[str, int]] = field(default_factory=list)  # ("item"|"order", id), in order
    # Units still queued when the run stopped at its time budget (a continuation works them).
    remaining_items: list[int] = field(default_factory=list)
    remaining_orders: list[int] = field(default_factory=list)
    abandoned_runs: int = 0

    @property
    def posted_nothing(self) -> bool:
        return not self.value_entries


class _Queue:
    """Units of work (orders and items) by BOM level, deepest level first."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, int]] = []
        self._queued: set[tuple[int, int]] = set()
        self.visits: dict[tuple[int, int], int] = {}

    def push(self, kind: int, pk: int, level: int) -> None:
        if (kind, pk) in self._queued:
            return
        self._queued.add((kind, pk))
        heapq.heappush(self._heap, (-level, kind, pk))

    def pop(self) -> tuple[int, int] | None:
        while self._heap:
            _, kind, pk = heapq.heappop(self._heap)
            self._queued.discard((kind, pk))
            return kind, pk
        return None

    def __len__(self) -> int:
        return len(self._heap)

    def units(self) -> list[tuple[int, int]]:
        return sorted((kind, pk) for _, kind, pk in self._heap)


def _levels(item_ids: Iterable[int]) -> dict[int, int]:
    return dict(Item.objects.filter(pk__in=set(item_ids)).values_list("pk", "low_level_code"))


def _order_levels(order_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        ProductionOrder.objects.filter(pk__in=set(order_ids)).values_list(
            "pk", "item__low_level_code"
        )
    )


def _clean_ids(values, *, field_name: str) -> list[int] | None:
    if values is None:
        return None
    ids = []
    for value in values:
        pk = getattr(value, "pk", value)
        try:
            ids.append(int(pk))
        except (TypeError, ValueError):
            raise BusinessError(f"{value!r} is not an id.", field=field_name) from None
    return ids


def stale_run_age() -> dt.timedelta:
    """How long a ``running`` run may go without a heartbeat before it counts as abandoned:
    the broker's visibility timeout (after it, a lost worker's task is delivered again)."""
    seconds = getattr(settings, "MFGCOST_ADJUST_RUN_STALE_SECONDS", None) or getattr(
        settings, "MFGCOST_CELERY_VISIBILITY_TIMEOUT", 100
    )
    return dt.timedelta(seconds=int(seconds))


def adjust_cost_runs_abandon(*, older_than: dt.timedelta | None = None) -> int:
    """Mark ``running`` runs with no heartbeat for ``older_than`` (default ``stale_run_age()``)
    as abandoned; return how many. Their counters say what they posted before they stopped;
    their unfinished work is still marked, for the next run."""
    cutoff = timezone.now() - (older_than if older_than is not None else stale_run_age())
    stale = CostAdjustmentRun.objects.annotate(
        last_sign=Coalesce("heartbeat_at", "started_at")
    ).filter(status=CostAdjustmentRun.Status.RUNNING, last_sign__lt=cutoff)
    ids = list(stale.values_list("pk", flat=True))
    if not ids:
        return 0
    count = CostAdjustmentRun.objects.filter(
        pk__in=ids, status=CostAdjustmentRun.Status.RUNNING
    ).update(
        status=CostAdjustmentRun.Status.ABANDONED,
        finished_at=Coalesce(F("heartbeat_at"), F("started_at")),
    )
    if count:
        logger.warning("Adjust Cost: %s run(s) of a lost worker marked abandoned", count)
    return count


def adjust_cost_queue(
    *,
    items: Iterable[Item | int] | None = None,
    orders: Iterable[ProductionOrder | int] | None = None,
    posting_date: dt.date | None = None,
    requested_by: str = "",
) -> CostAdjustmentRun:
    """Record a queued run and hand it to the Celery task once this transaction commits.

    The input is checked here (ids, a posting date with an open period), so a bad request is
    refused before anything is queued. Without a broker (Celery eager) there is no queue: the
    task runs in this process at once. The task id is chosen here, so the run names its task
    before the task exists.
    """
    from .tasks import adjust_cost_task  # the task module imports this one

    item_ids = _clean_ids(items, field_name="items")
    order_ids = _clean_ids(orders, field_name="orders")
    posting_calendar(fallback=posting_date)
    task_id = str(uuid.uuid4())
    scope = {
        "item_ids": item_ids,
        "order_ids": order_ids,
        "posting_date": posting_date.isoformat() if posting_date else None,
    }
    run = CostAdjustmentRun.objects.create(
        status=CostAdjustmentRun.Status.QUEUED,
        queued_at=timezone.now(),
        task_id=task_id,
        scope=scope,
        requested_by=requested_by[:150],
    )
    run_id = run.pk

    def send() -> None:
        adjust_cost_task.apply_async(kwargs={"run_id": run_id}, task_id=task_id)

    if adjust_cost_task.app.conf.task_always_eager:
        send()  # no broker: the task runs here and now, in this process
    else:
        transaction.on_commit(send)
    return run


def _progress_save(run: CostAdjustmentRun, result: AdjustCostResult, done: int, total: int, label):
    """Write the run's progress at once (autocommit), for its page to show while it runs."""
    CostAdjustmentRun.objects.filter(pk=run.pk).update(
        units_done=done,
        units_total=total,
        current_unit=label[:60],
        items_adjusted=len(result.items),
        orders_adjusted=len(result.orders),
        value_entries_posted=len(result.value_entries),
    )


def adjust_cost_run(
    *,
    items: Iterable[Item | int] | None = None,
    orders: Iterable[ProductionOrder | int] | None = None,
    posting_date: dt.date | None = None,
    requested_by: str = "",
    progress: Callable[[int, int, str], None] | None = None,
    time_budget: float | None = None,
    run: CostAdjustmentRun | None = None,
) -> AdjustCostResult:
    """Run Adjust Cost on everything marked (or on the marks of ``items`` / ``orders`` and
    whatever their changes reach).

    ``posting_date`` dates the adjustments whose valuation date lies in a closed period
    (default: the first day of the next open period). ``progress(done, total, label)`` is
    called after each unit of work. Not one transaction: each item and order is its own (see
    the module doc); the run is safe to interrupt and to repeat. With ``time_budget``
    (seconds) the run starts no unit after the budget is spent: it ends ``partial`` and
    returns the units still queued in ``remaining_items`` / ``remaining_orders``.

    Runs left ``running`` by a lost worker are marked abandoned first
    (``adjust_cost_runs_abandon``). ``run`` is a run recorded by ``adjust_cost_queue``,
    worked now (it turns from queued to running); the run record follows every unit of work.
    """
    item_ids = _clean_ids(items, field_name="items")
    order_ids = _clean_ids(orders, field_name="orders")
    calendar = posting_calendar(fallback=posting_date)
    abandoned = adjust_cost_runs_abandon()
    if run is None:
        run = CostAdjustmentRun.objects.create(
            requested_by=requested_by[:150], heartbeat_at=timezone.now()
        )
    else:
        run.status = CostAdjustmentRun.Status.RUNNING
        run.started_at = run.heartbeat_at = timezone.now()
        run.save(update_fields=["status", "started_at", "heartbeat_at"])
    result = AdjustCostResult(run=run, abandoned_runs=abandoned)
    deadline = None if time_budget is None else time.monotonic() + time_budget
    try:
        run.marks_collected = marks_collect()
        queue = _Queue()
        marks = CostAdjustmentMark.objects.all()
        if item_ids is not None or order_ids is not None:
            marks = marks.filter(item_id__in=item_ids or []) | marks.filter(
                order_id__in=order_ids or []
            )
        marked_items = set(marks.filter(item__isnull=False).values_list("item_id", flat=True))
        marked_orders = set(marks.filter(order__isnull=False).values_list("order_id", flat=True))
        for pk, level in _levels(marked_items).items():
            queue.push(ITEM, pk, level)
        for pk, level in _order_levels(marked_orders).items():
            queue.push(ORDER, pk, level)
        done = 0
        run.status = CostAdjustmentRun.Status.DONE
        _progress_save(run, result, done, len(queue), "")
        while len(queue):
            if deadline is not None and time.monotonic() >= deadline:
                units = queue.units()
                result.remaining_items = [pk for kind, pk in units if kind == ITEM]
                result.remaining_orders = [pk for kind, pk in units if kind == ORDER]
                run.status = CostAdjustmentRun.Status.PARTIAL
                break
            unit = queue.pop()
            _work(unit, queue, calendar, run, result)
            done += 1
            _progress_save(run, result, done, done + len(queue), _label(unit))
            if progress is not None:
                progress(done, done + len(queue), _label(unit))
    except Exception:
        run.status = CostAdjustmentRun.Status.FAILED
        raise
    finally:
        run.finished_at = timezone.now()
        run.units_done, run.units_total = _progress_counts(run)
        run.current_unit = ""
        run.items_adjusted = len(result.items)
        run.orders_adjusted = len(result.orders)
        run.value_entries_posted = len(result.value_entries)
        run.skipped = result.skipped
        run.errors = result.errors
        run.save()
    return result


def _progress_counts(run: CostAdjustmentRun) -> tuple[int, int]:
    row = CostAdjustmentRun.objects.filter(pk=run.pk).values("units_done").first()
    done = row["units_done"] if row else 0
    return done, done


def _label(unit: tuple[int, int]) -> str:
    kind, pk = unit
    return f"{'order' if kind == ORDER else 'item'} {pk}"


def _work(unit, queue: _Queue, calendar, run: CostAdjustmentRun, result: AdjustCostResult) -> None:
    kind, pk = unit
    visit = queue.visits.get(unit, 0) + 1
    queue.visits[unit] = visit
    if visit > MAX_VISITS:
        result.errors.append(f"{_label(unit)}: still changing after {MAX_VISITS} passes (a loop?)")
        return
    source_key = f"costing:adjust:{run.pk}:{visit}"
    try:
        # The run's heartbeat and counters commit with the unit's adjustments, so a run whose
        # worker is lost still says exactly what it posted.
        with transaction.atomic():
            if kind == ITEM:
                outcome = item_costs_forward(item_id=pk, calendar=calendar, source_key=source_key)
            else:
                outcome = order_costs_settle(order_id=pk, calendar=calendar, source_key=source_key)
            worked = outcome.worked and not outcome.skipped
            CostAdjustmentRun.objects.filter(pk=run.pk).update(
                heartbeat_at=timezone.now(),
                items_adjusted=len(result.items) + (worked and kind == ITEM),
                orders_adjusted=len(result.orders) + (worked and kind == ORDER),
                value_entries_posted=len(result.value_entries)
                + (len(outcome.value_entries) if worked else 0),
            )
        if kind == ITEM:
            follow = [(ORDER, o, level) for o, level in _order_levels(outcome.order_ids).items()]
        else:
            follow = [(ITEM, i, level) for i, level in _levels(outcome.item_ids).items()]
    except BusinessError as exc:
        logger.warning("Adjust Cost: %s not adjusted: %s", _label(unit), exc.message)
        result.errors.append(f"{_label(unit)}: {exc.message}")
        return
    if outcome.skipped:
        result.skipped.append(_label(unit))
        return
    if outcome.worked:
        (result.items if kind == ITEM else result.orders).append(pk)
        result.worked.append(("item" if kind == ITEM else "order", pk))
        result.value_entries += outcome.value_entries
    for next_kind, next_pk, level in follow:
        queue.push(next_kind, next_pk, level)


# --------------------------------------------------------------------------- schedule

NIGHTLY_TASK_NAME = "adjust-cost-nightly"


def adjust_cost_schedule_seed(*, hour: int | None = None) -> bool:
    """Put the nightly Adjust Cost in the beat schedule (the database), once.

    Called after every migrate. An entry already there -- perhaps edited or disabled in the
    admin -- is left as it is. Returns whether it was created.
    """
    from django.conf import settings

    from .tasks import adjust_cost_task

    hour = settings.MFGCOST_ADJUST_COST_HOUR if hour is None else hour
    return periodic_task_seed(
        name=NIGHTLY_TASK_NAME,
        task=adjust_cost_task.name,
        crontab={"minute": "0", "hour": str(hour)},
        description="Adjust Cost on everything that changed since the last run.",
    )


ABANDON_TASK_NAME = "adjust-cost-runs-abandon"


def adjust_cost_abandon_schedule_seed() -> bool:
    """Put the check for runs of lost workers (every 5 minutes) in the beat schedule, once."""
    from .tasks import adjust_cost_runs_abandon_task

    return periodic_task_seed(
        name=ABANDON_TASK_NAME,
        task=adjust_cost_runs_abandon_task.name,
        every_seconds=300,
        description="Mark Adjust Cost runs left running by a lost worker as abandoned.",
    )
