"""What costing does when production tells it something (``mfgcost.production.signals``).

Connected in ``CostingConfig.ready``. A changed order is marked for Adjust Cost inside the
posting's transaction; a finished order has Adjust Cost queued once that transaction commits.
"""

from __future__ import annotations

import logging

from django.db import transaction

from . import tasks
from .services import order_mark_changed

logger = logging.getLogger(__name__)


def order_cost_changed_receive(sender, order, **kwargs) -> None:
    order_mark_changed(order=order)


def order_finished_receive(sender, order, **kwargs) -> None:
    order_id = order.pk
    transaction.on_commit(lambda: adjust_cost_queue(order_id))


def adjust_cost_queue(order_id: int) -> None:
    """Queue Adjust Cost for a finished order (called after commit).

    The finish is committed by now and the order is marked changed, so a failure to queue (a
    broker down) is logged, not raised: the next scheduled run adjusts the order.
    """
    try:
        tasks.adjust_cost_task.delay(order_id=order_id)
    except Exception:
        logger.exception("Adjust Cost not queued for production order %s", order_id)
