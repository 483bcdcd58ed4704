"""Admin of production orders.

A planned order is edited here; from release on, the order and its frozen components,
operations, outputs and estimate are read-only (they change only through postings). The
"release" and "finish" actions call the services, dated today. Each order's page links to three
journals -- consumption, time, output -- small forms that post through the services; each form
carries its own source key, so sending it twice posts once.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from mfgcost.core.errors import BusinessError
from mfgcost.inventory.models import Location
from mfgcost.items.models import Item

from . import selectors, services
from .models import (
    ProductionOrder,
    ProductionOrderComponent,
    ProductionOrderEstimate,
    ProductionOrderOperation,
    ProductionOrderOutput,
)


class FrozenInline(admin.TabularInline):
    """Rows written by the release: shown, never edited here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ComponentInline(FrozenInline):
    model = ProductionOrderComponent
    fields = [
        "line_no",
        "item",
        "quantity_per",
        "scrap_percent",
        "expected_quantity",
        "flushing_method",
        "operation_no",
        "location",
        "unit_cost_standard",
    ]


class OperationInline(FrozenInline):
    model = ProductionOrderOperation
    fields = [
        "operation_no",
        "work_center",
        "setup_time",
        "run_time",
        "expected_setup_time",
        "expected_run_time",
        "direct_cost_per_hour",
        "overhead_percent",
        "subcontracted",
        "service_item",
        "vendor",
        "service_unit_cost",
    ]


class OutputInline(FrozenInline):
    model = ProductionOrderOutput
    fields = [
        "line_no",
        "item",
        "kind",
        "quantity_per",
        "expected_quantity",
        "cost_allocation_percent",
        "unit_cost_standard",
    ]


class EstimateInline(FrozenInline):
    model = ProductionOrderEstimate
    fields = ["cost_group", "unit_amount", "amount", "source"]


# --------------------------------------------------------------------------- journal forms


class PostingForm(forms.Form):
    posting_date = forms.DateField(initial=timezone.localdate)
    document_no = forms.CharField(max_length=40, required=False)
    source_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, order: ProductionOrder, **kwargs):
        kwargs.setdefault("initial", {})["source_key"] = f"admin:{uuid.uuid4()}"
        super().__init__(*args, **kwargs)
        self.order = order


class ConsumptionForm(PostingForm):
    component = forms.ModelChoiceField(ProductionOrderComponent.objects.none(), required=False)
    item = forms.ModelChoiceField(
        Item.objects.filter(item_type=Item.ItemType.STOCKED),
        required=False,
        help_text="A substitute not on the BOM (leave the component empty).",
    )
    quantity = forms.DecimalField(
        max_digits=20, decimal_places=6, help_text="Negative: return to stock."
    )
    location = forms.ModelChoiceField(Location.objects.all(), required=False)

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, order=order, **kwargs)
        self.fields["component"].queryset = order.components.select_related("item")

    def post(self, user):
        data = self.cleaned_data
        return services.production_consumption_post(
            order=self.order,
            component=data["component"],
            item=data["item"],
            quantity=data["quantity"],
            location=data["location"],
            posting_date=data["posting_date"],
            source_key=data["source_key"],
            document_no=data["document_no"],
            user=user,
        )


class TimeForm(PostingForm):
    operation_no = forms.IntegerField(min_value=1)
    setup_time = forms.DecimalField(max_digits=20, decimal_places=6, initial=0)
    run_time = forms.DecimalField(max_digits=20, decimal_places=6, initial=0)

    def post(self, user):
        return services.production_time_post(order=self.order, user=user, **self.cleaned_data)


class OutputForm(PostingForm):
    quantity = forms.DecimalField(max_digits=20, decimal_places=6, min_value=0)
    scrap_quantity = forms.DecimalField(max_digits=20, decimal_places=6, min_value=0, initial=0)
    operation_no = forms.IntegerField(
        min_value=1, required=False, help_text="Empty: the last operation."
    )

    def post(self, user):
        return services.production_output_post(order=self.order, user=user, **self.cleaned_data)


JOURNALS = {"consumption": ConsumptionForm, "time": TimeForm, "output": OutputForm}


# --------------------------------------------------------------------------- orders


class PlannedOrderForm(forms.ModelForm):
    class Meta:
        model = ProductionOrder
        fields = [
            "number",
            "description",
            "item",
            "quantity",
            "location",
            "due_date",
            "output_tolerance_percent",
        ]


def _run(modeladmin, request, queryset, service, done: str) -> None:
    count = 0
    for order in queryset:
        try:
            service(order)
        except BusinessError as exc:
            modeladmin.message_user(request, f"{order}: {exc.message}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, f"{count} {done}.", messages.SUCCESS)


@admin.register(ProductionOrder)
class ProductionOrderAdmin(admin.ModelAdmin):
    form = PlannedOrderForm
    list_display = [
        "number",
        "item",
        "quantity",
        "output_posted",
        "status",
        "due_date",
        "released_on",
        "finished_on",
    ]
    list_filter = ["status"]
    search_fields = ["number", "item__number", "description"]
    date_hierarchy = "due_date"
    actions = ["release", "finish"]
    frozen_fields = [
        "status",
        "bom",
        "routing",
        "standard_cost",
        "unit_cost_standard",
        "costing_sheet",
        "main_allocation_percent",
        "released_on",
        "released_at",
        "finished_on",
        "finished_at",
        "journals",
    ]

    def get_queryset(self, request):
        return selectors.order_list()

    @admin.display(description="output posted", ordering="output_posted")
    def output_posted(self, order):
        return order.output_posted

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.is_planned:
            return self.frozen_fields
        return list(PlannedOrderForm.Meta.fields) + self.frozen_fields

    def get_inlines(self, request, obj):
        if obj is None or obj.is_planned:
            return []
        return [ComponentInline, OperationInline, OutputInline, EstimateInline]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_planned)

    @admin.display(description="journals")
    def journals(self, order):
        if not order.is_released:
            return "-"
        return format_html_join(
            " | ",
            '<a href="{}">{}</a>',
            (
                (reverse(f"admin:production_order_{kind}", args=[order.pk]), kind)
                for kind in JOURNALS
            ),
        )

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in PlannedOrderForm.Meta.fields}
        if change:
            fields.pop("number")
            services.production_order_update(order=obj, **fields)
        else:
            obj.pk = services.production_order_create(**fields).pk

    def delete_model(self, request, obj):
        services.production_order_delete(order=obj)

    # ------------------------------------------------------------------ actions

    @admin.action(description="Release selected orders (dated today)", permissions=["change"])
    def release(self, request, queryset):
        today = timezone.localdate()
        _run(
            self,
            request,
            queryset,
            lambda order: services.production_order_release(
                order=order,
                posting_date=today,
                source_key=f"admin:production:{order.pk}:release",
                user=request.user,
            ),
            "orders released",
        )

    @admin.action(description="Finish selected orders (dated today)", permissions=["change"])
    def finish(self, request, queryset):
        today = timezone.localdate()
        _run(
            self,
            request,
            queryset,
            lambda order: services.production_order_finish(
                order=order,
                posting_date=today,
                source_key=f"admin:production:{order.pk}:finish",
                user=request.user,
            ),
            "orders finished",
        )

    # ------------------------------------------------------------------ journals

    def get_urls(self):
        journal_urls = [
            path(
                f"<int:pk>/{kind}/",
                self.admin_site.admin_view(self.journal_view),
                {"kind": kind},
                name=f"production_order_{kind}",
            )
            for kind in JOURNALS
        ]
        return journal_urls + super().get_urls()

    def journal_view(self, request, pk: int, kind: str):
        order = get_object_or_404(ProductionOrder, pk=pk)
        if not self.has_change_permission(request, order):
            return redirect("admin:production_productionorder_change", pk)
        form_class = JOURNALS[kind]
        form = form_class(request.POST or None, order=order)
        if request.method == "POST" and form.is_valid():
            try:
                result = form.post(request.user)
            except BusinessError as exc:
                target = exc.field if exc.field in form.fields else None
                form.add_error(target, exc.message)
            else:
                verb = "Posted" if result.created else "Already posted"
                self.message_user(
                    request, f"{verb}: {kind} on {order} ({result.posting}).", messages.SUCCESS
                )
                return redirect("admin:production_productionorder_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{kind.capitalize()} journal: {order}",
            "order": order,
            "form": form,
            "opts": self.model._meta,
            "progress": format_html(
                "{} of {} reported", selectors.output_quantity(order), order.quantity
            ),
        }
        return render(request, "admin/production/journal.html", context)
