"""Admin pages and actions, and the Celery tasks (in process; a real worker with Redis)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from mfgcost.lean import tasks
from mfgcost.lean.models import BackflushRun, Kanban, KanbanRule
from mfgcost.lean.services import backflush_run_create

from .support import build_case, oct_, october

D = Decimal


@pytest.fixture
def admin_client_logged(client, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_admin_pages_show_the_run(admin_client_logged):
    case = build_case()
    october(case)
    run = backflush_run_create(end_date=oct_(31), today=oct_(31).replace(month=12))
    from mfgcost.lean.services import backflush_run_execute

    backflush_run_execute(run=run)
    run_flow = run.flows.get()
    for name in (
        "productionflow",
        "flowactivity",
        "kanbanrule",
        "kanban",
        "kanbanjob",
        "backflushrun",
        "backflushrunflow",
        "flowwipentry",
    ):
        response = admin_client_logged.get(reverse(f"admin:lean_{name}_changelist"))
        assert response.status_code == 200, name
    page = admin_client_logged.get(
        reverse("admin:lean_backflushrunflow_change", args=[run_flow.pk])
    )
    assert page.status_code == 200
    assert b"1200.00" in page.content and b"70.00" in page.content


@pytest.mark.django_db
def test_admin_empty_action_refuses_a_second_emptying(admin_client_logged):
    case = build_case()
    kanban = case.stage("P", oct_(2))
    url = reverse("admin:lean_kanban_changelist")
    data = {"action": "empty_today", "_selected_action": [kanban.pk]}
    admin_client_logged.post(url, data)
    kanban.refresh_from_db()
    assert kanban.status == Kanban.Status.EMPTIED
    first_date = kanban.emptied_date
    response = admin_client_logged.post(url, data, follow=True)
    assert b"status" in response.content
    kanban.refresh_from_db()
    assert kanban.emptied_date == first_date


@pytest.mark.django_db
def test_admin_rule_form_refuses_a_non_standard_product(admin_client_logged):
    case = build_case()
    from mfgcost.items.models import Item

    fifo = Item.objects.create(
        number="F",
        description="F",
        base_unit=case.widget.base_unit,
        posting_group=case.widget.posting_group,
    )
    before = KanbanRule.objects.count()
    response = admin_client_logged.post(
        reverse("admin:lean_kanbanrule_add"),
        {
            "flow": case.flow.pk,
            "product": fifo.pk,
            "quantity": "10",
            "automatic_empty": "none",
            "valid_from": "2026-01-01",
            "active": "on",
            "activities-TOTAL_FORMS": "0",
            "activities-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert b"standard-cost" in response.content
    assert KanbanRule.objects.count() == before


@pytest.mark.django_db
def test_flow_task_is_late_acknowledged_and_retried():
    from django.db import OperationalError

    task = tasks.backflush_flow_task
    assert task.name == "mfgcost.lean.backflush_flow"
    assert task.acks_late is True and task.reject_on_worker_lost is True
    assert task.autoretry_for == (OperationalError,) and task.max_retries == 5


@pytest.mark.django_db
def test_month_end_task_runs_the_last_month(tasks_in_process, django_capture_on_commit_callbacks):
    case = build_case()
    october(case)
    with django_capture_on_commit_callbacks(execute=True):
        summary = tasks.backflush_month_end_task.apply(kwargs={"end_date": "2026-10-31"}).get()
    run = BackflushRun.objects.get(pk=summary["run"])
    assert (run.end_date, run.status, run.requested_by) == (oct_(31), "done", "celery beat")
    assert case.wip_gl() == D("1200.00")


@pytest.mark.django_db
def test_group_of_flow_tasks_in_process(tasks_in_process, django_capture_on_commit_callbacks):
    case = build_case()
    october(case)
    run = backflush_run_create(end_date=oct_(31), today=oct_(31).replace(month=12))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.backflush_run_queue(run)
    run.refresh_from_db()
    assert run.status == BackflushRun.Status.DONE
    assert run.flows.get().wip_after == D("1200.00")
    # a task delivered again (acks_late) finds the flow done and posts nothing
    again = tasks.backflush_flow_task.apply(args=[run.flows.get().pk]).get()
    assert again["status"] == "done"
    assert case.wip_gl() == D("1200.00")


@pytest.mark.django_db
def test_month_end_is_on_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    from mfgcost.celery import app

    entry = PeriodicTask.objects.select_related("crontab").get(name="backflush-month-end")
    assert entry.task == tasks.backflush_month_end_task.name
    assert entry.task in app.tasks
    assert (entry.crontab.minute, entry.crontab.hour, entry.crontab.day_of_month) == (
        "30",
        "1",
        "1",
    )
