"""Admin of production orders.

A planned order is edited here; from release on, the order and its frozen components,
operations, outputs and estimate are read-only (they change only through postings) and the page
has no save buttons. The order page carries the next step -- Release or Finish -- as a button
with its posting date (default today), and the three journals -- consumption, time, output --
as forms that post through the services; each journal form carries its own source key, so
sending it twice posts once. A refused step or posting is reported once, as a message (or, for
a journal, on the field at fault). The list actions release and finish the selected orders
dated today and say which were done and which were refused, and why. There is no reversal of a
release or a finish: a wrong consumption is corrected by a return (a negative quantity).

The page links down to the order's item, capacity and value entries and its variances, and to
its cost sheet and variance analysis report pages when the reports are installed.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from mfgcost.core.admin import action_report, decimal_columns, decimal_shown
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

    def get_readonly_fields(self, request, obj=None):
        return self.fields


@decimal_columns(
    "quantity_per",
    "scrap_percent",
    "expected_quantity",
    "unit_cost_standard",
    places={"unit_cost_standard": 2},
)
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


@decimal_columns(
    "setup_time",
    "run_time",
    "expected_setup_time",
    "expected_run_time",
    "direct_cost_per_hour",
    "overhead_percent",
    "service_unit_cost",
    places={"direct_cost_per_hour": 2, "service_unit_cost": 2},
)
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


@decimal_columns(
    "quantity_per",
    "expected_quantity",
    "cost_allocation_percent",
    "unit_cost_standard",
    places={"unit_cost_standard": 2},
)
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


@decimal_columns("unit_amount", places={"unit_amount": 2})
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


DONE = {"release": "released", "finish": "finished"}


class PostingDateForm(forms.Form):
    """The date a release or finish is posted on (default: today)."""

    posting_date = forms.DateField(initial=timezone.localdate)


def _report_url(slug: str, order: ProductionOrder) -> str | None:
    """The report page of ``slug`` for the order, when the reports are installed."""
    try:
        return reverse("admin:report", kwargs={"slug": slug}) + f"?order={order.pk}"
    except NoReverseMatch:
        return None


@admin.register(ProductionOrder)
class ProductionOrderAdmin(admin.ModelAdmin):
    form = PlannedOrderForm
    list_display = [
        "number",
        "item",
        "quantity_shown",
        "output_shown",
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
        "unit_cost_standard_shown",
        "costing_sheet",
        "main_allocation_percent_shown",
        "released_on",
        "released_at",
        "finished_on",
        "finished_at",
        "postings",
        "journals",
    ]
    change_form_template = "admin/production/productionorder/change_form.html"

    def get_queryset(self, request):
        return selectors.order_list()

    @admin.display(description="quantity", ordering="quantity")
    def quantity_shown(self, order):
        return decimal_shown(order.quantity)

    @admin.display(description="output posted", ordering="output_posted")
    def output_shown(self, order):
        return decimal_shown(order.output_posted)

    @admin.display(description="output tolerance percent")
    def output_tolerance_percent_shown(self, order):
        return decimal_shown(order.output_tolerance_percent)

    @admin.display(description="unit cost standard")
    def unit_cost_standard_shown(self, order):
        return decimal_shown(order.unit_cost_standard, places=2)

    @admin.display(description="main allocation percent")
    def main_allocation_percent_shown(self, order):
        return decimal_shown(order.main_allocation_percent)

    def get_fields(self, request, obj=None):
        if obj is None or obj.is_planned:
            return super().get_fields(request, obj)
        shown = [
            f"{name}_shown" if name in ("quantity", "output_tolerance_percent") else name
            for name in PlannedOrderForm.Meta.fields
        ]
        return shown + self.frozen_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.is_planned:
            return self.frozen_fields
        return self.get_fields(request, obj)

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

    @admin.display(description="postings")
    def postings(self, order):
        """The order's ledgers, its variances, and (when installed) its cost sheet."""
        if order.is_planned:
            return "-"
        query = f"?order_no={order.number}"
        links = [
            (reverse("admin:inventory_itemledgerentry_changelist") + query, "item ledger entries"),
            (
                reverse("admin:inventory_capacityledgerentry_changelist") + query,
                "capacity ledger entries",
            ),
            (reverse("admin:inventory_valueentry_changelist") + query, "value entries"),
            (
                reverse("admin:inventory_valueentry_changelist") + query + "&entry_type=variance",
                "variances",
            ),
        ]
        for slug, label in (
            ("cost-sheet", "cost sheet"),
            ("variance-analysis", "variance analysis"),
        ):
            url = _report_url(slug, order)
            if url:
                links.append((url, label))
        return format_html_join(" | ", '<a href="{}">{}</a>', links)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in PlannedOrderForm.Meta.fields}
        if change:
            fields.pop("number")
            services.production_order_update(order=obj, **fields)
        else:
            obj.pk = services.production_order_create(**fields).pk

    def delete_model(self, request, obj):
        services.production_order_delete(order=obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if order is not None and not order.is_planned:
            # Released and finished orders change only through postings: no save buttons.
            extra.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False
            )
        if order is not None and self.has_change_permission(request, order):
            extra["workflow"] = self._workflow(order)
        return super().change_view(request, object_id, form_url, extra)

    def _workflow(self, order: ProductionOrder) -> dict:
        """What the order page offers: the next step with its date, and the journals."""
        steps = []
        if order.is_planned:
            steps.append(("release", "Release", "admin:production_order_release"))
        if order.is_released:
            steps.append(("finish", "Finish", "admin:production_order_finish"))
        journals = []
        if order.is_released:
            for kind, form_class in JOURNALS.items():
                journals.append(
                    {
                        "kind": kind,
                        "title": f"{kind.capitalize()} journal",
                        "url": reverse(f"admin:production_order_{kind}", args=[order.pk]),
                        "form": form_class(order=order, auto_id=f"id_{kind}_%s"),
                    }
                )
        return {
            "steps": [
                {
                    "name": name,
                    "label": label,
                    "url": reverse(url_name, args=[order.pk]),
                    "form": PostingDateForm(auto_id=f"id_{name}_%s"),
                }
                for name, label, url_name in steps
            ],
            "journals": journals,
            "reports": [
                (label, url)
                for slug, label in (
                    ("cost-sheet", "Cost sheet"),
                    ("variance-analysis", "Variance analysis"),
                )
                if (url := _report_url(slug, order))
            ],
        }

    # ------------------------------------------------------------------ actions

    def _release(self, request, order: ProductionOrder, posting_date):
        return services.production_order_release(
            order=order,
            posting_date=posting_date,
            source_key=f"admin:production:{order.pk}:release",
            user=request.user,
        )

    def _finish(self, request, order: ProductionOrder, posting_date):
        return services.production_order_finish(
            order=order,
            posting_date=posting_date,
            source_key=f"admin:production:{order.pk}:finish",
            user=request.user,
        )

    @admin.action(description="Release selected orders (dated today)", permissions=["change"])
    def release(self, request, queryset):
        today = timezone.localdate()
        action_report(
            self,
            request,
            queryset,
            lambda order: self._release(request, order, today),
            verb="Released",
            noun="order",
        )

    @admin.action(description="Finish selected orders (dated today)", permissions=["change"])
    def finish(self, request, queryset):
        today = timezone.localdate()
        action_report(
            self,
            request,
            queryset,
            lambda order: self._finish(request, order, today),
            verb="Finished",
            noun="order",
        )

    # ------------------------------------------------------------------ order page views

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
        step_urls = [
            path(
                f"<int:pk>/{step}/",
                self.admin_site.admin_view(require_POST(self.step_view)),
                {"step": step},
                name=f"production_order_{step}",
            )
            for step in ("release", "finish")
        ]
        return journal_urls + step_urls + super().get_urls()

    def step_view(self, request, pk: int, step: str):
        """Release or finish one order on the date the form gives; one message either way."""
        order = get_object_or_404(ProductionOrder, pk=pk)
        change_url = reverse("admin:production_productionorder_change", args=[pk])
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        form = PostingDateForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(e for errs in form.errors.values() for e in errs)
            self.message_user(
                request, f"{order} not {DONE[step]}: posting date: {errors}", messages.ERROR
            )
            return redirect(change_url)
        posting_date = form.cleaned_data["posting_date"]
        service = self._release if step == "release" else self._finish
        try:
            service(request, order, posting_date)
        except BusinessError as exc:
            self.message_user(request, f"{order} not {DONE[step]}: {exc.message}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"{DONE[step].capitalize()} {order} on {posting_date.isoformat()}.",
                messages.SUCCESS,
            )
        return redirect(change_url)

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
                "{} of {} reported",
                decimal_shown(selectors.output_quantity(order)),
                decimal_shown(order.quantity),
            ),
        }
        return render(request, "admin/production/journal.html", context)
