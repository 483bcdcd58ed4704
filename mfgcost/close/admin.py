"""Admin of the close: the cockpit (a run's steps with progress bars), check settings,
reopenings, and the back-dated invoice preview page.

Runs are written by the close job only and shown read-only; the change page of a run is the
cockpit and reloads itself every few seconds while the run is pending or running.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from mfgcost.core.errors import BusinessError
from mfgcost.inventory.models import ItemLedgerEntry

from .models import CloseCheckSetting, CloseRun, CloseRunStep, PeriodReopening
from .preview import purchase_invoice_preview


class CloseRunStepInline(admin.TabularInline):
    model = CloseRunStep
    fields = [
        "position",
        "name",
        "status",
        "progress",
        "started_at",
        "finished_at",
        "counts",
        "error",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CloseRun)
class CloseRunAdmin(admin.ModelAdmin):
    list_display = ["id", "period", "status", "attempts", "started_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = [
        "period",
        "status",
        "attempts",
        "requested_by",
        "requested_via",
        "created_at",
        "started_at",
        "finished_at",
        "error",
    ]
    change_form_template = "admin/close/closerun/cockpit.html"
    inlines = [CloseRunStepInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = {
            "close_steps": list(run.steps.all()) if run else [],
            "refreshing": run is not None and run.status in CloseRun.ACTIVE,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def get_urls(self):
        own = [
            path(
                "preview-invoice/",
                self.admin_site.admin_view(self.preview_invoice_view),
                name="close_preview_invoice",
            )
        ]
        return own + super().get_urls()

    def preview_invoice_view(self, request):
        if not request.user.has_perm("inventory.view_valueentry"):
            raise PermissionDenied
        form = InvoicePreviewForm(request.POST or None)
        impact, error = None, ""
        if request.method == "POST" and form.is_valid():
            try:
                impact = purchase_invoice_preview(**form.cleaned_data)
            except BusinessError as exc:
                error = f"{exc.field}: {exc.message}"
        context = {
            **self.admin_site.each_context(request),
            "title": "Preview a back-dated purchase invoice",
            "form": form,
            "impact": impact,
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/close/preview_invoice.html", context)


class InvoicePreviewForm(forms.Form):
    receipt_entry = forms.ModelChoiceField(
        queryset=ItemLedgerEntry.objects.filter(entry_type=ItemLedgerEntry.EntryType.PURCHASE)
    )
    quantity = forms.DecimalField(max_digits=20, decimal_places=6, min_value=0)
    unit_price = forms.DecimalField(max_digits=20, decimal_places=6, min_value=0)
    posting_date = forms.DateField(help_text="YYYY-MM-DD")
    document_no = forms.CharField(max_length=40, required=False)


@admin.register(CloseCheckSetting)
class CloseCheckSettingAdmin(admin.ModelAdmin):
    list_display = ["check_name", "severity", "enabled"]
    list_editable = ["severity", "enabled"]


@admin.register(PeriodReopening)
class PeriodReopeningAdmin(admin.ModelAdmin):
    list_display = ["period", "reopened_at", "reopened_by", "reason"]
    readonly_fields = ["period", "reason", "reopened_by", "reopened_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
