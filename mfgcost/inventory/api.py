"""REST API of the inventory ledgers (``/api/inventory/``).

Setup (locations, inventory posting setup) is CRUD under Django model permissions, reads
included. The ledgers are read-only listings. Inventory documents (receipts, invoices, sales,
adjustments, transfers) are commands: one input serializer, one service call, and the posted
entries rendered back -- 201 when posted, 200 with the same body (and ``Idempotent-Replayed:
true``) when the same request had already posted them under its key. The same key (a
``source_key``, or ``document_no`` and ``line``) with another request is a 409 naming that
field. Posting needs the permission ``inventory.add_inventoryposting``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger.api import ProtectedDestroyMixin, validated
from mfgcost.core.idempotency import DocumentKeyReused, IdempotentPostMixin, renamed, replayed

from . import filters, selectors, serializers, services
from .models import InventoryPosting, InventoryPostingSetup, Location
from .services import PostingResult

POST_PERMISSION = "inventory.add_inventoryposting"
REPORT_PERMISSION = "inventory.view_valueentry"

# The ledger's API helpers serve here too: a 409 for deleting a row in use, and 400s with flat
# field names. Permissions are the project's default (``mfgcost.core.permissions``).


# --------------------------------------------------------------------------- setup


class LocationViewSet(IdempotentPostMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Warehouses and vendor locations (our stock held by a subcontractor)."""

    queryset = Location.objects.all()
    serializer_class = serializers.LocationSerializer
    filterset_fields = ["code", "kind", "blocked"]
    ordering_fields = ["code", "name"]


class InventoryPostingSetupViewSet(
    IdempotentPostMixin, ProtectedDestroyMixin, viewsets.ModelViewSet
):
    """Inventory, accrual and WIP accounts by item posting group and location."""

    queryset = InventoryPostingSetup.objects.select_related(
        "posting_group", "location", "inventory_account", "inventory_accrual_account", "wip_account"
    ).order_by("id")
    serializer_class = serializers.InventoryPostingSetupSerializer
    ordering_fields = ["id"]

    def perform_create(self, serializer):
        serializer.instance = services.inventory_posting_setup_save(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.inventory_posting_setup_save(
            setup=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.inventory_posting_setup_delete(setup=instance)


# --------------------------------------------------------------------------- ledgers


class ItemLedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Item ledger entries, each with the sums of its value entries."""

    queryset = selectors.item_ledger_entries_with_values()
    serializer_class = serializers.ItemLedgerEntrySerializer
    filterset_class = filters.ItemLedgerEntryFilter
    ordering_fields = ["id", "posting_date"]


class ValueEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Value entries: expected and actual cost, entry type, cost group, variance type."""

    queryset = selectors.value_entries()
    serializer_class = serializers.ValueEntrySerializer
    filterset_class = filters.ValueEntryFilter
    ordering_fields = ["id", "posting_date", "valuation_date"]


class InventoryPostingViewSet(viewsets.ReadOnlyModelViewSet):
    """Posted documents (the unit of idempotency): what each wrote, and its journal entry."""

    queryset = InventoryPosting.objects.select_related(
        "journal_entry__journal", "journal_entry__fiscal_year"
    ).order_by("id")
    serializer_class = serializers.InventoryPostingDetailSerializer
    filterset_class = filters.InventoryPostingFilter
    ordering_fields = ["id", "posting_date"]


class ItemApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    """Which inbound entry each outbound quantity was taken from."""

    queryset = selectors.item_applications()
    serializer_class = serializers.ItemApplicationSerializer
    filterset_class = filters.ItemApplicationFilter
    ordering_fields = ["id"]


# --------------------------------------------------------------------------- documents


def posting_result_data(posting: InventoryPosting) -> dict:
    """What a document posted, read back from its posting record (the same on every repeat)."""
    posting = InventoryPosting.objects.select_related(
        "journal_entry__journal", "journal_entry__fiscal_year"
    ).get(pk=posting.pk)
    item_entries = selectors.item_ledger_entries_with_values(posting_id=posting.pk).filter(
        posting=posting
    )
    value_entries = selectors.value_entries().filter(posting=posting)
    return serializers.PostingResultSerializer(
        {"posting": posting, "item_entries": item_entries, "value_entries": value_entries}
    ).data


class DocumentView(IdempotentPostMixin, APIView):
    """Post one inventory document line; a retry with the same key posts nothing again."""

    required_permissions = (POST_PERMISSION,)
    input_serializer: type[serializers.InventoryDocumentInputSerializer]
    key_prefix: str = ""

    def post_document(self, data: dict, *, source_key: str, user) -> PostingResult:
        raise NotImplementedError

    def post(self, request: Request) -> Response:
        data = validated(self.input_serializer, request.data)
        key_field = "source_key" if data["source_key"] else "document_no"
        source_key = data["source_key"] or (
            f"inventory:{self.key_prefix}:{data['document_no']}:{data['line']}"
        )
        try:
            result = self.post_document(data, source_key=source_key, user=request.user)
        except DocumentKeyReused as error:
            # Another document (other kind, item, quantity, price... or user) has the key.
            raise renamed(error, key_field) from None
        if result.created:
            return Response(posting_result_data(result.posting), status=status.HTTP_201_CREATED)
        return replayed(Response(posting_result_data(result.posting), status=status.HTTP_200_OK))


def _document_schema(input_serializer):
    return extend_schema(
        request=input_serializer,
        responses={
            201: serializers.PostingResultSerializer,
            200: serializers.PostingResultSerializer,
        },
    )


class ReceiptView(DocumentView):
    """Receive purchased goods at expected cost (standard items: at standard)."""

    input_serializer = serializers.PurchaseReceiptInputSerializer
    key_prefix = "receipt"

    @_document_schema(serializers.PurchaseReceiptInputSerializer)
    def post(self, request: Request) -> Response:
        return super().post(request)

    def post_document(self, data, *, source_key, user):
        return services.purchase_receipt_post(
            item=data["item"],
            location=data["location"],
            quantity=data["quantity"],
            unit_cost=data["unit_cost"],
            posting_date=data["posting_date"],
            source_key=source_key,
            document_no=data["document_no"],
            user=user,
        )


class InvoiceView(DocumentView):
    """Invoice (part of) a receipt: its expected cost is replaced by the price invoiced."""

    input_serializer = serializers.PurchaseInvoiceInputSerializer
    key_prefix = "invoice"

    @_document_schema(serializers.PurchaseInvoiceInputSerializer)
    def post(self, request: Request) -> Response:
        return super().post(request)

    def post_document(self, data, *, source_key, user):
        return services.purchase_invoice_post(
            receipt_entry=data["receipt_entry"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            posting_date=data["posting_date"],
            source_key=source_key,
            document_no=data["document_no"],
            user=user,
        )


class SaleView(DocumentView):
    """Ship sold goods at cost, to cost of goods sold."""

    input_serializer = serializers.SaleShipmentInputSerializer
    key_prefix = "sale"

    @_document_schema(serializers.SaleShipmentInputSerializer)
    def post(self, request: Request) -> Response:
        return super().post(request)

    def post_document(self, data, *, source_key, user):
        return services.sale_post(
            item=data["item"],
            location=data["location"],
            quantity=data["quantity"],
            posting_date=data["posting_date"],
            source_key=source_key,
            document_no=data["document_no"],
            user=user,
        )


class AdjustmentView(DocumentView):
    """Adjust stock up (found, at a unit cost) or down (written off at cost)."""

    input_serializer = serializers.StockAdjustmentInputSerializer
    key_prefix = "adjustment"

    @_document_schema(serializers.StockAdjustmentInputSerializer)
    def post(self, request: Request) -> Response:
        return super().post(request)

    def post_document(self, data, *, source_key, user):
        common = {
            "item": data["item"],
            "location": data["location"],
            "quantity": data["quantity"],
            "posting_date": data["posting_date"],
            "source_key": source_key,
            "document_no": data["document_no"],
            "user": user,
        }
        if data["direction"] == serializers.StockAdjustmentInputSerializer.NEGATIVE:
            return services.negative_adjustment_post(**common)
        return services.positive_adjustment_post(unit_cost=data.get("unit_cost"), **common)


class TransferView(DocumentView):
    """Move stock between locations; its value moves with it."""

    input_serializer = serializers.StockTransferInputSerializer
    key_prefix = "transfer"

    @_document_schema(serializers.StockTransferInputSerializer)
    def post(self, request: Request) -> Response:
        return super().post(request)

    def post_document(self, data, *, source_key, user):
        return services.transfer_post(
            item=data["item"],
            from_location=data["from_location"],
            to_location=data["to_location"],
            quantity=data["quantity"],
            posting_date=data["posting_date"],
            source_key=source_key,
            document_no=data["document_no"],
            user=user,
        )


# --------------------------------------------------------------------------- reports


class ValuationView(APIView):
    """Quantity and value per item and location, at the end of ``as_of`` (default: now)."""

    required_permissions = (REPORT_PERMISSION,)

    @extend_schema(
        parameters=[serializers.ValuationQuerySerializer],
        responses=serializers.ValuationRowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = validated(serializers.ValuationQuerySerializer, request.query_params)
        item, location = query.get("item"), query.get("location")
        rows = selectors.inventory_valuation(
            as_of=query.get("as_of"),
            item_id=item.pk if item else None,
            location_id=location.pk if location else None,
        )
        return Response(serializers.ValuationRowSerializer(rows, many=True).data)


class ReconciliationView(APIView):
    """Inventory and WIP accounts: value by the ledgers vs general-ledger balance."""

    required_permissions = (REPORT_PERMISSION,)

    @extend_schema(
        parameters=[serializers.ReconciliationQuerySerializer],
        responses=serializers.ReconciliationRowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = validated(serializers.ReconciliationQuerySerializer, request.query_params)
        rows = selectors.reconciliation(as_of=query.get("as_of"))
        return Response(serializers.ReconciliationRowSerializer(rows, many=True).data)
