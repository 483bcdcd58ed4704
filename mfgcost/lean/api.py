"""REST API of lean production flows (``/api/lean/``): setup, kanbans, jobs, runs, reports.

Commands (create a flow, complete a job, run backflush costing...) parse their input, call one
service and render the result; a broken rule is a 400 naming the field. Reads need the model's
view permission, writes its add or change permission.
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from mfgcost.core.api import validated
from mfgcost.core.errors import BusinessError
from mfgcost.core.idempotency import IdempotentPostMixin

from . import selectors, serializers, services
from .models import BackflushRun, FlowActivity, Kanban, KanbanJob, KanbanRule, ProductionFlow
from .tasks import backflush_run_queue


class FlowViewSet(IdempotentPostMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Production flows; ``wip`` is the flow's WIP by cost group and item, its kanban
    quantities by status and the reconciliation of its WIP account."""

    queryset = ProductionFlow.objects.select_related("site", "wip_location", "posting_group")
    serializer_class = serializers.FlowSerializer
    lookup_field = "code"

    @extend_schema(
        request=serializers.FlowCreateSerializer, responses={201: serializers.FlowSerializer}
    )
    def create(self, request: Request, **kwargs) -> Response:
        data = validated(serializers.FlowCreateSerializer, request.data)
        from ledger.models import Account

        variance_accounts = {}
        for group_type, number in data.get("variance_accounts", {}).items():
            account = Account.objects.filter(number=number).first()
            if account is None:
                raise BusinessError(
                    f"Account {number} does not exist.", field=f"variance_accounts.{group_type}"
                )
            variance_accounts[group_type] = account
        flow = services.production_flow_create(
            code=data["code"],
            name=data["name"],
            site=data["site"],
            wip_account=data["wip_account"],
            variance_accounts=variance_accounts,
            costing_sheet=data.get("costing_sheet"),
        )
        return Response(serializers.FlowSerializer(flow).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def wip(self, request: Request, code: str, **kwargs) -> Response:
        flow = self.get_object()
        quantities = selectors.flow_wip_quantities(flow=flow)
        body = {
            "balance": selectors.flow_wip_balance(flow=flow),
            "quantities": [
                {"item": item, "status": s, "quantity": q}
                for (item, s), q in sorted(quantities.items())
            ],
            "reconciliation": selectors.flow_wip_reconciliation(flow=flow),
        }
        return Response(serializers._strings(body))


class ActivityViewSet(IdempotentPostMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = FlowActivity.objects.select_related("flow", "work_cell", "vendor", "service_item")
    serializer_class = serializers.ActivitySerializer
    filterset_fields = ["flow"]

    def create(self, request: Request, **kwargs) -> Response:
        data = validated(serializers.ActivitySerializer, request.data)
        activity = services.flow_activity_save(**data)
        return Response(
            serializers.ActivitySerializer(activity).data, status=status.HTTP_201_CREATED
        )


class KanbanRuleViewSet(
    IdempotentPostMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = KanbanRule.objects.select_related("flow", "product")
    serializer_class = serializers.KanbanRuleSerializer
    filterset_fields = ["flow", "product"]

    def create(self, request: Request, **kwargs) -> Response:
        data = dict(validated(serializers.KanbanRuleSerializer, request.data))
        rows = []
        for index, row in enumerate(data.pop("activities", [])):
            activity = FlowActivity.objects.filter(flow=data["flow"], code=row["activity"]).first()
            if activity is None:
                raise BusinessError(
                    f"Flow {data['flow']} has no activity {row['activity']}.",
                    field=f"activities[{index}].activity",
                )
            rows.append({**row, "activity": activity})
        data.pop("active", None)
        rule = services.kanban_rule_save(activities=rows, **data)
        return Response(serializers.KanbanRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class KanbanViewSet(IdempotentPostMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Kanban handling units; ``empty`` registers a full one as consumed."""

    queryset = Kanban.objects.select_related("flow", "item").prefetch_related("jobs__activity")
    serializer_class = serializers.KanbanSerializer
    filterset_fields = ["flow", "item", "status"]
    action_permissions = {"empty": ("lean.change_kanban",)}

    @extend_schema(
        request=serializers.KanbanCreateSerializer, responses={201: serializers.KanbanSerializer}
    )
    def create(self, request: Request, **kwargs) -> Response:
        data = validated(serializers.KanbanCreateSerializer, request.data)
        kanban = services.kanban_create(**data)
        return Response(serializers.KanbanSerializer(kanban).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.PostingDateSerializer, responses=serializers.KanbanSerializer
    )
    @action(detail=True, methods=["post"])
    def empty(self, request: Request, pk: str, **kwargs) -> Response:
        data = validated(serializers.PostingDateSerializer, request.data)
        kanban = services.kanban_empty(kanban=self.get_object(), **data)
        return Response(serializers.KanbanSerializer(kanban).data)


class KanbanJobViewSet(IdempotentPostMixin, viewsets.ReadOnlyModelViewSet):
    """Kanban jobs; ``start`` and ``complete`` move them on (completion posts)."""

    queryset = KanbanJob.objects.select_related("kanban", "activity")
    serializer_class = serializers.KanbanJobSerializer
    filterset_fields = ["status", "activity", "kanban"]
    action_permissions = {
        "start": ("lean.change_kanbanjob",),
        "complete": ("lean.change_kanbanjob",),
    }

    @extend_schema(
        request=serializers.PostingDateSerializer, responses=serializers.KanbanJobSerializer
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str, **kwargs) -> Response:
        data = validated(serializers.PostingDateSerializer, request.data)
        job = services.kanban_job_start(job=self.get_object(), **data)
        return Response(serializers.KanbanJobSerializer(job).data)

    @extend_schema(
        request=serializers.JobCompleteSerializer, responses=serializers.KanbanJobSerializer
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str, **kwargs) -> Response:
        data = validated(serializers.JobCompleteSerializer, request.data)
        job = services.kanban_job_complete(job=self.get_object(), user=request.user, **data)
        return Response(serializers.KanbanJobSerializer(job).data)


class MaterialIssueViewSet(IdempotentPostMixin, viewsets.ViewSet):
    """A kanban issue: material from the flow's site into its WIP at standard."""

    queryset = KanbanJob.objects.none()
    required_permissions = ("lean.change_kanban",)

    @extend_schema(request=serializers.MaterialIssueSerializer, responses={201: None})
    def create(self, request: Request, **kwargs) -> Response:
        data = validated(serializers.MaterialIssueSerializer, request.data)
        posting = services.flow_material_stage(user=request.user, **data)
        return Response(
            {"posting": posting.pk, "source_key": posting.source_key},
            status=status.HTTP_201_CREATED,
        )


class FlowStandardCostViewSet(IdempotentPostMixin, viewsets.ViewSet):
    """Calculate a product's standard cost from a flow and its kanban rule (pending record)."""

    queryset = ProductionFlow.objects.none()
    required_permissions = ("items.add_standardcost",)

    @extend_schema(request=serializers.FlowStandardCostSerializer, responses={201: None})
    def create(self, request: Request, **kwargs) -> Response:
        data = validated(serializers.FlowStandardCostSerializer, request.data)
        record = services.flow_standard_cost_calculate(**data)
        lines = {line.cost_group.code: f"{line.rolled_up:f}" for line in record.lines.all()}
        return Response(
            {"standard_cost": record.pk, "unit_cost": f"{record.unit_cost:f}", "lines": lines},
            status=status.HTTP_201_CREATED,
        )


class RunViewSet(IdempotentPostMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Backflush costing runs with each flow's status, unused quantities, variances, open jobs."""

    queryset = BackflushRun.objects.prefetch_related("flows__flow")
    serializer_class = serializers.RunSerializer
    action_permissions = {"reverse": ("lean.add_backflushrun",)}

    @extend_schema(
        request=serializers.RunCreateSerializer,
        responses={201: serializers.RunSerializer, 202: serializers.RunSerializer},
    )
    def create(self, request: Request, **kwargs) -> Response:
        data = validated(serializers.RunCreateSerializer, request.data)
        with transaction.atomic():
            run = services.backflush_run_create(
                end_date=data["end_date"],
                flows=data.get("flows") or None,
                requested_by=request.user.get_username(),
            )
            if data["queue"]:
                backflush_run_queue(run)
        if data["queue"]:
            return Response(serializers.RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
        run = services.backflush_run_execute(run=run)
        return Response(serializers.RunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: serializers.RunSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str, **kwargs) -> Response:
        run = get_object_or_404(BackflushRun, pk=pk)
        reversal = services.backflush_run_reverse(run=run, requested_by=request.user.get_username())
        return Response(serializers.RunSerializer(reversal).data, status=status.HTTP_201_CREATED)
