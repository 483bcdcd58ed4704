"""REST API of items, BOMs, routings, costing sheets and standard costs (``/api/items/``).

Every write parses with a serializer and calls one service; a broken rule is a 400 that names
the field the way the client sent it (``lines[1].unit``), and nothing is written. Commands:

* ``POST costing-versions/{id}/rollup/``: roll up chosen items (and everything below them);
* ``POST costing-versions/{id}/activate/``: activate the version's pending records;
* ``POST standard-costs/activate/``: activate chosen records (revalues stock on hand);
* ``GET costing-versions/compare/?base=A&other=B``: the two versions item by item.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ledger.api import flat_errors
from mfgcost.core.idempotency import IdempotentPostMixin

from . import filters, selectors, serializers
from .models import (
    BomVersion,
    CostGroup,
    CostingSheet,
    CostingVersion,
    Item,
    RoutingVersion,
    StandardCost,
    UnitConversion,
    UnitOfMeasure,
    WorkCenter,
)
from .services import (
    bom_version_save,
    costing_sheet_save,
    item_save,
    master_data_delete,
    master_data_save,
    routing_version_save,
    standard_cost_activate,
    standard_cost_enter,
    standard_cost_rollup,
    unit_conversion_save,
)


def valid(serializer) -> dict:
    """The serializer's validated data, or a 400 with flat field names (``lines[0].unit``)."""
    if not serializer.is_valid():
        raise ValidationError(flat_errors(serializer.errors))
    return serializer.validated_data


def header(instance, data: dict, names: list[str]) -> dict:
    """The header fields of a version: the current ones overlaid with what was sent."""
    values = {name: getattr(instance, name) for name in names} if instance else {}
    values.update({name: data[name] for name in names if name in data})
    return values


class ServiceModelViewSet(IdempotentPostMixin, viewsets.ModelViewSet):
    """Create and update through ``write`` (a service call); delete refuses rows in use."""

    def write(self, instance, data: dict):
        raise NotImplementedError

    def render(self, instance) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=instance.pk)).data

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = valid(self.get_serializer(data=request.data))
        return Response(self.render(self.write(None, data)), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        instance = self.get_object()
        serializer = self.get_serializer(
            instance, data=request.data, partial=kwargs.get("partial", False)
        )
        return Response(self.render(self.write(instance, valid(serializer))))

    def perform_destroy(self, instance) -> None:
        master_data_delete(instance=instance)


class MasterDataViewSet(ServiceModelViewSet):
    def write(self, instance, data: dict):
        return master_data_save(model=self.queryset.model, instance=instance, **data)


# --------------------------------------------------------------------------- master data


class UnitOfMeasureViewSet(MasterDataViewSet):
    """Units of measure."""

    queryset = UnitOfMeasure.objects.all()
    serializer_class = serializers.UnitOfMeasureSerializer
    filterset_fields = ["code"]
    ordering_fields = ["code"]


class UnitConversionViewSet(ServiceModelViewSet):
    """Unit conversions ``1 from_unit = factor to_unit``, per item or global (no item)."""

    queryset = UnitConversion.objects.select_related("item", "from_unit", "to_unit")
    serializer_class = serializers.UnitConversionSerializer
    filterset_class = filters.UnitConversionFilter

    def write(self, instance, data: dict):
        names = ["item", "from_unit", "to_unit", "factor"]
        return unit_conversion_save(conversion=instance, **header(instance, data, names))


class CostGroupViewSet(MasterDataViewSet):
    """Cost groups, each of one of five types."""

    queryset = CostGroup.objects.all()
    serializer_class = serializers.CostGroupSerializer
    filterset_class = filters.CostGroupFilter
    ordering_fields = ["code"]


class WorkCenterViewSet(MasterDataViewSet):
    """Work centres and their rates (a vendor makes one subcontracted)."""

    queryset = WorkCenter.objects.select_related(
        "cost_center", "capacity_unit", "direct_cost_group", "overhead_cost_group", "vendor"
    )
    serializer_class = serializers.WorkCenterSerializer
    filterset_class = filters.WorkCenterFilter
    ordering_fields = ["code"]


class ItemViewSet(ServiceModelViewSet):
    """Items: stocked goods and non-stocked services."""

    queryset = Item.objects.select_related(
        "base_unit", "posting_group", "cost_group", "costing_sheet"
    )
    serializer_class = serializers.ItemSerializer
    filterset_class = filters.ItemFilter
    ordering_fields = ["number", "low_level_code"]

    def write(self, instance, data: dict):
        return item_save(item=instance, **data)


class CostingVersionViewSet(MasterDataViewSet):
    """Costing versions (standard or planned), their roll-up, activation and comparison."""

    queryset = CostingVersion.objects.all()
    serializer_class = serializers.CostingVersionSerializer
    filterset_class = filters.CostingVersionFilter
    ordering_fields = ["code"]
    action_permissions = {
        "rollup": ("items.add_standardcost", "items.change_standardcost"),
        "activate": ("items.change_standardcost",),
        "compare": ("items.view_standardcost",),
    }

    @extend_schema(
        request=serializers.RollupInputSerializer,
        responses={200: serializers.RollupOutputSerializer},
    )
    @action(detail=True, methods=["post"])
    def rollup(self, request: Request, pk=None, **kwargs) -> Response:
        """Roll up the chosen items and every produced item below them into this version."""
        data = valid(serializers.RollupInputSerializer(data=request.data))
        outcome = standard_cost_rollup(
            version=self.get_object(),
            items=data["items"],
            as_of=data["as_of"],
            activation_date=data.get("activation_date"),
        )
        records = _with_lines([r.pk for r in outcome.records])
        kept = _with_lines([r.pk for r in outcome.kept])
        body = {
            "records": records,
            "kept": kept,
            "not_produced": [item.number for item in outcome.not_produced],
        }
        return Response(serializers.RollupOutputSerializer(body).data)

    @extend_schema(
        request=serializers.VersionActivateInputSerializer,
        responses={200: serializers.StandardCostSerializer(many=True)},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk=None, **kwargs) -> Response:
        """Activate the version's pending records (of one activation date, if given)."""
        data = valid(serializers.VersionActivateInputSerializer(data=request.data))
        pending = StandardCost.objects.filter(
            version=self.get_object(), status=StandardCost.Status.PENDING
        )
        if "activation_date" in data:
            pending = pending.filter(activation_date=data["activation_date"])
        records = standard_cost_activate(
            standard_costs=list(pending),
            posting_date=data.get("posting_date"),
            user=request.user,
        )
        body = _with_lines([r.pk for r in records])
        return Response(serializers.StandardCostSerializer(body, many=True).data)

    @extend_schema(
        parameters=[serializers.CompareQuerySerializer],
        responses={200: serializers.ComparisonRowSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def compare(self, request: Request, **kwargs) -> Response:
        """Two versions item by item: unit costs, difference and rolled-up cost groups."""
        data = valid(serializers.CompareQuerySerializer(data=request.query_params))
        items = None
        if data.get("items"):
            numbers = [n.strip() for n in data["items"].split(",") if n.strip()]
            items = list(Item.objects.filter(number__in=numbers))
        rows = selectors.costing_version_compare(
            base=data["base"], other=data["other"], on=data.get("on"), items=items
        )
        return Response(serializers.ComparisonRowSerializer(rows, many=True).data)


def _with_lines(ids: list[int]) -> list[StandardCost]:
    return list(StandardCostViewSet.queryset.filter(pk__in=ids).order_by("item__number"))


class CostingSheetViewSet(ServiceModelViewSet):
    """Costing sheets with their overhead rules (nested; replaced as a whole when sent)."""

    queryset = CostingSheet.objects.prefetch_related(
        "rules__base_cost_groups", "rules__work_center", "rules__cost_group"
    )
    serializer_class = serializers.CostingSheetSerializer
    filterset_class = filters.CostingSheetFilter
    ordering_fields = ["code"]

    def write(self, instance, data: dict):
        data = dict(data)
        return costing_sheet_save(sheet=instance, rules=data.pop("rules", None), **data)


# --------------------------------------------------------------------------- routings and BOMs


class RoutingVersionViewSet(ServiceModelViewSet):
    """Routing versions with their operations (nested; replaced as a whole when sent)."""

    queryset = RoutingVersion.objects.select_related("item").prefetch_related(
        "operations__work_center", "operations__service_item"
    )
    serializer_class = serializers.RoutingVersionSerializer
    filterset_class = filters.RoutingVersionFilter
    ordering_fields = ["item__number", "valid_from"]

    def write(self, instance, data: dict):
        return routing_version_save(
            routing=instance,
            operations=data.get("operations"),
            **header(instance, data, ["item", "version", "valid_from", "valid_to"]),
        )


class BomVersionViewSet(ServiceModelViewSet):
    """BOM versions (formulas) with lines and co-/by-products (nested; replaced when sent)."""

    queryset = BomVersion.objects.select_related("item").prefetch_related(
        "lines__component", "lines__unit", "outputs__item"
    )
    serializer_class = serializers.BomVersionSerializer
    filterset_class = filters.BomVersionFilter
    ordering_fields = ["item__number", "valid_from"]

    def write(self, instance, data: dict):
        names = ["item", "version", "valid_from", "valid_to", "quantity", "main_allocation_percent"]
        return bom_version_save(
            bom=instance,
            lines=[dict(line) for line in data["lines"]] if "lines" in data else None,
            outputs=[dict(o) for o in data["outputs"]] if "outputs" in data else None,
            **header(instance, data, names),
        )


# --------------------------------------------------------------------------- standard costs


class StandardCostViewSet(
    IdempotentPostMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Standard-cost records with their cost-group lines (this level and rolled up).

    Records are written by the roll-up, or entered (``POST``) for a bought item's price in a
    version; they are read-only once active.
    """

    queryset = StandardCost.objects.select_related("version", "item").prefetch_related(
        "lines__cost_group"
    )
    serializer_class = serializers.StandardCostSerializer
    filterset_class = filters.StandardCostFilter
    ordering_fields = ["item__number", "activation_date"]
    action_permissions = {"activate": ("items.change_standardcost",)}

    @extend_schema(
        request=serializers.StandardCostInputSerializer,
        responses={201: serializers.StandardCostSerializer},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Enter a pending cost by cost group (replaces a pending one of the same date)."""
        data = valid(serializers.StandardCostInputSerializer(data=request.data))
        amounts: dict = {}
        for index, line in enumerate(data["lines"]):
            if line["cost_group"] in amounts:
                raise ValidationError({f"lines[{index}].cost_group": ["Given twice."]})
            amounts[line["cost_group"]] = line["amount"]
        record = standard_cost_enter(
            version=data["version"],
            item=data["item"],
            activation_date=data["activation_date"],
            amounts=amounts,
        )
        body = self.get_serializer(self.get_queryset().get(pk=record.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.ActivateInputSerializer,
        responses={200: serializers.StandardCostSerializer(many=True)},
    )
    @action(detail=False, methods=["post"])
    def activate(self, request: Request, **kwargs) -> Response:
        """Activate records: each becomes its item's standard and stock on hand is revalued."""
        data = valid(serializers.ActivateInputSerializer(data=request.data))
        records = standard_cost_activate(
            standard_costs=data["standard_costs"],
            posting_date=data.get("posting_date"),
            user=request.user,
        )
        body = _with_lines([r.pk for r in records])
        return Response(serializers.StandardCostSerializer(body, many=True).data)
