"""Serializers of the production API: input serializers parse commands, output ones render.

Items are named by number and locations by code; decimals travel as strings.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from mfgcost.core.api import (
    AmountField,
    ExactDecimalField,
    PositiveQuantityField,
    QuantityField,
    StrictInputSerializer,
)
from mfgcost.core.schema import request_example
from mfgcost.inventory.models import Location
from mfgcost.items.models import Item

from .models import (
    ProductionOrder,
    ProductionOrderComponent,
    ProductionOrderEstimate,
    ProductionOrderOperation,
    ProductionOrderOutput,
)

LOCATIONS = Location.objects.all()
ITEMS = Item.objects.all()


# --------------------------------------------------------------------------- orders


class ProductionOrderSerializer(serializers.ModelSerializer):
    item = serializers.SlugRelatedField(slug_field="number", read_only=True)
    location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    bom = serializers.StringRelatedField()
    routing = serializers.StringRelatedField()
    quantity = QuantityField()
    output_tolerance_percent = serializers.DecimalField(max_digits=9, decimal_places=4)
    unit_cost_standard = QuantityField()
    output_posted = QuantityField(read_only=True, required=False)

    class Meta:
        model = ProductionOrder
        fields = [
            "id",
            "number",
            "description",
            "item",
            "quantity",
            "location",
            "status",
            "due_date",
            "output_tolerance_percent",
            "bom",
            "routing",
            "unit_cost_standard",
            "released_on",
            "released_at",
            "finished_on",
            "finished_at",
            "output_posted",
        ]
        read_only_fields = fields


class ProductionOrderInputSerializer(StrictInputSerializer):
    number = serializers.CharField(max_length=40)
    item = serializers.SlugRelatedField(slug_field="number", queryset=ITEMS)
    quantity = PositiveQuantityField()
    location = serializers.SlugRelatedField(slug_field="code", queryset=LOCATIONS)
    due_date = serializers.DateField()
    description = serializers.CharField(max_length=200, required=False, default="")
    output_tolerance_percent = ExactDecimalField(
        max_digits=9, decimal_places=4, min_value=0, required=False
    )


class ProductionOrderUpdateSerializer(ProductionOrderInputSerializer):
    """A planned order's fields; the number cannot change."""

    number = None


class ProductionComponentSerializer(serializers.ModelSerializer):
    item = serializers.SlugRelatedField(slug_field="number", read_only=True)
    location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    quantity_per = QuantityField()
    expected_quantity = QuantityField()
    unit_cost_standard = QuantityField()

    class Meta:
        model = ProductionOrderComponent
        fields = [
            "line_no",
            "item",
            "quantity_per",
            "scrap_percent",
            "expected_quantity",
            "flushing_method",
            "operation_no",
            "location",
            "unit_cost_standard",
        ]
        read_only_fields = fields


class ProductionOperationSerializer(serializers.ModelSerializer):
    work_center = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_item = serializers.SlugRelatedField(slug_field="number", read_only=True)
    vendor = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ProductionOrderOperation
        fields = [
            "operation_no",
            "description",
            "work_center",
            "setup_time",
            "run_time",
            "lot_size",
            "expected_setup_time",
            "expected_run_time",
            "direct_cost_per_hour",
            "overhead_per_hour",
            "overhead_percent",
            "subcontracted",
            "service_item",
            "vendor",
            "service_unit_cost",
        ]
        read_only_fields = fields


class ProductionOutputSerializer(serializers.ModelSerializer):
    item = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = ProductionOrderOutput
        fields = [
            "line_no",
            "item",
            "kind",
            "quantity_per",
            "expected_quantity",
            "cost_allocation_percent",
            "fixed_credit_per_unit",
            "unit_cost_standard",
        ]
        read_only_fields = fields


class ProductionEstimateSerializer(serializers.ModelSerializer):
    cost_group = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_amount = QuantityField()
    amount = AmountField()

    class Meta:
        model = ProductionOrderEstimate
        fields = ["cost_group", "unit_amount", "amount", "source"]
        read_only_fields = fields


class ProductionComponentProgressSerializer(serializers.Serializer):
    line_no = serializers.IntegerField()
    item = serializers.CharField()
    expected_quantity = QuantityField()
    consumed_quantity = QuantityField()
    remaining_quantity = QuantityField()
    flushing_method = serializers.CharField()
    operation_no = serializers.IntegerField(allow_null=True)


class ProductionOperationProgressSerializer(serializers.Serializer):
    operation_no = serializers.IntegerField()
    work_center = serializers.CharField()
    subcontracted = serializers.BooleanField()
    expected_setup_time = QuantityField()
    expected_run_time = QuantityField()
    posted_setup_time = QuantityField()
    posted_run_time = QuantityField()
    output_quantity = QuantityField()
    scrap_quantity = QuantityField()


class ProductionProgressSerializer(serializers.Serializer):
    """An order's progress: expected against posted, per component and per operation."""

    components = ProductionComponentProgressSerializer(many=True)
    operations = ProductionOperationProgressSerializer(many=True)


# --------------------------------------------------------------------------- commands


class ProductionPostingInputSerializer(StrictInputSerializer):
    """What every posting command carries: its date and the client's idempotency key."""

    posting_date = serializers.DateField()
    source_key = serializers.CharField(max_length=150)
    document_no = serializers.CharField(max_length=40, required=False, default="")


@extend_schema_serializer(
    examples=[
        request_example("Release", {"posting_date": "2026-10-05", "source_key": "PO-1001:release"})
    ]
)
class ProductionStatusChangeInputSerializer(StrictInputSerializer):
    posting_date = serializers.DateField()
    source_key = serializers.CharField(max_length=150)


@extend_schema_serializer(
    examples=[
        request_example(
            "Component line",
            {
                "posting_date": "2026-10-06",
                "source_key": "PO-1001:consumption:1",
                "line_no": 1,
                "quantity": "104.000000",
            },
            "104 kg of the steel on component line 1.",
        ),
        request_example(
            "Return to stock",
            {
                "posting_date": "2026-10-07",
                "source_key": "PO-1001:consumption:2",
                "line_no": 1,
                "quantity": "-4.000000",
            },
            "A negative quantity returns material.",
        ),
    ]
)
class ProductionConsumptionInputSerializer(ProductionPostingInputSerializer):
    """A component line (``line_no``) or any item (a substitute); negative = return."""

    line_no = serializers.IntegerField(required=False, min_value=1)
    item = serializers.SlugRelatedField(slug_field="number", queryset=ITEMS, required=False)
    quantity = QuantityField()
    location = serializers.SlugRelatedField(slug_field="code", queryset=LOCATIONS, required=False)

    def validate(self, attrs):
        if "line_no" not in attrs and "item" not in attrs:
            raise serializers.ValidationError({"line_no": ["Give a component line or an item."]})
        return attrs


@extend_schema_serializer(
    examples=[
        request_example(
            "Setup and run",
            {
                "posting_date": "2026-10-07",
                "source_key": "PO-1001:time:10:1",
                "operation_no": 10,
                "setup_time": "3.000000",
                "run_time": "12.000000",
            },
            "3 h setup and 12 h run on operation 10.",
        )
    ]
)
class ProductionTimeInputSerializer(ProductionPostingInputSerializer):
    operation_no = serializers.IntegerField(min_value=1)
    setup_time = QuantityField(required=False, default="0")
    run_time = QuantityField(required=False, default="0")


@extend_schema_serializer(
    examples=[
        request_example(
            "Good and scrap",
            {
                "posting_date": "2026-10-09",
                "source_key": "PO-1001:output:1",
                "quantity": "48.000000",
                "scrap_quantity": "2.000000",
            },
            "48 good brackets and 2 scrapped.",
        )
    ]
)
class ProductionOutputInputSerializer(ProductionPostingInputSerializer):
    quantity = QuantityField(min_value=0)
    scrap_quantity = QuantityField(min_value=0, required=False, default="0")
    operation_no = serializers.IntegerField(min_value=1, required=False)


class ProductionItemEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.CharField(source="item.number")
    location = serializers.CharField(source="location.code")
    entry_type = serializers.CharField()
    quantity = QuantityField()
    order_line = serializers.IntegerField(allow_null=True)


class ProductionValueEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    entry_type = serializers.CharField()
    item_ledger_entry = serializers.IntegerField(source="item_ledger_entry_id", allow_null=True)
    capacity_ledger_entry = serializers.IntegerField(
        source="capacity_ledger_entry_id", allow_null=True
    )
    cost_group = serializers.CharField(source="cost_group.code", allow_null=True, default=None)
    cost_amount_expected = AmountField()
    cost_amount_actual = AmountField()


class ProductionCapacityEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    capacity_type = serializers.CharField()
    operation_no = serializers.CharField()
    setup_time = QuantityField()
    run_time = QuantityField()
    quantity = QuantityField()
    scrap_quantity = QuantityField()


class ProductionPostingResultSerializer(serializers.Serializer):
    posting = serializers.IntegerField(source="posting.pk")
    source_key = serializers.CharField(source="posting.source_key")
    kind = serializers.CharField(source="posting.kind")
    created = serializers.BooleanField()
    journal_entry = serializers.IntegerField(source="posting.journal_entry_id", allow_null=True)
    item_entries = ProductionItemEntrySerializer(many=True)
    capacity_entries = serializers.SerializerMethodField()
    value_entries = ProductionValueEntrySerializer(many=True)

    def get_capacity_entries(self, result) -> list[dict]:
        entries = result.posting.capacity_entries.order_by("id")
        return ProductionCapacityEntrySerializer(entries, many=True).data
