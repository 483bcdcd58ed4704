"""Serializers of the inventory API.

Setup rows (locations, inventory posting setup) round-trip through model serializers. Inventory
documents have input serializers (what a client may send) and are answered with output
serializers of what was posted. Items, locations, accounts and posting groups are referred to by
number or code. Decimals travel as strings; a JSON number with a fraction is refused, because it
has been a binary float on the way.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from rest_framework import serializers

from ledger.models import Account, ItemPostingGroup
from mfgcost.core.api import (
    AmountField,
    QuantityField,
    StrictInputSerializer,
    StrictModelSerializer,
)
from mfgcost.items.models import Item

from .models import (
    InventoryPosting,
    InventoryPostingSetup,
    ItemApplication,
    ItemLedgerEntry,
    Location,
    ValueEntry,
)

ZERO = Decimal("0")


def code_field(model, slug_field: str, label: str, **kwargs) -> serializers.SlugRelatedField:
    """A reference to a row by its number or code; the error names the value not found."""
    return serializers.SlugRelatedField(
        slug_field=slug_field,
        queryset=model.objects.all(),
        error_messages={"does_not_exist": f"{label} {{value}} does not exist."},
        **kwargs,
    )


# A quantity or unit cost sent as a string (or an integer), never as a float (as every
# QuantityField).
ExactDecimalField = QuantityField


def positive_quantity(**kwargs) -> ExactDecimalField:
    return ExactDecimalField(
        min_value=Decimal("0.000001"),
        error_messages={"min_value": "The quantity must be greater than zero."},
        **kwargs,
    )


def unit_cost_field(**kwargs) -> ExactDecimalField:
    return ExactDecimalField(
        min_value=ZERO, error_messages={"min_value": "A unit cost cannot be negative."}, **kwargs
    )


# --------------------------------------------------------------------------- setup


class LocationSerializer(StrictModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "code", "name", "kind", "blocked"]


class InventoryPostingSetupSerializer(StrictModelSerializer):
    posting_group = code_field(
        ItemPostingGroup, "code", "Posting group", allow_null=True, required=False
    )
    location = code_field(Location, "code", "Location", allow_null=True, required=False)
    inventory_account = code_field(Account, "number", "Account")
    inventory_accrual_account = code_field(Account, "number", "Account")
    wip_account = code_field(Account, "number", "Account")

    class Meta:
        model = InventoryPostingSetup
        fields = [
            "id",
            "posting_group",
            "location",
            "inventory_account",
            "inventory_accrual_account",
            "wip_account",
        ]

    def validate(self, attrs):
        def current(name):
            if name in attrs:
                return attrs[name]
            return getattr(self.instance, name) if self.instance is not None else None

        group, location = current("posting_group"), current("location")
        others = InventoryPostingSetup.objects.filter(posting_group=group, location=location)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(
                {
                    "location": [
                        f"There is already a setup for posting group {group or '(any)'} at "
                        f"location {location or '(any)'}."
                    ]
                }
            )
        return attrs


# --------------------------------------------------------------------------- ledgers (output)


class InventoryPostingSerializer(serializers.ModelSerializer):
    journal_entry_number = serializers.SerializerMethodField()

    class Meta:
        model = InventoryPosting
        fields = [
            "id",
            "source_key",
            "kind",
            "document_no",
            "posting_date",
            "journal_entry",
            "journal_entry_number",
        ]

    def get_journal_entry_number(self, posting) -> str | None:
        return str(posting.journal_entry) if posting.journal_entry_id else None


class ItemLedgerEntrySerializer(serializers.ModelSerializer):
    """An item ledger entry with the sums of its value entries (see the selector)."""

    item = serializers.SlugRelatedField(slug_field="number", read_only=True)
    location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cost_amount_expected = AmountField(read_only=True)
    cost_amount_actual = AmountField(read_only=True)
    cost_amount = AmountField(read_only=True)
    invoiced_quantity = QuantityField(read_only=True)

    class Meta:
        model = ItemLedgerEntry
        fields = [
            "id",
            "item",
            "location",
            "entry_type",
            "posting_date",
            "document_no",
            "description",
            "quantity",
            "remaining_quantity",
            "invoiced_quantity",
            "cost_amount_expected",
            "cost_amount_actual",
            "cost_amount",
            "order_type",
            "order_no",
            "order_line",
            "transfer_from_entry",
            "posting",
        ]


class ValueEntrySerializer(serializers.ModelSerializer):
    item = serializers.SlugRelatedField(slug_field="number", read_only=True)
    location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cost_group = serializers.SlugRelatedField(slug_field="code", read_only=True)
    journal_entry_number = serializers.SerializerMethodField()

    class Meta:
        model = ValueEntry
        fields = [
            "id",
            "item_ledger_entry",
            "capacity_ledger_entry",
            "item",
            "location",
            "item_ledger_entry_type",
            "entry_type",
            "cost_group",
            "variance_type",
            "variance_cause",
            "posting_date",
            "valuation_date",
            "valued_quantity",
            "invoiced_quantity",
            "cost_amount_expected",
            "cost_amount_actual",
            "cost_per_unit",
            "adjustment",
            "uncovered",
            "order_type",
            "order_no",
            "applies_to_entry",
            "description",
            "posting",
            "journal_entry",
            "journal_entry_number",
        ]

    def get_journal_entry_number(self, entry) -> str | None:
        return str(entry.journal_entry) if entry.journal_entry_id else None


class ItemApplicationSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="inbound_entry.item.number", read_only=True)
    location = serializers.CharField(source="inbound_entry.location.code", read_only=True)

    class Meta:
        model = ItemApplication
        fields = [
            "id",
            "item",
            "location",
            "inbound_entry",
            "outbound_entry",
            "quantity",
            "posting_date",
        ]


class InventoryPostingDetailSerializer(InventoryPostingSerializer):
    """A posting with links down to its entries and up to its general-ledger entry."""

    item_ledger_entries = serializers.SerializerMethodField()
    value_entries = serializers.SerializerMethodField()
    journal_entry_url = serializers.SerializerMethodField()

    class Meta(InventoryPostingSerializer.Meta):
        fields = [
            *InventoryPostingSerializer.Meta.fields,
            "journal_entry_url",
            "item_ledger_entries",
            "value_entries",
        ]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_journal_entry_url(self, posting) -> str | None:
        if not posting.journal_entry_id:
            return None
        return self._absolute(
            reverse("ledger:journalentry-detail", args=[posting.journal_entry_id])
        )

    def get_item_ledger_entries(self, posting) -> str:
        return self._absolute(f"{reverse('inventory:itemledgerentry-list')}?posting={posting.pk}")

    def get_value_entries(self, posting) -> str:
        return self._absolute(f"{reverse('inventory:valueentry-list')}?posting={posting.pk}")


class PostingResultSerializer(serializers.Serializer):
    """What an inventory document posted: its record, item ledger entries, value entries."""

    posting = InventoryPostingSerializer()
    item_entries = ItemLedgerEntrySerializer(many=True)
    value_entries = ValueEntrySerializer(many=True)


# --------------------------------------------------------------------------- documents (input)


class InventoryDocumentInputSerializer(StrictInputSerializer):
    """What every inventory document carries: a date, and what makes a retry post nothing.

    ``source_key`` is the client's own key for the document line; without it the key is made
    from ``document_no`` and ``line``, so ``document_no`` is then required.
    """

    posting_date = serializers.DateField()
    document_no = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    line = serializers.IntegerField(min_value=1, required=False, default=1)
    source_key = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not attrs["source_key"] and not attrs["document_no"]:
            raise serializers.ValidationError(
                {"document_no": ["A document number (or a source key) is required."]}
            )
        return attrs


class PurchaseReceiptInputSerializer(InventoryDocumentInputSerializer):
    item = code_field(Item, "number", "Item")
    location = code_field(Location, "code", "Location")
    quantity = positive_quantity()
    unit_cost = unit_cost_field()


class PurchaseInvoiceInputSerializer(InventoryDocumentInputSerializer):
    receipt_entry = serializers.PrimaryKeyRelatedField(
        queryset=ItemLedgerEntry.objects.filter(entry_type=ItemLedgerEntry.EntryType.PURCHASE),
        error_messages={"does_not_exist": "Purchase receipt entry {pk_value} does not exist."},
    )
    quantity = positive_quantity()
    unit_price = unit_cost_field()


class SaleShipmentInputSerializer(InventoryDocumentInputSerializer):
    item = code_field(Item, "number", "Item")
    location = code_field(Location, "code", "Location")
    quantity = positive_quantity()


class StockAdjustmentInputSerializer(InventoryDocumentInputSerializer):
    """A stock adjustment: ``direction`` positive or negative, or else the sign of the quantity.

    A positive adjustment may carry a unit cost (default: the item's unit cost; standard items
    always at standard).
    """

    POSITIVE = "positive"
    NEGATIVE = "negative"

    item = code_field(Item, "number", "Item")
    location = code_field(Location, "code", "Location")
    direction = serializers.ChoiceField(choices=[POSITIVE, NEGATIVE], required=False)
    quantity = ExactDecimalField()
    unit_cost = unit_cost_field(required=False, allow_null=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        quantity = attrs["quantity"]
        direction = attrs.get("direction")
        if quantity == 0 or (direction and quantity < 0):
            raise serializers.ValidationError(
                {"quantity": ["The quantity must be greater than zero."]}
            )
        if not direction:
            direction = self.POSITIVE if quantity > 0 else self.NEGATIVE
        if direction == self.NEGATIVE and attrs.get("unit_cost") is not None:
            raise serializers.ValidationError(
                {"unit_cost": ["A negative adjustment is valued at cost; send no unit cost."]}
            )
        attrs["direction"] = direction
        attrs["quantity"] = abs(quantity)
        return attrs


class StockTransferInputSerializer(InventoryDocumentInputSerializer):
    item = code_field(Item, "number", "Item")
    from_location = code_field(Location, "code", "Location")
    to_location = code_field(Location, "code", "Location")
    quantity = positive_quantity()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["from_location"] == attrs["to_location"]:
            raise serializers.ValidationError(
                {"to_location": ["The destination must differ from the source."]}
            )
        return attrs


# --------------------------------------------------------------------------- reports


class ValuationQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)
    item = code_field(Item, "number", "Item", required=False)
    location = code_field(Location, "code", "Location", required=False)


class ValuationRowSerializer(serializers.Serializer):
    item = serializers.CharField()
    location = serializers.CharField()
    quantity = QuantityField()
    cost_amount_expected = AmountField()
    cost_amount_actual = AmountField()
    value = AmountField()
    unit_cost = QuantityField(allow_null=True)


class ReconciliationQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)


class ReconciliationCauseSerializer(serializers.Serializer):
    cause = serializers.ChoiceField(
        choices=["direct_posting", "mapping_changed", "stock_under_former_posting_group"]
    )
    amount = AmountField()
    description = serializers.CharField()


class ReconciliationRowSerializer(serializers.Serializer):
    account = serializers.CharField()
    name = serializers.CharField()
    ledger_value = AmountField()
    gl_balance = AmountField()
    difference = AmountField()
    causes = ReconciliationCauseSerializer(many=True)
