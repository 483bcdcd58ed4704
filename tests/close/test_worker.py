"""The close through a real Celery worker on Redis and PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import pytest

from ledger.models import Period
from ledger.selectors import account_balance
from mfgcost.close.models import CloseRun
from mfgcost.close.services import close_run_start
from mfgcost.core.errors import BusinessError
from tests.conftest import redis_url
from tests.costing.test_task import ROOT, database_url

D = Decimal


@pytest.fixture
def month_awaiting_close(monkeypatch, request):
    # The finish queues Adjust Cost after commit; here it queues nothing, so that the close's
    # own Adjust Cost step does the work.
    monkeypatch.setattr("mfgcost.costing.receivers.adjust_cost_queue", lambda order_id: None)
    return request.getfixturevalue("small_month")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_close_through_a_real_worker(
    company, month_awaiting_close, march_period, post, monkeypatch
):
    from mfgcost.celery import app

    broker = redis_url()
    queue = f"close-test-{uuid.uuid4().hex[:8]}"
    before = app.conf.task_always_eager, app.conf.task_default_queue
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
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
    try:
        run = close_run_start(period=march_period, via="test")  # sent once this commits
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status not in CloseRun.ACTIVE:
                break
            time.sleep(0.5)
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = before
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert run.status == CloseRun.Status.DONE, f"{run.status} {run.error}\n{output}"
    steps = {s.name: s for s in run.steps.all()}
    assert [s.status for s in steps.values()] == ["done"] * 6
    assert steps["adjust_cost"].counts["orders"] == 1
    assert steps["period_close"].counts == {"closed": 1}
    assert not Period.objects.get(pk=march_period.pk).is_open
    # 35.12 of variances (328.12 actual - 293.00 standard), WIP 0.
    variances = sum(account_balance(company.account(n)) for n in ("5310", "5320", "5340", "5350"))
    assert variances == D("35.12")
    assert account_balance(company.account("1330")) == D("0.00")
    with pytest.raises(BusinessError) as refused:
        post.receipt(month_awaiting_close.item, "1", "29.30", day=20)
    assert refused.value.field == "posting_date"
