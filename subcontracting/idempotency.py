"""``Idempotency-Key`` for POST requests: the rule lives in ``mfgcost.core.idempotency``.

Kept as a name for what subcontracting's views import; every app's views use the same mixin.
"""

from mfgcost.core.idempotency import (  # noqa: F401
    HEADER,
    MAX_KEY_LENGTH,
    IdempotencyKeyReused,
    IdempotentPostMixin,
    idempotent_call,
    request_hash,
)
