"""Inventory reports: valuation at a date and the reconciliation of the ledgers to the general
ledger. Figures come from ``inventory.selectors``."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from mfgcost.core.reports import (
    AMOUNT,
    QUANTITY,
    UNIT_COST,
    Column,
    Report,
    changelist_url,
    register,
)
from mfgcost.items.models import Item
from mfgcost.items.reports import CostReport

from . import selectors
from .models import Location

ZERO = Decimal("0")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class ValuationFilters(forms.Form):
    date = forms.DateField(
        required=False, widget=DATE_INPUT, help_text="At the end of this day (empty: now)."
    )
    item = forms.ModelChoiceField(queryset=Item.objects.order_by("number"), required=False)
    location = forms.ModelChoiceField(queryset=Location.objects.all(), required=False)


@register
class InventoryValuationReport(CostReport):
    slug = "inventory-valuation"
    title = "Inventory valuation"
    description = "Quantity and value of each item at each location at the end of a day."
    filter_form = ValuationFilters
    sign_convention = (
        "Quantities and values on hand are positive. Value = expected cost (received, not yet "
        "invoiced) + actual cost; unit cost = value / quantity."
    )
    columns = [
        Column("item", "Item"),
        Column("location", "Location"),
        Column("quantity", "Quantity", QUANTITY),
        Column("cost_amount_expected", "Expected cost", AMOUNT),
        Column("cost_amount_actual", "Actual cost", AMOUNT),
        Column("value", "Value", AMOUNT),
        Column("unit_cost", "Unit cost", UNIT_COST),
    ]

    @property
    def valuation(self) -> list[dict]:
        if not hasattr(self, "_valuation"):
            f = self.filters
            self._valuation = selectors.inventory_valuation(
                as_of=f.get("date"),
                item_id=f["item"].pk if f.get("item") else None,
                location_id=f["location"].pk if f.get("location") else None,
            )
        return self._valuation

    def rows(self) -> list[dict]:
        date = self.filters.get("date")
        dated = {"posting_date__lte": date.isoformat()} if date else {}
        rows = []
        for row in self.valuation:
            entries = changelist_url(
                "inventory",
                "itemledgerentry",
                item=row["item_id"],
                location__id__exact=row["location_id"],
                **dated,
            )
            values = changelist_url(
                "inventory",
                "valueentry",
                item=row["item_id"],
                location__id__exact=row["location_id"],
                item_ledger_entry__isnull="False",
                **dated,
            )
            rows.append({**row, "links": {"item": entries, "quantity": entries, "value": values}})
        return rows

    def totals(self) -> list[dict]:
        return [
            {
                "item": "Total",
                **{
                    key: sum((row[key] for row in self.valuation), ZERO)
                    for key in ("cost_amount_expected", "cost_amount_actual", "value")
                },
            }
        ]


class ReconciliationFilters(forms.Form):
    date = forms.DateField(
        required=False, widget=DATE_INPUT, help_text="At the end of this day (empty: now)."
    )


@register
class ReconciliationReport(Report):
    slug = "reconciliation"
    title = "Inventory reconciliation"
    description = (
        "Per inventory and WIP account: the value the item and capacity ledgers give it, its "
        "general-ledger balance and the difference."
    )
    filter_form = ReconciliationFilters
    sign_convention = (
        "Debit balances are positive. Difference = general ledger - ledgers; it is zero unless "
        "the account was posted to some other way or the posting setup changed."
    )
    columns = [
        Column("account", "Account"),
        Column("name", "Name"),
        Column("ledger_value", "Ledgers", AMOUNT),
        Column("gl_balance", "General ledger", AMOUNT),
        Column("difference", "Difference", AMOUNT),
    ]

    @property
    def reconciliation(self) -> list[dict]:
        if not hasattr(self, "_rows"):
            self._rows = selectors.reconciliation(as_of=self.filters.get("date"))
        return self._rows

    def rows(self) -> list[dict]:
        date = self.filters.get("date")
        dated = {"entry__posting_date__lte": date.isoformat()} if date else {}
        return [
            {
                **row,
                "links": {
                    "account": changelist_url(
                        "ledger", "journalline", account=row["account_id"], **dated
                    ),
                    "gl_balance": changelist_url(
                        "ledger", "journalline", account=row["account_id"], **dated
                    ),
                },
            }
            for row in self.reconciliation
        ]

    def totals(self) -> list[dict]:
        return [
            {
                "account": "Total",
                **{
                    key: sum((row[key] for row in self.reconciliation), ZERO)
                    for key in ("ledger_value", "gl_balance", "difference")
                },
            }
        ]
