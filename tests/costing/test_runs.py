"""Adjust Cost runs: heartbeat and counters per unit, a time budget, abandoned runs."""

import datetime as dt

import pytest
from django.utils import timezone

from mfgcost.costing.models import CostAdjustmentMark, CostAdjustmentRun
from mfgcost.costing.services import adjust_cost_run, adjust_cost_runs_abandon

pytestmark = pytest.mark.django_db


def two_items_to_adjust(post, make_item):
    """Two FIFO items, each received at 1.00, 3 sold, invoiced at 1.10: one unit of work each
    (the sale takes 3 x 0.10 = 0.30 more)."""
    items = []
    for number in ("A", "B"):
        item = make_item(number=number)
        receipt = post.receipt(item, "10", "1.00", day=2)
        post.sale(item, "3", day=3)
        post.invoice(receipt, "10", "1.10", day=4)
        items.append(item)
    return items


def test_counters_and_heartbeat_are_written_as_each_unit_commits(post, make_item):
    two_items_to_adjust(post, make_item)
    seen = []

    def progress(done, total, label):
        run = CostAdjustmentRun.objects.order_by("-pk").first()
        seen.append((run.status, run.items_adjusted, run.value_entries_posted))

    result = adjust_cost_run(progress=progress)
    # One adjustment value entry per item (its sale), counted as the unit commits.
    assert seen == [("running", 1, 1), ("running", 2, 2)]
    run = CostAdjustmentRun.objects.get(pk=result.run.pk)
    assert (run.status, run.items_adjusted, run.value_entries_posted) == ("done", 2, 2)
    assert run.heartbeat_at is not None and run.heartbeat_at <= run.finished_at


def test_a_spent_time_budget_leaves_the_rest_marked(post, make_item):
    first, second = two_items_to_adjust(post, make_item)
    result = adjust_cost_run(time_budget=0)
    assert result.run.status == "partial"
    assert result.items == [] and result.remaining_items == [first.pk, second.pk]
    assert CostAdjustmentMark.objects.filter(item__in=[first, second]).exists()
    again = adjust_cost_run()
    assert again.run.status == "done" and sorted(again.items) == [first.pk, second.pk]


def test_a_run_left_running_by_a_lost_worker_is_marked_abandoned(settings):
    settings.MFGCOST_ADJUST_RUN_STALE_SECONDS = 100
    now = timezone.now()
    lost = CostAdjustmentRun.objects.create(requested_by="celery", items_adjusted=7)
    CostAdjustmentRun.objects.filter(pk=lost.pk).update(
        heartbeat_at=now - dt.timedelta(seconds=101)
    )
    alive = CostAdjustmentRun.objects.create(requested_by="celery", heartbeat_at=now)

    assert adjust_cost_runs_abandon() == 1
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert (lost.status, lost.items_adjusted) == ("abandoned", 7)
    assert lost.finished_at == lost.heartbeat_at
    assert alive.status == "running"
    # The next run would have done it too, and says so.
    CostAdjustmentRun.objects.filter(pk=alive.pk).update(
        heartbeat_at=now - dt.timedelta(seconds=200)
    )
    assert adjust_cost_run().abandoned_runs == 1
    alive.refresh_from_db()
    assert alive.status == "abandoned"
