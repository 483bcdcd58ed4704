"""Admin of costing: Adjust Cost runs, the marks waiting for the next run, variance sources.

Everything here is written by Adjust Cost and shown read-only. The runs list has a button to
run Adjust Cost now on everything marked; the marks list has an action to run it from the
selected marks. Both call the service, as the command and the task do.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from mfgcost.core.errors import BusinessError

from .models import CostAdjustmentMark, CostAdjustmentRun, VarianceSource
from .services import adjust_cost_run

RUN_PERMISSION = "costing.add_costadjustmentrun"


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _run_and_report(modeladmin, request, **scope) -> None:
    try:
        result = adjust_cost_run(requested_by=request.user.get_username(), **scope)
    except BusinessError as exc:
        modeladmin.message_user(request, f"{exc.field}: {exc.message}", messages.ERROR)
        return
    modeladmin.message_user(
        request,
        f"Run {result.run.pk}: {len(result.items)} items and {len(result.orders)} orders "
        f"adjusted, {len(result.value_entries)} value entries posted.",
        messages.WARNING if result.errors or result.skipped else messages.SUCCESS,
    )
    for label in result.skipped:
        modeladmin.message_user(
            request, f"Skipped (another run holds it): {label}", messages.WARNING
        )
    for message in result.errors:
        modeladmin.message_user(request, f"Not adjusted: {message}", messages.ERROR)


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
        if not request.user.has_perm(RUN_PERMISSION):
            raise PermissionDenied
        _run_and_report(self, request)
        return HttpResponseRedirect(reverse("admin:costing_costadjustmentrun_changelist"))


@admin.action(description="Run Adjust Cost from the selected marks", permissions=["run"])
def adjust_from_marks(modeladmin, request, queryset):
    items = sorted({m.item_id for m in queryset if m.item_id})
    orders = sorted({m.order_id for m in queryset if m.order_id})
    _run_and_report(modeladmin, request, items=items, orders=orders)


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
