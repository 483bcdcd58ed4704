"""django-filter filter sets of the general ledger API."""

import django_filters as df

from mfgcost.core.filters import TextSearchFilter, date_range

from .models import Account, CostCenter, CostObject, JournalEntry, JournalLine, Period


class AccountFilter(df.FilterSet):
    number = df.CharFilter(lookup_expr="startswith", help_text="Account number starts with.")
    name = df.CharFilter(lookup_expr="icontains")
    search = TextSearchFilter(fields=["number", "name"])

    class Meta:
        model = Account
        fields = [
            "number",
            "name",
            "account_type",
            "statement",
            "direct_posting",
            "blocked",
            "cost_center_rule",
            "cost_object_rule",
        ]


class CostCenterFilter(df.FilterSet):
    code = df.CharFilter(lookup_expr="startswith")
    name = df.CharFilter(lookup_expr="icontains")
    search = TextSearchFilter(fields=["code", "name"])

    class Meta:
        model = CostCenter
        fields = ["code", "name", "kind", "blocked"]


class CostObjectFilter(df.FilterSet):
    code = df.CharFilter(lookup_expr="startswith")
    name = df.CharFilter(lookup_expr="icontains")
    search = TextSearchFilter(fields=["code", "name"])

    class Meta:
        model = CostObject
        fields = ["code", "name", "blocked"]


class PeriodFilter(df.FilterSet):
    fiscal_year = df.CharFilter(field_name="fiscal_year__code")
    date = df.DateFilter(method="filter_date", help_text="The period that holds this date.")

    class Meta:
        model = Period
        fields = ["fiscal_year", "status", "date"]

    def filter_date(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value)


class JournalEntryFilter(df.FilterSet):
    journal = df.CharFilter(field_name="journal__code")
    fiscal_year = df.CharFilter(field_name="fiscal_year__code")
    period = df.CharFilter(field_name="period__name", help_text="Period name, e.g. 2026-03.")
    posting_date_after, posting_date_before = date_range("posting_date", "Posted")
    search = TextSearchFilter(fields=["description", "source_key"])
    # Deprecated aliases of posting_date_after / posting_date_before.
    posting_date_from = df.DateFilter(field_name="posting_date", lookup_expr="gte")
    posting_date_to = df.DateFilter(field_name="posting_date", lookup_expr="lte")
    source_key = df.CharFilter()
    source_key_prefix = df.CharFilter(field_name="source_key", lookup_expr="startswith")
    account = df.CharFilter(method="filter_line", help_text="Has a line on this account number.")
    cost_center = df.CharFilter(method="filter_line", help_text="Has a line on this cost centre.")
    cost_object = df.CharFilter(method="filter_line", help_text="Has a line on this cost object.")
    reversed = df.BooleanFilter(
        field_name="reversed_by", lookup_expr="isnull", exclude=True, help_text="Has a reversal."
    )

    deprecated_aliases = {
        "posting_date_from": "posting_date_after",
        "posting_date_to": "posting_date_before",
    }

    LINE_LOOKUPS = {
        "account": "account__number",
        "cost_center": "cost_center__code",
        "cost_object": "cost_object__code",
    }

    class Meta:
        model = JournalEntry
        fields = ["journal", "fiscal_year", "period", "number", "source_key"]

    def filter_line(self, queryset, name, value):
        lines = JournalLine.objects.filter(**{self.LINE_LOOKUPS[name]: value})
        return queryset.filter(pk__in=lines.values("entry_id"))
