"""REST API of subcontracting: purchasing (staff with model permissions) and vendors (token).

Views parse input with an input serializer, call one service and render with an output
serializer. A vendor's querysets hold only its own objects, so another vendor's order is simply
not found (404) -- never "forbidden", which would confirm that it exists. POSTs accept an
``Idempotency-Key`` header (see ``idempotency``); requests are throttled per user.
"""

from __future__ import annotations

import uuid

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response

from . import selectors, services
from . import serializers as s
from .filters import (
    InvoiceFilter,
    OrderFilter,
    ProposalFilter,
    PurchasingOrderFilter,
    ReceiptFilter,
    ReportFilter,
    ServicePriceFilter,
    ShipmentFilter,
)
from .idempotency import HEADER, IdempotentPostMixin
from .models import (
    MaterialShipment,
    ServicePrice,
    ShipmentNotice,
    SubcontractingOrder,
    SubcontractingOrderLine,
    SubcontractingReceipt,
    Vendor,
    VendorInvoice,
    VendorReport,
    WorksheetProposal,
)
from .permissions import IsVendorUser, PurchasingThrottle, VendorThrottle

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Send the same key again to repeat the request safely: the first response is "
    "returned and nothing is written twice. Reusing a key with another body gives 422.",
)
ORDER_CHANGE = ["subcontracting.change_subcontractingorder"]


def _order_lines():
    return SubcontractingOrderLine.objects.select_related(
        "production_order__item", "operation", "service_item"
    )


def _orders():
    return SubcontractingOrder.objects.select_related("vendor").prefetch_related(
        Prefetch("lines", queryset=_order_lines())
    )


def _shipments():
    return MaterialShipment.objects.select_related("order", "warehouse").prefetch_related(
        "lines__item"
    )


def _reports():
    return VendorReport.objects.select_related("order_line__order").prefetch_related(
        "consumption__component__item"
    )


def _notices():
    return ShipmentNotice.objects.select_related("order").prefetch_related("lines")


def _receipts():
    return SubcontractingReceipt.objects.select_related("order_line__order")


def _source_key(request) -> str:
    """A posting's source key: from the Idempotency-Key when there is one, else unique."""
    key = request.headers.get(HEADER)
    if key:
        return f"api:{request.user.pk}:{key}"
    return f"api:{uuid.uuid4()}"


def _created(serializer_class, instance) -> Response:
    return Response(serializer_class(instance).data, status=status.HTTP_201_CREATED)


class PurchasingViewMixin(IdempotentPostMixin):
    """Staff users with the model permission the request needs (view for reads); a view names
    other permissions per action in ``action_permissions`` (see ``mfgcost.core.permissions``)."""

    staff_required = True
    throttle_classes = [PurchasingThrottle]


class VendorViewMixin(IdempotentPostMixin):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsVendorUser]
    throttle_classes = [VendorThrottle]

    @property
    def vendor(self) -> Vendor:
        return selectors.vendor_of_user(self.request.user)


# =========================================================================== purchasing


@extend_schema_view(
    create=extend_schema(parameters=[IDEMPOTENCY_PARAMETER]),
)
class VendorViewSet(
    PurchasingViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Vendors: code, name, the location of our material there, tolerances, order creation."""

    queryset = Vendor.objects.select_related("location")
    serializer_class = s.VendorSerializer
    ordering_fields = ["code", "name"]
    filterset_fields = ["blocked", "order_creation"]


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY_PARAMETER]))
class ServicePriceViewSet(PurchasingViewMixin, viewsets.ModelViewSet):
    """Vendors' price lists for services: validity dates, quantity breaks, lead time."""

    queryset = ServicePrice.objects.select_related("vendor", "service_item")
    serializer_class = s.ServicePriceSerializer
    filterset_class = ServicePriceFilter
    ordering_fields = ["valid_from", "min_quantity", "unit_price"]


# A status change of an order: no body, the order back, repeat-safe with an idempotency key.
TRANSITION_SCHEMA = {
    "request": s.EmptyInputSerializer,
    "responses": s.OrderDetailOutputSerializer,
    "parameters": [IDEMPOTENCY_PARAMETER],
}


@extend_schema_view(
    list=extend_schema(responses=s.OrderOutputSerializer),
    retrieve=extend_schema(responses=s.OrderDetailOutputSerializer),
)
class OrderViewSet(
    PurchasingViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Subcontracting orders: create, send to the vendor, cancel, close."""

    queryset = _orders()
    filterset_class = PurchasingOrderFilter
    ordering_fields = ["id", "number", "due_date", "order_date"]
    ordering = ["-id"]
    action_permissions = {
        "send": ORDER_CHANGE,
        "cancel": ORDER_CHANGE,
        "close": ORDER_CHANGE,
        "material": ["subcontracting.view_materialshipment"],
    }

    def get_serializer_class(self):
        if self.action == "list":
            return s.OrderOutputSerializer
        return s.OrderDetailOutputSerializer

    @extend_schema(
        request=s.OrderInputSerializer,
        responses={201: s.OrderDetailOutputSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, **kwargs):
        data = s.OrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = services.subcontracting_order_create(
            vendor=values["vendor"],
            order_date=values["order_date"],
            notes=values["notes"],
            lines=[services.OrderLineDraft(**line) for line in values["lines"]],
            user=request.user,
        )
        return _created(s.OrderDetailOutputSerializer, order)

    def _transition(self, request, service, **kwargs) -> Response:
        s.EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        order = service(order=self.get_object(), user=request.user)
        return Response(s.OrderDetailOutputSerializer(_orders().get(pk=order.pk)).data)

    @extend_schema(**TRANSITION_SCHEMA)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None, **kwargs):
        """Send a draft order to the vendor; from then on the vendor sees it."""
        return self._transition(request, services.subcontracting_order_send)

    @extend_schema(**TRANSITION_SCHEMA)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, **kwargs):
        """Cancel an order with nothing received; its operations can be ordered again."""
        return self._transition(request, services.subcontracting_order_cancel)

    @extend_schema(**TRANSITION_SCHEMA)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None, **kwargs):
        """Close an order whose receipts are all invoiced."""
        return self._transition(request, services.subcontracting_order_close)

    @extend_schema(responses=s.OrderMaterialOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def material(self, request, pk=None, **kwargs):
        """Components shipped to the vendor for this order and returned from it."""
        rows = selectors.material_sent_for_order(self.get_object())
        return Response(s.OrderMaterialOutputSerializer(rows, many=True).data)


class WorksheetViewSet(
    PurchasingViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The subcontracting worksheet: proposed operations that purchasing confirms into orders."""

    queryset = WorksheetProposal.objects.select_related(
        "production_order", "operation", "vendor", "service_item"
    )
    serializer_class = s.ProposalOutputSerializer
    filterset_class = ProposalFilter
    ordering_fields = ["due_date", "id"]
    action_permissions = {
        "refresh": ["subcontracting.add_worksheetproposal"],
        "confirm": ["subcontracting.add_subcontractingorder"],
        "reject": ["subcontracting.change_worksheetproposal"],
    }

    @extend_schema(
        request=s.WorksheetRefreshInputSerializer,
        responses={201: s.ProposalOutputSerializer(many=True)},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=False, methods=["post"])
    def refresh(self, request, **kwargs):
        """Propose every subcontracted operation of released orders not yet ordered."""
        data = s.WorksheetRefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposals = services.worksheet_refresh(on_date=data.validated_data["on_date"])
        rows = self.get_queryset().filter(pk__in=[p.pk for p in proposals])
        return Response(s.ProposalOutputSerializer(rows, many=True).data, status=201)

    @extend_schema(
        request=s.ProposalConfirmInputSerializer,
        responses={201: s.OrderDetailOutputSerializer(many=True)},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=False, methods=["post"])
    def confirm(self, request, **kwargs):
        """Turn proposals into draft orders, one per vendor."""
        data = s.ProposalConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        orders = services.worksheet_confirm(
            proposals=data.validated_data["proposals"],
            order_date=data.validated_data["order_date"],
            user=request.user,
        )
        rows = _orders().filter(pk__in=[o.pk for o in orders]).order_by("id")
        return Response(s.OrderDetailOutputSerializer(rows, many=True).data, status=201)

    @extend_schema(
        request=s.ProposalRejectInputSerializer,
        responses=s.ProposalOutputSerializer(many=True),
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=False, methods=["post"])
    def reject(self, request, **kwargs):
        """Drop proposals (a later refresh proposes the operations again)."""
        data = s.ProposalRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposals = data.validated_data["proposals"]
        services.worksheet_reject(proposals=proposals)
        rows = self.get_queryset().filter(pk__in=[p.pk for p in proposals])
        return Response(s.ProposalOutputSerializer(rows, many=True).data)


class _MaterialViewSet(
    PurchasingViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    direction: str = ""
    serializer_class = s.MaterialShipmentOutputSerializer
    filterset_class = ShipmentFilter
    ordering_fields = ["id", "posting_date"]

    def get_queryset(self):
        return _shipments().filter(direction=self.direction)

    @extend_schema(
        request=s.MaterialShipmentInputSerializer,
        responses={201: s.MaterialShipmentOutputSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, **kwargs):
        data = s.MaterialShipmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        shipment = services.material_shipment_post(
            order=values["order"],
            direction=self.direction,
            warehouse=values["warehouse"],
            posting_date=values["posting_date"],
            lines=[services.MaterialLineDraft(**line) for line in values["lines"]],
            source_key=_source_key(request),
            user=request.user,
        )
        return _created(s.MaterialShipmentOutputSerializer, _shipments().get(pk=shipment.pk))


class MaterialShipmentViewSet(_MaterialViewSet):
    """Components sent to a vendor's location for an order (an inventory transfer)."""

    queryset = MaterialShipment.objects.filter(direction=MaterialShipment.Direction.SHIPMENT)
    direction = MaterialShipment.Direction.SHIPMENT


class MaterialReturnViewSet(_MaterialViewSet):
    """Components coming back from a vendor's location to our warehouse."""

    queryset = MaterialShipment.objects.filter(direction=MaterialShipment.Direction.RETURN)
    direction = MaterialShipment.Direction.RETURN


class ReceiptViewSet(
    PurchasingViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Receipts of processed goods (good, scrapped, rejected), posted through production."""

    queryset = _receipts()
    serializer_class = s.ReceiptOutputSerializer
    filterset_class = ReceiptFilter
    ordering_fields = ["id", "posting_date"]

    @extend_schema(
        request=s.ReceiptInputSerializer,
        responses={201: s.ReceiptOutputSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, **kwargs):
        data = s.ReceiptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        consumption = values.get("consumption")
        receipt = services.subcontracting_receipt_post(
            order_line=values["order_line"],
            posting_date=values["posting_date"],
            good_quantity=values.get("good_quantity"),
            scrapped_quantity=values.get("scrapped_quantity"),
            rejected_quantity=values["rejected_quantity"],
            vendor_report=values["vendor_report"],
            consumption=None
            if consumption is None
            else [services.ConsumptionDraft(**row) for row in consumption],
            source_key=_source_key(request),
            user=request.user,
        )
        return _created(s.ReceiptOutputSerializer, _receipts().get(pk=receipt.pk))


class InvoiceViewSet(
    PurchasingViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Vendor invoices matched to receipts; post the payable and the price difference."""

    queryset = VendorInvoice.objects.select_related(
        "vendor", "journal_entry__journal"
    ).prefetch_related("lines")
    serializer_class = s.InvoiceOutputSerializer
    filterset_class = InvoiceFilter
    ordering_fields = ["id", "posting_date"]

    @extend_schema(
        request=s.InvoiceInputSerializer,
        responses={201: s.InvoiceOutputSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, **kwargs):
        data = s.InvoiceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        invoice = services.vendor_invoice_post(
            vendor=values["vendor"],
            vendor_invoice_no=values["vendor_invoice_no"],
            invoice_date=values["invoice_date"],
            posting_date=values["posting_date"],
            lines=[services.InvoiceLineDraft(**line) for line in values["lines"]],
            source_key=_source_key(request),
            user=request.user,
        )
        return _created(s.InvoiceOutputSerializer, self.get_queryset().get(pk=invoice.pk))


class VendorReportViewSet(
    PurchasingViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """What vendors reported (good, scrapped, consumed); a receipt can take a report over."""

    queryset = _reports()
    serializer_class = s.VendorReportOutputSerializer
    filterset_class = ReportFilter


class ShipmentNoticeViewSet(
    PurchasingViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Vendors' notices of processed goods on their way."""

    queryset = _notices()
    serializer_class = s.ShipmentNoticeOutputSerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("vendor", str, description="Vendor code"),
            OpenApiParameter("item", str, description="Item number"),
        ]
    )
)
class MaterialAtVendorViewSet(PurchasingViewMixin, viewsets.GenericViewSet):
    """Our material at each vendor: sent, returned, consumed, on hand and its value."""

    queryset = Vendor.objects.all()
    serializer_class = s.MaterialAtVendorOutputSerializer
    pagination_class = None
    filter_backends: list = []

    def list(self, request, **kwargs):
        vendor = None
        if code := request.query_params.get("vendor"):
            vendor = Vendor.objects.filter(code=code).first()
            if vendor is None:
                return Response([])
        item_id = None
        if number := request.query_params.get("item"):
            from mfgcost.items.models import Item

            item_id = Item.objects.filter(number=number).values_list("pk", flat=True).first()
            if item_id is None:
                return Response([])
        rows = selectors.material_at_vendors(vendor=vendor, item_id=item_id)
        return Response(s.MaterialAtVendorOutputSerializer(rows, many=True).data)


# =========================================================================== vendors


class VendorOrderViewSet(
    VendorViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A vendor's own orders: read them, acknowledge, report quantities, announce shipments."""

    filterset_class = OrderFilter
    ordering_fields = ["id", "number", "due_date", "order_date"]
    ordering = ["-id"]

    def get_queryset(self):
        return _orders().filter(vendor=self.vendor, status__in=selectors.VENDOR_VISIBLE_STATUSES)

    def get_serializer_class(self):
        if self.action == "list":
            return s.VendorOrderOutputSerializer
        return s.VendorOrderDetailOutputSerializer

    @extend_schema(
        request=s.AcknowledgeInputSerializer,
        responses=s.VendorOrderDetailOutputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None, **kwargs):
        """Confirm the order with a promised date (again: change the promise)."""
        order = self.get_object()
        data = s.AcknowledgeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.subcontracting_order_acknowledge(
            order=order, user=request.user, **data.validated_data
        )
        return Response(s.VendorOrderDetailOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=s.VendorReportInputSerializer,
        responses={201: s.VendorReportOutputSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def reports(self, request, pk=None, **kwargs):
        """Report completed, scrapped and consumed quantities of an order line."""
        order = self.get_object()
        data = s.VendorReportInputSerializer(data=request.data, context={"order": order})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        report = services.vendor_report_create(
            order=order,
            order_line=values["order_line"],
            good_quantity=values["good_quantity"],
            scrapped_quantity=values["scrapped_quantity"],
            consumption=[services.ConsumptionDraft(**row) for row in values["consumption"]],
            note=values["note"],
            user=request.user,
        )
        return _created(s.VendorReportOutputSerializer, _reports().get(pk=report.pk))

    @extend_schema(
        request=s.ShipmentNoticeInputSerializer,
        responses={201: s.ShipmentNoticeOutputSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="shipment-notices")
    def shipment_notices(self, request, pk=None, **kwargs):
        """Announce processed goods on their way to us."""
        order = self.get_object()
        data = s.ShipmentNoticeInputSerializer(data=request.data, context={"order": order})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        notice = services.shipment_notice_create(
            order=order,
            shipped_on=values["shipped_on"],
            expected_on=values["expected_on"],
            reference=values["reference"],
            lines=[services.NoticeLineDraft(**line) for line in values["lines"]],
            user=request.user,
        )
        return _created(s.ShipmentNoticeOutputSerializer, _notices().get(pk=notice.pk))

    @extend_schema(responses=s.OrderMaterialOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def material(self, request, pk=None, **kwargs):
        """The components we shipped for this order, and what came back."""
        rows = selectors.material_sent_for_order(self.get_object())
        return Response(s.OrderMaterialOutputSerializer(rows, many=True).data)


class VendorOwnReportViewSet(
    VendorViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The vendor's own reports of quantities."""

    serializer_class = s.VendorReportOutputSerializer
    filterset_class = ReportFilter

    def get_queryset(self):
        return _reports().filter(order_line__order__vendor=self.vendor)


class VendorOwnNoticeViewSet(
    VendorViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The vendor's own shipment notices."""

    serializer_class = s.ShipmentNoticeOutputSerializer

    def get_queryset(self):
        return _notices().filter(order__vendor=self.vendor)


class VendorShipmentViewSet(
    VendorViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Material we shipped to the vendor (and took back) for its orders."""

    serializer_class = s.MaterialShipmentOutputSerializer
    filterset_class = ShipmentFilter

    def get_queryset(self):
        return _shipments().filter(order__vendor=self.vendor)


class VendorReceiptViewSet(
    VendorViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """What we received from the vendor."""

    serializer_class = s.ReceiptOutputSerializer
    filterset_class = ReceiptFilter

    def get_queryset(self):
        return _receipts().filter(order_line__order__vendor=self.vendor)


class VendorMaterialViewSet(VendorViewMixin, viewsets.GenericViewSet):
    """Our material at the vendor's location: sent, returned, consumed, on hand."""

    serializer_class = s.VendorMaterialOutputSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return Vendor.objects.filter(pk=self.vendor.pk)

    def list(self, request, **kwargs):
        rows = selectors.material_at_vendors(vendor=self.vendor)
        return Response(s.VendorMaterialOutputSerializer(rows, many=True).data)
