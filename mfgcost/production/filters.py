"""Filters of the production order list."""

import django_filters

from .models import ProductionOrder


class OrderFilter(django_filters.FilterSet):
    item = django_filters.CharFilter(field_name="item__number")
    location = django_filters.CharFilter(field_name="location__code")
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = ProductionOrder
        fields = ["status", "number", "item", "location"]
