"""A worker killed in the middle of a flow: the flow is delivered again and costed with the
same postings as an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from ledger.models import JournalLine
from mfgcost.inventory.models import InventoryPosting
from mfgcost.lean.models import BackflushRunFlow
from mfgcost.lean.services import backflush_run_create
from tests.conftest import redis_url

from .support import build_case, oct_, october

D = Decimal
ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{s['USER']}{password}@{host}/{s['NAME']}"


def start_worker(queue: str) -> subprocess.Popen:
    broker = redis_url()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "mfgcost.settings",
        "MFGCOST_CELERY_VISIBILITY_TIMEOUT": "10",
    }
    return subprocess.Popen(
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


def wait_for(predicate, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_killed_worker_rerun_posts_the_same():
    case = build_case()
    october(case)
    run = backflush_run_create(end_date=oct_(31), today=oct_(31).replace(month=12))
    run_flow = run.flows.get()
    queue = f"lean-test-{uuid.uuid4().hex[:8]}"
    broker = redis_url()
    client = Celery(broker=broker, backend=broker)
    client.conf.broker_transport_options = {"visibility_timeout": 10}
    first = start_worker(queue)
    second = None
    import psycopg

    blocker = psycopg.connect(database_url().replace("postgres://", "postgresql://"))
    try:
        # hold the flow's row: the worker starts the flow, then waits inside its transaction
        blocker.execute("BEGIN")
        blocker.execute(
            "SELECT id FROM lean_productionflow WHERE id = %s FOR UPDATE", [case.flow.pk]
        )
        client.send_task("mfgcost.lean.backflush_flow", args=[run_flow.pk], queue=queue)
        started = wait_for(lambda: BackflushRunFlow.objects.get(pk=run_flow.pk).status == "running")
        assert started, "the worker never started the flow"
        time.sleep(1.0)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        blocker.execute("ROLLBACK")
        # the lost worker's transaction left nothing: no backflush posting
        assert not InventoryPosting.objects.filter(kind="backflush").exists()
        second = start_worker(queue)
        done = wait_for(lambda: BackflushRunFlow.objects.get(pk=run_flow.pk).status == "done")
        output = ""
        if not done:
            second.terminate()
            output = second.communicate(timeout=30)[0].decode(errors="replace")
        assert done, f"the flow was not delivered again:\n{output}"
    finally:
        blocker.close()
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.communicate(timeout=30)
        client.close()
    run_flow.refresh_from_db()
    assert run_flow.wip_after == D("1200.00")
    assert run_flow.attempts == 1  # the killed attempt's count was rolled back with it
    posting = InventoryPosting.objects.get(kind="backflush")
    lines = sorted(
        (line.account.number, line.debit, line.credit)
        for line in JournalLine.objects.filter(entry=posting.journal_entry).select_related(
            "account"
        )
    )
    # the clean run's journal: Dr WIP 900.00 overhead / Cr 5210; Dr 5311 240.00 (P 200 + R 40),
    # 5320 40.00, 5330 70.00, 5350 60.00 / Cr WIP 410.00
    assert lines == [
        ("1335", D("0.00"), D("410.00")),
        ("1335", D("900.00"), D("0.00")),
        ("5210", D("0.00"), D("900.00")),
        ("5311", D("240.00"), D("0.00")),
        ("5320", D("40.00"), D("0.00")),
        ("5330", D("70.00"), D("0.00")),
        ("5350", D("60.00"), D("0.00")),
    ]
    assert case.wip_gl() == D("1200.00")
