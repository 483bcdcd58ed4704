"""REST API of the general ledger (``/api/ledger/``).

Master data (accounts, cost centres, cost objects) is plain CRUD under Django model permissions,
reads included (``mfgcost.core.permissions``). Everything that posts or reports goes through
``ledger.services`` and ``ledger.selectors`` and asks for one explicit permission. Errors name
the field the way the client sent it: ``lines[0].account``.
"""

from __future__ import annotations

import uuid

from django.db.models import ProtectedError, RestrictedError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mfgcost.core.errors import ConflictError
from mfgcost.core.idempotency import (
    DocumentKeyReused,
    IdempotentPostMixin,
    renamed,
    replayed,
)

from . import filters, selectors, serializers, services
from .models import Account, CostCenter, CostObject, FiscalYear, Journal, JournalEntry, Period
from .services import (
    LineDraft,
    fiscal_year_create,
    manual_entry_post,
    manual_entry_reverse,
    manual_source_key,
    period_close,
    period_reopen,
)

# Input -----------------------------------------------------------------------------------------


def flat_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF's nested errors to ``{"lines[0].account": [...]}``, as services name fields."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):  # a list serializer's errors, by item index
                name = f"{prefix}[{key}]"
            elif not prefix:
                name = key
            elif key == "non_field_errors":
                name = prefix
            else:
                name = f"{prefix}.{key}"
            flat.update(flat_errors(value, name))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            if item:
                flat.update(flat_errors(item, f"{prefix}[{index}]"))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(message) for message in messages]}


def validated(serializer_class, data) -> dict:
    """The validated data of ``serializer_class``, or a 400 with flat field names."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationError(flat_errors(serializer.errors))
    return serializer.validated_data


# Master data -----------------------------------------------------------------------------------


class ProtectedDestroyMixin:
    """Deleting a row that postings or setup refer to is a 409, not a server error."""

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except (ProtectedError, RestrictedError):
            raise ConflictError(
                f"{instance} is in use (posted lines or setup refer to it); block it instead.",
                field="non_field_errors",
            ) from None


class AccountViewSet(IdempotentPostMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Chart of accounts."""

    queryset = Account.objects.all()
    serializer_class = serializers.AccountSerializer
    filterset_class = filters.AccountFilter
    ordering_fields = ["number", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.account_save(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.account_save(
            account=serializer.instance, **serializer.validated_data
        )


class CostCenterViewSet(IdempotentPostMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Cost centres (a dimension of journal lines)."""

    queryset = CostCenter.objects.all()
    serializer_class = serializers.CostCenterSerializer
    filterset_class = filters.CostCenterFilter
    ordering_fields = ["code", "name"]


class CostObjectViewSet(IdempotentPostMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Cost objects (a dimension of journal lines)."""

    queryset = CostObject.objects.all()
    serializer_class = serializers.CostObjectSerializer
    filterset_class = filters.CostObjectFilter
    ordering_fields = ["code", "name"]


class JournalViewSet(viewsets.ReadOnlyModelViewSet):
    """Journals (number series)."""

    queryset = Journal.objects.all()
    serializer_class = serializers.JournalSerializer
    filterset_fields = ["code"]
    ordering_fields = ["code"]


# Fiscal years and periods ----------------------------------------------------------------------


class FiscalYearViewSet(
    IdempotentPostMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Fiscal years with their monthly periods."""

    queryset = FiscalYear.objects.prefetch_related("periods__closed_by")
    serializer_class = serializers.FiscalYearSerializer
    filterset_fields = ["code"]
    ordering_fields = ["start_date"]
    action_permissions = {"create": ("ledger.add_fiscalyear",)}

    @extend_schema(
        request=serializers.FiscalYearInputSerializer,
        responses={201: serializers.FiscalYearSerializer},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Create a year of twelve monthly periods."""
        data = validated(serializers.FiscalYearInputSerializer, request.data)
        fiscal_year = fiscal_year_create(code=data["code"], start_date=data["start_date"])
        fiscal_year = self.get_queryset().get(pk=fiscal_year.pk)
        return Response(
            serializers.FiscalYearSerializer(fiscal_year).data, status=status.HTTP_201_CREATED
        )


class PeriodViewSet(IdempotentPostMixin, viewsets.ReadOnlyModelViewSet):
    """Posting periods; closing one refuses every later posting dated in it."""

    queryset = Period.objects.select_related("fiscal_year", "closed_by")
    serializer_class = serializers.PeriodSerializer
    filterset_class = filters.PeriodFilter
    ordering_fields = ["start_date"]
    action_permissions = {
        "close": ("ledger.change_period",),
        "reopen": ("ledger.change_period",),
    }

    def _render(self, period: Period) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=period.pk)).data)

    @extend_schema(request=None, responses=serializers.PeriodSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk=None, **kwargs) -> Response:
        """Close the period (waits for postings in progress; repeating is harmless)."""
        return self._render(period_close(period=self.get_object(), user=request.user))

    @extend_schema(request=None, responses=serializers.PeriodSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk=None, **kwargs) -> Response:
        """Reopen a closed period."""
        return self._render(period_reopen(period=self.get_object()))


# Journal entries -------------------------------------------------------------------------------


def manual_key(data: dict) -> tuple[str, str]:
    """The source key of a manual entry and the field it came from: the client's key, its
    document number, or a random one."""
    if data.get("source_key"):
        return manual_source_key(data["source_key"]), "source_key"
    if data.get("document_number"):
        key = manual_source_key(f"{data['journal'].code}:{data['document_number']}")
        return key, "document_number"
    return manual_source_key(uuid.uuid4().hex), "source_key"


class JournalEntryViewSet(IdempotentPostMixin, viewsets.ReadOnlyModelViewSet):
    """Posted journal entries with their lines; post manual entries and reverse them."""

    serializer_class = serializers.JournalEntrySerializer
    filterset_class = filters.JournalEntryFilter
    ordering_fields = ["posting_date", "number", "created_at"]
    action_permissions = {
        "create": ("ledger.add_journalentry",),
        "reverse": ("ledger.add_journalentry",),
    }

    def get_queryset(self):
        return selectors.journal_entries()

    def _render(self, entry: JournalEntry, *, created: bool) -> Response:
        entry = self.get_queryset().get(pk=entry.pk)
        if created:
            return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)
        return replayed(Response(self.get_serializer(entry).data, status=status.HTTP_200_OK))

    @extend_schema(
        request=serializers.JournalEntryInputSerializer,
        responses={
            201: serializers.JournalEntrySerializer,
            200: serializers.JournalEntrySerializer,
        },
    )
    def create(self, request: Request, **kwargs) -> Response:
        """Post a manual entry (201), or return the entry already posted under its key (200).

        A key (``source_key``, or the one ``document_number`` gives) already used for another
        entry -- other lines, date, journal, description or user -- is a 409 naming the field.
        """
        data = validated(serializers.JournalEntryInputSerializer, request.data)
        source_key, key_field = manual_key(data)
        try:
            entry, created = manual_entry_post(
                journal=data["journal"],
                posting_date=data["posting_date"],
                source_key=source_key,
                description=data["description"],
                lines=[
                    LineDraft(
                        account=line["account"],
                        amount=line["debit"] - line["credit"],
                        cost_center=line.get("cost_center"),
                        cost_object=line.get("cost_object"),
                        description=line["description"],
                        field_name=f"lines[{index}]",
                    )
                    for index, line in enumerate(data["lines"])
                ],
                user=request.user,
            )
        except DocumentKeyReused as error:
            raise renamed(error, key_field) from None
        return self._render(entry, created=created)

    @extend_schema(
        request=serializers.JournalEntryReverseInputSerializer,
        responses={
            201: serializers.JournalEntrySerializer,
            200: serializers.JournalEntrySerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk=None, **kwargs) -> Response:
        """Post the mirror image of a manual entry; a repeat returns the same reversal."""
        entry = self.get_object()
        data = validated(serializers.JournalEntryReverseInputSerializer, request.data)
        already_reversed = JournalEntry.objects.filter(reversal_of=entry).exists()
        reversal = manual_entry_reverse(
            entry=entry, posting_date=data.get("posting_date"), user=request.user
        )
        return self._render(reversal, created=not already_reversed)


# Reports ---------------------------------------------------------------------------------------

REPORT_PERMISSIONS = ("ledger.view_journalentry",)


class TrialBalanceView(APIView):
    """Debit, credit and balance per account over a range of posting dates."""

    required_permissions = REPORT_PERMISSIONS

    @extend_schema(
        parameters=[serializers.DateRangeQuerySerializer],
        responses=serializers.TrialBalanceSerializer,
    )
    def get(self, request: Request) -> Response:
        query = validated(serializers.DateRangeQuerySerializer, request.query_params)
        rows = selectors.trial_balance(**query)
        report = {
            "date_from": query.get("date_from"),
            "date_to": query.get("date_to"),
            "rows": rows,
            "totals": selectors.trial_balance_totals(rows),
        }
        return Response(serializers.TrialBalanceSerializer(report).data)


class DimensionBalancesView(APIView):
    """Balance per account and cost centre (or cost object) over a range of posting dates."""

    required_permissions = REPORT_PERMISSIONS

    @extend_schema(
        parameters=[serializers.DimensionBalanceQuerySerializer],
        responses=serializers.DimensionBalancesSerializer,
    )
    def get(self, request: Request) -> Response:
        query = validated(serializers.DimensionBalanceQuerySerializer, request.query_params)
        dimension = query["dimension"]
        rows = selectors.balances_by_dimension(
            dimension=dimension,
            date_from=query.get("date_from"),
            date_to=query.get("date_to"),
            account=query.get("account"),
        )
        report = {
            "dimension": dimension,
            "date_from": query.get("date_from"),
            "date_to": query.get("date_to"),
            "rows": [{**row, "code": row[dimension]} for row in rows],
        }
        return Response(serializers.DimensionBalancesSerializer(report).data)
