"""Signals other apps listen to.

``order_released`` is sent by ``production_order_release`` inside its transaction, after the
order's components, operations and estimate exist, with ``order=`` the released order and
``user=`` who released it (or None). A receiver that raises rolls the release back
(subcontracting makes its purchase lines here).
"""

from django.dispatch import Signal

order_released = Signal()
