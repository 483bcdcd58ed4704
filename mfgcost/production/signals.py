"""Signals other apps listen to; production imports none of them.

``order_released`` is sent by ``production_order_release`` inside its transaction, after the
order's components, operations and estimate exist, with ``order=`` the released order and
``user=`` who released it (or None). A receiver that raises rolls the release back
(subcontracting makes its purchase lines here).

``order_cost_changed`` is sent inside the transaction of a posting that changes what an order
has cost after the fact (a capacity cost adjustment) and of its finish, with ``order=``
(costing marks the order for Adjust Cost).

``order_finished`` is sent by ``production_order_finish`` inside its transaction, after the
order is finished, with ``order=`` and ``user=`` (costing queues Adjust Cost after commit).
"""

from django.dispatch import Signal

order_released = Signal()
order_cost_changed = Signal()
order_finished = Signal()
