"""Admin of cost accounting: setup is editable, ledgers and calculation entries are read-only."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ledger.models import Period
from mfgcost.core.errors import BusinessError

from . import selectors, services
from .export import statement_workbook
from .models import (
    Calculation,
    CalculationEntry,
    CalculationRule,
    CalculationVersion,
    CostCategory,
    CostEntry,
    LineStructure,
    RuleReceiver,
    ServiceEntry,
    StatementLine,
)
from .serializers import StatementQuerySerializer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CostCategory)
class CostCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "keep_cost_center",
        "keep_cost_object",
        "skip_blank_cost_center",
        "skip_blank_cost_object",
        "blocked",
    ]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    actions = ["reconcile"]

    @admin.action(description="Account reconciliation (primary categories = P&L accounts)")
    def reconcile(self, request, queryset):
        result = services.cost_categories_reconcile()
        self.message_user(request, f"{result['created']} created, {result['updated']} updated.")


@admin.register(CostEntry)
class CostEntryAdmin(ReadOnly):
    list_display = [
        "pk",
        "posting_date",
        "category",
        "dimension",
        "cost_center",
        "cost_object",
        "amount",
    ]
    list_filter = ["dimension", "period"]
    actions = ["transfer"]

    @admin.action(description="Process ledger transactions (transfer new P&L lines)")
    def transfer(self, request, queryset):
        self.message_user(request, f"{services.cost_ledger_transfer()} cost entries transferred.")


@admin.register(ServiceEntry)
class ServiceEntryAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "posting_date",
        "category",
        "dimension",
        "cost_center",
        "cost_object",
        "quantity",
        "source",
    ]
    list_filter = ["source", "category", "period"]

    def has_change_permission(self, request, obj=None):
        return False


class ReceiverInline(admin.TabularInline):
    model = RuleReceiver
    extra = 1


@admin.register(CalculationRule)
class CalculationRuleAdmin(admin.ModelAdmin):
    list_display = [
        "light",
        "code",
        "version",
        "kind",
        "sender_dimension",
        "sender_cost_center",
        "sender_cost_object",
        "receiver_dimension",
        "source_kind",
        "basis",
        "active",
    ]
    list_filter = ["version", "kind"]
    inlines = [ReceiverInline]

    @admin.display(description="OK")
    def light(self, rule):
        problems = selectors.rule_validation(rule)
        return "🟢" if not problems else "🔴 " + "; ".join(problems)


@admin.register(CalculationVersion)
class CalculationVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "version_type"]


@admin.register(Calculation)
class CalculationAdmin(admin.ModelAdmin):
    list_display = ["version", "period", "status", "entry_count", "calculated_at", "message"]
    readonly_fields = ["status", "message", "entry_count", "calculated_at"]
    actions = ["recalculate"]

    @admin.action(description="Delete and rebuild the period calculation")
    def recalculate(self, request, queryset):
        for calculation in queryset:
            try:
                services.calculation_run(version=calculation.version, period=calculation.period)
            except BusinessError as error:
                self.message_user(request, f"{calculation}: {error.message}", messages.ERROR)


@admin.register(CalculationEntry)
class CalculationEntryAdmin(ReadOnly):
    list_display = [
        "calculation",
        "rule",
        "category",
        "dimension",
        "cost_center",
        "cost_object",
        "amount",
        "source_amount",
        "share",
        "sender_side",
    ]
    list_filter = ["calculation", "sender_side"]


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    extra = 1
    fields = [
        "sequence",
        "code",
        "name",
        "line_type",
        "categories",
        "total_of",
        "formula",
        "decimals",
    ]


@admin.register(LineStructure)
class LineStructureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "statement_link"]
    inlines = [StatementLineInline]

    @admin.display(description="Statement")
    def statement_link(self, structure):
        url = reverse("admin:costacct_linestructure_statement", args=[structure.pk])
        return format_html('<a href="{}">dimension statement</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view(self.statement_view)
        return [
            path("<int:pk>/statement/", view, name="costacct_linestructure_statement"),
            *super().get_urls(),
        ]

    def statement_view(self, request, pk):
        """The statement of a cost centre or cost object for a version and period."""
        structure = get_object_or_404(LineStructure, pk=pk)
        query = request.GET.dict()
        rows, error = None, ""
        if query.get("version") and query.get("period"):
            serializer = StatementQuerySerializer(data={**query, "structure": structure.code})
            if serializer.is_valid():
                data = serializer.validated_data
                value = data.get("cost_center") or data.get("cost_object")
                dimension = "cc" if "cost_center" in data else "co"
                rows = selectors.dimension_statement(
                    structure=structure,
                    version=data["version"],
                    period=data["period"],
                    node=(dimension, value.pk),
                )
                if data.get("export") == "xlsx":
                    title = f"{structure} {value} {data['version']} {data['period']}"
                    response = HttpResponse(
                        statement_workbook(title=title, rows=rows),
                        content_type=XLSX,
                    )
                    response["Content-Disposition"] = (
                        f'attachment; filename="statement-{value}.xlsx"'
                    )
                    return response
            else:
                error = "; ".join(
                    f"{field}: {' '.join(str(m) for m in messages_)}"
                    for field, messages_ in serializer.errors.items()
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Dimension statement {structure}",
            "rows": rows,
            "error": error,
            "query": query,
            "versions": CalculationVersion.objects.all(),
            "periods": Period.objects.all(),
        }
        return TemplateResponse(request, "admin/costacct/statement.html", context)
