"""Reads of subcontracting: visible orders, price lookups, material at vendors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from mfgcost.core.links import Link
from mfgcost.inventory.models import InventoryPosting, ItemLedgerEntry, ValueEntry

from .matching import price_row_pick
from .models import (
    MaterialShipment,
    MaterialShipmentLine,
    ServicePrice,
    ShipmentNotice,
    SubcontractingOrder,
    SubcontractingOrderLine,
    SubcontractingReceipt,
    Vendor,
    VendorInvoice,
    VendorInvoiceLine,
    VendorReport,
)

ZERO_DEC = Value(Decimal("0"))
ILE = ItemLedgerEntry.EntryType

# Orders a vendor can see: purchasing has sent them (drafts are our own business).
VENDOR_VISIBLE_STATUSES = [
    s for s in SubcontractingOrder.Status.values if s != SubcontractingOrder.Status.DRAFT
]


def vendor_of_user(user) -> Vendor | None:
    """The vendor a user acts for, or None for our own staff and anonymous users."""
    if user is None or not user.is_authenticated:
        return None
    link = getattr(user, "vendor_user", None)
    return link.vendor if link is not None else None


def orders_for_vendor(vendor: Vendor) -> QuerySet[SubcontractingOrder]:
    return SubcontractingOrder.objects.filter(vendor=vendor, status__in=VENDOR_VISIBLE_STATUSES)


def order_lines_for_vendor(vendor: Vendor) -> QuerySet[SubcontractingOrderLine]:
    return SubcontractingOrderLine.objects.filter(
        order__vendor=vendor, order__status__in=VENDOR_VISIBLE_STATUSES
    )


def shipments_for_vendor(vendor: Vendor) -> QuerySet[MaterialShipment]:
    return MaterialShipment.objects.filter(order__vendor=vendor)


def reports_for_vendor(vendor: Vendor) -> QuerySet[VendorReport]:
    return VendorReport.objects.filter(order_line__order__vendor=vendor)


def notices_for_vendor(vendor: Vendor) -> QuerySet[ShipmentNotice]:
    return ShipmentNotice.objects.filter(order__vendor=vendor)


def receipts_for_vendor(vendor: Vendor) -> QuerySet[SubcontractingReceipt]:
    return SubcontractingReceipt.objects.filter(order_line__order__vendor=vendor)


def service_price_for(
    *, vendor: Vendor, service_item, quantity: Decimal, on_date: dt.date
) -> ServicePrice | None:
    """The vendor's price-list row for the service and quantity on the date (None if none)."""
    rows = ServicePrice.objects.filter(
        vendor=vendor, service_item=service_item, valid_from__lte=on_date
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))
    return price_row_pick(rows, quantity=quantity, on_date=on_date)


def receipt_applied_amount(receipt: SubcontractingReceipt) -> Decimal:
    """What the receipt put into WIP for the service: its capacity entry's own value entries."""
    return ValueEntry.objects.filter(
        posting_id=receipt.posting_id, capacity_ledger_entry__isnull=False
    ).aggregate(
        v=Coalesce(Sum("cost_amount_expected"), ZERO_DEC)
        + Coalesce(Sum("cost_amount_actual"), ZERO_DEC)
    )["v"]


def receipt_capacity_entry(receipt: SubcontractingReceipt):
    """The capacity ledger entry of the service the receipt posted."""
    posting: InventoryPosting = receipt.posting
    entries = posting.capacity_entries.order_by("id")
    return entries.filter(capacity_type="subcontracting").first() or entries.first()


@dataclass(frozen=True)
class MaterialAtVendorRow:
    vendor_id: int
    vendor_code: str
    location_code: str
    item_id: int
    item_number: str
    sent: Decimal
    returned: Decimal
    consumed: Decimal
    other: Decimal
    on_hand: Decimal
    value: Decimal


def material_at_vendors(
    *, vendor: Vendor | None = None, item_id: int | None = None
) -> list[MaterialAtVendorRow]:
    """Our material at each vendor's location, by item: sent, returned, consumed, on hand, value.

    Transfers into the location are what we sent, transfers out what came back, consumption is
    what the vendor used up on our orders; ``other`` is anything else posted there (adjustments).
    On hand is the sum of all, and value is what the value entries of the location carry.
    """
    vendors = Vendor.objects.filter(location__isnull=False).select_related("location")
    if vendor is not None:
        vendors = vendors.filter(pk=vendor.pk)
    by_location = {v.location_id: v for v in vendors}
    if not by_location:
        return []
    entries = ItemLedgerEntry.objects.filter(location_id__in=by_location)
    values = ValueEntry.objects.filter(location_id__in=by_location, item_ledger_entry__isnull=False)
    if item_id is not None:
        entries = entries.filter(item_id=item_id)
        values = values.filter(item_id=item_id)
    quantity = Coalesce(Sum("quantity"), ZERO_DEC)
    totals = (
        entries.values("location_id", "item_id", "item__number")
        .annotate(
            sent=Coalesce(
                Sum("quantity", filter=Q(entry_type=ILE.TRANSFER, quantity__gt=0)), ZERO_DEC
            ),
            returned=Coalesce(
                Sum("quantity", filter=Q(entry_type=ILE.TRANSFER, quantity__lt=0)), ZERO_DEC
            ),
            consumed=Coalesce(Sum("quantity", filter=Q(entry_type=ILE.CONSUMPTION)), ZERO_DEC),
            on_hand=quantity,
        )
        .order_by("location_id", "item__number")
    )
    value_by_key = {
        (row["location_id"], row["item_id"]): row["v"]
        for row in values.values("location_id", "item_id").annotate(
            v=Coalesce(Sum("cost_amount_expected"), ZERO_DEC)
            + Coalesce(Sum("cost_amount_actual"), ZERO_DEC)
        )
    }
    rows = []
    for row in totals:
        v = by_location[row["location_id"]]
        sent, returned, consumed = row["sent"], -row["returned"], -row["consumed"]
        rows.append(
            MaterialAtVendorRow(
                vendor_id=v.pk,
                vendor_code=v.code,
                location_code=v.location.code,
                item_id=row["item_id"],
                item_number=row["item__number"],
                sent=sent,
                returned=returned,
                consumed=consumed,
                other=row["on_hand"] - sent + returned + consumed,
                on_hand=row["on_hand"],
                value=value_by_key.get((row["location_id"], row["item_id"]), Decimal("0")),
            )
        )
    return sorted(rows, key=lambda r: (r.vendor_code, r.item_number))


def material_sent_for_order(order: SubcontractingOrder) -> list[dict]:
    """Per component of the order: quantity shipped to the vendor and returned from it."""
    rows = (
        order.material_shipments.values(
            "lines__component_id", "lines__item__number", "lines__order_line_id"
        )
        .annotate(
            shipped=Coalesce(
                Sum("lines__quantity", filter=Q(direction=MaterialShipment.Direction.SHIPMENT)),
                ZERO_DEC,
            ),
            returned=Coalesce(
                Sum("lines__quantity", filter=Q(direction=MaterialShipment.Direction.RETURN)),
                ZERO_DEC,
            ),
        )
        .order_by("lines__order_line_id", "lines__component_id")
    )
    return [
        {
            "order_line": row["lines__order_line_id"],
            "component": row["lines__component_id"],
            "item": row["lines__item__number"],
            "shipped": row["shipped"],
            "returned": row["returned"],
            "net": row["shipped"] - row["returned"],
        }
        for row in rows
        if row["lines__component_id"] is not None
    ]


# --------------------------------------------------------------------------- drill-down


def _link(kind: str, obj, admin_name: str, api_name: str | None) -> Link:
    return Link(
        kind=kind,
        id=obj.pk,
        label=f"{obj._meta.verbose_name.capitalize()} {obj}",
        admin_url=reverse(f"admin:subcontracting_{admin_name}_change", args=[obj.pk]),
        api_url=reverse(f"{api_name}-detail", args=[obj.pk]) if api_name else "",
    )


def journal_entry_vendor_invoices(entries) -> dict[int, Link]:
    """Source provider: the vendor invoice behind each journal entry."""
    invoices = VendorInvoice.objects.filter(journal_entry__in=[e.pk for e in entries])
    return {
        invoice.journal_entry_id: _link("vendor_invoice", invoice, "vendorinvoice", "sub-invoice")
        for invoice in invoices
    }


def posting_documents(posting: InventoryPosting) -> list[Link]:
    """Related provider: the shipment, receipt or invoice line that made a posting."""
    links = []
    for line in MaterialShipmentLine.objects.filter(posting=posting).select_related("shipment"):
        shipment = line.shipment
        api = "sub-shipment" if shipment.direction == "shipment" else "sub-return"
        links.append(_link("material_shipment", shipment, "materialshipment", api))
    for receipt in SubcontractingReceipt.objects.filter(posting=posting):
        links.append(
            _link("subcontracting_receipt", receipt, "subcontractingreceipt", "sub-receipt")
        )
    for line in VendorInvoiceLine.objects.filter(adjustment_posting=posting).select_related(
        "invoice"
    ):
        links.append(_link("vendor_invoice", line.invoice, "vendorinvoice", "sub-invoice"))
    return links
