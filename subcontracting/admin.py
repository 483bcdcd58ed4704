"""Admin of subcontracting: master data editable, documents read-only, actions call services.

The worksheet has its own page (``Subcontracting worksheet``): proposals grouped by vendor, with
buttons to refresh, confirm into orders, or reject.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from mfgcost.core.admin import action_report
from mfgcost.core.errors import BusinessError

from . import services
from .models import (
    MaterialShipment,
    MaterialShipmentLine,
    ServicePrice,
    ShipmentNotice,
    ShipmentNoticeLine,
    SubcontractingOrder,
    SubcontractingOrderLine,
    SubcontractingReceipt,
    Vendor,
    VendorInvoice,
    VendorInvoiceLine,
    VendorReport,
    VendorReportConsumption,
    VendorUser,
    WorksheetProposal,
)


class ReadOnlyMixin:
    """Posted documents and ledgers change only through services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False


def _run(modeladmin, request, objects, service, *, verb: str) -> None:
    """Call ``service(obj)`` for each order; one message names those done and those refused."""
    action_report(modeladmin, request, objects, service, verb=verb, noun="order")


# --------------------------------------------------------------------------- master data


class VendorUserInline(admin.TabularInline):
    model = VendorUser
    extra = 0
    autocomplete_fields = ["user"]


class ServicePriceInline(admin.TabularInline):
    model = ServicePrice
    extra = 0
    raw_id_fields = ["service_item"]


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "location",
        "order_creation",
        "over_receipt_tolerance_percent",
        "price_tolerance_percent",
        "blocked",
    ]
    list_filter = ["order_creation", "blocked"]
    search_fields = ["code", "name"]
    inlines = [VendorUserInline, ServicePriceInline]


@admin.register(VendorUser)
class VendorUserAdmin(admin.ModelAdmin):
    list_display = ["user", "vendor"]
    list_filter = ["vendor"]
    search_fields = ["user__username", "vendor__code"]
    autocomplete_fields = ["user", "vendor"]


@admin.register(ServicePrice)
class ServicePriceAdmin(admin.ModelAdmin):
    list_display = [
        "vendor",
        "service_item",
        "valid_from",
        "valid_to",
        "min_quantity",
        "unit_price",
        "lead_time_days",
    ]
    list_filter = ["vendor"]
    search_fields = ["vendor__code", "service_item__number"]
    autocomplete_fields = ["vendor"]
    raw_id_fields = ["service_item"]


# --------------------------------------------------------------------------- orders


class OrderLineInline(ReadOnlyInline):
    model = SubcontractingOrderLine
    fields = [
        "line_no",
        "production_order",
        "operation",
        "service_item",
        "quantity",
        "unit_price",
        "due_date",
        "received_quantity",
        "scrapped_quantity",
        "rejected_quantity",
        "invoiced_quantity",
        "cancelled",
    ]
    readonly_fields = fields


def _receive_open_quantity(order: SubcontractingOrder, user) -> int:
    """Receive each live line's open quantity: as the vendor's open report says, else all good
    with consumption by the BOM. Returns the number of receipts posted."""
    today = timezone.localdate()
    posted = 0
    for line in order.lines.filter(cancelled=False).order_by("line_no"):
        report = line.vendor_reports.filter(status=VendorReport.Status.OPEN).order_by("id").first()
        if report is None and line.open_quantity <= 0:
            continue
        key = f"admin:receive:{line.pk}:{report.pk if report else line.received_quantity}"
        if report is not None:
            services.subcontracting_receipt_post(
                order_line=line, posting_date=today, source_key=key, vendor_report=report, user=user
            )
        else:
            services.subcontracting_receipt_post(
                order_line=line,
                posting_date=today,
                source_key=key,
                good_quantity=line.open_quantity,
                user=user,
            )
        posted += 1
    return posted


@admin.register(SubcontractingOrder)
class SubcontractingOrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "vendor",
        "status",
        "order_date",
        "due_date",
        "promised_date",
        "vendor_reference",
    ]
    list_filter = ["status", "vendor"]
    search_fields = ["number", "vendor__code", "lines__production_order__number"]
    date_hierarchy = "due_date"
    inlines = [OrderLineInline]
    readonly_fields = [
        "number",
        "vendor",
        "status",
        "order_date",
        "due_date",
        "promised_date",
        "vendor_reference",
        "sent_at",
        "acknowledged_at",
        "created_at",
        "created_by",
    ]
    fields = [*readonly_fields, "notes"]
    actions = ["send_orders", "receive_orders", "cancel_orders", "close_orders"]

    def has_add_permission(self, request):
        return False  # orders come from production orders: the worksheet, the API, or release

    def has_change_permission(self, request, obj=None):
        """A closed or cancelled order is history: shown without save buttons."""
        done = obj is not None and obj.status in (
            SubcontractingOrder.Status.CLOSED,
            SubcontractingOrder.Status.CANCELLED,
        )
        return not done and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send selected orders to their vendors", permissions=["change"])
    def send_orders(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda o: services.subcontracting_order_send(order=o, user=request.user),
            verb="Sent",
        )

    @admin.action(
        description="Receive open quantities (vendor's report, else all good)",
        permissions=["change"],
    )
    def receive_orders(self, request, queryset):
        received, refused = [], []
        for order in queryset:
            try:
                with transaction.atomic():
                    count = _receive_open_quantity(order, request.user)
            except BusinessError as exc:
                refused.append(f"{order} \u2014 {exc.message}")
            else:
                received.append(f"{order} ({count} receipt{'' if count == 1 else 's'})")
        text = f"Received {len(received)} order(s): {', '.join(received) or 'none'}"
        if refused:
            text += f"; {len(refused)} refused: {'; '.join(refused)}"
        level = (
            messages.SUCCESS if not refused else messages.WARNING if received else messages.ERROR
        )
        self.message_user(request, text + ".", level)

    @admin.action(description="Cancel selected orders", permissions=["change"])
    def cancel_orders(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda o: services.subcontracting_order_cancel(order=o, user=request.user),
            verb="Cancelled",
        )

    @admin.action(description="Close selected orders", permissions=["change"])
    def close_orders(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda o: services.subcontracting_order_close(order=o, user=request.user),
            verb="Closed",
        )


# --------------------------------------------------------------------------- worksheet


@admin.register(WorksheetProposal)
class WorksheetProposalAdmin(admin.ModelAdmin):
    list_display = [
        "production_order",
        "operation",
        "vendor",
        "service_item",
        "quantity",
        "unit_price",
        "due_date",
        "status",
        "order_line",
    ]
    list_filter = ["status", "vendor"]
    search_fields = ["production_order__number", "vendor__code"]
    actions = ["confirm_proposals", "reject_proposals"]
    change_list_template = "subcontracting/worksheet_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Confirm into orders (one per vendor)", permissions=["view"])
    def confirm_proposals(self, request, queryset):
        self._confirm(request, list(queryset))

    @admin.action(description="Reject selected proposals", permissions=["view"])
    def reject_proposals(self, request, queryset):
        count = services.worksheet_reject(proposals=list(queryset))
        self.message_user(request, f"{count} proposals rejected.", messages.SUCCESS)

    def _confirm(self, request, proposals) -> None:
        if not request.user.has_perm("subcontracting.add_subcontractingorder"):
            self.message_user(request, "You may not create orders.", messages.ERROR)
            return
        try:
            orders = services.worksheet_confirm(
                proposals=proposals, order_date=timezone.localdate(), user=request.user
            )
        except BusinessError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        numbers = ", ".join(o.number for o in orders)
        self.message_user(request, f"Orders created: {numbers}.", messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "worksheet/",
                self.admin_site.admin_view(self.worksheet_view),
                name="subcontracting_worksheet",
            ),
            *super().get_urls(),
        ]

    def worksheet_view(self, request):
        """Open proposals grouped by vendor; refresh, confirm or reject from one page."""
        if not self.has_view_permission(request):
            return redirect("admin:index")
        if request.method == "POST":
            chosen = WorksheetProposal.objects.filter(
                pk__in=request.POST.getlist("proposal"), status=WorksheetProposal.Status.PROPOSED
            )
            if "refresh" in request.POST:
                created = services.worksheet_refresh(on_date=timezone.localdate())
                self.message_user(request, f"{len(created)} new proposals.", messages.SUCCESS)
            elif "confirm" in request.POST:
                self._confirm(request, list(chosen))
            elif "reject" in request.POST:
                count = services.worksheet_reject(proposals=list(chosen))
                self.message_user(request, f"{count} proposals rejected.", messages.SUCCESS)
            return redirect(reverse("admin:subcontracting_worksheet"))
        proposals = (
            WorksheetProposal.objects.filter(status=WorksheetProposal.Status.PROPOSED)
            .select_related("vendor", "production_order__item", "operation", "service_item")
            .order_by("vendor__code", "due_date", "id")
        )
        groups: dict[Vendor, list[WorksheetProposal]] = {}
        for proposal in proposals:
            groups.setdefault(proposal.vendor, []).append(proposal)
        context = {
            **self.admin_site.each_context(request),
            "title": "Subcontracting worksheet",
            "opts": self.model._meta,
            "groups": groups.items(),
            "can_confirm": request.user.has_perm("subcontracting.add_subcontractingorder"),
        }
        return TemplateResponse(request, "subcontracting/worksheet.html", context)


# --------------------------------------------------------------------------- documents


class MaterialShipmentLineInline(ReadOnlyInline):
    model = MaterialShipmentLine
    fields = ["line_no", "order_line", "component", "item", "quantity", "posting"]
    readonly_fields = fields


@admin.register(MaterialShipment)
class MaterialShipmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "order", "direction", "warehouse", "posting_date"]
    list_filter = ["direction", "order__vendor"]
    search_fields = ["number", "order__number"]
    inlines = [MaterialShipmentLineInline]


class ShipmentNoticeLineInline(ReadOnlyInline):
    model = ShipmentNoticeLine
    fields = ["order_line", "quantity"]
    readonly_fields = fields


@admin.register(ShipmentNotice)
class ShipmentNoticeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["order", "shipped_on", "expected_on", "reference", "created_by"]
    list_filter = ["order__vendor"]
    search_fields = ["order__number", "reference"]
    inlines = [ShipmentNoticeLineInline]


class ConsumptionInline(ReadOnlyInline):
    model = VendorReportConsumption
    fields = ["component", "quantity"]
    readonly_fields = fields


@admin.register(VendorReport)
class VendorReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "order_line",
        "good_quantity",
        "scrapped_quantity",
        "status",
        "created_at",
        "created_by",
    ]
    list_filter = ["status", "order_line__order__vendor"]
    search_fields = ["order_line__order__number"]
    inlines = [ConsumptionInline]


@admin.register(SubcontractingReceipt)
class SubcontractingReceiptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "order_line",
        "posting_date",
        "good_quantity",
        "scrapped_quantity",
        "rejected_quantity",
        "unit_price",
        "invoiced_quantity",
    ]
    list_filter = ["order_line__order__vendor"]
    search_fields = ["number", "order_line__order__number"]


class InvoiceLineInline(ReadOnlyInline):
    model = VendorInvoiceLine
    fields = [
        "line_no",
        "receipt",
        "quantity",
        "unit_price",
        "amount",
        "applied_amount",
        "price_difference",
        "adjustment_posting",
    ]
    readonly_fields = fields


@admin.register(VendorInvoice)
class VendorInvoiceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "vendor", "vendor_invoice_no", "invoice_date", "amount"]
    list_filter = ["vendor"]
    search_fields = ["number", "vendor_invoice_no"]
    inlines = [InvoiceLineInline]
