"""``Idempotency-Key`` for POST requests.

The first POST with a key runs in one transaction with the insert of the key's row (unique per
user and key); its response is stored on the row. A repeat with the same key and the same body
returns the stored status and body and writes nothing; the same key with another body is
refused with 422. A concurrent repeat waits on the unique index until the first commits, then
replays it. A failed request (4xx/5xx) keeps no key, so the client can correct and retry.
"""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from mfgcost.core.errors import BusinessError

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(BusinessError):
    """The key was used before with another request (HTTP 422)."""

    status_code = 422
    default_code = "idempotency_key_reused"


def request_hash(request) -> str:
    """A digest of what makes two requests the same: method, path and body."""
    data = request.data
    if hasattr(data, "lists"):
        data = {key: values for key, values in data.lists()}
    payload = json.dumps(
        {"method": request.method, "path": request.path, "body": data},
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _replay(record: IdempotencyKey, digest: str) -> Response:
    if record.request_hash != digest:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used with another request.", field="idempotency_key"
        )
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent_call(request, key: str, handler) -> Response:
    """Run ``handler()`` once per (user, key); replay its stored response on repeats."""
    if len(key) > MAX_KEY_LENGTH:
        raise BusinessError(
            f"An Idempotency-Key has at most {MAX_KEY_LENGTH} characters.", field="idempotency_key"
        )
    digest = request_hash(request)
    user = request.user
    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    request_hash=digest,
                    method=request.method,
                    path=request.path[:500],
                )
        except IntegrityError:
            # A concurrent request with this key committed first: answer as it did.
            return _replay(IdempotencyKey.objects.get(user=user, key=key), digest)
        response = handler()
        if response.status_code >= 400:
            transaction.set_rollback(True)
            return response
        record.response_status = response.status_code
        record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
        record.save(update_fields=["response_status", "response_body"])
    return response


class IdempotentPostMixin:
    """For API views: POST requests with an ``Idempotency-Key`` header run once per key.

    ``dispatch`` is DRF's own, with the handler call wrapped: authentication, permissions and
    throttling run first, so the key belongs to the authenticated user.
    """

    def dispatch(self, request, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            if request.method.lower() in self.http_method_names:
                handler = getattr(self, request.method.lower(), self.http_method_not_allowed)
            else:
                handler = self.http_method_not_allowed
            key = request.headers.get(HEADER)
            if request.method == "POST" and key:
                response = idempotent_call(
                    request, key, lambda: self._handled(handler, request, *args, **kwargs)
                )
            else:
                response = handler(request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    def _handled(self, handler, request, *args, **kwargs):
        """The handler's response, with errors rendered (so the key's transaction rolls back)."""
        try:
            return handler(request, *args, **kwargs)
        except Exception as exc:
            return self.handle_exception(exc)
