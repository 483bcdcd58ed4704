"""django-filter filter sets of the items API."""

import django_filters as df
from django.db.models import Q

from mfgcost.core.filters import TextSearchFilter, date_range

from .models import (
    BomVersion,
    CostGroup,
    CostingSheet,
    CostingVersion,
    Item,
    RoutingVersion,
    StandardCost,
    UnitConversion,
    WorkCenter,
)


def valid_on_filter(queryset, name, value):
    return queryset.filter(valid_from__lte=value).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=value)
    )


class ItemFilter(df.FilterSet):
    number = df.CharFilter(lookup_expr="startswith", help_text="Item number starts with.")
    description = df.CharFilter(lookup_expr="icontains")
    search = TextSearchFilter(fields=["number", "description"])
    cost_group = df.CharFilter(field_name="cost_group__code")
    posting_group = df.CharFilter(field_name="posting_group__code")
    costing_sheet = df.CharFilter(field_name="costing_sheet__code")
    low_level_code = df.NumberFilter()
    low_level_code__gte = df.NumberFilter(field_name="low_level_code", lookup_expr="gte")

    class Meta:
        model = Item
        fields = ["item_type", "replenishment", "costing_method", "blocked"]


class UnitConversionFilter(df.FilterSet):
    item = df.CharFilter(field_name="item__number")
    is_global = df.BooleanFilter(field_name="item", lookup_expr="isnull")

    class Meta:
        model = UnitConversion
        fields = []


class CostGroupFilter(df.FilterSet):
    class Meta:
        model = CostGroup
        fields = ["code", "group_type"]


class WorkCenterFilter(df.FilterSet):
    code = df.CharFilter(lookup_expr="startswith")
    vendor = df.CharFilter(field_name="vendor__code")
    subcontracted = df.BooleanFilter(field_name="vendor", lookup_expr="isnull", exclude=True)
    cost_center = df.CharFilter(field_name="cost_center__code")

    class Meta:
        model = WorkCenter
        fields = []


class CostingSheetFilter(df.FilterSet):
    class Meta:
        model = CostingSheet
        fields = ["code"]


class CostingVersionFilter(df.FilterSet):
    class Meta:
        model = CostingVersion
        fields = ["code", "version_type"]


class RoutingVersionFilter(df.FilterSet):
    item = df.CharFilter(field_name="item__number")
    valid_on = df.DateFilter(method=valid_on_filter, help_text="Versions valid on this date.")
    work_center = df.CharFilter(field_name="operations__work_center__code", distinct=True)
    subcontracted = df.BooleanFilter(field_name="operations__subcontracted", distinct=True)

    class Meta:
        model = RoutingVersion
        fields = ["version"]


class BomVersionFilter(df.FilterSet):
    item = df.CharFilter(field_name="item__number")
    valid_on = df.DateFilter(method=valid_on_filter, help_text="Versions valid on this date.")
    component = df.CharFilter(
        field_name="lines__component__number", distinct=True, help_text="Where-used."
    )

    class Meta:
        model = BomVersion
        fields = ["version"]


class StandardCostFilter(df.FilterSet):
    version = df.CharFilter(field_name="version__code")
    item = df.CharFilter(field_name="item__number")
    activation_date = df.DateFilter()
    activation_date_after, activation_date_before = date_range("activation_date", "Activated")
    # Deprecated aliases of activation_date_after / activation_date_before.
    activation_date__gte = df.DateFilter(field_name="activation_date", lookup_expr="gte")
    activation_date__lte = df.DateFilter(field_name="activation_date", lookup_expr="lte")

    deprecated_aliases = {
        "activation_date__gte": "activation_date_after",
        "activation_date__lte": "activation_date_before",
    }

    class Meta:
        model = StandardCost
        fields = ["status"]
