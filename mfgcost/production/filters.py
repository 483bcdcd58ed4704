"""Filters of the production order list."""

import django_filters

from mfgcost.core.filters import TextSearchFilter, date_range

from .models import ProductionOrder


class OrderFilter(django_filters.FilterSet):
    item = django_filters.CharFilter(field_name="item__number")
    location = django_filters.CharFilter(field_name="location__code")
    due_date_after, due_date_before = date_range("due_date", "Due")
    search = TextSearchFilter(fields=["number", "item__number", "item__description"])
    # Deprecated aliases of due_date_after / due_date_before.
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    deprecated_aliases = {"due_from": "due_date_after", "due_to": "due_date_before"}

    class Meta:
        model = ProductionOrder
        fields = ["status", "number", "item", "location"]
