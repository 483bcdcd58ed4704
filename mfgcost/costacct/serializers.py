"""Serializers of the cost-accounting API. Amounts and quantities are strings; rows are named
by code (categories, cost centres, cost objects, versions, periods)."""

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from ledger.models import CostCenter, CostObject, Period
from ledger.serializers import code_field
from mfgcost.core.api import AmountField, QuantityField

from .models import (
    Calculation,
    CalculationEntry,
    CalculationRule,
    CalculationVersion,
    CostCategory,
    CostEntry,
    LineStructure,
    RuleReceiver,
    ServiceEntry,
    StatementLine,
)


class CostCategorySerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = CostCategory
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "account",
            "service_source",
            "keep_cost_center",
            "keep_cost_object",
            "skip_blank_cost_center",
            "skip_blank_cost_object",
            "blocked",
        ]
        read_only_fields = ["account"]


class CalculationVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalculationVersion
        fields = ["id", "code", "name", "version_type"]


class ReceiverSerializer(serializers.ModelSerializer):
    cost_center = code_field(CostCenter, "code", "Cost centre", required=False, allow_null=True)
    cost_object = code_field(CostObject, "code", "Cost object", required=False, allow_null=True)
    share = QuantityField(required=False)

    class Meta:
        model = RuleReceiver
        fields = ["line_no", "cost_center", "cost_object", "share"]

    def validate(self, attrs):
        if (attrs.get("cost_center") is None) == (attrs.get("cost_object") is None):
            raise serializers.ValidationError(
                {"cost_center": ["Give a cost centre or a cost object."]}
            )
        return attrs


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "CC SP to CP Sint, 100 %",
            value={
                "version": "ACT",
                "code": "SP-SINT",
                "kind": "allocation",
                "sender_dimension": "cc",
                "sender_cost_center": "SP",
                "receiver_dimension": "co",
                "source_kind": "dimension_value",
                "allocation_category": "CC-CP",
                "offset_category": "CC-CPwg",
                "basis": "fixed",
                "receivers": [{"cost_object": "Sint", "share": "100"}],
            },
            request_only=True,
        )
    ]
)
class CalculationRuleSerializer(serializers.ModelSerializer):
    version = code_field(CalculationVersion, "code", "Version")
    sender_cost_center = code_field(
        CostCenter, "code", "Cost centre", required=False, allow_null=True
    )
    sender_cost_object = code_field(
        CostObject, "code", "Cost object", required=False, allow_null=True
    )
    source_category = code_field(CostCategory, "code", "Category", required=False, allow_null=True)
    allocation_category = code_field(
        CostCategory, "code", "Category", required=False, allow_null=True
    )
    offset_category = code_field(CostCategory, "code", "Category", required=False, allow_null=True)
    basis_category = code_field(CostCategory, "code", "Category", required=False, allow_null=True)
    source_line = serializers.PrimaryKeyRelatedField(
        queryset=StatementLine.objects.all(), required=False, allow_null=True
    )
    receivers = ReceiverSerializer(many=True)
    problems = serializers.SerializerMethodField(help_text="Empty: the green light.")

    class Meta:
        model = CalculationRule
        fields = [
            "id",
            "version",
            "code",
            "sequence",
            "kind",
            "sender_dimension",
            "sender_cost_center",
            "sender_cost_object",
            "receiver_dimension",
            "source_kind",
            "source_category",
            "source_line",
            "allocation_category",
            "offset_category",
            "basis",
            "basis_category",
            "active",
            "receivers",
            "problems",
        ]

    def get_problems(self, rule) -> list[str]:
        from .selectors import rule_validation

        return rule_validation(rule)

    def validate(self, attrs):
        dimension = attrs.get("sender_dimension")
        cc, co = attrs.get("sender_cost_center"), attrs.get("sender_cost_object")
        if dimension == "cc" and (cc is None or co is not None):
            raise serializers.ValidationError(
                {"sender_cost_center": ["Name the sending cost centre."]}
            )
        if dimension == "co" and (co is None or cc is not None):
            raise serializers.ValidationError(
                {"sender_cost_object": ["Name the sending cost object."]}
            )
        return attrs

    def create(self, validated_data):
        receivers = validated_data.pop("receivers")
        rule = CalculationRule.objects.create(**validated_data)
        for n, receiver in enumerate(receivers):
            receiver.setdefault("line_no", (n + 1) * 10)
            RuleReceiver.objects.create(rule=rule, **receiver)
        return rule

    def update(self, instance, validated_data):
        receivers = validated_data.pop("receivers", None)
        for key, value in validated_data.items():
            setattr(instance, key, value)
        instance.save()
        if receivers is not None:
            instance.receivers.all().delete()
            for n, receiver in enumerate(receivers):
                receiver.setdefault("line_no", (n + 1) * 10)
                RuleReceiver.objects.create(rule=instance, **receiver)
        return instance


class CalculationSerializer(serializers.ModelSerializer):
    version = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Calculation
        fields = ["id", "version", "period", "status", "message", "entry_count", "calculated_at"]
        read_only_fields = fields


class CalculationEntrySerializer(serializers.ModelSerializer):
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cost_center = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cost_object = serializers.SlugRelatedField(slug_field="code", read_only=True)
    amount = AmountField()
    source_amount = AmountField()

    class Meta:
        model = CalculationEntry
        fields = [
            "id",
            "rule",
            "category",
            "dimension",
            "cost_center",
            "cost_object",
            "amount",
            "source_amount",
            "share",
            "sender_side",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "March, actual", value={"version": "ACT", "period": "2026-03"}, request_only=True
        )
    ]
)
class CalculateInputSerializer(serializers.Serializer):
    version = code_field(CalculationVersion, "code", "Version")
    period = code_field(Period, "name", "Period")
    transfer = serializers.BooleanField(
        default=True, help_text="Transfer new GL lines and service quantities first."
    )
    queue = serializers.BooleanField(default=False, help_text="Queue the Celery task (202).")


class StatementQuerySerializer(serializers.Serializer):
    structure = code_field(LineStructure, "code", "Line structure")
    version = code_field(CalculationVersion, "code", "Version")
    period = code_field(Period, "name", "Period")
    cost_center = code_field(CostCenter, "code", "Cost centre", required=False)
    cost_object = code_field(CostObject, "code", "Cost object", required=False)
    export = serializers.ChoiceField(choices=["json", "xlsx"], default="json", required=False)

    def validate(self, attrs):
        if ("cost_center" in attrs) == ("cost_object" in attrs):
            raise serializers.ValidationError(
                {"cost_center": ["Give a cost centre or a cost object."]}
            )
        return attrs


class StatementRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    line_type = serializers.CharField()
    value = serializers.DecimalField(
        max_digits=28, decimal_places=6, allow_null=True, coerce_to_string=True
    )


class RatesQuerySerializer(serializers.Serializer):
    calculation = serializers.PrimaryKeyRelatedField(queryset=Calculation.objects.all())
    hours_category = code_field(CostCategory, "code", "Category")


class RatesProposeSerializer(RatesQuerySerializer):
    version_code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)


class RateRowSerializer(serializers.Serializer):
    cost_center = serializers.CharField(source="cost_center.code")
    work_centers = serializers.SerializerMethodField()
    hours = QuantityField()
    actual_cost = AmountField()
    actual_rate = AmountField(allow_null=True)
    standard_rate = QuantityField()
    absorbed = AmountField()
    under_absorbed = AmountField(help_text="Actual - absorbed: positive is under-absorbed.")

    def get_work_centers(self, row) -> list[str]:
        return [wc.code for wc in row.work_centers]


class ReconcileResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class QueuedSerializer(serializers.Serializer):
    task_id = serializers.CharField()


class ProposedRatesSerializer(serializers.Serializer):
    costing_version = serializers.CharField()
    rates = serializers.DictField(child=serializers.CharField(), help_text="Work centre: rate.")


class CostEntrySerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cost_center = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cost_object = serializers.SlugRelatedField(slug_field="code", read_only=True)
    amount = AmountField()

    class Meta:
        model = CostEntry
        fields = [
            "id",
            "category",
            "dimension",
            "cost_center",
            "cost_object",
            "posting_date",
            "amount",
            "journal_line",
            "reverses",
        ]
        read_only_fields = fields


class ServiceEntrySerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cost_center = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cost_object = serializers.SlugRelatedField(slug_field="code", read_only=True)
    quantity = QuantityField()

    class Meta:
        model = ServiceEntry
        fields = [
            "id",
            "category",
            "dimension",
            "cost_center",
            "cost_object",
            "posting_date",
            "quantity",
            "source",
            "source_key",
            "description",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Output of the sinter",
            value={
                "category": "Output_t",
                "cost_object": "Sint",
                "quantity": "8400",
                "posting_date": "2026-03-10",
                "source_key": "output-sint-0310",
            },
            request_only=True,
        )
    ]
)
class ServiceJournalInputSerializer(serializers.Serializer):
    category = code_field(CostCategory, "code", "Category")
    cost_center = code_field(CostCenter, "code", "Cost centre", required=False)
    cost_object = code_field(CostObject, "code", "Cost object", required=False)
    quantity = QuantityField()
    posting_date = serializers.DateField()
    source_key = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
