"""Serializers of the costing API: command input, run summaries and report rows.

Inputs and outputs are separate classes. Amounts are sent as strings (``AmountField``);
items and orders are named by number.
"""

from rest_framework import serializers

from mfgcost.core.api import AmountField, QuantityField, StrictInputSerializer
from mfgcost.items.models import Item
from mfgcost.production.models import ProductionOrder

from .models import CostAdjustmentRun


class AdjustCostInputSerializer(StrictInputSerializer):
    items = serializers.SlugRelatedField(
        slug_field="number",
        queryset=Item.objects.all(),
        many=True,
        required=False,
        help_text="Start from these items' marks only (numbers). Default: everything marked.",
    )
    orders = serializers.SlugRelatedField(
        slug_field="number",
        queryset=ProductionOrder.objects.all(),
        many=True,
        required=False,
        help_text="Start from these production orders' marks only (numbers).",
    )
    posting_date = serializers.DateField(
        required=False,
        help_text="Date for adjustments whose valuation date is in a closed period.",
    )
    queue = serializers.BooleanField(
        default=False, help_text="Queue the Celery task instead of running now (202)."
    )


class AdjustCostRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostAdjustmentRun
        fields = [
            "id",
            "status",
            "started_at",
            "finished_at",
            "marks_collected",
            "items_adjusted",
            "orders_adjusted",
            "value_entries_posted",
            "skipped",
            "errors",
            "requested_by",
            "queued_at",
            "task_id",
            "units_done",
            "units_total",
            "current_unit",
        ]
        read_only_fields = fields


class AdjustCostQueuedSerializer(serializers.Serializer):
    task_id = serializers.CharField(help_text="The Celery task that works the run.")
    run = serializers.IntegerField(help_text="The run's id.")
    url = serializers.URLField(help_text="The run to poll (also in the Location header).")
    status = serializers.CharField(help_text="queued (or already done without a broker).")


class PendingSerializer(serializers.Serializer):
    items = serializers.IntegerField()
    orders = serializers.IntegerField()
    value_entries_not_collected = serializers.IntegerField()


class CostSheetRowSerializer(serializers.Serializer):
    cost_group = serializers.CharField()
    group_type = serializers.CharField()
    standard = AmountField()
    estimate = AmountField()
    actual = AmountField()
    difference = AmountField()
    variance = AmountField()
    causes = serializers.DictField(child=AmountField())


class CostSheetSerializer(serializers.Serializer):
    order = serializers.CharField()
    item = serializers.CharField()
    status = serializers.CharField()
    quantity = QuantityField()
    output_quantity = QuantityField()
    output_value = AmountField()
    wip = AmountField()
    rows = CostSheetRowSerializer(many=True)
    totals = serializers.SerializerMethodField()

    def get_totals(self, sheet) -> dict:
        field = AmountField()
        return {
            column: field.to_representation(sheet.total(column))
            for column in ("standard", "estimate", "actual", "difference", "variance")
        }


class AsOfQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)


class WipRowSerializer(serializers.Serializer):
    order = serializers.CharField()
    item = serializers.CharField()
    status = serializers.CharField()
    cost_group = serializers.CharField()
    amount = AmountField()


class AccountCheckSerializer(serializers.Serializer):
    account = serializers.CharField()
    name = serializers.CharField()
    ledger_value = AmountField()
    gl_balance = AmountField()
    difference = AmountField()


class WipSerializer(serializers.Serializer):
    rows = WipRowSerializer(many=True)
    accounts = AccountCheckSerializer(many=True)


class PeriodQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()

    def validate(self, attrs):
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": ["Must be on or after date_from."]})
        return attrs


class EquationRowSerializer(serializers.Serializer):
    account = serializers.CharField()
    item = serializers.CharField()
    beginning = AmountField()
    increases = AmountField()
    decreases = AmountField()
    ending = AmountField()


class EquationAccountSerializer(serializers.Serializer):
    account = serializers.CharField()
    name = serializers.CharField()
    gl_beginning = AmountField()
    gl_ending = AmountField()
    ledger_ending = AmountField()
    difference = AmountField()


class EquationSerializer(serializers.Serializer):
    rows = EquationRowSerializer(many=True)
    accounts = EquationAccountSerializer(many=True)


class VarianceSourceQuerySerializer(serializers.Serializer):
    journal_line = serializers.IntegerField(required=False, min_value=1)
    value_entry = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if not attrs.get("journal_line") and not attrs.get("value_entry"):
            raise serializers.ValidationError(
                {"journal_line": ["Give a journal line or a value entry."]}
            )
        return attrs


class VarianceSourceRowSerializer(serializers.Serializer):
    variance_entry = serializers.IntegerField()
    order = serializers.CharField()
    cost_group = serializers.CharField()
    variance_type = serializers.CharField()
    cause = serializers.CharField()
    amount = AmountField()
    source_entry = serializers.IntegerField()
    source_amount = AmountField()
    kind = serializers.CharField()
    item_ledger_entry = serializers.IntegerField(allow_null=True)
    capacity_ledger_entry = serializers.IntegerField(allow_null=True)
    item = serializers.CharField()
    work_center = serializers.CharField()
    quantity = QuantityField(allow_null=True)
    hours = QuantityField(allow_null=True)
    posting_date = serializers.DateField()
