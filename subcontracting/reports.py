"""Subcontracting reports: our material at the vendors' locations. Figures come from
``subcontracting.selectors``."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from django import forms

from mfgcost.core.reports import AMOUNT, QUANTITY, Column, changelist_url, register
from mfgcost.items.models import Item
from mfgcost.items.reports import CostReport

from . import selectors
from .models import Vendor

ZERO = Decimal("0")


class MaterialAtVendorFilters(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.filter(location__isnull=False).order_by("code"), required=False
    )
    item = forms.ModelChoiceField(queryset=Item.objects.order_by("number"), required=False)


@register
class MaterialAtVendorsReport(CostReport):
    slug = "material-at-vendors"
    title = "Material at vendors"
    description = (
        "Our material at each vendor's location by item: sent, returned, consumed there, on hand "
        "and its value (still our stock)."
    )
    filter_form = MaterialAtVendorFilters
    permission = "inventory.view_itemledgerentry"
    sign_convention = (
        "Sent, returned and consumed are shown positive; on hand = sent - returned - consumed + "
        "other. Values are positive."
    )
    columns = [
        Column("vendor_code", "Vendor"),
        Column("location_code", "Location"),
        Column("item_number", "Item"),
        Column("sent", "Sent", QUANTITY),
        Column("returned", "Returned", QUANTITY),
        Column("consumed", "Consumed", QUANTITY),
        Column("other", "Other", QUANTITY),
        Column("on_hand", "On hand", QUANTITY),
        Column("value", "Value", AMOUNT),
    ]

    @property
    def material(self) -> list[selectors.MaterialAtVendorRow]:
        if not hasattr(self, "_rows"):
            item = self.filters.get("item")
            self._rows = selectors.material_at_vendors(
                vendor=self.filters.get("vendor"), item_id=item.pk if item else None
            )
        return self._rows

    def rows(self) -> list[dict]:
        locations = dict(Vendor.objects.values_list("pk", "location_id"))
        rows = []
        for row in self.material:
            url = changelist_url(
                "inventory",
                "itemledgerentry",
                item=row.item_id,
                location__id__exact=locations[row.vendor_id],
            )
            rows.append({**asdict(row), "links": {"item_number": url, "on_hand": url}})
        return rows

    def totals(self) -> list[dict]:
        return [{"vendor_code": "Total", "value": sum((r.value for r in self.material), ZERO)}]
