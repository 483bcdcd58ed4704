"""One idempotency rule for every POST: a key replays its first answer, and only to its twin.

A request can carry two kinds of key, and both follow the same rule (Stripe's): a repeat of
the *same* request under a key answers what the first one answered and writes nothing; the same
key with anything else -- another body, another path or kind of posting, another user -- is
refused naming the key's field, never answered with the other document.

* **The ``Idempotency-Key`` header**, on any POST of the API (``IdempotentPostMixin``). The first
  POST with a key runs in one transaction with the insert of the key's row (unique per user and
  key), and its response is stored on the row. A repeat with the same method, path and body
  gets the stored status and body back with ``Idempotent-Replayed: true``; the same key with
  another request is a 422 naming ``idempotency_key``. A concurrent repeat waits on the unique
  index until the first commits, then replays it. A failed request (4xx/5xx) keeps no key, so the
  client can correct it and retry.
* **The document's own key**: a ``source_key``, or the ``document_no`` / ``document_number``
  a key is derived from. The posting services store a digest of the normalised request with the
  posting (``request_digest``) and compare it on a repeat: the same request gets the posting
  back (the API answers 200 with ``Idempotent-Replayed: true``, the body the first request got),
  another one a 409 (``DocumentKeyReused``) naming the key's field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

from django.db import IntegrityError, models, transaction
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .errors import BusinessError, ConflictError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(BusinessError):
    """The ``Idempotency-Key`` was used before with another request (HTTP 422)."""

    status_code = 422
    default_code = "idempotency_key_reused"


class DocumentKeyReused(ConflictError):
    """A source key or document number already belongs to another posting (HTTP 409)."""

    default_code = "document_key_reused"


# --------------------------------------------------------------------------- digests


def _normal(value: object) -> object:
    """A JSON-able form of ``value`` in which equal requests look the same ("10" == "10.00")."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _normal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def request_digest(**values: object) -> str:
    """A digest of what a posting was asked to do, for comparing a repeat with the first."""
    payload = json.dumps(_normal(values), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def posting_request_check(
    *,
    source_key: str,
    stored_kind: str,
    kind: str,
    stored_digest: str,
    digest: str,
) -> None:
    """Refuse a repeat of ``source_key`` that is not the request that posted it.

    A stored posting of another kind is always refused; the digests are compared when both
    sides have one (postings made before digests were stored, and jobs that pass none, compare
    by kind only).
    """
    if stored_kind != kind:
        raise DocumentKeyReused(
            f"Source key {source_key} was used by a {stored_kind} posting.", field="source_key"
        )
    if digest and stored_digest and digest != stored_digest:
        raise DocumentKeyReused(
            f"Source key {source_key} was posted before with other content or by another user; "
            "use a new key (or document number) for another document.",
            field="source_key",
        )


def renamed(error: BusinessError, field: str) -> BusinessError:
    """``error`` naming ``field`` (the field the client sent the key in)."""
    error.field = field
    return error


# --------------------------------------------------------------------------- the header


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


def replayed(response: Response) -> Response:
    """Mark ``response`` as the answer to an earlier request, not a new one."""
    response[REPLAYED_HEADER] = "true"
    return response


def _replay(record: IdempotencyKey, digest: str) -> Response:
    if record.request_hash != digest:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used with another request.", field="idempotency_key"
        )
    return replayed(Response(record.response_body, status=record.response_status))


def idempotent_call(request, key: str, handler) -> Response:
    """Run ``handler()`` once per (user, key); replay its stored response on repeats."""
    if len(key) > MAX_KEY_LENGTH:
        raise BusinessError(
            f"An Idempotency-Key has at most {MAX_KEY_LENGTH} characters.", field="idempotency_key"
        )
    digest = request_hash(request)
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return handler()  # nobody to keep the key for; the handler refuses or answers anyway
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


# For API views: POST requests with an ``Idempotency-Key`` header run once per key.
# ``dispatch`` is DRF's own, with the handler call wrapped: authentication, permissions and
# throttling run first, so the key belongs to the authenticated user. Every view of the API that
# answers POST has this mixin (``tests/core`` walks the routes to check it). No docstring on
# purpose: the schema would show it as the description of every view that has none of its own.
class IdempotentPostMixin:
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
