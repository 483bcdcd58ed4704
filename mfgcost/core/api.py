"""REST helpers shared by every app: the error handler, input rules, fields and pagination.

The input rules hold for every app (see docs/api-errors.md):

* **Unknown fields are refused by name.** Input serializers derive from
  ``StrictInputSerializer`` (or ``StrictModelSerializer`` for master data), which answer a field
  they do not know with a 400 naming it.
* **Decimals are strings.** Decimal fields refuse a JSON number with a fraction (a float has
  been binary on the way); a JSON integer is exact and accepted.
* **No control characters.** The parsers refuse a string (or key) holding a control character
  other than tab, line feed and carriage return, or a lone surrogate, naming the field
  (``lines[0].description``); ``ControlCharacterMiddleware`` does the same for the query string
  (both in ``parsers``).
* **Nothing reaches the database that it would refuse with a server error**: a broken check
  constraint is named before saving, and an ``IntegrityError`` or ``DataError`` that still
  happens is a 400 naming the field (``mfgcost.core.constraints``).
* **Pages are bounded**: ``?limit=`` is capped at ``MAX_PAGE_SIZE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.http import JsonResponse
from rest_framework import pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .constraints import integrity_error_field, violated_check_field
from .errors import BusinessError

MAX_PAGE_SIZE = 1000


def exception_handler(exc, context):
    """Turn business, model and database errors into 4xx responses naming the field."""
    if isinstance(exc, BusinessError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            body = exc.message_dict
        else:
            body = {"non_field_errors": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        found = integrity_error_field(exc)
        if found is not None:
            field, message = found
            return Response({field: [message]}, status=status.HTTP_400_BAD_REQUEST)
        # An append-only trigger or a rule the database keeps without a field to name.
        return Response(
            {
                "non_field_errors": [
                    "The database refused the change: it conflicts with data already stored."
                ]
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        return Response(
            {"non_field_errors": ["A value is out of range for the field that holds it."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)


# --------------------------------------------------------------------------- pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``?limit=`` and ``?offset=``; a limit above ``MAX_PAGE_SIZE`` gives ``MAX_PAGE_SIZE`` rows.

    An offset past the end is an empty page (never a query with a number the database cannot
    hold).
    """

    max_limit = MAX_PAGE_SIZE


# --------------------------------------------------------------------------- error pages


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception):
    """``handler404``: an API path that matches no route answers in the API's error body."""
    from django.views.defaults import page_not_found as html_page_not_found

    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return html_page_not_found(request, exception)


def server_error(request):
    """``handler500``: the API's error body under ``/api/``, the plain page elsewhere."""
    from django.views.defaults import server_error as html_server_error

    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return html_server_error(request)


# --------------------------------------------------------------------------- decimal fields


class ExactDecimalField(serializers.DecimalField):
    """A decimal sent as a string (or a JSON integer), never as a JSON number with a fraction."""

    default_error_messages = {
        "float": 'Send the number as a string such as "12.30", not as a JSON number with a '
        "fraction."
    }

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        return super().to_internal_value(data)


class AmountField(ExactDecimalField):
    """An amount of money: up to 18 digits before the point, 2 after; sent as a string."""

    default_error_messages = {
        "float": 'Send the amount as a string such as "12.30", not as a JSON number with a '
        "fraction."
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)


class QuantityField(ExactDecimalField):
    """A quantity or unit cost with six places; sent as a string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 6)
        super().__init__(**kwargs)


class PositiveQuantityField(QuantityField):
    """A quantity that must be greater than zero."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal("0.000001"))
        super().__init__(**kwargs)


# --------------------------------------------------------------------------- input serializers


# Refuse every field the serializer does not know, naming it (HTTP 400).
# ``unknown_field_messages`` may say why a name is refused (a vendor sending a price).
class StrictFieldsMixin:
    unknown_field_messages: dict[str, str] = {}

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            self.unknown_field_messages.get(
                                name, "This field is not accepted here."
                            )
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


# The base of every input serializer of a command: unknown fields refused by name. (Serializer
# bases here carry comments, not docstrings: the schema would show a base's docstring as the
# description of every serializer without one of its own.)
class StrictInputSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


# A model serializer for master data that takes input under the API's rules: unknown fields
# are refused, decimals must be strings, a broken check constraint is a 400 naming the field
# before anything is saved, and a unique constraint the database still refuses (two requests at
# once) rolls back only this save and is named by the error handler.
class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: ExactDecimalField,
    }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = (
            model()
            if self.instance is None
            else model(
                **{
                    f.attname: getattr(self.instance, f.attname)
                    for f in model._meta.concrete_fields
                }
            )
        )
        for name, value in attrs.items():
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.concrete and not field.many_to_many:
                setattr(instance, name, value)
        field_name = violated_check_field(instance, exclude=())
        if field_name is not None:
            label = model._meta.get_field(field_name).verbose_name
            raise serializers.ValidationError(
                {field_name: [f"{str(label).capitalize()}: this value is not allowed."]}
            )
        return attrs

    def create(self, validated_data):
        with transaction.atomic():
            return super().create(validated_data)

    def update(self, instance, validated_data):
        with transaction.atomic():
            return super().update(instance, validated_data)


def validated(serializer_class, data) -> dict:
    """The validated data of an input serializer, or a 400 naming each field at fault."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
