"""Admin of costing: Adjust Cost runs, the marks waiting for the next run, variance sources.

Everything here is written by Adjust Cost and shown read-only. The runs list has a button to
run Adjust Cost on everything marked; the marks list has an action to run it from the selected
marks. Both queue the run (``services.adjust_cost_queue``: the Celery task after commit, in
process when there is no broker) and lead to the run's page, which shows its status, progress,
counts and errors and reloads itself every two seconds while the run is queued or running.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from mfgcost.core.errors import BusinessError

from .models import CostAdjustmentMark, CostAdjustmentRun, VarianceSource
from .services import adjust_cost_queue

RUN_PERMISSION = "costing.add_costadjustmentrun"


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def run_summary(run: CostAdjustmentRun) -> str:
    return (
        f"Run {run.pk}: {run.items_adjusted} items and {run.orders_adjusted} orders "
        f"adjusted, {run.value_entries_posted} value entries posted."
    )


def _queue_and_report(modeladmin, request, **scope) -> CostAdjustmentRun | None:
    """Queue Adjust Cost; report the queued run (or, when it already ran in process without a
    broker, what it did)."""
    try:
        run = adjust_cost_queue(requested_by=request.user.get_username(), **scope)
    except BusinessError as exc:
        modeladmin.message_user(request, f"{exc.field}: {exc.message}", messages.ERROR)
        return None
    run.refresh_from_db()
    if run.is_active:
        modeladmin.message_user(
            request,
            f"Adjust Cost run {run.pk} queued; its page follows it while it runs.",
            messages.INFO,
        )
        return run
    modeladmin.message_user(
        request,
        run_summary(run),
        messages.WARNING if run.errors or run.skipped else messages.SUCCESS,
    )
    for label in run.skipped:
        modeladmin.message_user(
            request, f"Skipped (another run holds it): {label}", messages.WARNING
        )
    for message in run.errors:
        modeladmin.message_user(request, f"Not adjusted: {message}", messages.ERROR)
    return run


@admin.register(CostAdjustmentRun)
class CostAdjustmentRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "status",
        "started_at",
        "finished_at",
        "marks_collected",
        "items_adjusted",
        "orders_adjusted",
        "value_entries_posted",
        "requested_by",
    ]
    list_filter = ["status"]
    fields = [
        "status",
        "progress",
        "queued_at",
        "started_at",
        "finished_at",
        "marks_collected",
        "items_adjusted",
        "orders_adjusted",
        "value_entries_posted",
        "skipped",
        "errors",
        "requested_by",
        "task_id",
        "scope",
        "postings",
    ]
    readonly_fields = fields
    change_form_template = "admin/costing/costadjustmentrun/change_form.html"

    @admin.display(description="progress")
    def progress(self, run):
        if run.status == CostAdjustmentRun.Status.QUEUED:
            return "waiting for a worker"
        text = f"{run.units_done} of {run.units_total} items and orders worked"
        if run.current_unit and run.is_active:
            text += f" (last: {run.current_unit})"
        return text

    @admin.display(description="postings")
    def postings(self, run):
        url = reverse("admin:inventory_inventoryposting_changelist")
        return format_html(
            '<a href="{}?source_key__startswith=costing:adjust:{}:">postings of this run</a>',
            url,
            run.pk,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = {**(extra_context or {}), "refresh_seconds": 2 if run and run.is_active else 0}
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        run = self.admin_site.admin_view(require_POST(self.run_view))
        return [path("run/", run, name="costing_costadjustmentrun_run"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_run_adjust_cost": request.user.has_perm(RUN_PERMISSION),
        }
        return super().changelist_view(request, extra_context)

    def run_view(self, request):
        """Queue Adjust Cost on everything marked and go to the run's page."""
        if not request.user.has_perm(RUN_PERMISSION):
            raise PermissionDenied
        run = _queue_and_report(self, request)
        if run is None:
            return HttpResponseRedirect(reverse("admin:costing_costadjustmentrun_changelist"))
        return HttpResponseRedirect(
            reverse("admin:costing_costadjustmentrun_change", args=[run.pk])
        )


@admin.action(description="Run Adjust Cost from the selected marks", permissions=["run"])
def adjust_from_marks(modeladmin, request, queryset):
    items = sorted({m.item_id for m in queryset if m.item_id})
    orders = sorted({m.order_id for m in queryset if m.order_id})
    _queue_and_report(modeladmin, request, items=items, orders=orders)


@admin.register(CostAdjustmentMark)
class CostAdjustmentMarkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "item",
        "location",
        "item_ledger_entry",
        "from_date",
        "order",
        "created_at",
    ]
    list_select_related = ["item", "location", "order"]
    raw_id_fields = ["item_ledger_entry"]
    actions = [adjust_from_marks]

    def has_run_permission(self, request):
        return request.user.has_perm(RUN_PERMISSION)


@admin.register(VarianceSource)
class VarianceSourceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "variance_entry", "source_entry", "amount"]
    raw_id_fields = ["variance_entry", "source_entry"]
    search_fields = ["variance_entry__order_no"]
