"""Serializers of the general ledger API.

Master data (accounts, dimensions) round-trips through model serializers. Commands and reports
have their own input serializers; what comes back is rendered by output serializers. Amounts go
out as strings and come in as strings: a JSON number with a fraction is refused, because it has
been a binary float on the way.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from mfgcost.core.api import AmountField, StrictInputSerializer, StrictModelSerializer
from mfgcost.core.links import Link, sources_of
from mfgcost.core.schema import request_example

from .models import (
    Account,
    CostCenter,
    CostObject,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
    Period,
)

ZERO = Decimal("0")
STATEMENT_OF_TYPE = {
    Account.AccountType.ASSET: Account.Statement.BALANCE_SHEET,
    Account.AccountType.LIABILITY: Account.Statement.BALANCE_SHEET,
    Account.AccountType.EQUITY: Account.Statement.BALANCE_SHEET,
    Account.AccountType.INCOME: Account.Statement.PROFIT_AND_LOSS,
    Account.AccountType.EXPENSE: Account.Statement.PROFIT_AND_LOSS,
}


# An amount typed by a client: a string or an integer, never a float (every AmountField is so).
ExactAmountField = AmountField


def code_field(model, slug_field: str, label: str, **kwargs) -> serializers.SlugRelatedField:
    """A reference to a row by its number or code, with an error that names the missing value."""
    return serializers.SlugRelatedField(
        slug_field=slug_field,
        queryset=model.objects.all(),
        error_messages={"does_not_exist": f"{label} {{value}} does not exist."},
        **kwargs,
    )


# Master data ------------------------------------------------------------------------------


class AccountSerializer(StrictModelSerializer):
    class Meta:
        model = Account
        fields = [
            "id",
            "number",
            "name",
            "account_type",
            "statement",
            "direct_posting",
            "blocked",
            "cost_center_rule",
            "cost_object_rule",
        ]

    def validate(self, attrs):
        account_type = attrs.get("account_type", getattr(self.instance, "account_type", None))
        statement = attrs.get("statement", getattr(self.instance, "statement", None))
        expected = STATEMENT_OF_TYPE.get(account_type)
        if expected is not None and statement != expected:
            raise serializers.ValidationError(
                {"statement": f"An account of type {account_type} belongs on statement {expected}."}
            )
        return attrs


class CostCenterSerializer(StrictModelSerializer):
    class Meta:
        model = CostCenter
        fields = ["id", "code", "name", "kind", "blocked"]


class CostObjectSerializer(StrictModelSerializer):
    class Meta:
        model = CostObject
        fields = ["id", "code", "name", "blocked"]


class JournalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Journal
        fields = ["id", "code", "name"]


# Fiscal years and periods ---------------------------------------------------------------------


class PeriodSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.SlugRelatedField(slug_field="code", read_only=True)
    closed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="User who closed it."
    )

    class Meta:
        model = Period
        fields = [
            "id",
            "fiscal_year",
            "name",
            "start_date",
            "end_date",
            "status",
            "closed_at",
            "closed_by",
        ]
        read_only_fields = fields


class FiscalYearSerializer(serializers.ModelSerializer):
    periods = PeriodSerializer(many=True, read_only=True)

    class Meta:
        model = FiscalYear
        fields = ["id", "code", "start_date", "end_date", "periods"]
        read_only_fields = fields


class FiscalYearInputSerializer(StrictInputSerializer):
    code = serializers.CharField(max_length=10)
    start_date = serializers.DateField(help_text="First day of the year; a first of a month.")


# Journal entries ------------------------------------------------------------------------------


class SourceSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="inventory_posting, vendor_invoice, manual_entry or reversal."
    )
    id = serializers.IntegerField()
    label = serializers.CharField()
    url = serializers.CharField(help_text="The source's API resource.")


def _absolute(context: dict, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None and path else path


def _source_of(context: dict, entry: JournalEntry) -> Link | None:
    """The entry's source, from the batch its list resolved (``JournalEntryListSerializer``)."""
    sources = context.get("journal_sources")
    if sources is None or entry.pk not in sources:
        sources = context.setdefault("journal_sources", {})
        sources.update(sources_of([entry]))
        sources.setdefault(entry.pk, None)
    return sources[entry.pk]


def _source_data(context: dict, link: Link | None) -> dict | None:
    if link is None:
        return None
    return {
        "kind": link.kind,
        "id": link.id,
        "label": link.label,
        "url": _absolute(context, link.api_url),
    }


class JournalLineSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="number", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    cost_center = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    cost_object = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    source = serializers.SerializerMethodField(
        help_text="The document behind the line (that of its entry): kind, id and API url."
    )
    value_entries = serializers.SerializerMethodField(
        help_text="The value entries that make up this line (a listing url); null when the "
        "source has none."
    )

    class Meta:
        model = JournalLine
        fields = [
            "id",
            "line_no",
            "account",
            "account_name",
            "debit",
            "credit",
            "cost_center",
            "cost_object",
            "description",
            "source",
            "value_entries",
        ]
        read_only_fields = fields

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, line: JournalLine) -> dict | None:
        return _source_data(self.context, _source_of(self.context, line.entry))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_value_entries(self, line: JournalLine) -> str | None:
        link = _source_of(self.context, line.entry)
        if link is None or not link.value_entries_api_url:
            return None
        return _absolute(self.context, f"{link.value_entries_api_url}?journal_line={line.pk}")


class JournalEntryListSerializer(serializers.ListSerializer):
    """Resolves the sources of a whole page of entries at once (a query per provider)."""

    def to_representation(self, data):
        entries = list(data.all() if hasattr(data, "all") else data)
        self.context.setdefault("journal_sources", {}).update(sources_of(entries))
        return super().to_representation(entries)


class JournalEntrySerializer(serializers.ModelSerializer):
    document_number = serializers.CharField(read_only=True)
    journal = serializers.SlugRelatedField(slug_field="code", read_only=True)
    fiscal_year = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period = serializers.SlugRelatedField(slug_field="name", read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="User who posted it."
    )
    reversed_by = serializers.SerializerMethodField(help_text="The entry that reverses this one.")
    source = serializers.SerializerMethodField(
        help_text="The document that caused the entry: an inventory posting, a vendor invoice, "
        "the manual entry itself, or the entry a reversal reverses."
    )
    lines = JournalLineSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
        list_serializer_class = JournalEntryListSerializer
        fields = [
            "id",
            "document_number",
            "journal",
            "fiscal_year",
            "number",
            "posting_date",
            "period",
            "description",
            "source_key",
            "reversal_of",
            "reversed_by",
            "created_at",
            "created_by",
            "source",
            "lines",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_reversed_by(self, entry: JournalEntry) -> int | None:
        reversal = getattr(entry, "reversed_by", None)
        return reversal.pk if reversal is not None else None

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, entry: JournalEntry) -> dict | None:
        return _source_data(self.context, _source_of(self.context, entry))


class JournalLineInputSerializer(StrictInputSerializer):
    account = code_field(Account, "number", "Account")
    debit = ExactAmountField(min_value=ZERO, default=ZERO)
    credit = ExactAmountField(min_value=ZERO, default=ZERO)
    cost_center = code_field(CostCenter, "code", "Cost centre", required=False, allow_null=True)
    cost_object = code_field(CostObject, "code", "Cost object", required=False, allow_null=True)
    description = serializers.CharField(
        max_length=250, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs):
        if attrs["debit"] and attrs["credit"]:
            raise serializers.ValidationError(
                {"credit": "A line has a debit or a credit, not both."}
            )
        if not attrs["debit"] and not attrs["credit"]:
            raise serializers.ValidationError({"debit": "A line needs a debit or a credit."})
        return attrs


@extend_schema_serializer(
    examples=[
        request_example(
            "Accrued salaries",
            {
                "journal": "GEN",
                "posting_date": "2026-10-31",
                "document_number": "PAY-2026-10",
                "description": "October salaries, assembly",
                "lines": [
                    {"account": "6100", "debit": "1000.00", "cost_center": "ASSEMBLY"},
                    {"account": "2000", "credit": "1000.00"},
                ],
            },
            "A balanced entry: one debit line with its cost centre, one credit line.",
        )
    ]
)
class JournalEntryInputSerializer(StrictInputSerializer):
    journal = code_field(Journal, "code", "Journal")
    posting_date = serializers.DateField()
    source_key = serializers.CharField(
        max_length=180,
        required=False,
        help_text="Makes a retry safe: posting the same key again returns the entry already "
        "posted. Stored as 'manual:<key>'. Default: derived from document_number, else random.",
    )
    document_number = serializers.CharField(
        max_length=150,
        required=False,
        help_text="The client's own document number; used for the source key when none is sent.",
    )
    description = serializers.CharField(
        max_length=250, required=False, allow_blank=True, default=""
    )
    lines = JournalLineInputSerializer(many=True, allow_empty=False)


class JournalEntryReverseInputSerializer(StrictInputSerializer):
    posting_date = serializers.DateField(
        required=False, help_text="Date of the reversal; default: the date of the entry."
    )


# Reports --------------------------------------------------------------------------------------


class DateRangeQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="First posting date (inclusive).")
    date_to = serializers.DateField(required=False, help_text="Last posting date (inclusive).")

    def validate(self, attrs):
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise serializers.ValidationError({"date_to": "date_to is before date_from."})
        return attrs


class TrialBalanceRowSerializer(serializers.Serializer):
    account = serializers.CharField(source="number")
    name = serializers.CharField()
    statement = serializers.CharField()
    debit = AmountField()
    credit = AmountField()
    balance = AmountField(help_text="Debit minus credit.")


class TotalsSerializer(serializers.Serializer):
    debit = AmountField()
    credit = AmountField()
    balance = AmountField(help_text="Debit minus credit: zero when every entry balances.")


class TrialBalanceSerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    rows = TrialBalanceRowSerializer(many=True)
    totals = TotalsSerializer()


class DimensionBalanceQuerySerializer(DateRangeQuerySerializer):
    dimension = serializers.ChoiceField(choices=["cost_center", "cost_object"])
    account = code_field(
        Account, "number", "Account", required=False, help_text="Only this account (number)."
    )


class DimensionBalanceRowSerializer(serializers.Serializer):
    account = serializers.CharField()
    code = serializers.CharField(
        allow_null=True, help_text="Cost centre or cost object code; null for lines without one."
    )
    debit = AmountField()
    credit = AmountField()
    balance = AmountField()


class DimensionBalancesSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    rows = DimensionBalanceRowSerializer(many=True)
