"""Query filters of the subcontracting API: status, due date, production order, item."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from .models import (
    MaterialShipment,
    ServicePrice,
    SubcontractingOrder,
    SubcontractingReceipt,
    VendorInvoice,
    VendorReport,
    WorksheetProposal,
)


class _ProductionOrderItemFilters(django_filters.FilterSet):
    """``production_order`` (number) and ``item`` (the produced or the service item's number)
    through ``prefix`` (the path to an order line)."""

    line_prefix = ""
    production_order = django_filters.CharFilter(method="filter_production_order")
    item = django_filters.CharFilter(method="filter_item")

    def filter_production_order(self, queryset, name, value):
        return queryset.filter(**{f"{self.line_prefix}production_order__number": value}).distinct()

    def filter_item(self, queryset, name, value):
        prefix = self.line_prefix
        return queryset.filter(
            Q(**{f"{prefix}production_order__item__number": value})
            | Q(**{f"{prefix}service_item__number": value})
        ).distinct()


class OrderFilter(_ProductionOrderItemFilters):
    line_prefix = "lines__"
    status = django_filters.MultipleChoiceFilter(choices=SubcontractingOrder.Status.choices)
    due_date = django_filters.DateFromToRangeFilter()
    order_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = SubcontractingOrder
        fields = ["status", "due_date", "order_date", "production_order", "item"]


class PurchasingOrderFilter(OrderFilter):
    vendor = django_filters.CharFilter(field_name="vendor__code")

    class Meta(OrderFilter.Meta):
        fields = [*OrderFilter.Meta.fields, "vendor"]


class ProposalFilter(_ProductionOrderItemFilters):
    status = django_filters.MultipleChoiceFilter(choices=WorksheetProposal.Status.choices)
    due_date = django_filters.DateFromToRangeFilter()
    vendor = django_filters.CharFilter(field_name="vendor__code")

    class Meta:
        model = WorksheetProposal
        fields = ["status", "due_date", "vendor", "production_order", "item"]


class ShipmentFilter(_ProductionOrderItemFilters):
    line_prefix = "lines__order_line__"
    order = django_filters.CharFilter(field_name="order__number")
    posting_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = MaterialShipment
        fields = ["order", "posting_date", "production_order", "item"]


class ReceiptFilter(_ProductionOrderItemFilters):
    line_prefix = "order_line__"
    order = django_filters.CharFilter(field_name="order_line__order__number")
    posting_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = SubcontractingReceipt
        fields = ["order", "posting_date", "production_order", "item"]


class ReportFilter(_ProductionOrderItemFilters):
    line_prefix = "order_line__"
    status = django_filters.MultipleChoiceFilter(choices=VendorReport.Status.choices)
    order = django_filters.CharFilter(field_name="order_line__order__number")

    class Meta:
        model = VendorReport
        fields = ["status", "order", "production_order", "item"]


class InvoiceFilter(django_filters.FilterSet):
    vendor = django_filters.CharFilter(field_name="vendor__code")
    posting_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = VendorInvoice
        fields = ["vendor", "posting_date"]


class ServicePriceFilter(django_filters.FilterSet):
    vendor = django_filters.CharFilter(field_name="vendor__code")
    item = django_filters.CharFilter(field_name="service_item__number")
    on_date = django_filters.DateFilter(method="filter_on_date")

    class Meta:
        model = ServicePrice
        fields = ["vendor", "item", "on_date"]

    def filter_on_date(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=value)
        )
