"""REST API of cost accounting (``/api/costacct/``).

Setup (categories, versions, rules with their receivers and validation light) are model
endpoints. Commands: ``reconcile/`` (primary categories from the P&L accounts), ``calculate/``
(transfer, then delete and rebuild a period calculation; or queue the task), ``rates/propose/``.
Reads: calculations and their entries, ``statement/`` (JSON or XLSX) and ``rates/``.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mfgcost.core.api import validated
from mfgcost.core.idempotency import IdempotentPostMixin

from . import selectors, serializers, services
from .export import statement_workbook
from .models import (
    Calculation,
    CalculationEntry,
    CalculationRule,
    CalculationVersion,
    CostCategory,
    CostEntry,
    Dimension,
    ServiceEntry,
)
from .tasks import period_calculation_task


class CostCategoryViewSet(IdempotentPostMixin, viewsets.ModelViewSet):
    queryset = CostCategory.objects.select_related("account")
    serializer_class = serializers.CostCategorySerializer
    filterset_fields = ["kind"]


class CalculationVersionViewSet(IdempotentPostMixin, viewsets.ModelViewSet):
    queryset = CalculationVersion.objects.all()
    serializer_class = serializers.CalculationVersionSerializer


class CalculationRuleViewSet(IdempotentPostMixin, viewsets.ModelViewSet):
    queryset = CalculationRule.objects.select_related("version").prefetch_related("receivers")
    serializer_class = serializers.CalculationRuleSerializer
    filterset_fields = ["version__code", "kind"]


class CalculationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Calculation.objects.select_related("version", "period")
    serializer_class = serializers.CalculationSerializer


class CalculationEntryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = CalculationEntry.objects.select_related(
        "rule", "category", "cost_center", "cost_object"
    )
    serializer_class = serializers.CalculationEntrySerializer
    filterset_fields = ["calculation", "rule__code", "sender_side"]


class CostEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The cost ledger: primary costs per dimension value, from the P&L journal lines."""

    queryset = CostEntry.objects.select_related("category", "cost_center", "cost_object")
    serializer_class = serializers.CostEntrySerializer
    filterset_fields = ["period", "dimension", "category__code"]


class ServiceEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Service quantities; ``POST service-journal/`` adds a manual one."""

    queryset = ServiceEntry.objects.select_related("category", "cost_center", "cost_object")
    serializer_class = serializers.ServiceEntrySerializer
    filterset_fields = ["period", "source", "category__code"]


class ServiceJournalView(IdempotentPostMixin, APIView):
    """A manual service quantity on a cost centre or cost object (a repeat key posts nothing)."""

    required_permissions = ("costacct.add_calculation",)
    queryset = Calculation.objects.none()

    @extend_schema(
        request=serializers.ServiceJournalInputSerializer,
        responses={201: serializers.ServiceEntrySerializer},
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.ServiceJournalInputSerializer, request.data)
        entry = services.service_journal_post(**data)
        return Response(serializers.ServiceEntrySerializer(entry).data, status=201)


class ReconcileView(IdempotentPostMixin, APIView):
    """Account reconciliation: one primary category per P&L account."""

    required_permissions = ("costacct.add_calculation",)
    queryset = Calculation.objects.none()

    @extend_schema(request=None, responses=serializers.ReconcileResultSerializer)
    def post(self, request: Request) -> Response:
        return Response(services.cost_categories_reconcile())


class CalculateView(IdempotentPostMixin, APIView):
    """Transfer the GL and service quantities, then delete and rebuild a period calculation."""

    required_permissions = ("costacct.add_calculation",)
    queryset = Calculation.objects.none()

    @extend_schema(
        request=serializers.CalculateInputSerializer,
        responses={200: serializers.CalculationSerializer, 202: serializers.QueuedSerializer},
        examples=[
            OpenApiExample(
                "Refused loop",
                value={"rules": ["Rules HR-IT, IT-HR keep their cost in a closed loop: ..."]},
                response_only=True,
                status_codes=["400"],
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.CalculateInputSerializer, request.data)
        version, period = data["version"], data["period"]
        if data["queue"]:
            task = period_calculation_task.delay(version.pk, period.pk)
            return Response({"task_id": task.id}, status=status.HTTP_202_ACCEPTED)
        with transaction.atomic():
            if data["transfer"]:
                services.cost_ledger_transfer(up_to=period.end_date)
                services.service_entries_transfer(period=period)
            calculation = services.calculation_run(version=version, period=period)
        return Response(serializers.CalculationSerializer(calculation).data)


class StatementView(APIView):
    """The dimension statement of a cost centre or cost object (``export=xlsx`` for a file)."""

    required_permissions = ("costacct.view_calculation",)
    queryset = Calculation.objects.none()

    @extend_schema(
        parameters=[serializers.StatementQuerySerializer],
        responses=serializers.StatementRowSerializer(many=True),
        examples=[
            # One row of the list (the schema shows it inside the list it belongs to).
            OpenApiExample(
                "CP Iron, March: cost per tonne",
                value={
                    "code": "3_TT",
                    "name": "Cost per tonne",
                    "line_type": "calculated",
                    "value": "111.310000",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request):
        query = validated(serializers.StatementQuerySerializer, request.query_params)
        if "cost_center" in query:
            value, node = (
                query["cost_center"],
                (Dimension.COST_CENTER.value, query["cost_center"].pk),
            )
        else:
            value, node = (
                query["cost_object"],
                (Dimension.COST_OBJECT.value, query["cost_object"].pk),
            )
        rows = selectors.dimension_statement(
            structure=query["structure"],
            version=query["version"],
            period=query["period"],
            node=node,
        )
        if query.get("export") == "xlsx":
            title = f"{query['structure']} {value} {query['version']} {query['period']}"
            response = HttpResponse(
                statement_workbook(title=title, rows=rows),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="statement-{value}.xlsx"'
            return response
        return Response(serializers.StatementRowSerializer(rows, many=True).data)


class RatesView(APIView):
    """Actual cost per hour of the production cost centres against their standard rates."""

    required_permissions = ("costacct.view_calculation",)
    queryset = Calculation.objects.none()

    @extend_schema(
        parameters=[serializers.RatesQuerySerializer],
        responses=serializers.RateRowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = validated(serializers.RatesQuerySerializer, request.query_params)
        rows = selectors.rate_comparison(
            calculation=query["calculation"], hours_category=query["hours_category"]
        )
        return Response(serializers.RateRowSerializer(rows, many=True).data)


class RatesProposeView(IdempotentPostMixin, APIView):
    """The actual rates as pending work-centre rates of a new costing version."""

    required_permissions = ("costacct.add_calculation",)
    queryset = Calculation.objects.none()

    @extend_schema(
        request=serializers.RatesProposeSerializer,
        responses={201: serializers.ProposedRatesSerializer},
        examples=[
            OpenApiExample(
                "April rates",
                value={"calculation": 1, "hours_category": "HOURS", "version_code": "RATES-04"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.RatesProposeSerializer, request.data)
        version = services.calculation_rates_propose(
            calculation=data["calculation"],
            hours_category=data["hours_category"],
            version_code=data["version_code"],
            name=data.get("name", ""),
        )
        rates = {
            r.work_center.code: str(r.direct_cost_per_hour)
            for r in version.work_center_rates.select_related("work_center")
        }
        return Response({"costing_version": version.code, "rates": rates}, status=201)
