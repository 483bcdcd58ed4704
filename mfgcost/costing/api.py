"""REST API of costing (``/api/costing/``).

Running Adjust Cost is a command (``POST adjust/``): it runs now and returns the run, or with
``queue`` the run is recorded as queued and handed to the Celery task after commit: 202 with
the run's URL (``Location`` and ``url``) to poll, ``GET runs/<id>/``, for its status,
progress and counts. Runs are a read-only listing. The
reports are reads: an order's cost sheet, WIP by order reconciled to the WIP account, the
inventory value equation for a period, and the drill-down from a general-ledger line (or a
variance value entry) to the entries the variances came from.

Running needs ``costing.add_costadjustmentrun``; the reports need ``inventory.view_valueentry``
(whoever may read the value entries may read what is made of them).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger.models import JournalLine
from mfgcost.core.api import validated
from mfgcost.core.idempotency import IdempotentPostMixin
from mfgcost.core.schema import error_response
from mfgcost.production.models import ProductionOrder

from . import selectors, serializers
from .models import CostAdjustmentRun
from .services import adjust_cost_queue, adjust_cost_run

RUN_PERMISSION = "costing.add_costadjustmentrun"
REPORT_PERMISSION = "inventory.view_valueentry"


class AdjustCostRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Adjust Cost runs, newest first."""

    queryset = CostAdjustmentRun.objects.all()
    serializer_class = serializers.AdjustCostRunSerializer
    filterset_fields = ["status"]


class AdjustCostView(IdempotentPostMixin, APIView):
    """Run Adjust Cost on what changed (or queue it)."""

    required_permissions = (RUN_PERMISSION,)

    @extend_schema(
        request=serializers.AdjustCostInputSerializer,
        responses={
            200: serializers.AdjustCostRunSerializer,
            202: serializers.AdjustCostQueuedSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.AdjustCostInputSerializer, request.data)
        items = [i.pk for i in data["items"]] if "items" in data else None
        orders = [o.pk for o in data["orders"]] if "orders" in data else None
        if items is not None or orders is not None:
            items, orders = items or [], orders or []
        if data["queue"]:
            run = adjust_cost_queue(
                items=items,
                orders=orders,
                posting_date=data.get("posting_date"),
                requested_by=request.user.get_username(),
            )
            run.refresh_from_db()  # without a broker it has run already
            url = request.build_absolute_uri(reverse("costing:run-detail", args=[run.pk]))
            body = {"task_id": run.task_id, "run": run.pk, "url": url, "status": run.status}
            return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})
        outcome = adjust_cost_run(
            items=items,
            orders=orders,
            posting_date=data.get("posting_date"),
            requested_by=request.user.get_username(),
        )
        return Response(serializers.AdjustCostRunSerializer(outcome.run).data)


class PendingView(APIView):
    """How much work waits for Adjust Cost."""

    required_permissions = (REPORT_PERMISSION,)

    @extend_schema(responses=serializers.PendingSerializer)
    def get(self, request: Request) -> Response:
        return Response(serializers.PendingSerializer(selectors.adjust_cost_pending()).data)


class CostSheetView(APIView):
    """A production order's cost sheet: standard, estimate, actual, variance by cause."""

    required_permissions = (REPORT_PERMISSION,)

    @extend_schema(responses=serializers.CostSheetSerializer)
    def get(self, request: Request, number: str) -> Response:
        order = get_object_or_404(ProductionOrder.objects.select_related("item"), number=number)
        return Response(serializers.CostSheetSerializer(selectors.order_cost_sheet(order)).data)


class WipView(APIView):
    """WIP at the end of ``as_of`` by order and cost group, reconciled to the WIP accounts."""

    required_permissions = (REPORT_PERMISSION,)

    @extend_schema(
        parameters=[serializers.AsOfQuerySerializer], responses=serializers.WipSerializer
    )
    def get(self, request: Request) -> Response:
        query = validated(serializers.AsOfQuerySerializer, request.query_params)
        report = selectors.wip_by_order(as_of=query.get("as_of"))
        return Response(serializers.WipSerializer(report).data)


class InventoryValueView(APIView):
    """Beginning + increases - decreases = ending per account and item, for a period."""

    required_permissions = (REPORT_PERMISSION,)

    @extend_schema(
        parameters=[serializers.PeriodQuerySerializer], responses=serializers.EquationSerializer
    )
    def get(self, request: Request) -> Response:
        query = validated(serializers.PeriodQuerySerializer, request.query_params)
        report = selectors.inventory_value_equation(
            date_from=query["date_from"], date_to=query["date_to"]
        )
        return Response(serializers.EquationSerializer(report).data)


class VarianceSourcesView(APIView):
    """From a general-ledger line (or a variance value entry) to the entries behind it."""

    required_permissions = (REPORT_PERMISSION,)

    @extend_schema(
        parameters=[serializers.VarianceSourceQuerySerializer],
        responses={
            200: serializers.VarianceSourceRowSerializer(many=True),
            404: error_response(404, "No journal line with that id."),
        },
    )
    def get(self, request: Request) -> Response:
        query = validated(serializers.VarianceSourceQuerySerializer, request.query_params)
        line = None
        if query.get("journal_line"):
            line = get_object_or_404(JournalLine, pk=query["journal_line"])
        rows = selectors.variance_sources(
            journal_line=line, value_entry_id=None if line else query.get("value_entry")
        )
        return Response(serializers.VarianceSourceRowSerializer(rows, many=True).data)
