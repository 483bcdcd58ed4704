"""REST API of the close (``/api/close/``).

``POST runs/`` starts the close of a period (or resumes its failed or blocked run) and answers
202 with the run's URL; the chain runs on the workers. ``GET runs/`` and ``runs/{id}/`` read
runs with their steps; ``POST runs/{id}/resume/`` takes over a run whose worker died.
``POST reopen/`` reopens a closed period with a reason. ``POST preview/invoice/`` shows what a
back-dated purchase invoice would change, posting nothing; ``POST preview/receipt/`` the same
for a back-dated receipt.

Starting and resuming need ``close.add_closerun``; reopening ``close.reopen_period``; the
preview ``inventory.view_valueentry`` (it shows value entries and writes none).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from mfgcost.core.api import validated
from mfgcost.core.idempotency import IdempotentPostMixin

from . import serializers, services
from .models import CloseRun
from .preview import purchase_invoice_preview, purchase_receipt_preview

START_PERMISSION = "close.add_closerun"
REOPEN_PERMISSION = "close.reopen_period"
PREVIEW_PERMISSION = "inventory.view_valueentry"


def _step(name, label, position, status="pending", progress=0, counts=None) -> dict:
    """A step of the example run below, as the API shows it."""
    running = status != "pending"
    return {
        "name": name,
        "label": label,
        "position": position,
        "status": status,
        "progress": progress,
        "attempts": 1 if running else 0,
        "started_at": "2026-04-03T03:00:01Z" if running else None,
        "finished_at": "2026-04-03T03:00:02Z" if status == "done" else None,
        "seconds": "1.000" if status == "done" else None,
        "counts": counts or {},
        "details": {},
        "error": "",
    }


RUN_EXAMPLE = OpenApiExample(
    "A running close",
    value={
        "id": 7,
        "url": "http://example.com/api/close/runs/7/",
        "period": "2026-03",
        "status": "running",
        "attempts": 1,
        "requested_via": "api",
        "error": "",
        "created_at": "2026-04-03T03:00:00Z",
        "started_at": "2026-04-03T03:00:01Z",
        "finished_at": None,
        "steps": [
            _step("readiness", "Readiness checks", 0, "done", 100, {"checks": 6, "warnings": 1}),
            _step("adjust_cost", "Adjust Cost", 100, "running", 40, {}),
            _step("backflush_costing", "Backflush costing of every production flow", 200),
            _step("cost_accounting", "Cost ledger transfer and period calculation", 300),
            _step("reconciliation", "Reconcile inventory and WIP accounts", 400),
            _step("period_close", "Close the GL period", 500),
        ],
    },
    response_only=True,
)


def _accepted(request: Request, run: CloseRun) -> Response:
    url = reverse("close:run-detail", args=[run.pk], request=request)
    body = serializers.CloseRunSerializer(run, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class CloseRunViewSet(IdempotentPostMixin, viewsets.ReadOnlyModelViewSet):
    """Close runs, newest first, with their steps."""

    queryset = CloseRun.objects.select_related("period").prefetch_related("steps")
    serializer_class = serializers.CloseRunSerializer
    filterset_fields = ["status"]
    action_permissions = {"create": (START_PERMISSION,), "resume": (START_PERMISSION,)}

    @extend_schema(
        request=serializers.CloseStartInputSerializer,
        responses={202: serializers.CloseRunSerializer},
        examples=[
            OpenApiExample("Close March", value={"period": "2026-03"}, request_only=True),
            RUN_EXAMPLE,
            OpenApiExample(
                "A close of the period is running",
                value={"period": ["A close of period 2026-03 is running."]},
                status_codes=["409"],
                response_only=True,
            ),
        ],
    )
    def create(self, request: Request, **kwargs) -> Response:
        data = validated(serializers.CloseStartInputSerializer, request.data)
        run = services.close_run_start(period=data["period"], user=request.user, via="api")
        return _accepted(request, run)

    @extend_schema(request=None, responses={202: serializers.CloseRunSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk=None, **kwargs) -> Response:
        run = services.close_run_resume(run=self.get_object(), user=request.user)
        return _accepted(request, run)

    @extend_schema(examples=[RUN_EXAMPLE])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class ReopenView(IdempotentPostMixin, APIView):
    """Reopen a closed period, with a reason (until the next period is closed)."""

    required_permissions = (REOPEN_PERMISSION,)

    @extend_schema(
        request=serializers.ReopenInputSerializer,
        responses={201: serializers.ReopeningSerializer},
        examples=[
            OpenApiExample(
                "Reopen March",
                value={"period": "2026-03", "reason": "Vendor invoice dated in March"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.ReopenInputSerializer, request.data)
        reopening = services.period_reopen(
            period=data["period"], user=request.user, reason=data["reason"]
        )
        return Response(serializers.ReopeningSerializer(reopening).data, status=201)


class InvoicePreviewView(IdempotentPostMixin, APIView):
    """What a back-dated purchase invoice would change (value entries, orders, variances,
    cost of goods sold, GL amounts per account). Posts nothing."""

    required_permissions = (PREVIEW_PERMISSION,)

    @extend_schema(
        request=serializers.InvoicePreviewInputSerializer,
        responses={200: dict},
        examples=[
            OpenApiExample(
                "Invoice a March receipt at 5.50",
                value={
                    "receipt_entry": 1,
                    "quantity": "30",
                    "unit_price": "5.50",
                    "posting_date": "2026-03-08",
                },
                request_only=True,
            ),
            OpenApiExample(
                "What it would change",
                value={
                    "outbound_entries": [
                        {"item_ledger_entry": 3, "entry_type": "consumption", "amount": "-3.00"},
                        {"item_ledger_entry": 9, "entry_type": "sale", "amount": "-1.20"},
                    ],
                    "cogs": [{"item_ledger_entry": 9, "amount": "1.20"}],
                    "accounts": [
                        {"account": "1300", "name": "Raw materials inventory", "amount": "1.80"},
                        {"account": "5000", "name": "Cost of goods sold", "amount": "1.20"},
                    ],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.InvoicePreviewInputSerializer, request.data)
        impact = purchase_invoice_preview(**data)
        return Response(_strings(impact))


class ReceiptPreviewView(IdempotentPostMixin, APIView):
    """What a back-dated purchase receipt would change, as the invoice preview. Posts nothing."""

    required_permissions = (PREVIEW_PERMISSION,)

    @extend_schema(
        request=serializers.ReceiptPreviewInputSerializer,
        responses={200: dict},
        examples=[
            OpenApiExample(
                "Receive 10 dated before a sale",
                value={
                    "item": "PAINT",
                    "location": "MAIN",
                    "quantity": "10",
                    "unit_cost": "16.00",
                    "posting_date": "2026-03-03",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = validated(serializers.ReceiptPreviewInputSerializer, request.data)
        return Response(_strings(purchase_receipt_preview(**data)))


def _strings(value):
    """Decimals as strings, as the rest of the API sends them."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v) for v in value]
    return value
