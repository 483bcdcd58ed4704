"""Input and output shapes of the close API."""

from rest_framework import serializers

from ledger.models import Period
from mfgcost.core.api import PositiveQuantityField, QuantityField
from mfgcost.inventory.models import ItemLedgerEntry, Location
from mfgcost.items.models import Item

from .models import CloseRun, CloseRunStep


class CloseRunStepSerializer(serializers.ModelSerializer):
    seconds = serializers.DecimalField(
        max_digits=12, decimal_places=3, read_only=True, allow_null=True, help_text="Run time."
    )

    class Meta:
        model = CloseRunStep
        fields = [
            "name",
            "label",
            "position",
            "status",
            "progress",
            "attempts",
            "started_at",
            "finished_at",
            "seconds",
            "counts",
            "details",
            "error",
        ]


class CloseRunSerializer(serializers.ModelSerializer):
    period = serializers.SlugRelatedField(slug_field="name", read_only=True)
    steps = CloseRunStepSerializer(many=True, read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="close:run-detail")

    class Meta:
        model = CloseRun
        fields = [
            "id",
            "url",
            "period",
            "status",
            "attempts",
            "requested_via",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "steps",
        ]


class CloseStartInputSerializer(serializers.Serializer):
    period = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Period.objects.all(),
        error_messages={"does_not_exist": "Period {value} does not exist."},
    )


class ReopenInputSerializer(serializers.Serializer):
    period = serializers.SlugRelatedField(slug_field="name", queryset=Period.objects.all())
    reason = serializers.CharField(max_length=2000)


class ReopeningSerializer(serializers.Serializer):
    period = serializers.CharField(source="period.name")
    reason = serializers.CharField()
    reopened_at = serializers.DateTimeField()


class InvoicePreviewInputSerializer(serializers.Serializer):
    receipt_entry = serializers.PrimaryKeyRelatedField(
        queryset=ItemLedgerEntry.objects.filter(entry_type=ItemLedgerEntry.EntryType.PURCHASE),
        error_messages={"does_not_exist": "Purchase receipt entry {pk_value} does not exist."},
    )
    quantity = PositiveQuantityField()
    unit_price = QuantityField(min_value=0)
    posting_date = serializers.DateField()
    document_no = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)


class ReceiptPreviewInputSerializer(serializers.Serializer):
    item = serializers.SlugRelatedField(slug_field="number", queryset=Item.objects.all())
    location = serializers.SlugRelatedField(slug_field="code", queryset=Location.objects.all())
    quantity = PositiveQuantityField()
    unit_cost = QuantityField(min_value=0)
    posting_date = serializers.DateField()
    document_no = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
