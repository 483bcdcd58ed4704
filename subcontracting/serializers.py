"""Input and output serializers of the subcontracting API.

Input serializers parse and check shapes only (the services check the business rules); they
refuse fields they do not know, so a vendor who sends ``unit_price`` is told it may not set it
instead of being silently ignored. Output serializers render; decimals are strings. Every
serializer carries an OpenAPI example, which the schema shows on every endpoint that uses it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from mfgcost.core import api as core_api
from mfgcost.core.api import AmountField, PositiveQuantityField, QuantityField
from mfgcost.core.money import SIX_PLACES
from mfgcost.inventory.models import Location
from mfgcost.production.models import ProductionOrderComponent, ProductionOrderOperation

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

# Fields that only purchasing decides; named in the error a vendor gets for sending them.
PURCHASING_ONLY = {
    "unit_price": "Prices are set by purchasing.",
    "price": "Prices are set by purchasing.",
    "amount": "Prices are set by purchasing.",
    "quantity": "The ordered quantity is set by purchasing.",
    "status": "The status changes through actions, not by writing it.",
    "vendor": "The vendor is the one you act for.",
}


def _example(name: str, value, *, request: bool = False, summary: str = "") -> OpenApiExample:
    return OpenApiExample(
        name,
        value=value,
        summary=summary or name,
        request_only=request,
        response_only=not request,
    )


@extend_schema_field(OpenApiTypes.INT)
class OrderLineField(serializers.PrimaryKeyRelatedField):
    """An order line; within the ``order`` of the serializer's context when one is given."""

    def get_queryset(self):
        lines = SubcontractingOrderLine.objects.all()
        order = self.root.context.get("order")
        return lines.filter(order=order) if order is not None else lines


@extend_schema_field(OpenApiTypes.INT)
class ComponentField(serializers.PrimaryKeyRelatedField):
    """A production order component; of the context ``order``'s production orders if given."""

    def get_queryset(self):
        components = ProductionOrderComponent.objects.all()
        order = self.root.context.get("order")
        if order is None:
            return components
        return components.filter(order_id__in=order.lines.values("production_order_id"))


def _six(value: Decimal) -> str:
    """A quantity or unit price as the API sends it: a string with six places."""
    return f"{value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP):f}"


# The core's input serializer, saying why for the fields only purchasing sets.
class StrictInputSerializer(core_api.StrictInputSerializer):
    """An input serializer that names every field it does not accept (HTTP 400)."""

    unknown_field_messages = PURCHASING_ONLY


# --------------------------------------------------------------------------- master data


@extend_schema_serializer(
    examples=[
        _example(
            "Vendor",
            {
                "id": 1,
                "code": "V-HEAT",
                "name": "Heat treatment Ltd",
                "location": 3,
                "blocked": False,
                "order_creation": "automatic",
                "over_receipt_tolerance_percent": "5.0000",
                "price_tolerance_percent": "10.0000",
            },
        ),
        _example(
            "New vendor",
            {
                "code": "V-HEAT",
                "name": "Heat treatment Ltd",
                "location": 3,
                "order_creation": "automatic",
                "over_receipt_tolerance_percent": "5",
                "price_tolerance_percent": "10",
            },
            request=True,
        ),
    ]
)
class VendorSerializer(core_api.StrictModelSerializer):
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.filter(kind=Location.Kind.VENDOR), allow_null=True, required=False
    )

    class Meta:
        model = Vendor
        fields = [
            "id",
            "code",
            "name",
            "location",
            "blocked",
            "order_creation",
            "over_receipt_tolerance_percent",
            "price_tolerance_percent",
        ]


@extend_schema_serializer(
    examples=[
        _example(
            "Price from 1 unit",
            {
                "id": 7,
                "vendor": 1,
                "service_item": 12,
                "valid_from": "2026-01-01",
                "valid_to": None,
                "min_quantity": "1.000000",
                "unit_price": "4.000000",
                "lead_time_days": 5,
            },
        ),
        _example(
            "Quantity break",
            {
                "vendor": 1,
                "service_item": 12,
                "valid_from": "2026-01-01",
                "min_quantity": "500",
                "unit_price": "3.60",
                "lead_time_days": 7,
            },
            request=True,
        ),
    ]
)
class ServicePriceSerializer(core_api.StrictModelSerializer):
    min_quantity = QuantityField(min_value=0, required=False)
    unit_price = QuantityField(min_value=0)

    class Meta:
        model = ServicePrice
        fields = [
            "id",
            "vendor",
            "service_item",
            "valid_from",
            "valid_to",
            "min_quantity",
            "unit_price",
            "lead_time_days",
        ]

    def validate(self, attrs):
        valid_from = attrs.get("valid_from", getattr(self.instance, "valid_from", None))
        valid_to = attrs.get("valid_to", getattr(self.instance, "valid_to", None))
        if valid_to is not None and valid_from is not None and valid_to < valid_from:
            raise serializers.ValidationError({"valid_to": ["Must not be before valid_from."]})
        return attrs


# --------------------------------------------------------------------------- orders (output)


class ComponentOutputSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.number")
    quantity_per = QuantityField()
    expected_quantity = QuantityField()

    class Meta:
        model = ProductionOrderComponent
        fields = ["id", "line_no", "item", "quantity_per", "expected_quantity"]


class OrderLineOutputSerializer(serializers.ModelSerializer):
    production_order = serializers.CharField(source="production_order.number")
    item = serializers.CharField(source="production_order.item.number")
    operation_no = serializers.IntegerField(source="operation.operation_no")
    operation_description = serializers.CharField(source="operation.description")
    service_item = serializers.CharField(source="service_item.number")
    quantity = QuantityField()
    unit_price = QuantityField()
    received_quantity = QuantityField()
    scrapped_quantity = QuantityField()
    rejected_quantity = QuantityField()
    invoiced_quantity = QuantityField()
    open_quantity = QuantityField()

    class Meta:
        model = SubcontractingOrderLine
        fields = [
            "id",
            "line_no",
            "production_order",
            "item",
            "operation",
            "operation_no",
            "operation_description",
            "service_item",
            "quantity",
            "unit_price",
            "due_date",
            "received_quantity",
            "scrapped_quantity",
            "rejected_quantity",
            "invoiced_quantity",
            "open_quantity",
            "cancelled",
        ]

    def to_representation(self, line):
        """The declared fields, rendered by hand: order lists are the API's hottest path.

        ``test_api`` checks that this gives exactly what DRF's generic rendering gives.
        """
        operation = line.operation
        return {
            "id": line.pk,
            "line_no": line.line_no,
            "production_order": line.production_order.number,
            "item": line.production_order.item.number,
            "operation": line.operation_id,
            "operation_no": operation.operation_no,
            "operation_description": operation.description,
            "service_item": line.service_item.number,
            "quantity": _six(line.quantity),
            "unit_price": _six(line.unit_price),
            "due_date": line.due_date.isoformat(),
            "received_quantity": _six(line.received_quantity),
            "scrapped_quantity": _six(line.scrapped_quantity),
            "rejected_quantity": _six(line.rejected_quantity),
            "invoiced_quantity": _six(line.invoiced_quantity),
            "open_quantity": _six(line.open_quantity),
            "cancelled": line.cancelled,
        }


class OrderLineDetailOutputSerializer(OrderLineOutputSerializer):
    components = serializers.SerializerMethodField()

    class Meta(OrderLineOutputSerializer.Meta):
        fields = [*OrderLineOutputSerializer.Meta.fields, "components"]

    def to_representation(self, line):
        return {**super().to_representation(line), "components": self.get_components(line)}

    def get_components(self, line) -> list[dict]:
        components = ProductionOrderComponent.objects.filter(
            order_id=line.production_order_id, operation_no=line.operation.operation_no
        ).select_related("item")
        return ComponentOutputSerializer(components, many=True).data


ORDER_EXAMPLE = {
    "id": 41,
    "number": "SC000041",
    "vendor": "V-HEAT",
    "status": "acknowledged",
    "order_date": "2026-03-02",
    "due_date": "2026-03-09",
    "promised_date": "2026-03-10",
    "vendor_reference": "AB-7781",
    "sent_at": "2026-03-02T09:12:00Z",
    "acknowledged_at": "2026-03-02T15:40:00Z",
    "lines": [
        {
            "id": 55,
            "line_no": 10,
            "production_order": "PO-1001",
            "item": "GEAR",
            "operation": 310,
            "operation_no": 20,
            "operation_description": "Heat treatment",
            "service_item": "SVC-HEAT",
            "quantity": "100.000000",
            "unit_price": "4.000000",
            "due_date": "2026-03-09",
            "received_quantity": "0.000000",
            "scrapped_quantity": "0.000000",
            "rejected_quantity": "0.000000",
            "invoiced_quantity": "0.000000",
            "open_quantity": "100.000000",
            "cancelled": False,
        }
    ],
}


@extend_schema_serializer(examples=[_example("Order", ORDER_EXAMPLE)])
class VendorOrderOutputSerializer(serializers.ModelSerializer):
    """An order as its vendor sees it."""

    vendor = serializers.CharField(source="vendor.code")
    lines = OrderLineOutputSerializer(many=True)

    class Meta:
        model = SubcontractingOrder
        fields = [
            "id",
            "number",
            "vendor",
            "status",
            "order_date",
            "due_date",
            "promised_date",
            "vendor_reference",
            "sent_at",
            "acknowledged_at",
            "lines",
        ]

    def to_representation(self, order):
        """Rendered by hand like the lines (checked against DRF's rendering in ``test_api``)."""
        timestamp = self.fields["sent_at"].to_representation
        line = self.fields["lines"].child.to_representation
        body = {
            "id": order.pk,
            "number": order.number,
            "vendor": order.vendor.code,
            "status": order.status,
            "order_date": order.order_date.isoformat(),
            "due_date": order.due_date.isoformat(),
            "promised_date": order.promised_date.isoformat() if order.promised_date else None,
            "vendor_reference": order.vendor_reference,
            "sent_at": timestamp(order.sent_at) if order.sent_at else None,
            "acknowledged_at": timestamp(order.acknowledged_at) if order.acknowledged_at else None,
            "lines": [line(row) for row in order.lines.all()],
        }
        for name in self.Meta.fields[len(body) :]:
            body[name] = self.fields[name].to_representation(getattr(order, name))
        return body


ORDER_DETAIL_EXAMPLE = {
    **ORDER_EXAMPLE,
    "lines": [
        {
            **ORDER_EXAMPLE["lines"][0],
            "components": [
                {
                    "id": 902,
                    "line_no": 20,
                    "item": "POWDER",
                    "quantity_per": "0.100000",
                    "expected_quantity": "10.000000",
                }
            ],
        }
    ],
}


@extend_schema_serializer(examples=[_example("Order with components", ORDER_DETAIL_EXAMPLE)])
class VendorOrderDetailOutputSerializer(VendorOrderOutputSerializer):
    lines = OrderLineDetailOutputSerializer(many=True)


PURCHASING_ORDER_EXAMPLE = {**ORDER_EXAMPLE, "notes": "", "created_at": "2026-03-02T08:00:00Z"}


@extend_schema_serializer(examples=[_example("Order", PURCHASING_ORDER_EXAMPLE)])
class OrderOutputSerializer(VendorOrderOutputSerializer):
    """An order as purchasing sees it."""

    class Meta(VendorOrderOutputSerializer.Meta):
        fields = [*VendorOrderOutputSerializer.Meta.fields, "notes", "created_at"]


@extend_schema_serializer(
    examples=[
        _example(
            "Order with components",
            {**ORDER_DETAIL_EXAMPLE, "notes": "", "created_at": "2026-03-02T08:00:00Z"},
        )
    ]
)
class OrderDetailOutputSerializer(OrderOutputSerializer):
    lines = OrderLineDetailOutputSerializer(many=True)


# --------------------------------------------------------------------------- orders (input)


class OrderLineInputSerializer(StrictInputSerializer):
    operation = serializers.PrimaryKeyRelatedField(queryset=ProductionOrderOperation.objects.all())
    quantity = PositiveQuantityField(required=False)
    unit_price = QuantityField(min_value=0, required=False)
    due_date = serializers.DateField(required=False)


@extend_schema_serializer(
    examples=[
        _example(
            "Order an operation at the price list's price",
            {"vendor": 1, "order_date": "2026-03-02", "lines": [{"operation": 310}]},
            request=True,
        )
    ]
)
class OrderInputSerializer(StrictInputSerializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all())
    order_date = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = OrderLineInputSerializer(many=True, allow_empty=False)


@extend_schema_serializer(
    examples=[
        _example(
            "Acknowledge with a promised date",
            {"promised_date": "2026-03-10", "vendor_reference": "AB-7781"},
            request=True,
        )
    ]
)
class AcknowledgeInputSerializer(StrictInputSerializer):
    promised_date = serializers.DateField()
    vendor_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40
    )


@extend_schema_serializer(
    examples=[_example("No body needed", {}, request=True, summary="An empty body")]
)
class EmptyInputSerializer(StrictInputSerializer):
    pass


# --------------------------------------------------------------------------- worksheet


@extend_schema_serializer(
    examples=[
        _example(
            "Proposal",
            {
                "id": 3,
                "production_order": "PO-1002",
                "operation": 311,
                "operation_no": 20,
                "vendor": "V-HEAT",
                "service_item": "SVC-HEAT",
                "quantity": "250.000000",
                "unit_price": "3.600000",
                "due_date": "2026-03-16",
                "status": "proposed",
                "order_line": None,
            },
        )
    ]
)
class ProposalOutputSerializer(serializers.ModelSerializer):
    production_order = serializers.CharField(source="production_order.number")
    operation_no = serializers.IntegerField(source="operation.operation_no")
    vendor = serializers.CharField(source="vendor.code")
    service_item = serializers.CharField(source="service_item.number")
    quantity = QuantityField()
    unit_price = QuantityField()

    class Meta:
        model = WorksheetProposal
        fields = [
            "id",
            "production_order",
            "operation",
            "operation_no",
            "vendor",
            "service_item",
            "quantity",
            "unit_price",
            "due_date",
            "status",
            "order_line",
        ]


@extend_schema_serializer(
    examples=[
        _example(
            "Confirm two proposals",
            {"proposals": [3, 4], "order_date": "2026-03-02"},
            request=True,
        )
    ]
)
class ProposalConfirmInputSerializer(StrictInputSerializer):
    proposals = serializers.PrimaryKeyRelatedField(
        queryset=WorksheetProposal.objects.all(), many=True, allow_empty=False
    )
    order_date = serializers.DateField()


@extend_schema_serializer(
    examples=[_example("Reject a proposal", {"proposals": [5]}, request=True)]
)
class ProposalRejectInputSerializer(StrictInputSerializer):
    proposals = serializers.PrimaryKeyRelatedField(
        queryset=WorksheetProposal.objects.all(), many=True, allow_empty=False
    )


@extend_schema_serializer(
    examples=[_example("Propose as of a date", {"on_date": "2026-03-02"}, request=True)]
)
class WorksheetRefreshInputSerializer(StrictInputSerializer):
    on_date = serializers.DateField()


# --------------------------------------------------------------------------- material


class MaterialLineInputSerializer(StrictInputSerializer):
    order_line = OrderLineField()
    component = ComponentField()
    quantity = PositiveQuantityField()


@extend_schema_serializer(
    examples=[
        _example(
            "Ship 11 kg of powder",
            {
                "order": 41,
                "warehouse": 1,
                "posting_date": "2026-03-03",
                "lines": [{"order_line": 55, "component": 902, "quantity": "11"}],
            },
            request=True,
        )
    ]
)
class MaterialShipmentInputSerializer(StrictInputSerializer):
    order = serializers.PrimaryKeyRelatedField(queryset=SubcontractingOrder.objects.all())
    warehouse = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.filter(kind=Location.Kind.WAREHOUSE)
    )
    posting_date = serializers.DateField()
    lines = MaterialLineInputSerializer(many=True, allow_empty=False)


class MaterialShipmentLineOutputSerializer(serializers.Serializer):
    line_no = serializers.IntegerField()
    order_line = serializers.IntegerField(source="order_line_id")
    component = serializers.IntegerField(source="component_id")
    item = serializers.CharField(source="item.number")
    quantity = QuantityField()


@extend_schema_serializer(
    examples=[
        _example(
            "Shipment",
            {
                "id": 8,
                "number": "SH000008",
                "order": 41,
                "order_number": "SC000041",
                "direction": "shipment",
                "warehouse": "MAIN",
                "posting_date": "2026-03-03",
                "lines": [
                    {
                        "line_no": 1,
                        "order_line": 55,
                        "component": 902,
                        "item": "POWDER",
                        "quantity": "11.000000",
                    }
                ],
            },
        )
    ]
)
class MaterialShipmentOutputSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    warehouse = serializers.CharField(source="warehouse.code")
    lines = MaterialShipmentLineOutputSerializer(many=True)

    class Meta:
        model = MaterialShipment
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "direction",
            "warehouse",
            "posting_date",
            "lines",
        ]


@extend_schema_serializer(
    examples=[
        _example(
            "Powder at the heat treater",
            {
                "vendor": "V-HEAT",
                "location": "V-HEAT",
                "item": "POWDER",
                "sent": "11.000000",
                "returned": "0.000000",
                "consumed": "10.500000",
                "other": "0.000000",
                "on_hand": "0.500000",
                "value": "10.00",
            },
        )
    ]
)
class MaterialAtVendorOutputSerializer(serializers.Serializer):
    vendor = serializers.CharField(source="vendor_code")
    location = serializers.CharField(source="location_code")
    item = serializers.CharField(source="item_number")
    sent = QuantityField()
    returned = QuantityField()
    consumed = QuantityField()
    other = QuantityField()
    on_hand = QuantityField()
    value = AmountField()


@extend_schema_serializer(
    examples=[
        _example(
            "Powder with us",
            {
                "location": "V-HEAT",
                "item": "POWDER",
                "sent": "11.000000",
                "returned": "0.000000",
                "consumed": "10.500000",
                "on_hand": "0.500000",
            },
        )
    ]
)
class VendorMaterialOutputSerializer(serializers.Serializer):
    """Our material at a vendor as the vendor sees it (quantities, not our values)."""

    location = serializers.CharField(source="location_code")
    item = serializers.CharField(source="item_number")
    sent = QuantityField()
    returned = QuantityField()
    consumed = QuantityField()
    on_hand = QuantityField()


@extend_schema_serializer(
    examples=[
        _example(
            "Material sent for an order",
            {
                "order_line": 55,
                "component": 902,
                "item": "POWDER",
                "shipped": "11.000000",
                "returned": "0.000000",
                "net": "11.000000",
            },
        )
    ]
)
class OrderMaterialOutputSerializer(serializers.Serializer):
    order_line = serializers.IntegerField()
    component = serializers.IntegerField()
    item = serializers.CharField()
    shipped = QuantityField()
    returned = QuantityField()
    net = QuantityField()


# --------------------------------------------------------------------------- vendor messages


class ConsumptionInputSerializer(StrictInputSerializer):
    component = ComponentField()
    quantity = QuantityField(min_value=0)


@extend_schema_serializer(
    examples=[
        _example(
            "98 good, 2 scrapped, 10.5 kg powder used",
            {
                "order_line": 55,
                "good_quantity": "98",
                "scrapped_quantity": "2",
                "consumption": [{"component": 902, "quantity": "10.5"}],
                "note": "2 pieces cracked in quench",
            },
            request=True,
        )
    ]
)
class VendorReportInputSerializer(StrictInputSerializer):
    order_line = OrderLineField()
    good_quantity = QuantityField(min_value=0)
    scrapped_quantity = QuantityField(min_value=0, required=False, default=0)
    consumption = ConsumptionInputSerializer(many=True, required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ConsumptionOutputSerializer(serializers.Serializer):
    component = serializers.IntegerField(source="component_id")
    item = serializers.CharField(source="component.item.number")
    quantity = QuantityField()


@extend_schema_serializer(
    examples=[
        _example(
            "Report",
            {
                "id": 12,
                "order": 41,
                "order_number": "SC000041",
                "order_line": 55,
                "good_quantity": "98.000000",
                "scrapped_quantity": "2.000000",
                "status": "open",
                "note": "",
                "consumption": [{"component": 902, "item": "POWDER", "quantity": "10.500000"}],
                "created_at": "2026-03-06T11:00:00Z",
            },
        )
    ]
)
class VendorReportOutputSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_line.order_id")
    order_number = serializers.CharField(source="order_line.order.number")
    good_quantity = QuantityField()
    scrapped_quantity = QuantityField()
    consumption = ConsumptionOutputSerializer(many=True)

    class Meta:
        model = VendorReport
        fields = [
            "id",
            "order",
            "order_number",
            "order_line",
            "good_quantity",
            "scrapped_quantity",
            "status",
            "note",
            "consumption",
            "created_at",
        ]


class NoticeLineInputSerializer(StrictInputSerializer):
    order_line = OrderLineField()
    quantity = PositiveQuantityField()


@extend_schema_serializer(
    examples=[
        _example(
            "Goods on the truck",
            {
                "shipped_on": "2026-03-06",
                "expected_on": "2026-03-07",
                "reference": "DN-5531",
                "lines": [{"order_line": 55, "quantity": "98"}],
            },
            request=True,
        )
    ]
)
class ShipmentNoticeInputSerializer(StrictInputSerializer):
    shipped_on = serializers.DateField()
    expected_on = serializers.DateField(required=False, allow_null=True, default=None)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    lines = NoticeLineInputSerializer(many=True, allow_empty=False)


class NoticeLineOutputSerializer(serializers.Serializer):
    order_line = serializers.IntegerField(source="order_line_id")
    quantity = QuantityField()


@extend_schema_serializer(
    examples=[
        _example(
            "Notice",
            {
                "id": 4,
                "order": 41,
                "order_number": "SC000041",
                "shipped_on": "2026-03-06",
                "expected_on": "2026-03-07",
                "reference": "DN-5531",
                "lines": [{"order_line": 55, "quantity": "98.000000"}],
                "created_at": "2026-03-06T11:05:00Z",
            },
        )
    ]
)
class ShipmentNoticeOutputSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    lines = NoticeLineOutputSerializer(many=True)

    class Meta:
        model = ShipmentNotice
        fields = [
            "id",
            "order",
            "order_number",
            "shipped_on",
            "expected_on",
            "reference",
            "lines",
            "created_at",
        ]


# --------------------------------------------------------------------------- receipts


@extend_schema_serializer(
    examples=[
        _example(
            "Receive what the vendor reported",
            {"order_line": 55, "posting_date": "2026-03-07", "vendor_report": 12},
            request=True,
        ),
        _example(
            "Receive with own counts",
            {
                "order_line": 55,
                "posting_date": "2026-03-07",
                "good_quantity": "98",
                "scrapped_quantity": "2",
                "rejected_quantity": "0",
            },
            request=True,
        ),
    ]
)
class ReceiptInputSerializer(StrictInputSerializer):
    order_line = OrderLineField()
    posting_date = serializers.DateField()
    good_quantity = QuantityField(min_value=0, required=False)
    scrapped_quantity = QuantityField(min_value=0, required=False)
    rejected_quantity = QuantityField(min_value=0, required=False, default=0)
    vendor_report = serializers.PrimaryKeyRelatedField(
        queryset=VendorReport.objects.all(), required=False, allow_null=True, default=None
    )
    consumption = ConsumptionInputSerializer(many=True, required=False)

    def validate(self, attrs):
        if attrs.get("vendor_report") is None and "good_quantity" not in attrs:
            raise serializers.ValidationError(
                {"good_quantity": ["Give the quantities or a vendor report."]}
            )
        return attrs


@extend_schema_serializer(
    examples=[
        _example(
            "Receipt",
            {
                "id": 9,
                "number": "SR000009",
                "order": 41,
                "order_number": "SC000041",
                "order_line": 55,
                "posting_date": "2026-03-07",
                "good_quantity": "98.000000",
                "scrapped_quantity": "2.000000",
                "rejected_quantity": "0.000000",
                "unit_price": "4.000000",
                "invoiced_quantity": "0.000000",
                "vendor_report": 12,
            },
        )
    ]
)
class ReceiptOutputSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_line.order_id")
    order_number = serializers.CharField(source="order_line.order.number")
    good_quantity = QuantityField()
    scrapped_quantity = QuantityField()
    rejected_quantity = QuantityField()
    unit_price = QuantityField()
    invoiced_quantity = QuantityField()

    class Meta:
        model = SubcontractingReceipt
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "order_line",
            "posting_date",
            "good_quantity",
            "scrapped_quantity",
            "rejected_quantity",
            "unit_price",
            "invoiced_quantity",
            "vendor_report",
        ]


# --------------------------------------------------------------------------- invoices


class InvoiceLineInputSerializer(StrictInputSerializer):
    receipt = serializers.PrimaryKeyRelatedField(queryset=SubcontractingReceipt.objects.all())
    quantity = PositiveQuantityField()
    unit_price = QuantityField(min_value=0)


@extend_schema_serializer(
    examples=[
        _example(
            "100 heat treatments at 4.30",
            {
                "vendor": 1,
                "vendor_invoice_no": "INV-2026-118",
                "invoice_date": "2026-03-08",
                "posting_date": "2026-03-09",
                "lines": [{"receipt": 9, "quantity": "100", "unit_price": "4.30"}],
            },
            request=True,
        )
    ]
)
class InvoiceInputSerializer(StrictInputSerializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all())
    vendor_invoice_no = serializers.CharField(max_length=40)
    invoice_date = serializers.DateField()
    posting_date = serializers.DateField()
    lines = InvoiceLineInputSerializer(many=True, allow_empty=False)


class InvoiceLineOutputSerializer(serializers.Serializer):
    line_no = serializers.IntegerField()
    receipt = serializers.IntegerField(source="receipt_id")
    order_line = serializers.IntegerField(source="order_line_id")
    quantity = QuantityField()
    unit_price = QuantityField()
    amount = AmountField()
    applied_amount = AmountField()
    price_difference = AmountField()


@extend_schema_serializer(
    examples=[
        _example(
            "Invoice",
            {
                "id": 2,
                "number": "VI000002",
                "vendor": "V-HEAT",
                "vendor_invoice_no": "INV-2026-118",
                "invoice_date": "2026-03-08",
                "posting_date": "2026-03-09",
                "amount": "430.00",
                "journal_entry": "SUB-2026-000002",
                "journal_entry_id": 41,
                "lines": [
                    {
                        "line_no": 1,
                        "receipt": 9,
                        "order_line": 55,
                        "quantity": "100.000000",
                        "unit_price": "4.300000",
                        "amount": "430.00",
                        "applied_amount": "400.00",
                        "price_difference": "30.00",
                    }
                ],
            },
        )
    ]
)
class InvoiceOutputSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")
    amount = AmountField()
    journal_entry = serializers.CharField(source="journal_entry.document_number")
    journal_entry_id = serializers.IntegerField(
        read_only=True, help_text="The general-ledger entry's id (/api/ledger/journal-entries/)."
    )
    lines = InvoiceLineOutputSerializer(many=True)

    class Meta:
        model = VendorInvoice
        fields = [
            "id",
            "number",
            "vendor",
            "vendor_invoice_no",
            "invoice_date",
            "posting_date",
            "amount",
            "journal_entry",
            "journal_entry_id",
            "lines",
        ]
