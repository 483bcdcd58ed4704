"""A worker killed with SIGKILL in the middle of Adjust Cost: Redis delivers the task again
after the visibility timeout, a second worker finishes it, the run the first left ``running``
is marked abandoned with counters that tell what it posted, and the books end as a clean run
leaves them, to the cent.

The worker runs with ``MFGCOST_CELERY_VISIBILITY_TIMEOUT=10`` (redelivery after 10 s instead
of 100 s) and ``MFGCOST_ADJUST_RUN_STALE_SECONDS=3``, so the test takes well under a minute.
"""

import datetime as dt
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
from celery.result import AsyncResult
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ledger.selectors import trial_balance
from mfgcost.costing.models import CostAdjustmentMark, CostAdjustmentRun
from mfgcost.costing.services import adjust_cost_run
from mfgcost.inventory import services as inventory
from mfgcost.inventory.models import ValueEntry
from mfgcost.inventory.selectors import inventory_valuation
from tests.conftest import redis_url
from tests.costing.test_task import database_url

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
ITEMS = 40


def march(day: int) -> dt.date:
    return dt.date(2026, 3, day)


def invoiced_after_sales(company, make_item, count: int) -> None:
    """``count`` FIFO items: 10 received at 1.00, 3 sold twice, then invoiced at 1.37.

    Adjust Cost forwards each invoice to the two sales: 3 x 0.37 = 1.11 more cost each.
    """
    for n in range(count):
        item = make_item(number=f"KILL-{n:03d}")
        receipt = inventory.purchase_receipt_post(
            item=item,
            location=company.main,
            quantity=D("10"),
            unit_cost=D("1.00"),
            posting_date=march(2),
            source_key=f"kill:receipt:{n}",
        ).item_entries[0]
        for day in (3, 4):
            inventory.sale_post(
                item=item,
                location=company.main,
                quantity=D("3"),
                posting_date=march(day),
                source_key=f"kill:sale:{n}:{day}",
            )
        inventory.purchase_invoice_post(
            receipt_entry=receipt,
            quantity=D("10"),
            unit_price=D("1.37"),
            posting_date=march(5),
            source_key=f"kill:invoice:{n}",
        )


def books() -> dict:
    value_by_kind = {
        (row["item__number"], row["item_ledger_entry_type"], row["entry_type"]): row["amount"]
        for row in ValueEntry.objects.values("item__number", "item_ledger_entry_type", "entry_type")
        .annotate(amount=Sum("cost_amount_actual") + Sum("cost_amount_expected"))
        .order_by()
    }
    return {
        "trial_balance": {row.number: row.balance for row in trial_balance()},
        "stock": {
            (r["item"], r["location"]): (r["quantity"], r["value"]) for r in inventory_valuation()
        },
        "value_entries": value_by_kind,
    }


def start_worker(env: dict, queue: str) -> subprocess.Popen:
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


def stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.terminate()
    return worker.communicate(timeout=30)[0].decode(errors="replace")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_is_replaced_and_the_books_end_as_after_a_clean_run(
    company, make_item, monkeypatch
):
    invoiced_after_sales(company, make_item, ITEMS)

    # The clean run, rolled back: what the books must end as.
    with transaction.atomic():
        clean = adjust_cost_run()
        expected = books()
        transaction.set_rollback(True)
    assert len(clean.items) == ITEMS and not clean.errors
    # Each item: the two sales take 2 x 3 x 0.37 = 2.22 more; cost of goods sold rises by it.
    assert expected["trial_balance"]["5000"] == ITEMS * (D("6.00") + D("2.22"))
    assert CostAdjustmentRun.objects.count() == 0

    broker = redis_url()
    queue = f"costing-kill-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "mfgcost.settings",
        "MFGCOST_CELERY_VISIBILITY_TIMEOUT": "10",
        "MFGCOST_ADJUST_RUN_STALE_SECONDS": "3",
    }
    client = Celery(broker=broker, backend=broker)
    client.conf.broker_transport_options = {"visibility_timeout": 10}
    first = start_worker(env, queue)
    second = None
    try:
        result = client.send_task("mfgcost.costing.adjust_cost", queue=queue)
        # Kill the worker once the run has committed some units, and well before it is done.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = CostAdjustmentRun.objects.first()
            if run is not None and run.items_adjusted >= 8:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the first worker never got going:\n{stop(first)}")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        killed_at = timezone.now()
        killed = CostAdjustmentRun.objects.get()
        assert killed.status == "running" and 8 <= killed.items_adjusted < ITEMS

        second = start_worker(env, queue)
        summary = result.get(timeout=120)
        picked_up = CostAdjustmentRun.objects.get(pk=summary["run"])
        while summary.get("continued_by"):
            summary = AsyncResult(summary["continued_by"], app=client).get(timeout=120)
    except Exception:
        output = stop(second) if second is not None else ""
        raise AssertionError(f"worker output:\n{output}") from None
    finally:
        output = stop(second) if second is not None else ""
        if first.poll() is None:
            first.kill()
        client.close()

    # Picked up again within two minutes of the kill (here: after the 10 s visibility timeout).
    waited = (picked_up.started_at - killed_at).total_seconds()
    assert 0 < waited < 120, output
    print(f"picked up {waited:.1f} s after the kill")
    # The run left by the dead worker is marked, and its counters are what it posted.
    killed.refresh_from_db()
    assert killed.status == "abandoned", output
    posted = ValueEntry.objects.filter(
        posting__source_key__startswith=f"costing:adjust:{killed.pk}:"
    )
    assert killed.value_entries_posted == posted.count()
    assert killed.items_adjusted == posted.values("item_id").distinct().count()
    # Nothing is left to do, and the books are those of the clean run, to the cent.
    assert not CostAdjustmentMark.objects.exists()
    assert books() == expected
