"""Admin helpers shared by every app (decimals shown without trailing zeros, actions that
report exactly what they did) and the admin of the core's own Idempotency-Key store."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from django.contrib import admin, messages

from .errors import BusinessError
from .models import IdempotencyKey


def decimal_shown(value: Decimal | None, *, places: int = 0) -> str:
    """``50.000000`` as ``50``, ``0.400000`` as ``0.40`` with ``places=2``: the stored
    precision without its trailing zeros, but never fewer than ``places`` decimals."""
    if value is None:
        return "-"
    text = f"{value.normalize():f}"
    decimals = len(text.partition(".")[2])
    if decimals < places:
        text = f"{value:.{places}f}"
    return text


def decimal_columns(*names: str, places: dict[str, int] | None = None, model=None):
    """Class decorator for an admin or inline whose ``fields`` / ``list_display`` name 6-place
    decimals: each named column is shown through ``decimal_shown`` under the field's own label.
    """
    places = places or {}

    def decorate(cls):
        fields_of = model or cls.model  # a ModelAdmin learns its model only when registered
        for name in names:
            field = fields_of._meta.get_field(name)

            def shown(self, obj, _name=name):
                return decimal_shown(getattr(obj, _name), places=places.get(_name, 0))

            shown = admin.display(description=field.verbose_name, ordering=name)(shown)
            setattr(cls, f"{name}_shown", shown)
        for attr in ("fields", "readonly_fields", "list_display"):
            columns = getattr(cls, attr, None)
            if columns:
                setattr(cls, attr, [f"{c}_shown" if c in names else c for c in columns])
        return cls

    return decorate


def action_report(
    modeladmin,
    request,
    objects: Iterable,
    service: Callable,
    *,
    verb: str,
    noun: str,
    plural: str | None = None,
) -> None:
    """Call ``service(obj)`` for each object and say in one message what was done and what was
    refused, with each refusal's reason: "Released 2 orders: PO-1, PO-2; 1 refused: PO-3 --
    reason"."""
    done, refused = [], []
    for obj in sorted(objects, key=lambda o: o.pk):  # in a fixed order, as locks are taken
        try:
            service(obj)
        except BusinessError as exc:
            refused.append(f"{obj} \u2014 {exc.message.rstrip('.')}")
        else:
            done.append(str(obj))
    plural = plural or f"{noun}s"
    parts = []
    if done:
        parts.append(f"{verb} {len(done)} {noun if len(done) == 1 else plural}: {', '.join(done)}")
    else:
        parts.append(f"{verb} no {plural}")
    if refused:
        parts.append(f"{len(refused)} refused: {'; '.join(refused)}")
    level = messages.SUCCESS if not refused else messages.WARNING if done else messages.ERROR
    modeladmin.message_user(request, "; ".join(parts) + ".", level)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ["key", "user", "method", "path", "response_status", "created_at"]
    search_fields = ["key", "user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
