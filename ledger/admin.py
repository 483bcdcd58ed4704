"""Admin of the general ledger.

Master data and posting setup are edited here. Posted journal entries and lines are shown read-only
(the ledger is append-only); a manual entry is corrected with the "reverse" action, a period is
closed or reopened with its actions, and a fiscal year is created with its twelve periods. Every
action calls a service.
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from mfgcost.core.admin import action_report
from mfgcost.core.errors import BusinessError
from mfgcost.core.links import links_html, related_of, source_of, sources_of

from . import services
from .models import (
    Account,
    CostCenter,
    CostObject,
    FiscalYear,
    GeneralPostingSetup,
    ItemPostingGroup,
    Journal,
    JournalEntry,
    JournalLine,
    JournalSequence,
    Period,
)
from .services import (
    fiscal_year_create,
    fiscal_year_months,
    manual_entry_reverse,
    period_close,
    period_reopen,
)


class ReadOnlyAdminMixin:
    """Rows that only services write: visible, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def run_service_action(
    modeladmin, request, queryset, service, *, verb: str, noun: str, plural: str | None = None
) -> None:
    """Call ``service(obj)`` for each selected row; one message says what was done and what
    was refused, and why (``mfgcost.core.admin.action_report``)."""
    action_report(modeladmin, request, queryset, service, verb=verb, noun=noun, plural=plural)


# Master data -----------------------------------------------------------------------------------


class ServiceCheckedForm(forms.ModelForm):
    """A model form that also runs a service's check on the changed instance.

    ``change_check(instance)`` raises ``BusinessError``; its message is shown on the field it
    names (or above the form), so the admin refuses what the API refuses, in the same words.
    """

    change_check = None

    def _post_clean(self):
        super()._post_clean()
        check = type(self).change_check
        if check is None or self.errors:
            return
        try:
            check(self.instance)
        except BusinessError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)


class AccountForm(ServiceCheckedForm):
    change_check = staticmethod(lambda account: services.account_change_check(account=account))


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = [
        "number",
        "name",
        "account_type",
        "statement",
        "direct_posting",
        "blocked",
        "cost_center_rule",
        "cost_object_rule",
    ]
    list_filter = [
        "account_type",
        "statement",
        "direct_posting",
        "blocked",
        "cost_center_rule",
        "cost_object_rule",
    ]
    search_fields = ["number", "name"]


@admin.register(CostCenter)
class CostCenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "blocked"]
    list_filter = ["kind", "blocked"]
    search_fields = ["code", "name"]


@admin.register(CostObject)
class CostObjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "blocked"]
    list_filter = ["blocked"]
    search_fields = ["code", "name"]


@admin.register(Journal)
class JournalAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(ItemPostingGroup)
class ItemPostingGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


ACCOUNT_FIELDS = [
    field.name
    for field in GeneralPostingSetup._meta.get_fields()
    if getattr(field, "related_model", None) is Account
]


@admin.register(GeneralPostingSetup)
class GeneralPostingSetupAdmin(admin.ModelAdmin):
    list_display = ["__str__", "posting_group", "cogs_account", "payables_account"]
    list_filter = ["posting_group"]
    search_fields = ["posting_group__code", "posting_group__name"]
    autocomplete_fields = ["posting_group", *ACCOUNT_FIELDS]


# Fiscal years and periods ----------------------------------------------------------------------


class FiscalYearCreateForm(forms.ModelForm):
    """Code and first day; the service makes the twelve periods."""

    class Meta:
        model = FiscalYear
        fields = ["code", "start_date"]

    def clean(self):
        cleaned = super().clean()
        start_date = cleaned.get("start_date")
        if start_date is not None:
            try:
                fiscal_year_months(start_date=start_date)
            except BusinessError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return cleaned


class PeriodInline(admin.TabularInline):
    model = Period
    fields = ["name", "start_date", "end_date", "status", "closed_at", "closed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FiscalYear)
class FiscalYearAdmin(admin.ModelAdmin):
    list_display = ["code", "start_date", "end_date"]
    search_fields = ["code"]
    list_filter = ["start_date"]
    form = FiscalYearCreateForm
    inlines = [PeriodInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        created = fiscal_year_create(code=obj.code, start_date=obj.start_date)
        obj.pk, obj.end_date = created.pk, created.end_date


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "fiscal_year", "start_date", "end_date", "status", "closed_at"]
    list_filter = ["status", "fiscal_year"]
    search_fields = ["name", "fiscal_year__code"]
    readonly_fields = [
        "fiscal_year",
        "name",
        "start_date",
        "end_date",
        "status",
        "closed_at",
        "closed_by",
    ]
    actions = ["close_periods", "reopen_periods"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        """A period changes only by its close and reopen actions: its page has nothing to
        save (the list, where the actions are, keeps the permission)."""
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Close selected periods", permissions=["change"])
    def close_periods(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda period: period_close(period=period, user=request.user),
            verb="Closed",
            noun="period",
        )

    @admin.action(description="Reopen selected periods", permissions=["change"])
    def reopen_periods(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda period: period_reopen(period=period),
            verb="Reopened",
            noun="period",
        )


@admin.register(JournalSequence)
class JournalSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["journal", "fiscal_year", "last_number"]
    list_filter = ["journal", "fiscal_year"]
    search_fields = ["journal__code"]


# Posted entries --------------------------------------------------------------------------------


class JournalLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = JournalLine
    fields = [
        "line_no",
        "account",
        "debit",
        "credit",
        "cost_center",
        "cost_object",
        "description",
        "drill_down",
    ]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    @admin.display(description="value entries")
    def drill_down(self, line):
        return line_value_entries_html(line)


def line_value_entries_html(line: JournalLine) -> str:
    """A link to the value entries behind ``line`` (when its source has any)."""
    source = source_of(line.entry)
    if source is None or not source.value_entries_admin_url:
        return "-"
    url = f"{source.value_entries_admin_url}?journal_line={line.pk}"
    return format_html('<a href="{}">value entries of line {}</a>', url, line.line_no)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "document_number",
        "posting_date",
        "journal",
        "period",
        "description",
        "source_link",
        "reversal_of",
    ]
    list_filter = ["journal", "fiscal_year", "period"]
    list_select_related = [
        "journal",
        "fiscal_year",
        "period",
        "reversal_of__journal",
        "reversal_of__fiscal_year",
    ]
    search_fields = ["source_key", "description", "=number"]
    date_hierarchy = "posting_date"
    inlines = [JournalLineInline]
    actions = ["reverse_entries"]
    fields = [
        "journal",
        "fiscal_year",
        "number",
        "posting_date",
        "period",
        "description",
        "source_key",
        "source_link",
        "documents",
        "reversal_of",
        "reversed_by_link",
        "created_at",
        "created_by",
    ]
    readonly_fields = fields

    def get_changelist_instance(self, request):
        """The sources of a page of entries in a query per provider, kept on the rows."""
        changelist = super().get_changelist_instance(request)
        sources = sources_of(list(changelist.result_list))
        for entry in changelist.result_list:
            entry.drill_down_source = sources.get(entry.pk)
        return changelist

    @admin.display(description="source")
    def source_link(self, entry):
        link = getattr(entry, "drill_down_source", None) or source_of(entry)
        return links_html([link] if link else [])

    @admin.display(description="documents")
    def documents(self, entry):
        """What stands behind the source: the order, the Adjust Cost run, ..."""
        return links_html(related_of(entry))

    @admin.display(description="reversed by")
    def reversed_by_link(self, entry):
        reversal = JournalEntry.objects.filter(reversal_of=entry).first()
        if reversal is None:
            return "-"
        url = reverse("admin:ledger_journalentry_change", args=[reversal.pk])
        return format_html('<a href="{}">{}</a>', url, reversal)

    def has_reverse_permission(self, request):
        return request.user.has_perm("ledger.add_journalentry")

    @admin.action(description="Reverse selected manual entries", permissions=["reverse"])
    def reverse_entries(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda entry: manual_entry_reverse(entry=entry, user=request.user),
            verb="Reversed",
            noun="entry",
            plural="entries",
        )


@admin.register(JournalLine)
class JournalLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_filter = [
        "entry__journal",
        "entry__period",
        "entry__posting_date",
        "account__statement",
        "cost_center",
        "cost_object",
    ]
    list_display = [
        "entry",
        "line_no",
        "account",
        "debit",
        "credit",
        "cost_center",
        "cost_object",
        "drill_down",
    ]
    list_select_related = [
        "entry__journal",
        "entry__fiscal_year",
        "account",
        "cost_center",
        "cost_object",
    ]
    search_fields = ["account__number", "account__name", "description", "entry__source_key"]
    fields = [
        "entry",
        "line_no",
        "account",
        "debit",
        "credit",
        "cost_center",
        "cost_object",
        "description",
        "source_link",
        "drill_down",
    ]
    readonly_fields = fields

    @admin.display(description="source")
    def source_link(self, line):
        link = source_of(line.entry)
        return links_html([link] if link else [])

    @admin.display(description="value entries")
    def drill_down(self, line):
        return line_value_entries_html(line)
