"""Input and output shapes of the lean API. Decimals travel as strings."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from ledger.models import Account
from mfgcost.core.api import AmountField, PositiveQuantityField, QuantityField
from mfgcost.inventory.models import Location
from mfgcost.items.models import CostingSheet, CostingVersion, Item, WorkCenter
from subcontracting.models import Vendor

from .models import (
    BackflushRun,
    BackflushRunFlow,
    FlowActivity,
    Kanban,
    KanbanJob,
    KanbanRule,
    ProductionFlow,
)


def _example(name: str, value, *, request: bool = True) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=request, response_only=not request)


def _slug(model, field="code", **kwargs):
    return serializers.SlugRelatedField(slug_field=field, queryset=model.objects.all(), **kwargs)


# --------------------------------------------------------------------------- flows


@extend_schema_serializer(
    examples=[
        _example(
            "Flow ASSY",
            {
                "code": "ASSY",
                "name": "Assembly",
                "site": "MAIN",
                "wip_account": "1335",
                "variance_accounts": {"direct_material": "5311"},
                "costing_sheet": "LEAN",
            },
        )
    ]
)
class FlowCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=120)
    site = _slug(Location)
    wip_account = _slug(Account, "number")
    variance_accounts = serializers.DictField(child=serializers.CharField(), required=False)
    costing_sheet = _slug(CostingSheet, required=False, allow_null=True)


class FlowSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    wip_location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    posting_group = serializers.SlugRelatedField(slug_field="code", read_only=True)
    costing_sheet = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ProductionFlow
        fields = [
            "id",
            "code",
            "name",
            "site",
            "wip_location",
            "posting_group",
            "costing_sheet",
            "active",
            "costed_through",
        ]


@extend_schema_serializer(
    examples=[
        _example(
            "Assembly on a work cell", {"flow": "ASSY", "code": "ASM", "work_cell": "ASM-CELL"}
        ),
        _example(
            "Painting by a vendor",
            {
                "flow": "ASSY",
                "code": "PAINT",
                "subcontracted": True,
                "vendor": "PAINTER",
                "service_item": "PAINTING",
                "service_price": "10.50",
                "inventory_update": "receipt",
            },
        ),
    ]
)
class ActivitySerializer(serializers.ModelSerializer):
    flow = _slug(ProductionFlow)
    work_cell = _slug(WorkCenter, required=False, allow_null=True)
    vendor = _slug(Vendor, required=False, allow_null=True)
    service_item = _slug(Item, "number", required=False, allow_null=True)
    service_price = QuantityField(required=False)

    class Meta:
        model = FlowActivity
        fields = [
            "id",
            "flow",
            "code",
            "name",
            "kind",
            "inventory_update",
            "work_cell",
            "subcontracted",
            "vendor",
            "service_item",
            "service_price",
        ]
        validators = []


class RuleActivitySerializer(serializers.Serializer):
    activity = serializers.CharField(help_text="Activity code of the rule's flow.")
    run_time = QuantityField(required=False, help_text="Hours per unit.")
    sequence = serializers.IntegerField(required=False, min_value=1)


@extend_schema_serializer(
    examples=[
        _example(
            "Widget kanban rule",
            {
                "flow": "ASSY",
                "product": "W",
                "quantity": "70",
                "valid_from": "2026-01-01",
                "automatic_empty": "on_receipt",
                "activities": [{"activity": "ASM", "run_time": "0.25"}, {"activity": "PAINT"}],
            },
        )
    ]
)
class KanbanRuleSerializer(serializers.ModelSerializer):
    flow = _slug(ProductionFlow)
    product = _slug(Item, "number")
    quantity = PositiveQuantityField()
    activities = RuleActivitySerializer(many=True, required=False)

    class Meta:
        model = KanbanRule
        fields = [
            "id",
            "flow",
            "product",
            "quantity",
            "automatic_empty",
            "valid_from",
            "valid_to",
            "active",
            "activities",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["activities"] = [
            {"activity": a.activity.code, "run_time": f"{a.run_time:.6f}", "sequence": a.sequence}
            for a in instance.activities.select_related("activity")
        ]
        return data


class KanbanJobSerializer(serializers.ModelSerializer):
    kanban = serializers.SlugRelatedField(slug_field="number", read_only=True)
    activity = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = KanbanJob
        fields = [
            "id",
            "kanban",
            "activity",
            "sequence",
            "status",
            "planned_date",
            "started_date",
            "completed_date",
            "quantity",
            "run_time",
            "unit_price",
        ]
        read_only_fields = fields


class KanbanSerializer(serializers.ModelSerializer):
    flow = serializers.SlugRelatedField(slug_field="code", read_only=True)
    item = serializers.SlugRelatedField(slug_field="number", read_only=True)
    jobs = KanbanJobSerializer(many=True, read_only=True)

    class Meta:
        model = Kanban
        fields = [
            "id",
            "number",
            "rule",
            "flow",
            "item",
            "quantity",
            "status",
            "assigned_date",
            "received_date",
            "emptied_date",
            "jobs",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[_example("A kanban of rule 3", {"rule": 3, "assigned_date": "2026-10-02"})]
)
class KanbanCreateSerializer(serializers.Serializer):
    rule = serializers.PrimaryKeyRelatedField(queryset=KanbanRule.objects.all())
    assigned_date = serializers.DateField()
    quantity = PositiveQuantityField(required=False)


@extend_schema_serializer(
    examples=[_example("Empty on 25 October", {"posting_date": "2026-10-25"})]
)
class PostingDateSerializer(serializers.Serializer):
    posting_date = serializers.DateField()


@extend_schema_serializer(
    examples=[
        _example("Assembly job, 18 h", {"posting_date": "2026-10-10", "run_time": "18"}),
        _example("Painted at 10.50", {"posting_date": "2026-10-10", "unit_price": "10.50"}),
    ]
)
class JobCompleteSerializer(serializers.Serializer):
    posting_date = serializers.DateField()
    quantity = PositiveQuantityField(required=False)
    run_time = QuantityField(required=False, min_value=0)
    unit_price = QuantityField(required=False, min_value=0)


@extend_schema_serializer(
    examples=[
        _example(
            "Kanban issue of 10 parts",
            {
                "flow": "ASSY",
                "item": "P",
                "quantity": "10",
                "posting_date": "2026-11-01",
                "source_key": "issue-2026-11-01-1",
            },
        )
    ]
)
class MaterialIssueSerializer(serializers.Serializer):
    flow = _slug(ProductionFlow)
    item = _slug(Item, "number")
    quantity = serializers.CharField()
    posting_date = serializers.DateField()
    source_key = serializers.CharField(max_length=150)


@extend_schema_serializer(
    examples=[
        _example(
            "Widget from its default flow", {"item": "W", "version": "STD", "as_of": "2026-10-01"}
        )
    ]
)
class FlowStandardCostSerializer(serializers.Serializer):
    item = _slug(Item, "number")
    version = _slug(CostingVersion)
    as_of = serializers.DateField()
    activation_date = serializers.DateField(required=False)
    flow = _slug(ProductionFlow, required=False)


# --------------------------------------------------------------------------- runs


@extend_schema_serializer(
    examples=[_example("Month end October", {"end_date": "2026-10-31", "queue": False})]
)
class RunCreateSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    flows = _slug(ProductionFlow, many=True, required=False)
    queue = serializers.BooleanField(default=False, help_text="Hand the flows to Celery (202).")


class RunFlowSerializer(serializers.ModelSerializer):
    flow = serializers.SlugRelatedField(slug_field="code", read_only=True)
    wip_before = AmountField(read_only=True)
    wip_after = AmountField(read_only=True)
    report = serializers.SerializerMethodField()

    class Meta:
        model = BackflushRunFlow
        fields = [
            "id",
            "flow",
            "status",
            "progress",
            "error",
            "period_start",
            "wip_before",
            "wip_after",
            "attempts",
            "finished_at",
            "report",
        ]

    def get_report(self, run_flow) -> dict:
        from .selectors import run_flow_report

        report = run_flow_report(run_flow)
        return _strings(report)


def _strings(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v) for v in value]
    return value


class RunSerializer(serializers.ModelSerializer):
    flows = RunFlowSerializer(many=True, read_only=True)

    class Meta:
        model = BackflushRun
        fields = [
            "id",
            "end_date",
            "status",
            "reversal_of",
            "requested_by",
            "created_at",
            "finished_at",
            "flows",
        ]
        read_only_fields = fields
