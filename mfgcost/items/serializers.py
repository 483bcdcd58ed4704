"""Serializers of the items API (``/api/items/``).

Master data, BOMs, routings and costing sheets round-trip through model serializers whose
references are numbers and codes (``"component": "STEEL"``, ``"unit": "kg"``); BOM lines and
outputs, routing operations and costing-sheet rules are nested in their version or sheet and are
replaced as a whole when given. Commands (roll-up, activation, entering a cost) and the version
comparison have their own input and output serializers. Decimals travel as strings.
"""

from __future__ import annotations

from rest_framework import serializers

from ledger.models import CostCenter, ItemPostingGroup
from mfgcost.core.api import QuantityField, StrictInputSerializer, StrictModelSerializer
from subcontracting.models import Vendor

from .models import (
    BomLine,
    BomOutput,
    BomVersion,
    CostGroup,
    CostingSheet,
    CostingSheetRule,
    CostingVersion,
    Item,
    Operation,
    RoutingVersion,
    StandardCost,
    StandardCostLine,
    UnitConversion,
    UnitOfMeasure,
    WorkCenter,
)


def code_field(model, slug_field: str = "code", **kwargs) -> serializers.SlugRelatedField:
    """A reference by number or code, with an error that names the value not found."""
    label = model._meta.verbose_name
    return serializers.SlugRelatedField(
        slug_field=slug_field,
        queryset=model.objects.all(),
        error_messages={"does_not_exist": f"There is no {label} {{value}}."},
        **kwargs,
    )


def item_field(**kwargs) -> serializers.SlugRelatedField:
    return code_field(Item, "number", **kwargs)


# --------------------------------------------------------------------------- master data


class UnitOfMeasureSerializer(StrictModelSerializer):
    class Meta:
        model = UnitOfMeasure
        fields = ["id", "code", "name"]


class UnitConversionSerializer(StrictModelSerializer):
    item = item_field(required=False, allow_null=True, help_text="Empty: for every item.")
    from_unit = code_field(UnitOfMeasure)
    to_unit = code_field(UnitOfMeasure)

    class Meta:
        model = UnitConversion
        fields = ["id", "item", "from_unit", "to_unit", "factor"]
        validators = []  # the service checks uniqueness (the item may be empty)


class CostGroupSerializer(StrictModelSerializer):
    class Meta:
        model = CostGroup
        fields = ["id", "code", "name", "group_type"]


class WorkCenterSerializer(StrictModelSerializer):
    cost_center = code_field(CostCenter, required=False, allow_null=True)
    capacity_unit = code_field(UnitOfMeasure, required=False, allow_null=True)
    direct_cost_group = code_field(CostGroup, required=False, allow_null=True)
    overhead_cost_group = code_field(CostGroup, required=False, allow_null=True)
    vendor = code_field(Vendor, required=False, allow_null=True)

    class Meta:
        model = WorkCenter
        fields = [
            "id",
            "code",
            "name",
            "cost_center",
            "capacity_unit",
            "direct_cost_per_hour",
            "direct_cost_group",
            "overhead_per_hour",
            "overhead_percent",
            "overhead_cost_group",
            "vendor",
        ]


class ItemSerializer(StrictModelSerializer):
    base_unit = code_field(UnitOfMeasure)
    posting_group = code_field(ItemPostingGroup)
    cost_group = code_field(CostGroup, required=False, allow_null=True)
    costing_sheet = code_field(CostingSheet, required=False, allow_null=True)

    class Meta:
        model = Item
        fields = [
            "id",
            "number",
            "description",
            "item_type",
            "replenishment",
            "base_unit",
            "costing_method",
            "posting_group",
            "cost_group",
            "costing_sheet",
            "lot_size",
            "net_weight_kg",
            "standard_cost",
            "unit_cost",
            "last_direct_cost",
            "allow_negative_stock",
            "blocked",
            "low_level_code",
        ]
        read_only_fields = ["standard_cost", "unit_cost", "last_direct_cost", "low_level_code"]


class CostingVersionSerializer(StrictModelSerializer):
    class Meta:
        model = CostingVersion
        fields = ["id", "code", "name", "version_type"]


class CostingSheetRuleSerializer(StrictModelSerializer):
    sequence = serializers.IntegerField(required=False, min_value=0)
    base_cost_groups = code_field(CostGroup, many=True, required=False)
    work_center = code_field(WorkCenter, required=False, allow_null=True)
    cost_group = code_field(CostGroup)

    class Meta:
        model = CostingSheetRule
        fields = [
            "sequence",
            "basis",
            "percent",
            "rate",
            "base_cost_groups",
            "work_center",
            "cost_group",
        ]


class CostingSheetSerializer(StrictModelSerializer):
    rules = CostingSheetRuleSerializer(many=True, required=False)

    class Meta:
        model = CostingSheet
        fields = ["id", "code", "name", "rules"]


# --------------------------------------------------------------------------- routings and BOMs


class RoutingOperationSerializer(StrictModelSerializer):
    work_center = code_field(WorkCenter)
    service_item = item_field(required=False, allow_null=True)

    class Meta:
        model = Operation
        fields = [
            "operation_no",
            "description",
            "work_center",
            "setup_time",
            "run_time",
            "subcontracted",
            "service_item",
        ]


class RoutingVersionSerializer(StrictModelSerializer):
    item = item_field()
    operations = RoutingOperationSerializer(many=True, required=False)

    class Meta:
        model = RoutingVersion
        fields = ["id", "item", "version", "valid_from", "valid_to", "operations"]
        validators = []  # overlap and uniqueness are the service's


class BomLineSerializer(StrictModelSerializer):
    line_no = serializers.IntegerField(required=False, min_value=1)
    component = item_field()
    unit = code_field(UnitOfMeasure)

    class Meta:
        model = BomLine
        fields = [
            "line_no",
            "component",
            "quantity_per",
            "unit",
            "scrap_percent",
            "flushing_method",
            "operation_no",
        ]


class BomOutputSerializer(StrictModelSerializer):
    item = item_field()

    class Meta:
        model = BomOutput
        fields = ["item", "kind", "quantity", "cost_allocation_percent", "fixed_credit_per_unit"]


class BomVersionSerializer(StrictModelSerializer):
    item = item_field()
    lines = BomLineSerializer(many=True, required=False)
    outputs = BomOutputSerializer(many=True, required=False)

    class Meta:
        model = BomVersion
        fields = [
            "id",
            "item",
            "version",
            "valid_from",
            "valid_to",
            "quantity",
            "main_allocation_percent",
            "lines",
            "outputs",
        ]
        validators = []  # overlap and uniqueness are the service's


# --------------------------------------------------------------------------- standard costs


class StandardCostLineSerializer(serializers.ModelSerializer):
    cost_group = serializers.CharField(source="cost_group.code")
    group_type = serializers.CharField(source="cost_group.group_type")

    class Meta:
        model = StandardCostLine
        fields = ["cost_group", "group_type", "this_level", "rolled_up"]


class StandardCostSerializer(serializers.ModelSerializer):
    version = serializers.CharField(source="version.code")
    item = serializers.CharField(source="item.number")
    lines = StandardCostLineSerializer(many=True)

    class Meta:
        model = StandardCost
        fields = [
            "id",
            "version",
            "item",
            "activation_date",
            "status",
            "unit_cost",
            "lot_size",
            "bom",
            "routing",
            "calculated_at",
            "activated_at",
            "lines",
        ]


class CostAmountInputSerializer(StrictInputSerializer):
    cost_group = code_field(CostGroup)
    amount = QuantityField(min_value=0)


class StandardCostInputSerializer(StrictInputSerializer):
    """Enter a pending cost by cost group, e.g. a bought item's price in a version."""

    version = code_field(CostingVersion)
    item = item_field()
    activation_date = serializers.DateField()
    lines = CostAmountInputSerializer(many=True, allow_empty=False)


class RollupInputSerializer(StrictInputSerializer):
    items = item_field(many=True, allow_empty=False, help_text="Item numbers to roll up.")
    as_of = serializers.DateField(help_text="BOMs and routings valid on this date are used.")
    activation_date = serializers.DateField(
        required=False, help_text="Date the records become active (default: as_of)."
    )


class RollupOutputSerializer(serializers.Serializer):
    records = StandardCostSerializer(many=True, help_text="Pending records computed.")
    kept = StandardCostSerializer(many=True, help_text="Records already active, used as-is.")
    not_produced = serializers.ListField(
        child=serializers.CharField(), help_text="Chosen items without a valid BOM or routing."
    )


class ActivateInputSerializer(StrictInputSerializer):
    standard_costs = serializers.PrimaryKeyRelatedField(
        queryset=StandardCost.objects.all(), many=True, allow_empty=False
    )
    posting_date = serializers.DateField(
        required=False, help_text="Date of the revaluation (default: each activation date)."
    )


class VersionActivateInputSerializer(StrictInputSerializer):
    activation_date = serializers.DateField(
        required=False, help_text="Only the pending records of this date (default: all)."
    )
    posting_date = serializers.DateField(required=False)


class CompareQuerySerializer(serializers.Serializer):
    base = code_field(CostingVersion)
    other = code_field(CostingVersion)
    on = serializers.DateField(required=False, help_text="Latest records on or before this date.")
    items = serializers.CharField(required=False, help_text="Comma-separated item numbers.")


class CostGroupComparisonSerializer(serializers.Serializer):
    cost_group = serializers.CharField()
    base = QuantityField()
    other = QuantityField()


class ComparisonRowSerializer(serializers.Serializer):
    item = serializers.CharField()
    description = serializers.CharField()
    base_unit_cost = QuantityField(allow_null=True)
    other_unit_cost = QuantityField(allow_null=True)
    difference = QuantityField()
    difference_percent = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    by_cost_group = serializers.SerializerMethodField()

    def get_by_cost_group(self, row) -> list[dict]:
        return [
            {"cost_group": code, "base": f"{base:.6f}", "other": f"{other:.6f}"}
            for code, (base, other) in row.by_cost_group.items()
        ]
