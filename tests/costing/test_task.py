"""The Adjust Cost Celery task: in process (no broker), and through a real worker on Redis."""

import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from celery import Celery
from django.db import OperationalError, connection

from mfgcost.costing.models import CostAdjustmentRun
from mfgcost.costing.selectors import order_cost_sheet
from mfgcost.costing.tasks import adjust_cost_task
from tests.conftest import redis_url

D = Decimal
ROOT = Path(__file__).resolve().parents[2]


def test_task_is_named_idempotent_and_retried():
    assert adjust_cost_task.name == "mfgcost.costing.adjust_cost"
    assert adjust_cost_task.acks_late is True
    assert adjust_cost_task.autoretry_for == (OperationalError,)
    assert adjust_cost_task.time_limit and adjust_cost_task.max_retries


def test_task_in_process_settles_the_finished_order(finished_bracket, tasks_in_process):
    summary = adjust_cost_task.delay(order_id=finished_bracket.pk).get()
    assert summary["orders"] == [finished_bracket.pk]
    assert summary["errors"] == [] and summary["value_entries"] > 0
    assert order_cost_sheet(finished_bracket).total("variance") == D("35.12")
    assert adjust_cost_task.delay(order_id=finished_bracket.pk).get()["value_entries"] == 0


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{s['USER']}{password}@{host}/{s['NAME']}"


@pytest.fixture
def bracket_awaiting_adjustment(monkeypatch, request):
    """The finished bracket order with Adjust Cost not yet run.

    Finishing queues Adjust Cost after commit; without a broker that runs in this process at
    once, which would leave the worker nothing to do. Here the finish queues nothing.
    """
    monkeypatch.setattr("mfgcost.costing.receivers.adjust_cost_queue", lambda order_id: None)
    return request.getfixturevalue("finished_bracket")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_task_through_a_real_worker(bracket_awaiting_adjustment):
    finished_bracket = bracket_awaiting_adjustment
    # Celery lets CELERY_BROKER_URL in the environment win over an app's own broker, so the
    # worker and this client both use the environment's broker; a queue of its own keeps the
    # test apart from anything else on it.
    broker = redis_url()
    queue = f"costing-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "mfgcost.settings",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mfgcost",
            "worker",
            "-Q",
            queue,
            "-P",
            "solo",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    client = Celery(broker=broker, backend=broker)
    try:
        result = client.send_task(
            "mfgcost.costing.adjust_cost",
            kwargs={"order_ids": [finished_bracket.pk]},
            queue=queue,
        )
        try:
            summary = result.get(timeout=120)
        except Exception as error:  # the worker's own words say why
            worker.terminate()
            output = worker.communicate(timeout=30)[0].decode(errors="replace")
            pytest.fail(f"no result from the worker ({error!r}):\n{output}")
    finally:
        if worker.poll() is None:
            worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
        client.close()
    assert summary["orders"] == [finished_bracket.pk], output
    assert summary["value_entries"] > 0
    assert CostAdjustmentRun.objects.get().requested_by == "celery"
    assert order_cost_sheet(finished_bracket).total("variance") == D("35.12")
    assert order_cost_sheet(finished_bracket).wip == D("0.00")
