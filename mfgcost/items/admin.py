"""Admin of items, cost groups, work centres, BOMs, routings, costing sheets and standard costs.

Declarative: the forms run the same checks as the services (``validation``) and show a broken
rule as an error on the field at fault; actions call the services (roll-up, activation). BOMs,
routings and items are imported and exported as CSV or XLSX (``resources``). A standard cost is
read-only once active.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from ledger.admin import ServiceCheckedForm
from mfgcost.core.errors import BusinessError

from . import rollup as calc
from .models import (
    BomLine,
    BomOutput,
    BomVersion,
    CostGroup,
    CostingSheet,
    CostingSheetRule,
    CostingVersion,
    Item,
    Operation,
    RoutingVersion,
    StandardCost,
    StandardCostLine,
    UnitConversion,
    UnitOfMeasure,
    WorkCenter,
    WorkCenterRate,
)
from .resources import BomResource, ItemResource, RoutingResource
from .selectors import valid_on
from .services import (
    item_change_check,
    item_low_level_codes_update,
    standard_cost_activate,
    standard_cost_rollup,
)
from .validation import (
    bom_cycle_check,
    co_product_split_check,
    operation_check,
    scrap_percent_check,
    unit_conversion_check,
    validity_overlap_check,
)

FILE_FORMATS = [CSV, XLSX]


def check_into_form(form: forms.BaseForm, check, **kwargs) -> None:
    """Run a rule check; a broken rule becomes an error on the form field it names."""
    try:
        check(**kwargs)
    except BusinessError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)


def kept_rows(formset: BaseInlineFormSet) -> list[forms.BaseForm]:
    """The inline forms that will be saved (filled in and not marked for deletion)."""
    return [
        form
        for form in formset.forms
        if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class CostingActionForm(ActionForm):
    """Extra fields of the changelist actions bar for roll-ups and activation."""

    version = forms.ModelChoiceField(
        CostingVersion.objects.all(), required=False, help_text="Costing version to roll up into."
    )
    as_of = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Date (default: today).",
    )


def action_values(modeladmin, request) -> dict:
    """The extra fields of the actions bar, cleaned (empty when they do not validate)."""
    form = modeladmin.action_form(request.POST)
    form.fields["action"].choices = modeladmin.get_action_choices(request)
    return form.cleaned_data if form.is_valid() else {}


def action_date(modeladmin, request) -> dt.date:
    return action_values(modeladmin, request).get("as_of") or dt.date.today()


def report(modeladmin, request, call) -> object | None:
    """Call a service; a broken rule is shown as an error message instead of a server error."""
    try:
        return call()
    except BusinessError as error:
        modeladmin.message_user(request, f"{error.field}: {error.message}", messages.ERROR)
        return None


def rollup_report(modeladmin, request, outcome) -> None:
    if outcome is None:
        return
    text = f"Rolled up {len(outcome.records)} standard cost(s)"
    if outcome.kept:
        text += f"; kept {len(outcome.kept)} already active"
    if outcome.not_produced:
        text += "; not produced: " + ", ".join(i.number for i in outcome.not_produced)
    modeladmin.message_user(request, text + ".", messages.SUCCESS)


# --------------------------------------------------------------------------- units, groups


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(UnitConversion)
class UnitConversionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "item"]
    list_filter = ["from_unit", "to_unit"]
    search_fields = ["item__number", "from_unit__code", "to_unit__code"]
    autocomplete_fields = ["item", "from_unit", "to_unit"]


@admin.register(CostGroup)
class CostGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group_type"]
    list_filter = ["group_type"]
    search_fields = ["code", "name"]


# --------------------------------------------------------------------------- items


class UnitConversionInline(admin.TabularInline):
    model = UnitConversion
    fk_name = "item"
    extra = 0
    autocomplete_fields = ["from_unit", "to_unit"]


class ItemForm(ServiceCheckedForm):
    change_check = staticmethod(lambda item: item_change_check(item=item))


@admin.register(Item)
class ItemAdmin(ImportExportModelAdmin):
    form = ItemForm
    list_display = [
        "number",
        "description",
        "item_type",
        "replenishment",
        "costing_method",
        "base_unit",
        "cost_group",
        "standard_cost",
        "low_level_code",
        "blocked",
    ]
    list_filter = ["item_type", "replenishment", "costing_method", "cost_group", "blocked"]
    search_fields = ["number", "description"]
    autocomplete_fields = ["base_unit", "posting_group", "cost_group", "costing_sheet"]
    readonly_fields = ["standard_cost", "unit_cost", "last_direct_cost", "low_level_code"]
    inlines = [UnitConversionInline]
    resource_classes = [ItemResource]
    import_formats = FILE_FORMATS
    export_formats = FILE_FORMATS
    action_form = CostingActionForm
    actions = ["roll_up"]

    @admin.action(description="Roll up the standard cost of the selected items")
    def roll_up(self, request, queryset):
        version = action_values(self, request).get("version")
        if version is None:
            self.message_user(request, "Choose a costing version to roll up into.", messages.ERROR)
            return
        as_of = action_date(self, request)
        outcome = report(
            self,
            request,
            lambda: standard_cost_rollup(version=version, items=list(queryset), as_of=as_of),
        )
        rollup_report(self, request, outcome)


# --------------------------------------------------------------------------- work centres


@admin.register(WorkCenter)
class WorkCenterAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "direct_cost_per_hour",
        "direct_cost_group",
        "overhead_per_hour",
        "overhead_percent",
        "overhead_cost_group",
        "vendor",
    ]
    list_filter = ["direct_cost_group", "overhead_cost_group"]
    search_fields = ["code", "name"]
    autocomplete_fields = [
        "cost_center",
        "capacity_unit",
        "direct_cost_group",
        "overhead_cost_group",
        "vendor",
    ]


# --------------------------------------------------------------------------- routings and BOMs


class VersionForm(forms.ModelForm):
    """A BOM or routing version: its validity may not overlap another version of the item."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("item") and cleaned.get("valid_from"):
            check_into_form(
                self,
                validity_overlap_check,
                model=self._meta.model,
                item=cleaned["item"],
                valid_from=cleaned["valid_from"],
                valid_to=cleaned.get("valid_to"),
                exclude_pk=self.instance.pk,
            )
        return cleaned


class OperationForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        check_into_form(self, operation_check, op=cleaned)
        return cleaned


class OperationInline(admin.TabularInline):
    model = Operation
    form = OperationForm
    extra = 0
    autocomplete_fields = ["work_center", "service_item"]


@admin.register(RoutingVersion)
class RoutingVersionAdmin(ImportExportModelAdmin):
    form = VersionForm
    list_display = ["item", "version", "valid_from", "valid_to"]
    list_filter = ["valid_from"]
    search_fields = ["item__number", "version"]
    autocomplete_fields = ["item"]
    inlines = [OperationInline]
    resource_classes = [RoutingResource]
    import_formats = FILE_FORMATS
    export_formats = FILE_FORMATS
    skip_admin_log = True  # imported rows are operations, not routing versions

    def get_data_for_export(self, request, queryset, **kwargs):
        operations = Operation.objects.filter(routing__in=queryset).select_related(
            "routing__item", "work_center", "service_item"
        )
        operations = operations.order_by(
            "routing__item__number", "routing__version", "operation_no"
        )
        return super().get_data_for_export(request, operations, **kwargs)


class BomLineForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        component, unit = cleaned.get("component"), cleaned.get("unit")
        context = f"Line {cleaned.get('line_no')}: "
        if cleaned.get("scrap_percent") is not None:
            check_into_form(self, scrap_percent_check, value=cleaned["scrap_percent"])
        if component is not None and component.item_type == Item.ItemType.SERVICE:
            self.add_error("component", f"{component} is a service, not a component.")
        elif component is not None and unit is not None:
            check_into_form(
                self, unit_conversion_check, component=component, unit=unit, context=context
            )
        return cleaned


class BomLineFormSet(BaseInlineFormSet):
    """The BOM's components may not lead back to its item: the error names the cycle."""

    def clean(self):
        super().clean()
        bom = self.instance
        if bom.item_id is None:
            return
        rows = [(form, form.cleaned_data.get("component")) for form in kept_rows(self)]
        rows = [(form, component) for form, component in rows if component is not None]
        try:
            bom_cycle_check(item=bom.item, components=[c for _, c in rows], exclude_bom_id=bom.pk)
        except calc.BomCycleError as error:
            for form, component in rows:
                if component.number == error.path[1]:
                    form.add_error("component", error.message)
                    return
            raise ValidationError(error.message) from None


class BomOutputFormSet(BaseInlineFormSet):
    """Co-products and the main product share 100 % of the cost; by-products none."""

    def clean(self):
        super().clean()
        main = self.instance.main_allocation_percent
        if main is None:
            return
        co_products = []
        for form in kept_rows(self):
            data = form.cleaned_data
            if data.get("kind") == BomOutput.Kind.CO_PRODUCT:
                co_products.append(form)
            elif data.get("cost_allocation_percent"):
                form.add_error("cost_allocation_percent", "A by-product carries no allocation.")
        percents = [
            form.cleaned_data.get("cost_allocation_percent") or Decimal(0) for form in co_products
        ]
        try:
            co_product_split_check(main_percent=main, co_product_percents=percents)
        except BusinessError as error:
            if not co_products:
                raise ValidationError(f"main_allocation_percent: {error.message}") from None
            co_products[0].add_error("cost_allocation_percent", error.message)


class BomLineInline(admin.TabularInline):
    model = BomLine
    form = BomLineForm
    formset = BomLineFormSet
    extra = 0
    autocomplete_fields = ["component", "unit"]


class BomOutputInline(admin.TabularInline):
    model = BomOutput
    formset = BomOutputFormSet
    extra = 0
    autocomplete_fields = ["item"]


@admin.register(BomVersion)
class BomVersionAdmin(ImportExportModelAdmin):
    form = VersionForm
    list_display = [
        "item",
        "version",
        "valid_from",
        "valid_to",
        "quantity",
        "main_allocation_percent",
    ]
    list_filter = ["valid_from"]
    search_fields = ["item__number", "version", "lines__component__number"]
    autocomplete_fields = ["item"]
    inlines = [BomLineInline, BomOutputInline]
    resource_classes = [BomResource]
    import_formats = FILE_FORMATS
    export_formats = FILE_FORMATS
    skip_admin_log = True  # imported rows are BOM lines, not BOM versions

    def get_data_for_export(self, request, queryset, **kwargs):
        lines = BomLine.objects.filter(bom__in=queryset).select_related(
            "bom__item", "component", "unit"
        )
        lines = lines.order_by("bom__item__number", "bom__version", "line_no")
        return super().get_data_for_export(request, lines, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        item_low_level_codes_update()


# --------------------------------------------------------------------------- costing


class CostingSheetRuleForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        surcharge = cleaned.get("basis") == CostingSheetRule.Basis.SURCHARGE_PERCENT
        if surcharge and not cleaned.get("base_cost_groups"):
            self.add_error("base_cost_groups", "A surcharge needs the cost groups it is a % of.")
        return cleaned


class CostingSheetRuleInline(admin.TabularInline):
    model = CostingSheetRule
    form = CostingSheetRuleForm
    extra = 0
    autocomplete_fields = ["base_cost_groups", "work_center", "cost_group"]


@admin.register(CostingSheet)
class CostingSheetAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [CostingSheetRuleInline]


class WorkCenterRateInline(admin.TabularInline):
    """Work-centre rates of the version (proposed by cost accounting), read-only."""

    model = WorkCenterRate
    extra = 0
    fields = readonly_fields = ["work_center", "direct_cost_per_hour", "status", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CostingVersion)
class CostingVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "version_type"]
    list_filter = ["version_type"]
    search_fields = ["code", "name"]
    inlines = [WorkCenterRateInline]
    action_form = CostingActionForm
    actions = ["roll_up_produced_items", "activate_pending"]

    @admin.action(description="Roll up every produced item (BOMs and routings valid on the date)")
    def roll_up_produced_items(self, request, queryset):
        as_of = action_date(self, request)
        produced = Item.objects.filter(
            pk__in=valid_on(BomVersion.objects.all(), as_of).values("item_id")
        ) | Item.objects.filter(
            pk__in=valid_on(RoutingVersion.objects.all(), as_of).values("item_id")
        )
        items = list(produced)
        for version in queryset:
            outcome = report(
                self,
                request,
                lambda v=version: standard_cost_rollup(version=v, items=items, as_of=as_of),
            )
            rollup_report(self, request, outcome)

    @admin.action(description="Activate the pending standard costs (revalues stock on hand)")
    def activate_pending(self, request, queryset):
        pending = StandardCost.objects.filter(
            version__in=queryset, status=StandardCost.Status.PENDING
        )
        records = report(
            self,
            request,
            lambda: standard_cost_activate(standard_costs=list(pending), user=request.user),
        )
        if records is not None:
            self.message_user(request, f"Activated {len(records)} standard cost(s).")


class StandardCostLineInline(admin.TabularInline):
    model = StandardCostLine
    extra = 0
    autocomplete_fields = ["cost_group"]

    def _pending(self, obj) -> bool:
        return obj is None or obj.status == StandardCost.Status.PENDING

    def has_add_permission(self, request, obj=None):
        return self._pending(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._pending(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._pending(obj) and super().has_delete_permission(request, obj)


class ActivationActionForm(ActionForm):
    posting_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Revaluation date (default: each activation date).",
    )


@admin.register(StandardCost)
class StandardCostAdmin(admin.ModelAdmin):
    list_display = ["item", "version", "activation_date", "status", "unit_cost", "calculated_at"]
    list_filter = ["status", "version", "activation_date"]
    search_fields = ["item__number", "item__description"]
    autocomplete_fields = ["item", "version"]
    date_hierarchy = "activation_date"
    inlines = [StandardCostLineInline]
    action_form = ActivationActionForm
    actions = ["activate", "roll_up_again"]
    computed = ["status", "unit_cost", "bom", "routing", "calculated_at", "activated_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != StandardCost.Status.PENDING:
            return [f.name for f in StandardCost._meta.fields]
        return self.computed

    def has_delete_permission(self, request, obj=None):
        pending = obj is None or obj.status == StandardCost.Status.PENDING
        return pending and super().has_delete_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        """An active or superseded standard cost is posted history: shown, not saved."""
        pending = obj is None or obj.status == StandardCost.Status.PENDING
        return pending and super().has_change_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        """Lines edited by hand: the unit cost stays the sum of the rolled-up amounts."""
        super().save_related(request, form, formsets, change)
        record = form.instance
        if record.status == StandardCost.Status.PENDING:
            record.unit_cost = sum((line.rolled_up for line in record.lines.all()), Decimal(0))
            record.save(update_fields=["unit_cost"])

    @admin.action(description="Activate (make the item's standard and revalue stock on hand)")
    def activate(self, request, queryset):
        posting_date = action_values(self, request).get("posting_date")
        records = report(
            self,
            request,
            lambda: standard_cost_activate(
                standard_costs=list(queryset), posting_date=posting_date, user=request.user
            ),
        )
        if records is not None:
            self.message_user(request, f"Activated {len(records)} standard cost(s).")

    @admin.action(description="Roll up again (same version and date)")
    def roll_up_again(self, request, queryset):
        keys = sorted({(r.version_id, r.activation_date) for r in queryset})
        for version_id, activation_date in keys:
            records = queryset.filter(version_id=version_id, activation_date=activation_date)
            items = [record.item for record in records.select_related("item")]
            outcome = report(
                self,
                request,
                lambda v=version_id, d=activation_date, i=items: standard_cost_rollup(
                    version=CostingVersion.objects.get(pk=v), items=i, as_of=d
                ),
            )
            rollup_report(self, request, outcome)
