"""Filters of the inventory ledger listings (django-filter).

Items and locations are filtered by number and code; posting dates by range
(``posting_date_after`` / ``posting_date_before``, both inclusive).
"""

import django_filters as filters

from .models import ItemApplication, ItemLedgerEntry, ValueEntry


class ItemLedgerEntryFilter(filters.FilterSet):
    item = filters.CharFilter(field_name="item__number")
    location = filters.CharFilter(field_name="location__code")
    entry_type = filters.ChoiceFilter(choices=ItemLedgerEntry.EntryType.choices)
    posting_date = filters.DateFromToRangeFilter()
    order_no = filters.CharFilter()
    order_type = filters.CharFilter()
    document_no = filters.CharFilter()
    open = filters.BooleanFilter(
        method="filter_open", label="Open entries (remaining quantity not zero)"
    )

    class Meta:
        model = ItemLedgerEntry
        fields = ["item", "location", "entry_type", "posting_date", "order_no", "document_no"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.exclude(remaining_quantity=0)
        return queryset.filter(remaining_quantity=0)


class ValueEntryFilter(filters.FilterSet):
    item = filters.CharFilter(field_name="item__number")
    location = filters.CharFilter(field_name="location__code")
    entry_type = filters.ChoiceFilter(choices=ValueEntry.EntryType.choices)
    item_ledger_entry_type = filters.ChoiceFilter(choices=ItemLedgerEntry.EntryType.choices)
    variance_type = filters.ChoiceFilter(choices=ValueEntry.VarianceType.choices)
    cost_group = filters.CharFilter(field_name="cost_group__code")
    posting_date = filters.DateFromToRangeFilter()
    order_no = filters.CharFilter()
    order_type = filters.CharFilter()

    class Meta:
        model = ValueEntry
        fields = [
            "item",
            "location",
            "entry_type",
            "item_ledger_entry_type",
            "variance_type",
            "cost_group",
            "posting_date",
            "order_no",
            "item_ledger_entry",
            "capacity_ledger_entry",
            "journal_entry",
            "adjustment",
        ]


class ItemApplicationFilter(filters.FilterSet):
    item = filters.CharFilter(field_name="inbound_entry__item__number")

    class Meta:
        model = ItemApplication
        fields = ["item", "inbound_entry", "outbound_entry"]
