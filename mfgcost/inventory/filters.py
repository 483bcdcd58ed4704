"""Filters of the inventory ledger listings (django-filter).

Items and locations are filtered by number and code; posting dates by range
(``posting_date_after`` / ``posting_date_before``, both inclusive).
"""

import django_filters as filters

from ledger.models import JournalLine

from .models import InventoryPosting, ItemApplication, ItemLedgerEntry, ValueEntry
from .selectors import journal_line_value_entries


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
        fields = [
            "item",
            "location",
            "entry_type",
            "posting_date",
            "order_no",
            "document_no",
            "posting",
        ]

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
    journal_line = filters.NumberFilter(
        method="filter_journal_line",
        label="The value entries that make up this general-ledger line (its id)",
    )

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
            "journal_line",
            "posting",
        ]

    def filter_journal_line(self, queryset, name, value):
        line = JournalLine.objects.filter(pk=value).first()
        if line is None:
            return queryset.none()
        return queryset.filter(pk__in=[e.pk for e in journal_line_value_entries(line)])


class InventoryPostingFilter(filters.FilterSet):
    posting_date = filters.DateFromToRangeFilter()

    class Meta:
        model = InventoryPosting
        fields = ["kind", "document_no", "source_key", "journal_entry", "posting_date"]


class ItemApplicationFilter(filters.FilterSet):
    item = filters.CharFilter(field_name="inbound_entry__item__number")

    class Meta:
        model = ItemApplication
        fields = ["item", "inbound_entry", "outbound_entry"]
