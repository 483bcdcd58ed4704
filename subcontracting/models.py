"""Subcontracting: vendors who do operations of our production for us.

A vendor holds our material at its own location (still our stock, still valued). The flow:

* **Price list.** ``ServicePrice`` rows give a vendor's price for a service item, valid between
  two dates, from a minimum quantity (quantity breaks), with a lead time.
* **Orders.** Releasing a production order with subcontracted operations either makes a
  ``SubcontractingOrder`` at once (vendor set to automatic) or a ``WorksheetProposal`` that
  purchasing confirms. One ``SubcontractingOrderLine`` per production order operation; at most one
  live (not cancelled) line per operation. Status: draft -> sent -> acknowledged -> partly
  received -> received -> invoiced -> closed, or cancelled.
* **Material out and back.** A ``MaterialShipment`` moves the operation's components from our
  warehouse to the vendor's location (an inventory transfer); a return moves them back.
* **Vendor's side.** Through the API a vendor acknowledges (promised date), announces shipments
  of processed goods (``ShipmentNotice``) and reports good, scrapped and consumed quantities
  (``VendorReport``), which purchasing's receipt can take over.
* **Receipt.** A ``SubcontractingReceipt`` posts the processed quantity through production: the
  components are consumed at the vendor's location, the service goes to WIP at the order price
  as direct outsourcing, output follows when the operation is the order's last.
* **Invoice.** A ``VendorInvoice`` matches receipts (order, receipt, invoice): the payable is
  posted at the invoice price and the difference to the order price goes onto the service's
  capacity entry (Adjust Cost turns it into subcontracted variance).

Quantities received and invoiced are kept on the order line and guarded by check constraints:
nothing is received beyond the over-receipt tolerance, nothing invoiced beyond what was received.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

# Moved to the core (every app's POSTs use it); still importable from here.
from mfgcost.core.models import IdempotencyKey  # noqa: F401

QUANTITY = {"max_digits": 20, "decimal_places": 6}
UNIT_PRICE = {"max_digits": 20, "decimal_places": 6}
AMOUNT = {"max_digits": 20, "decimal_places": 2}
PERCENT = {"max_digits": 9, "decimal_places": 4}
ZERO = Decimal("0")


class Vendor(models.Model):
    class OrderCreation(models.TextChoices):
        WORKSHEET = "worksheet", "Proposed in the worksheet (purchasing confirms)"
        AUTOMATIC = "automatic", "Automatic on release (draft order)"
        AUTOMATIC_SEND = "automatic_send", "Automatic on release, sent at once"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    location = models.OneToOneField(
        "inventory.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vendor",
        help_text="Where our material sent to this vendor is kept.",
    )
    blocked = models.BooleanField(default=False)
    order_creation = models.CharField(
        max_length=16, choices=OrderCreation.choices, default=OrderCreation.WORKSHEET
    )
    over_receipt_tolerance_percent = models.DecimalField(
        **PERCENT, default=ZERO, help_text="Receipts may exceed the ordered quantity by this %."
    )
    price_tolerance_percent = models.DecimalField(
        **PERCENT,
        default=Decimal("10"),
        help_text="An invoice price may differ from the order price by this % at most.",
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(over_receipt_tolerance_percent__gte=0, price_tolerance_percent__gte=0),
                name="vendor_tolerances_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.code


class VendorUser(models.Model):
    """A login of a vendor: a Django user who acts for exactly one vendor through the API."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_user"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="users")

    class Meta:
        ordering = ["vendor", "user"]

    def __str__(self) -> str:
        return f"{self.user} ({self.vendor})"


class ServicePrice(models.Model):
    """A vendor's price for a service item from ``min_quantity`` on, between two dates."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="prices")
    service_item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    min_quantity = models.DecimalField(
        **QUANTITY, default=ZERO, help_text="Quantity break: the price applies from this quantity."
    )
    unit_price = models.DecimalField(**UNIT_PRICE)
    lead_time_days = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["vendor", "service_item", "valid_from", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "service_item", "valid_from", "min_quantity"],
                name="one_price_per_vendor_item_date_break",
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_not_negative"),
            models.CheckConstraint(condition=Q(min_quantity__gte=0), name="break_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="price_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.service_item} from {self.min_quantity}: {self.unit_price}"


class DocumentSequence(models.Model):
    """Last number given per document kind (orders, shipments, receipts, invoices)."""

    code = models.CharField(max_length=10, unique=True)
    last_number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.code} {self.last_number}"


class SubcontractingOrder(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        PARTLY_RECEIVED = "partly_received", "Partly received"
        RECEIVED = "received", "Received"
        INVOICED = "invoiced", "Invoiced"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    order_date = models.DateField()
    due_date = models.DateField(help_text="Earliest due date of the lines.")
    promised_date = models.DateField(null=True, blank=True, help_text="Set by the vendor.")
    vendor_reference = models.CharField(max_length=40, blank=True, help_text="Set by the vendor.")
    notes = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["vendor", "-id"], name="sub_order_vendor_recent"),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.number


class SubcontractingOrderLine(models.Model):
    """One subcontracted operation of a production order, bought from the order's vendor."""

    order = models.ForeignKey(SubcontractingOrder, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    production_order = models.ForeignKey(
        "production.ProductionOrder", on_delete=models.PROTECT, related_name="subcontracting_lines"
    )
    operation = models.ForeignKey(
        "production.ProductionOrderOperation",
        on_delete=models.PROTECT,
        related_name="subcontracting_lines",
    )
    service_item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**UNIT_PRICE)
    due_date = models.DateField()
    over_receipt_tolerance_percent = models.DecimalField(**PERCENT, default=ZERO)
    max_receipt_quantity = models.DecimalField(
        **QUANTITY, help_text="Quantity plus the over-receipt tolerance."
    )
    received_quantity = models.DecimalField(
        **QUANTITY, default=ZERO, help_text="Good plus scrapped, as received."
    )
    scrapped_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    rejected_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    invoiced_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="sub_line_no_unique"),
            models.UniqueConstraint(
                fields=["operation"],
                condition=Q(cancelled=False),
                name="one_live_subcontracting_line_per_operation",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sub_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="sub_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(
                    received_quantity__gte=0,
                    scrapped_quantity__gte=0,
                    rejected_quantity__gte=0,
                    invoiced_quantity__gte=0,
                ),
                name="sub_line_quantities_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(received_quantity__lte=F("max_receipt_quantity")),
                name="sub_line_no_over_receipt",
            ),
            models.CheckConstraint(
                condition=Q(invoiced_quantity__lte=F("received_quantity")),
                name="sub_line_invoiced_within_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} line {self.line_no}"

    @property
    def open_quantity(self) -> Decimal:
        return max(self.quantity - self.received_quantity, ZERO)


class WorksheetProposal(models.Model):
    """A subcontracted operation of a released order waiting for purchasing to order it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed (ordered)"
        REJECTED = "rejected", "Rejected"

    operation = models.ForeignKey(
        "production.ProductionOrderOperation", on_delete=models.CASCADE, related_name="+"
    )
    production_order = models.ForeignKey(
        "production.ProductionOrder", on_delete=models.CASCADE, related_name="+"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="proposals")
    service_item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**UNIT_PRICE)
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    order_line = models.OneToOneField(
        SubcontractingOrderLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vendor", "due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation"],
                condition=Q(status="proposed"),
                name="one_open_proposal_per_operation",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="proposal_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.production_order} op {self.operation.operation_no} -> {self.vendor}"


class MaterialShipment(models.Model):
    """Components sent to the vendor's location for an order, or returned from it."""

    class Direction(models.TextChoices):
        SHIPMENT = "shipment", "To the vendor"
        RETURN = "return", "Back from the vendor"

    number = models.CharField(max_length=20, unique=True)
    order = models.ForeignKey(
        SubcontractingOrder, on_delete=models.PROTECT, related_name="material_shipments"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    warehouse = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Our location the material leaves (shipment) or comes back to (return).",
    )
    posting_date = models.DateField()
    source_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number


class MaterialShipmentLine(models.Model):
    shipment = models.ForeignKey(MaterialShipment, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    order_line = models.ForeignKey(
        SubcontractingOrderLine, on_delete=models.PROTECT, related_name="material_lines"
    )
    component = models.ForeignKey(
        "production.ProductionOrderComponent", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey("items.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    posting = models.OneToOneField(
        "inventory.InventoryPosting", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["shipment", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line_no"], name="shipment_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment} line {self.line_no}: {self.quantity} {self.item}"


class ShipmentNotice(models.Model):
    """A vendor's notice that processed goods are on their way to us."""

    order = models.ForeignKey(
        SubcontractingOrder, on_delete=models.CASCADE, related_name="shipment_notices"
    )
    shipped_on = models.DateField()
    expected_on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=60, blank=True, help_text="Delivery note, tracking.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.order} shipped {self.shipped_on}"


class ShipmentNoticeLine(models.Model):
    notice = models.ForeignKey(ShipmentNotice, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        SubcontractingOrderLine, on_delete=models.CASCADE, related_name="notice_lines"
    )
    quantity = models.DecimalField(**QUANTITY)

    class Meta:
        ordering = ["notice", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="notice_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.notice}: {self.quantity}"


class VendorReport(models.Model):
    """Quantities the vendor reports for an order line: good, scrapped, and material consumed.

    Purchasing's receipt can take the report over (quantities and consumption); a report is
    used by at most one receipt.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RECEIVED = "received", "Received"

    order_line = models.ForeignKey(
        SubcontractingOrderLine, on_delete=models.CASCADE, related_name="vendor_reports"
    )
    good_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    scrapped_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(good_quantity__gte=0, scrapped_quantity__gte=0),
                name="report_quantities_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_line}: {self.good_quantity} good, {self.scrapped_quantity} scrap"


class VendorReportConsumption(models.Model):
    report = models.ForeignKey(VendorReport, on_delete=models.CASCADE, related_name="consumption")
    component = models.ForeignKey(
        "production.ProductionOrderComponent", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(**QUANTITY)

    class Meta:
        ordering = ["report", "component"]
        constraints = [
            models.UniqueConstraint(fields=["report", "component"], name="report_component_once"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="report_consumed_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.quantity} of component {self.component_id}"


class SubcontractingReceipt(models.Model):
    """Processed goods received from the vendor for one order line, posted through production."""

    number = models.CharField(max_length=20, unique=True)
    order_line = models.ForeignKey(
        SubcontractingOrderLine, on_delete=models.PROTECT, related_name="receipts"
    )
    posting_date = models.DateField()
    good_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    scrapped_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    rejected_quantity = models.DecimalField(
        **QUANTITY, default=ZERO, help_text="Sent back to the vendor; not received, still open."
    )
    unit_price = models.DecimalField(**UNIT_PRICE, help_text="The order price, posted to WIP.")
    invoiced_quantity = models.DecimalField(**QUANTITY, default=ZERO)
    vendor_report = models.OneToOneField(
        VendorReport, null=True, blank=True, on_delete=models.PROTECT, related_name="receipt"
    )
    posting = models.OneToOneField(
        "inventory.InventoryPosting", on_delete=models.PROTECT, related_name="+"
    )
    source_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    good_quantity__gte=0, scrapped_quantity__gte=0, rejected_quantity__gte=0
                ),
                name="receipt_quantities_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def received_quantity(self) -> Decimal:
        return self.good_quantity + self.scrapped_quantity


class VendorInvoice(models.Model):
    """A vendor's invoice for services, matched line by line to receipts."""

    number = models.CharField(max_length=20, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="invoices")
    vendor_invoice_no = models.CharField(max_length=40)
    invoice_date = models.DateField()
    posting_date = models.DateField()
    amount = models.DecimalField(**AMOUNT)
    journal_entry = models.OneToOneField(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="+"
    )
    source_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "vendor_invoice_no"], name="vendor_invoice_no_once"
            )
        ]

    def __str__(self) -> str:
        return self.number


class VendorInvoiceLine(models.Model):
    invoice = models.ForeignKey(VendorInvoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    receipt = models.ForeignKey(
        SubcontractingReceipt, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    order_line = models.ForeignKey(
        SubcontractingOrderLine, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**UNIT_PRICE)
    amount = models.DecimalField(**AMOUNT, help_text="Quantity x invoice price.")
    applied_amount = models.DecimalField(
        **AMOUNT, help_text="What the receipt put into WIP for this quantity (order price)."
    )
    price_difference = models.DecimalField(**AMOUNT, help_text="amount - applied_amount.")
    adjustment_posting = models.OneToOneField(
        "inventory.InventoryPosting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["invoice", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_no"], name="invoice_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} line {self.line_no}"
