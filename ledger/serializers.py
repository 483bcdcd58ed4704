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

from mfgcost.core.api import AmountField
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


class ExactAmountField(AmountField):
    """An amount typed by a client: a string or an integer, never a float."""

    default_error_messages = {
        "float": 'Send the amount as a string such as "12.30", not as a JSON number with a '
        "fraction."
    }

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        return super().to_internal_value(data)


def code_field(model, slug_field: str, label: str, **kwargs) -> serializers.SlugRelatedField:
    """A reference to a row by its number or code, with an error that names the missing value."""
    return serializers.SlugRelatedField(
        slug_field=slug_field,
        queryset=model.objects.all(),
        error_messages={"does_not_exist": f"{label} {{value}} does not exist."},
        **kwargs,
    )


# Master data ------------------------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer):
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


class CostCenterSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostCenter
        fields = ["id", "code", "name", "kind", "blocked"]


class CostObjectSerializer(serializers.ModelSerializer):
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


class FiscalYearInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=10)
    start_date = serializers.DateField(help_text="First day of the year; a first of a month.")


# Journal entries ------------------------------------------------------------------------------


class JournalLineSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="number", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    cost_center = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    cost_object = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = JournalLine
        fields = [
            "line_no",
            "account",
            "account_name",
            "debit",
            "credit",
            "cost_center",
            "cost_object",
            "description",
        ]
        read_only_fields = fields


class JournalEntrySerializer(serializers.ModelSerializer):
    document_number = serializers.CharField(read_only=True)
    journal = serializers.SlugRelatedField(slug_field="code", read_only=True)
    fiscal_year = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period = serializers.SlugRelatedField(slug_field="name", read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="User who posted it."
    )
    reversed_by = serializers.SerializerMethodField(help_text="The entry that reverses this one.")
    lines = JournalLineSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
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
            "lines",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_reversed_by(self, entry: JournalEntry) -> int | None:
        reversal = getattr(entry, "reversed_by", None)
        return reversal.pk if reversal is not None else None


class JournalLineInputSerializer(serializers.Serializer):
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
class JournalEntryInputSerializer(serializers.Serializer):
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


class JournalEntryReverseInputSerializer(serializers.Serializer):
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
