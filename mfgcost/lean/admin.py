"""Admin of lean production flows: flows, activities, kanban rules, kanbans and jobs, runs.

Flows are created through the API or ``production_flow_create`` (the posting setup rows come
with them); here their name, sheet and active flag can change. Kanban and job actions (start,
complete, empty) and the run actions (run the flows for a month end, reverse a run) call the
services, dated today unless the action says otherwise. The WIP sub-ledger, settlements,
unused quantities and variances are read-only.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from mfgcost.core.errors import BusinessError

from . import services
from .models import (
    BackflushOpenJob,
    BackflushRun,
    BackflushRunFlow,
    FlowActivity,
    FlowSettlement,
    FlowVariance,
    FlowVendorPurchase,
    FlowWipEntry,
    ItemDefaultFlow,
    Kanban,
    KanbanJob,
    KanbanRule,
    KanbanRuleActivity,
    ProductionFlow,
    UnusedQuantity,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False


def _each(modeladmin, request, queryset, call, label: str) -> None:
    done = 0
    for obj in queryset:
        try:
            call(obj)
        except BusinessError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.field}: {exc.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{done} {label}.", messages.SUCCESS)


class ActivityInline(admin.TabularInline):
    model = FlowActivity
    extra = 0
    fields = [
        "code",
        "name",
        "kind",
        "inventory_update",
        "work_cell",
        "subcontracted",
        "vendor",
        "service_item",
        "service_price",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProductionFlow)
class ProductionFlowAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "site",
        "wip_location",
        "posting_group",
        "costed_through",
        "active",
    ]
    fields = [
        "code",
        "name",
        "site",
        "wip_location",
        "posting_group",
        "costing_sheet",
        "active",
        "costed_through",
    ]
    readonly_fields = ["code", "site", "wip_location", "posting_group", "costed_through"]
    inlines = [ActivityInline]

    def has_add_permission(self, request):
        return False


@admin.register(FlowActivity)
class FlowActivityAdmin(admin.ModelAdmin):
    list_display = [
        "flow",
        "code",
        "kind",
        "inventory_update",
        "work_cell",
        "subcontracted",
        "vendor",
    ]
    list_filter = ["flow", "kind", "subcontracted"]


class KanbanRuleForm(forms.ModelForm):
    class Meta:
        model = KanbanRule
        fields = [
            "flow",
            "product",
            "quantity",
            "automatic_empty",
            "valid_from",
            "valid_to",
            "active",
        ]

    def clean_product(self):
        product = self.cleaned_data["product"]
        if product.costing_method != "standard":
            raise forms.ValidationError("A production flow supplies only standard-cost items.")
        return product


class RuleActivityInline(admin.TabularInline):
    model = KanbanRuleActivity
    extra = 1


@admin.register(KanbanRule)
class KanbanRuleAdmin(admin.ModelAdmin):
    list_display = [
        "flow",
        "product",
        "quantity",
        "automatic_empty",
        "valid_from",
        "valid_to",
        "active",
    ]
    list_filter = ["flow", "automatic_empty", "active"]
    inlines = [RuleActivityInline]
    form = KanbanRuleForm


admin.site.register(ItemDefaultFlow)


class JobInline(ReadOnlyInline):
    model = KanbanJob
    fields = [
        "activity",
        "status",
        "started_date",
        "completed_date",
        "quantity",
        "run_time",
        "unit_price",
    ]
    readonly_fields = fields


@admin.register(Kanban)
class KanbanAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "flow",
        "item",
        "quantity",
        "status",
        "assigned_date",
        "received_date",
        "emptied_date",
    ]
    list_filter = ["flow", "status"]
    search_fields = ["number", "item__number"]
    inlines = [JobInline]
    actions = ["empty_today"]

    @admin.action(description="Register as empty (today)")
    def empty_today(self, request, queryset):
        today = timezone.localdate()
        _each(
            self,
            request,
            queryset,
            lambda k: services.kanban_empty(kanban=k, posting_date=today),
            "kanbans emptied",
        )


@admin.register(KanbanJob)
class KanbanJobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "kanban",
        "activity",
        "status",
        "planned_date",
        "started_date",
        "completed_date",
        "run_time",
    ]
    list_filter = ["status", "activity__flow"]
    actions = ["start_today", "complete_today"]

    @admin.action(description="Start (today)")
    def start_today(self, request, queryset):
        today = timezone.localdate()
        _each(
            self,
            request,
            queryset,
            lambda j: services.kanban_job_start(job=j, posting_date=today),
            "jobs started",
        )

    @admin.action(description="Complete (today, planned run time per unit x quantity)")
    def complete_today(self, request, queryset):
        today = timezone.localdate()

        def complete(job):
            row = job.kanban.rule.activities.filter(activity=job.activity).first()
            hours = (row.run_time if row else 0) * job.kanban.quantity
            services.kanban_job_complete(
                job=job, posting_date=today, run_time=hours, user=request.user
            )

        _each(self, request, queryset, complete, "jobs completed")


class UnusedInline(ReadOnlyInline):
    model = UnusedQuantity


class VarianceInline(ReadOnlyInline):
    model = FlowVariance


class OpenJobInline(ReadOnlyInline):
    model = BackflushOpenJob


class VendorPurchaseInline(ReadOnlyInline):
    model = FlowVendorPurchase


class SettlementInline(ReadOnlyInline):
    model = FlowSettlement
    fields = ["wip_entry", "quantity", "amount", "split"]
    readonly_fields = fields


class RunFlowInline(ReadOnlyInline):
    model = BackflushRunFlow
    fields = ["flow", "status", "progress", "error", "wip_before", "wip_after", "attempts"]
    readonly_fields = fields
    show_change_link = True


@admin.register(BackflushRun)
class BackflushRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "end_date",
        "status",
        "reversal_of",
        "requested_by",
        "created_at",
        "finished_at",
    ]
    inlines = [RunFlowInline]
    actions = ["run_last_month_end", "reverse"]

    @admin.action(description="Run backflush costing for the last month end (all flows)")
    def run_last_month_end(self, request, queryset):
        end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
        try:
            run = services.backflush_run_create(
                end_date=end, requested_by=request.user.get_username()
            )
        except BusinessError as exc:
            self.message_user(request, f"{exc.field}: {exc.message}", messages.ERROR)
            return
        services.backflush_run_execute(run=run)
        self.message_user(request, f"{run} costed.", messages.SUCCESS)

    @admin.action(description="Reverse the selected runs")
    def reverse(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda r: services.backflush_run_reverse(
                run=r, requested_by=request.user.get_username()
            ),
            "runs reversed",
        )


@admin.register(BackflushRunFlow)
class BackflushRunFlowAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """One flow of a run: its unused quantities, variances per cost group and item, open jobs,
    vendor purchases and the FIFO settlement (drill-down to the staged transactions)."""

    list_display = ["run", "flow", "status", "progress", "wip_before", "wip_after", "error"]
    list_filter = ["status", "flow"]
    inlines = [UnusedInline, VarianceInline, OpenJobInline, VendorPurchaseInline, SettlementInline]


@admin.register(FlowWipEntry)
class FlowWipEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "flow",
        "kind",
        "posting_date",
        "cost_group",
        "item",
        "quantity",
        "amount",
        "value_entry",
    ]
    list_filter = ["flow", "kind", "cost_group"]
