"""Data shared by every app: the store of ``Idempotency-Key`` responses.

A POST sent with an ``Idempotency-Key`` header is answered once per user and key; the first
response is kept here and replayed to every repeat of the same request (see ``idempotency``).
The table keeps the name it had when only subcontracting used it.
"""

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """The first response to a POST sent with an ``Idempotency-Key`` header, per user.

    The unique constraint makes a concurrent repeat wait for the first request's transaction and
    then read its response; a key reused with another request (body, path or method) is refused
    (HTTP 422).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "subcontracting_idempotencykey"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
