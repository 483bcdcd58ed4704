"""Adjust Cost started from the admin or the API is queued, and its run can be watched."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from mfgcost.celery import app
from mfgcost.costing import services
from mfgcost.costing.models import CostAdjustmentRun
from mfgcost.costing.tasks import adjust_cost_task


@pytest.fixture
def with_broker(monkeypatch):
    """A broker is set (tasks are not eager); what would be sent is recorded instead."""
    sent = []
    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(
        adjust_cost_task, "apply_async", lambda kwargs, task_id: sent.append((kwargs, task_id))
    )
    yield sent
    app.conf.task_always_eager = before


@pytest.fixture
def staff_client(db):
    user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_api_queues_after_commit_and_returns_the_run_to_poll(
    api, finished_bracket, with_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(
            "/api/costing/adjust/",
            {"orders": [finished_bracket.number], "queue": True},
            format="json",
        )
        assert with_broker == []  # nothing is sent before the run's row is committed
    assert response.status_code == 202
    run = CostAdjustmentRun.objects.get()
    url = f"http://testserver/api/costing/runs/{run.pk}/"
    assert response["Location"] == url
    assert response.data == {
        "task_id": run.task_id,
        "run": run.pk,
        "url": url,
        "status": "queued",
    }
    assert (run.status, run.orders_adjusted, run.scope["order_ids"]) == (
        "queued",
        0,
        [finished_bracket.pk],
    )
    assert len(callbacks) == 1
    callbacks[0]()
    assert with_broker == [({"run_id": run.pk}, run.task_id)]

    polled = api.get(url).data
    assert (polled["status"], polled["units_done"], polled["task_id"]) == ("queued", 0, run.task_id)

    # The worker picks the message up: the same run is worked, and a repeat posts nothing.
    adjust_cost_task.run(run_id=run.pk)
    polled = api.get(url).data
    assert (polled["status"], polled["orders_adjusted"]) == ("done", 1)
    assert polled["units_done"] == polled["units_total"] >= 1
    assert adjust_cost_task.run(run_id=run.pk) == {"run": run.pk, "already": "done"}
    assert CostAdjustmentRun.objects.count() == 1


def test_bad_input_is_refused_before_anything_is_queued(api, finished_bracket, with_broker):
    response = api.post("/api/costing/adjust/", {"items": ["NOPE"], "queue": True}, format="json")
    assert response.status_code == 400 and "items" in response.data
    assert CostAdjustmentRun.objects.count() == 0 and with_broker == []


def test_progress_is_written_while_the_run_goes(finished_bracket):
    seen = []

    def progress(done, total, label):
        row = CostAdjustmentRun.objects.values("units_done", "units_total", "current_unit").get()
        seen.append((done, total, row["units_done"], row["units_total"], row["current_unit"]))

    services.adjust_cost_run(progress=progress)
    assert seen and all(done == row_done for done, _, row_done, _, _ in seen)
    assert all(label.startswith(("order ", "item ")) for *_, label in seen)
    run = CostAdjustmentRun.objects.get()
    assert (run.status, run.units_done, run.units_total) == ("done", len(seen), len(seen))


def test_admin_button_queues_and_the_run_page_refreshes_while_queued(
    staff_client, finished_bracket, with_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/admin/costing/costadjustmentrun/run/")
    run = CostAdjustmentRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/costing/costadjustmentrun/{run.pk}/change/"
    assert with_broker == [({"run_id": run.pk}, run.task_id)]
    page = staff_client.get(response["Location"]).content.decode()
    assert f"Adjust Cost run {run.pk} queued" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "waiting for a worker" in page

    adjust_cost_task.run(run_id=run.pk)
    page = staff_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert 'data-status="done"' in page
