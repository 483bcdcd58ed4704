"""REST API of production orders (``/api/production/``).

``orders/`` is CRUD while an order is planned (a released order changes only through postings).
Actions on one order -- ``release``, ``finish``, ``consumption``, ``time``, ``output`` -- are
POSTs carrying a ``posting_date`` and the client's ``source_key``: sending the same request
under the same key again returns the first posting (200, ``Idempotent-Replayed: true``) instead
of posting twice (201); the key with another request -- another kind of posting, order,
quantity, date or user -- is a 409 naming ``source_key``. Reads: ``components``,
``operations``, ``outputs``, ``estimate``, ``progress``. Bad input is a 400 naming the field, and
nothing is written.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mfgcost.core.errors import BusinessError
from mfgcost.core.idempotency import IdempotentPostMixin, replayed

from . import selectors, services
from . import serializers as s
from .filters import OrderFilter
from .models import ProductionOrder

CHANGE_ORDER = ("production.change_productionorder",)


REPLAYED = "The source key was posted before with this posting: the first posting, again."


def _posted(result) -> Response:
    body = s.ProductionPostingResultSerializer(result).data
    if result.created:
        return Response(body, status=status.HTTP_201_CREATED)
    return replayed(Response(body, status=status.HTTP_200_OK))


class OrderViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Production orders: planned, released, finished; changed only while planned."""

    serializer_class = s.ProductionOrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["number", "due_date", "status", "id"]
    # Reads (the list, an order, components, operations, outputs, estimate, progress) need
    # view_productionorder; postings and status changes need the permission to change orders.
    action_permissions = {
        action: CHANGE_ORDER for action in ("release", "finish", "consumption", "time", "output")
    }

    def get_queryset(self):
        return selectors.order_list().select_related("bom", "routing")

    @extend_schema(
        request=s.ProductionOrderInputSerializer, responses={201: s.ProductionOrderSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = s.ProductionOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.production_order_create(**data.validated_data)
        return Response(self._render(order), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ProductionOrderUpdateSerializer, responses={200: s.ProductionOrderSerializer}
    )
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        data = s.ProductionOrderUpdateSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        order = services.production_order_update(order=self.get_object(), **data.validated_data)
        return Response(self._render(order))

    def destroy(self, request, *args, **kwargs):
        services.production_order_delete(order=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _render(self, order: ProductionOrder) -> dict:
        return s.ProductionOrderSerializer(self.get_queryset().get(pk=order.pk)).data

    # ------------------------------------------------------------------ status

    @extend_schema(
        request=s.ProductionStatusChangeInputSerializer,
        responses={200: s.ProductionOrderSerializer},
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None, **kwargs):
        """Release a planned order: freeze its BOM and routing, make its estimate, flush forward-
        flushed components and order its subcontracted operations.
        """
        data = s.ProductionStatusChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.production_order_release(
            order=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(self._render(order))

    @extend_schema(
        request=s.ProductionStatusChangeInputSerializer,
        responses={200: s.ProductionOrderSerializer},
    )
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None, **kwargs):
        """Finish a released order; Adjust Cost then values it at actual cost and posts its
        variances.
        """
        data = s.ProductionStatusChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.production_order_finish(
            order=self.get_object(), user=request.user, **data.validated_data
        )
        return Response(self._render(order))

    # ------------------------------------------------------------------ postings

    @extend_schema(
        request=s.ProductionConsumptionInputSerializer,
        responses={
            201: s.ProductionPostingResultSerializer,
            200: OpenApiResponse(s.ProductionPostingResultSerializer, description=REPLAYED),
        },
    )
    @action(detail=True, methods=["post"])
    def consumption(self, request, pk=None, **kwargs):
        """Post consumption of a component line (``line_no``) or of any item (a substitute); a
        negative quantity returns material.
        """
        order = self.get_object()
        data = s.ProductionConsumptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        line_no = fields.pop("line_no", None)
        if line_no is not None:
            component = order.components.filter(line_no=line_no).first()
            if component is None:
                raise BusinessError(f"Line {line_no} is not on order {order}.", field="line_no")
            fields["component"] = component
        return _posted(
            services.production_consumption_post(order=order, user=request.user, **fields)
        )

    @extend_schema(
        request=s.ProductionTimeInputSerializer,
        responses={
            201: s.ProductionPostingResultSerializer,
            200: OpenApiResponse(s.ProductionPostingResultSerializer, description=REPLAYED),
        },
    )
    @action(detail=True, methods=["post"])
    def time(self, request, pk=None, **kwargs):
        """Post setup and run time on an operation at its work centre's rates, with capacity
        overhead.
        """
        data = s.ProductionTimeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _posted(
            services.production_time_post(
                order=self.get_object(), user=request.user, **data.validated_data
            )
        )

    @extend_schema(
        request=s.ProductionOutputInputSerializer,
        responses={
            201: s.ProductionPostingResultSerializer,
            200: OpenApiResponse(s.ProductionPostingResultSerializer, description=REPLAYED),
        },
    )
    @action(detail=True, methods=["post"])
    def output(self, request, pk=None, **kwargs):
        """Report output (and scrap) at standard cost as expected cost; backward-flushed components
        are consumed with it.
        """
        data = s.ProductionOutputInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _posted(
            services.production_output_post(
                order=self.get_object(), user=request.user, **data.validated_data
            )
        )

    # ------------------------------------------------------------------ reads

    @extend_schema(responses={200: s.ProductionComponentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def components(self, request, pk=None, **kwargs):
        """The order's frozen component lines: expected quantity, location and flushing method."""
        rows = self.get_object().components.select_related("item", "location")
        return Response(s.ProductionComponentSerializer(rows, many=True).data)

    @extend_schema(responses={200: s.ProductionOperationSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def operations(self, request, pk=None, **kwargs):
        """The order's frozen routing operations: work centre, times and subcontracting vendor."""
        rows = self.get_object().operations.select_related("work_center", "service_item", "vendor")
        return Response(s.ProductionOperationSerializer(rows, many=True).data)

    @extend_schema(responses={200: s.ProductionOutputSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def outputs(self, request, pk=None, **kwargs):
        """The order's co- and by-products, per unit of the main item."""
        rows = self.get_object().outputs.select_related("item")
        return Response(s.ProductionOutputSerializer(rows, many=True).data)

    @extend_schema(responses={200: s.ProductionEstimateSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def estimate(self, request, pk=None, **kwargs):
        """The order's estimate: expected cost by cost group, taken at release."""
        rows = self.get_object().estimate_lines.select_related("cost_group")
        return Response(s.ProductionEstimateSerializer(rows, many=True).data)

    @extend_schema(responses=s.ProductionProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None, **kwargs):
        """Expected against posted quantities per component and operation."""
        order = self.get_object()
        return Response(
            {
                "components": s.ProductionComponentProgressSerializer(
                    selectors.component_progress(order), many=True
                ).data,
                "operations": s.ProductionOperationProgressSerializer(
                    selectors.operation_progress(order), many=True
                ).data,
            }
        )
