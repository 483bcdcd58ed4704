"""Costing reports: an order's cost sheet, WIP, the value equation, the variance analysis
across orders and the Adjust Cost run history. Figures come from ``costing.selectors``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from ledger.models import Period
from mfgcost.core import charts
from mfgcost.core.reports import (
    AMOUNT,
    QUANTITY,
    Column,
    Report,
    Table,
    changelist_url,
    register,
)
from mfgcost.inventory.models import ValueEntry
from mfgcost.items.models import CostGroup, Item
from mfgcost.items.reports import NO_GROUP_COLOUR, CostReport, cost_group_chart, cost_group_colours
from mfgcost.production.models import ProductionOrder

from . import selectors
from .variance import CAUSES

ZERO = Decimal("0")
CAUSE_COLOURS = dict(
    zip(CAUSES, ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1"), strict=True)
)
CAUSE_LABELS = {cause: cause.replace("_", " ") for cause in CAUSES}
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
GROUP_TYPES = dict(CostGroup.GroupType.choices)
VARIANCE_TYPES = dict(ValueEntry.VarianceType.choices)


def value_entries_url(**filters) -> str:
    return changelist_url("inventory", "valueentry", **filters)


def group_filter(cost_group_id: int | None) -> dict:
    if cost_group_id is None:
        return {"cost_group__isnull": "True"}
    return {"cost_group__id__exact": cost_group_id}


def _orders():
    return ProductionOrder.objects.select_related("item").order_by("-id")


# --------------------------------------------------------------------------- cost sheet


class CostSheetFilters(forms.Form):
    order = forms.ModelChoiceField(queryset=_orders(), required=False)


@register
class CostSheetReport(CostReport):
    slug = "cost-sheet"
    title = "Production order cost sheet"
    description = (
        "Standard (of the output), estimate (of the order quantity), actual and variance per cost "
        "group, the variance split by cause, the output value and what is left in WIP."
    )
    filter_form = CostSheetFilters
    required_filters = ("order",)
    sign_convention = (
        "Costs are positive. Variance = actual - standard of the output: positive is "
        "unfavourable, negative favourable. WIP is what the order's inputs leave after output "
        "and variances; a finished, adjusted order has none."
    )
    columns = [
        Column("cost_group", "Cost group"),
        Column("group_type", "Type"),
        Column("standard", "Standard", AMOUNT),
        Column("estimate", "Estimate", AMOUNT),
        Column("actual", "Actual", AMOUNT),
        Column("variance", "Variance", AMOUNT),
        *(Column(cause, CAUSE_LABELS[cause].capitalize(), AMOUNT) for cause in CAUSES),
        Column("difference", "Actual - standard", AMOUNT),
    ]
    summary_columns = [
        Column("order", "Order"),
        Column("item", "Item"),
        Column("status", "Status"),
        Column("quantity", "Order quantity", QUANTITY),
        Column("output_quantity", "Output quantity", QUANTITY),
        Column("output_value", "Output value", AMOUNT),
        Column("wip", "WIP", AMOUNT),
    ]

    @property
    def sheet(self) -> selectors.CostSheet:
        if not hasattr(self, "_sheet"):
            self._sheet = selectors.order_cost_sheet(self.filters["order"])
        return self._sheet

    def rows(self) -> list[dict]:
        order = self.filters["order"]
        groups = {g.code: g.pk for g in CostGroup.objects.all()}
        colours = cost_group_colours()
        rows = []
        for line in self.sheet.rows:
            group_id = groups.get(line.cost_group)
            entries = {"order_no": order.number, **group_filter(group_id)}
            links = {
                "cost_group": value_entries_url(**entries),
                "actual": value_entries_url(**entries),
                "variance": value_entries_url(entry_type="variance", **entries),
            }
            for cause in line.causes:
                links[cause] = value_entries_url(
                    entry_type="variance", variance_cause=cause, **entries
                )
            rows.append(
                {
                    "cost_group": line.cost_group or "(none)",
                    "group_type": GROUP_TYPES.get(line.group_type, line.group_type),
                    "standard": line.standard,
                    "estimate": line.estimate,
                    "actual": line.actual,
                    "variance": line.variance,
                    **{cause: line.causes.get(cause) for cause in CAUSES},
                    "difference": line.difference,
                    "links": links,
                    "colour": colours.get(line.cost_group, NO_GROUP_COLOUR),
                }
            )
        return rows

    def totals(self) -> list[dict]:
        sheet = self.sheet
        return [
            {
                "cost_group": "Total",
                **{
                    column: sheet.total(column)
                    for column in ("standard", "estimate", "actual", "variance")
                },
                **{
                    cause: sum((row.causes.get(cause, ZERO) for row in sheet.rows), ZERO)
                    for cause in CAUSES
                },
                "difference": sheet.total("actual") - sheet.total("standard"),
            }
        ]

    def tables(self) -> list[Table]:
        sheet = self.sheet
        summary = {
            "order": sheet.order,
            "item": sheet.item,
            "status": sheet.status,
            "quantity": sheet.quantity,
            "output_quantity": sheet.output_quantity,
            "output_value": sheet.output_value,
            "wip": sheet.wip,
            "links": {
                "order": value_entries_url(order_no=sheet.order),
                "wip": value_entries_url(order_no=sheet.order),
            },
        }
        return [
            Table(columns=self.summary_columns, rows=[summary], title=f"Order {sheet.order}"),
            Table(
                columns=self.columns,
                rows=self.rows(),
                totals=self.totals(),
                title="By cost group",
            ),
        ]

    def charts(self) -> list[str]:
        rows = self.sheet.rows
        return [
            cost_group_chart(
                title=f"Cost of order {self.sheet.order} by cost group",
                slug="cost-sheet-breakdown",
                columns={
                    "Standard": {r.cost_group: r.standard for r in rows},
                    "Estimate": {r.cost_group: r.estimate for r in rows},
                    "Actual": {r.cost_group: r.actual for r in rows},
                },
            )
        ]


# --------------------------------------------------------------------------- WIP


class DateFilters(forms.Form):
    date = forms.DateField(
        required=False, widget=DATE_INPUT, help_text="At the end of this day (empty: now)."
    )


@register
class WipReport(CostReport):
    slug = "wip"
    title = "Work in process"
    description = (
        "WIP by order and cost group at the end of a day, and each WIP account's general-ledger "
        "balance beside the value the ledgers give it."
    )
    filter_form = DateFilters
    sign_convention = (
        "WIP is positive (a debit balance). Difference = general ledger - ledgers; it is zero "
        "unless the WIP account was posted to some other way."
    )
    columns = [
        Column("order", "Order"),
        Column("item", "Item"),
        Column("status", "Status"),
        Column("cost_group", "Cost group"),
        Column("amount", "WIP", AMOUNT),
    ]
    account_columns = [
        Column("account", "Account"),
        Column("name", "Name"),
        Column("ledger_value", "Ledgers", AMOUNT),
        Column("gl_balance", "General ledger", AMOUNT),
        Column("difference", "Difference", AMOUNT),
    ]

    @property
    def report(self) -> dict:
        if not hasattr(self, "_report"):
            self._report = selectors.wip_by_order(as_of=self.filters.get("date"))
        return self._report

    def rows(self) -> list[dict]:
        groups = {g.code: g.pk for g in CostGroup.objects.all()}
        colours = cost_group_colours()
        date = self.filters.get("date")
        dated = {"posting_date__lte": date.isoformat()} if date else {}
        rows = []
        for row in self.report["rows"]:
            entries = {"order_no": row["order"], **dated}
            rows.append(
                {
                    **row,
                    "colour": colours.get(row["cost_group"], NO_GROUP_COLOUR),
                    "links": {
                        "order": value_entries_url(**entries),
                        "amount": value_entries_url(
                            **entries, **group_filter(groups.get(row["cost_group"]))
                        ),
                    },
                }
            )
        return rows

    def totals(self) -> list[dict]:
        return [
            {
                "order": "Total",
                "amount": sum((row["amount"] for row in self.report["rows"]), ZERO),
            }
        ]

    def tables(self) -> list[Table]:
        accounts = self.report["accounts"]
        return [
            Table(columns=self.columns, rows=self.rows(), totals=self.totals(), title="By order"),
            Table(
                columns=self.account_columns,
                rows=accounts,
                totals=[
                    {
                        "account": "Total",
                        **{
                            key: sum((row[key] for row in accounts), ZERO)
                            for key in ("ledger_value", "gl_balance", "difference")
                        },
                    }
                ],
                title="WIP accounts",
            ),
        ]


# --------------------------------------------------------------------------- value equation


class PeriodRangeFilters(forms.Form):
    date_from = forms.DateField(
        required=False, widget=DATE_INPUT, help_text="Empty: the first day of the year."
    )
    date_to = forms.DateField(required=False, widget=DATE_INPUT, help_text="Empty: today.")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_from", "The start must not be after the end.")
        return data


@register
class ValueEquationReport(Report):
    slug = "value-equation"
    title = "Inventory value equation"
    description = (
        "Per inventory and WIP account and item: beginning + increases - decreases = ending, "
        "with the general-ledger balances to reconcile."
    )
    filter_form = PeriodRangeFilters
    sign_convention = (
        "Values are positive when stock or WIP is held. Increases are inbound entries and WIP "
        "debits, decreases outbound entries and WIP credits (both shown positive). Difference = "
        "general ledger - ledgers."
    )
    columns = [
        Column("account", "Account"),
        Column("item", "Item"),
        Column("beginning", "Beginning", AMOUNT),
        Column("increases", "Increases", AMOUNT),
        Column("decreases", "Decreases", AMOUNT),
        Column("ending", "Ending", AMOUNT),
    ]
    account_columns = [
        Column("account", "Account"),
        Column("name", "Name"),
        Column("gl_beginning", "GL beginning", AMOUNT),
        Column("gl_ending", "GL ending", AMOUNT),
        Column("ledger_ending", "Ledgers ending", AMOUNT),
        Column("difference", "Difference", AMOUNT),
    ]

    def dates(self) -> tuple[dt.date, dt.date]:
        date_to = self.filters.get("date_to") or dt.date.today()
        return self.filters.get("date_from") or date_to.replace(month=1, day=1), date_to

    @property
    def report(self) -> dict:
        if not hasattr(self, "_report"):
            date_from, date_to = self.dates()
            self._report = selectors.inventory_value_equation(date_from=date_from, date_to=date_to)
        return self._report

    def rows(self) -> list[dict]:
        return self.report["rows"]

    def totals(self) -> list[dict]:
        return [
            {
                "account": "Total",
                **{
                    key: sum((row[key] for row in self.rows()), ZERO)
                    for key in ("beginning", "increases", "decreases", "ending")
                },
            }
        ]

    def tables(self) -> list[Table]:
        date_from, date_to = self.dates()
        accounts = self.report["accounts"]
        return [
            Table(
                columns=self.columns,
                rows=self.rows(),
                totals=self.totals(),
                title=f"From {date_from} to {date_to}",
            ),
            Table(
                columns=self.account_columns,
                rows=accounts,
                totals=[
                    {
                        "account": "Total",
                        **{
                            key: sum((row[key] for row in accounts), ZERO)
                            for key in ("gl_beginning", "gl_ending", "ledger_ending", "difference")
                        },
                    }
                ],
                title="Accounts",
            ),
        ]


# --------------------------------------------------------------------------- variance analysis


class VarianceFilters(forms.Form):
    item = forms.ModelChoiceField(
        queryset=Item.objects.filter(production_orders__isnull=False).distinct().order_by("number"),
        required=False,
        help_text="The item the orders produce.",
    )
    cost_group = forms.ModelChoiceField(queryset=CostGroup.objects.all(), required=False)
    cause = forms.ChoiceField(
        choices=[("", "---------"), *((c, CAUSE_LABELS[c]) for c in CAUSES)], required=False
    )
    period = forms.ModelChoiceField(queryset=Period.objects.all(), required=False)
    date_after = forms.DateField(required=False, widget=DATE_INPUT, help_text="Posted on or after.")
    date_before = forms.DateField(
        required=False, widget=DATE_INPUT, help_text="Posted on or before."
    )
    order = forms.ModelChoiceField(queryset=_orders(), required=False)


@register
class VarianceAnalysisReport(CostReport):
    slug = "variance-analysis"
    title = "Variance analysis"
    description = (
        "Production variances across orders by period, order, item, cost group and cause, and "
        "their trend by cause."
    )
    filter_form = VarianceFilters
    sign_convention = "Variance = actual - standard: positive is unfavourable, negative favourable."
    columns = [
        Column("period", "Period"),
        Column("order", "Order"),
        Column("item", "Item"),
        Column("cost_group", "Cost group"),
        Column("variance_type", "Variance type"),
        Column("cause", "Cause"),
        Column("amount", "Variance", AMOUNT),
    ]

    def selector_filters(self) -> dict:
        f = self.filters
        date_from, date_to = f.get("date_after"), f.get("date_before")
        period = f.get("period")
        if period is not None:
            date_from = max(filter(None, (date_from, period.start_date)))
            date_to = min(filter(None, (date_to, period.end_date)))
        return {
            "item_id": f["item"].pk if f.get("item") else None,
            "cost_group_id": f["cost_group"].pk if f.get("cost_group") else None,
            "cause": f.get("cause") or None,
            "date_from": date_from,
            "date_to": date_to,
            "order_no": f["order"].number if f.get("order") else None,
        }

    @property
    def analysis(self) -> list[dict]:
        if not hasattr(self, "_analysis"):
            self._analysis = selectors.variance_analysis(**self.selector_filters())
        return self._analysis

    def rows(self) -> list[dict]:
        colours = cost_group_colours()
        rows = []
        for row in self.analysis:
            entries = {
                "entry_type": "variance",
                "order_no": row["order"],
                "variance_cause": row["cause"],
                **group_filter(row["cost_group_id"]),
            }
            rows.append(
                {
                    **row,
                    "cause": CAUSE_LABELS.get(row["cause"], row["cause"]),
                    "variance_type": VARIANCE_TYPES.get(row["variance_type"], row["variance_type"]),
                    "colour": colours.get(row["cost_group"], NO_GROUP_COLOUR),
                    "links": {
                        "amount": value_entries_url(**entries),
                        "cause": value_entries_url(**entries),
                        "order": value_entries_url(order_no=row["order"]),
                    },
                }
            )
        return rows

    def totals(self) -> list[dict]:
        totals = [
            {"period": "Total", "amount": sum((row["amount"] for row in self.analysis), ZERO)}
        ]
        for cause in CAUSES:
            amount = sum((r["amount"] for r in self.analysis if r["cause"] == cause), ZERO)
            if amount:
                totals.append({"period": f"of which {CAUSE_LABELS[cause]}", "amount": amount})
        return totals

    def charts(self) -> list[str]:
        trend = selectors.variance_trend(**self.selector_filters())
        periods = list(trend)
        causes = [c for c in CAUSES if any(c in by_cause for by_cause in trend.values())]
        series = [
            charts.Series(
                name=CAUSE_LABELS[cause],
                values=[trend[p].get(cause, ZERO) for p in periods],
                colour=CAUSE_COLOURS[cause],
            )
            for cause in causes
        ]
        return [
            charts.stacked_bars(
                title="Variance by cause and period",
                slug="variance-trend",
                categories=periods,
                series=series,
            )
        ]


# --------------------------------------------------------------------------- runs


class RunFilters(forms.Form):
    limit = forms.IntegerField(
        required=False, min_value=1, max_value=500, help_text="How many of the latest runs (50)."
    )


@register
class AdjustCostRunsReport(Report):
    slug = "adjust-cost-runs"
    title = "Adjust Cost runs"
    description = "The latest Adjust Cost runs: what each worked on, posted and failed on."
    filter_form = RunFilters
    permission = "costing.view_costadjustmentrun"
    sign_convention = "Counts of items, orders, value entries and marks; no amounts."
    columns = [
        Column("run", "Run"),
        Column("started_at", "Started"),
        Column("finished_at", "Finished"),
        Column("status", "Status"),
        Column("requested_by", "Requested by"),
        Column("items_adjusted", "Items", QUANTITY),
        Column("orders_adjusted", "Orders", QUANTITY),
        Column("value_entries_posted", "Value entries", QUANTITY),
        Column("marks_collected", "Marks", QUANTITY),
        Column("errors", "Errors", QUANTITY),
    ]

    @property
    def runs(self):
        if not hasattr(self, "_runs"):
            self._runs = selectors.adjust_cost_runs(limit=self.filters.get("limit") or 50)
        return self._runs

    def rows(self) -> list[dict]:
        from django.urls import reverse

        return [
            {
                "run": run.pk,
                "started_at": f"{run.started_at:%Y-%m-%d %H:%M:%S}",
                "finished_at": f"{run.finished_at:%Y-%m-%d %H:%M:%S}" if run.finished_at else "",
                "status": run.status,
                "requested_by": run.requested_by,
                "items_adjusted": run.items_adjusted,
                "orders_adjusted": run.orders_adjusted,
                "value_entries_posted": run.value_entries_posted,
                "marks_collected": run.marks_collected,
                "errors": len(run.errors),
                "links": {"run": reverse("admin:costing_costadjustmentrun_change", args=[run.pk])},
            }
            for run in self.runs
        ]

    def totals(self) -> list[dict]:
        runs = self.runs
        return [
            {
                "run": "Total",
                **{
                    key: sum(getattr(run, key) for run in runs)
                    for key in (
                        "items_adjusted",
                        "orders_adjusted",
                        "value_entries_posted",
                        "marks_collected",
                    )
                },
                "errors": sum(len(run.errors) for run in runs),
            }
        ]

    def charts(self) -> list[str]:
        runs = self.runs
        categories = [str(run.pk) for run in runs]
        series = [
            charts.Series(
                name=label,
                values=[Decimal(getattr(run, key)) for run in runs],
                colour=colour,
            )
            for key, label, colour in (
                ("value_entries_posted", "Value entries posted", charts.PALETTE[0]),
                ("items_adjusted", "Items adjusted", charts.PALETTE[1]),
                ("orders_adjusted", "Orders adjusted", charts.PALETTE[2]),
            )
        ]
        return [
            charts.lines(
                title="Adjust Cost runs (by run number)",
                slug="adjust-cost-runs",
                categories=categories,
                series=series,
            )
        ]
