"""Admin of the inventory ledgers.

Locations and the inventory posting setup are edited here. Everything posted (postings, item,
capacity and value ledger entries, applications) is shown read-only: the ledgers are
append-only, and a correction is a new posting through the services. A posting shows what it
wrote; an item ledger entry shows its value entries and applications.
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from ledger.admin import ReadOnlyAdminMixin, ServiceCheckedForm
from ledger.models import Account, ItemPostingGroup, JournalLine
from mfgcost.core.admin import decimal_columns
from mfgcost.core.errors import BusinessError
from mfgcost.core.links import links_html, related_of

from .models import (
    CapacityLedgerEntry,
    InventoryPosting,
    InventoryPostingSetup,
    ItemApplication,
    ItemLedgerEntry,
    Location,
    ValueEntry,
)
from .selectors import journal_line_value_entries


def searchable(**field_models: type[models.Model]) -> list[str]:
    """The fields whose related model has an admin with search fields (autocomplete needs it).

    Apps listed earlier in ``INSTALLED_APPS`` (ledger, items) have registered theirs by now.
    """
    return [
        name
        for name, model in field_models.items()
        if admin.site.is_registered(model) and admin.site.get_model_admin(model).search_fields
    ]


# --------------------------------------------------------------------------- setup


def _setup_check(setup: InventoryPostingSetup) -> None:
    from .links import posting_setup_change_check

    posting_setup_change_check(setup=setup)


class InventoryPostingSetupForm(ServiceCheckedForm):
    change_check = staticmethod(_setup_check)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("DELETE") and self.instance.pk:  # a row deleted from the inline
            from .links import posting_setup_change_check

            try:
                posting_setup_change_check(setup=self.instance, deleting=True)
            except BusinessError as exc:
                raise forms.ValidationError(exc.message) from exc
        return cleaned


class InventoryPostingSetupInline(admin.TabularInline):
    model = InventoryPostingSetup
    form = InventoryPostingSetupForm
    extra = 0
    autocomplete_fields = searchable(
        posting_group=ItemPostingGroup,
        inventory_account=Account,
        inventory_accrual_account=Account,
        wip_account=Account,
    )


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "blocked"]
    list_filter = ["kind", "blocked"]
    search_fields = ["code", "name"]
    inlines = [InventoryPostingSetupInline]


@admin.register(InventoryPostingSetup)
class InventoryPostingSetupAdmin(admin.ModelAdmin):
    form = InventoryPostingSetupForm

    def has_delete_permission(self, request, obj=None):
        """A row that posted entries resolve through is not deleted (see ``links``)."""
        if obj is not None:
            from .links import posting_setup_change_check

            try:
                posting_setup_change_check(setup=obj, deleting=True)
            except BusinessError:
                return False
        return super().has_delete_permission(request, obj)

    list_display = [
        "id",
        "posting_group",
        "location",
        "inventory_account",
        "inventory_accrual_account",
        "wip_account",
    ]
    list_select_related = [
        "posting_group",
        "location",
        "inventory_account",
        "inventory_accrual_account",
        "wip_account",
    ]
    list_filter = ["posting_group", "location"]
    search_fields = [
        "posting_group__code",
        "location__code",
        "inventory_account__number",
        "wip_account__number",
    ]
    autocomplete_fields = ["location"] + searchable(
        posting_group=ItemPostingGroup,
        inventory_account=Account,
        inventory_accrual_account=Account,
        wip_account=Account,
    )


# --------------------------------------------------------------------------- ledgers (read-only)


class DrillDownMixin:
    """A read-only "related" field: the documents and entries the link providers know."""

    @admin.display(description="drill-down")
    def related(self, obj):
        return links_html(related_of(obj))

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "related"]


@admin.display(description="journal entry", ordering="journal_entry")
def journal_entry_column(entry):
    """The journal entry as a link (the row already holds it)."""
    if not entry.journal_entry_id:
        return "-"
    url = reverse("admin:ledger_journalentry_change", args=[entry.journal_entry_id])
    return format_html('<a href="{}">{}</a>', url, entry.journal_entry)


@admin.display(description="order", ordering="order_no")
def order_column(entry):
    """The order number, leading to everything posted on the order in this listing."""
    if not entry.order_no:
        return "-"
    url = reverse(f"admin:inventory_{entry._meta.model_name}_changelist")
    return format_html('<a href="{}?order_no={}">{}</a>', url, entry.order_no, entry.order_no)


class JournalLineFilter(admin.SimpleListFilter):
    """``?journal_line=<id>``: the value entries that make up one general-ledger line."""

    title = "general-ledger line"
    parameter_name = "journal_line"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, f"line {value}")] if value else []

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        line = JournalLine.objects.filter(pk=value).first() if value.isdigit() else None
        if line is None:
            return queryset.none()
        return queryset.filter(pk__in=[e.pk for e in journal_line_value_entries(line)])


class ValueEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ValueEntry
    fk_name = "item_ledger_entry"
    extra = 0
    show_change_link = True
    fields = [
        "posting_date",
        "valuation_date",
        "entry_type",
        "cost_group",
        "variance_type",
        "valued_quantity",
        "invoiced_quantity",
        "cost_amount_expected",
        "cost_amount_actual",
        "cost_per_unit",
        "uncovered",
        "adjustment",
        "journal_entry",
    ]
    readonly_fields = fields


class OutboundApplicationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ItemApplication
    fk_name = "outbound_entry"
    verbose_name = "taken from inbound entry"
    verbose_name_plural = "taken from inbound entries"
    extra = 0
    fields = ["inbound_entry", "quantity", "posting_date"]
    readonly_fields = fields


class InboundApplicationInline(OutboundApplicationInline):
    fk_name = "inbound_entry"
    verbose_name = "taken by outbound entry"
    verbose_name_plural = "taken by outbound entries"
    fields = ["outbound_entry", "quantity", "posting_date"]
    readonly_fields = fields


class PostedItemEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ItemLedgerEntry
    extra = 0
    show_change_link = True
    fields = ["item", "location", "entry_type", "quantity", "remaining_quantity"]
    readonly_fields = fields


class PostedValueEntryInline(ValueEntryInline):
    fk_name = "posting"
    fields = ["item_ledger_entry", "capacity_ledger_entry", *ValueEntryInline.fields]
    readonly_fields = fields


@admin.register(InventoryPosting)
class InventoryPostingAdmin(DrillDownMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "posting_date", "kind", "document_no", "source_key", "journal_entry"]
    list_select_related = ["journal_entry__journal", "journal_entry__fiscal_year"]
    list_filter = ["kind", "posting_date"]
    search_fields = ["source_key", "document_no"]
    date_hierarchy = "posting_date"
    inlines = [PostedItemEntryInline, PostedValueEntryInline]


@admin.register(ItemLedgerEntry)
@decimal_columns("quantity", "remaining_quantity", model=ItemLedgerEntry)
class ItemLedgerEntryAdmin(DrillDownMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "posting_date",
        "item",
        "location",
        "entry_type",
        "quantity",
        "remaining_quantity",
        "document_no",
        order_column,
    ]
    list_select_related = ["item", "location"]
    list_filter = ["entry_type", "location", "posting_date", "item__costing_method"]
    search_fields = ["item__number", "item__description", "document_no", "order_no", "=id"]
    date_hierarchy = "posting_date"
    inlines = [ValueEntryInline, OutboundApplicationInline, InboundApplicationInline]


@admin.register(ItemApplication)
class ItemApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "posting_date", "inbound_entry", "outbound_entry", "quantity"]
    list_select_related = ["inbound_entry", "outbound_entry"]
    list_filter = ["posting_date"]
    search_fields = ["inbound_entry__item__number", "=inbound_entry__id", "=outbound_entry__id"]


@admin.register(CapacityLedgerEntry)
@decimal_columns("setup_time", "run_time", "quantity", "scrap_quantity", model=CapacityLedgerEntry)
class CapacityLedgerEntryAdmin(DrillDownMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "posting_date",
        order_column,
        "operation_no",
        "capacity_type",
        "work_center",
        "setup_time",
        "run_time",
        "quantity",
        "scrap_quantity",
    ]
    list_select_related = ["work_center"]
    list_filter = ["capacity_type", "work_center", "posting_date"]
    search_fields = ["order_no", "document_no", "work_center__code"]
    date_hierarchy = "posting_date"


@admin.register(ValueEntry)
class ValueEntryAdmin(DrillDownMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "posting_date",
        "item",
        "location",
        "item_ledger_entry_type",
        "entry_type",
        "cost_group",
        "variance_type",
        "cost_amount_expected",
        "cost_amount_actual",
        order_column,
        journal_entry_column,
    ]
    list_select_related = [
        "item",
        "location",
        "cost_group",
        "journal_entry__journal",
        "journal_entry__fiscal_year",
    ]
    list_filter = [
        JournalLineFilter,
        "entry_type",
        "item_ledger_entry_type",
        "variance_type",
        "cost_group",
        "location",
        "adjustment",
        "uncovered",
        "posting_date",
    ]
    search_fields = ["item__number", "order_no", "description", "posting__source_key", "=id"]
    date_hierarchy = "posting_date"
