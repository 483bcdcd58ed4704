"""REST helpers shared by every app: the error handlers and decimal fields."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
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
