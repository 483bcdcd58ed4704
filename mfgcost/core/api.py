"""REST helpers shared by every app: the error handler and decimal fields."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import BusinessError


def exception_handler(exc, context):
    """Turn business and model validation errors into 4xx responses naming the field."""
    if isinstance(exc, BusinessError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            body = exc.message_dict
        else:
            body = {"non_field_errors": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


class AmountField(serializers.DecimalField):
    """An amount of money: up to 18 digits before the point, 2 after; sent as a string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)


class QuantityField(serializers.DecimalField):
    """A quantity or unit cost with six places; sent as a string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 6)
        super().__init__(**kwargs)


class PositiveQuantityField(QuantityField):
    """A quantity that must be greater than zero."""

    def __init__(self, **kwargs):
        from decimal import Decimal

        kwargs.setdefault("min_value", Decimal("0.000001"))
        super().__init__(**kwargs)
