"""Reports of items and standard costs, and the cost-group colours every cost report uses.

Each cost-group type has a colour; groups of the same type get lighter shades of it, in code
order, so a chart's colours and the legend under it always agree.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

from mfgcost.core import charts
from mfgcost.core.reports import (
    PERCENT,
    QUANTITY,
    TEXT,
    UNIT_COST,
    Column,
    LegendEntry,
    Report,
    Table,
    register,
)

from . import selectors
from .models import CostGroup, CostingVersion, Item

ZERO = Decimal("0")
TYPE_COLOURS = {
    CostGroup.GroupType.DIRECT_MATERIAL: "#4e79a7",
    CostGroup.GroupType.DIRECT_MANUFACTURING: "#f28e2b",
    CostGroup.GroupType.DIRECT_OUTSOURCING: "#59a14f",
    CostGroup.GroupType.CAPACITY_OVERHEAD: "#e15759",
    CostGroup.GroupType.MANUFACTURING_OVERHEAD: "#b07aa1",
}
NO_GROUP_COLOUR = "#999999"
GROUP_TYPES = dict(CostGroup.GroupType.choices)


def _lighter(colour: str, share: float) -> str:
    """``colour`` mixed with white: ``share`` 0 is the colour, 1 is white."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(c + (255 - c) * share) for c in (red, green, blue))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def cost_group_colours() -> dict[str, str]:
    """The colour of each cost group, by code."""
    colours: dict[str, str] = {}
    seen: dict[str, int] = {}
    for group in selectors.cost_groups():
        index = seen.get(group.group_type, 0)
        seen[group.group_type] = index + 1
        base = TYPE_COLOURS.get(group.group_type, NO_GROUP_COLOUR)
        colours[group.code] = _lighter(base, min(index * 0.3, 0.75))
    return colours


def cost_group_legend() -> list[LegendEntry]:
    """Every cost group with its type and colour."""
    colours = cost_group_colours()
    return [
        LegendEntry(
            code=group.code,
            name=group.name,
            kind=group.get_group_type_display(),
            colour=colours[group.code],
        )
        for group in selectors.cost_groups()
    ]


def cost_group_chart(*, title: str, slug: str, columns: dict[str, dict[str, Decimal]]) -> str:
    """Stacked bars, one per column (``Standard``, ``Actual``), stacked by cost group."""
    colours = cost_group_colours()
    codes = sorted({code for amounts in columns.values() for code in amounts})
    series = [
        charts.Series(
            name=code or "(none)",
            values=[columns[column].get(code, ZERO) for column in columns],
            colour=colours.get(code, NO_GROUP_COLOUR),
        )
        for code in codes
    ]
    return charts.stacked_bars(title=title, slug=slug, categories=list(columns), series=series)


class CostReport(Report):
    """A report about costs: shows the cost-group legend."""

    def legend(self) -> list[LegendEntry]:
        return cost_group_legend()


# --------------------------------------------------------------------------- standard cost


class StandardCostFilters(forms.Form):
    item = forms.ModelChoiceField(
        queryset=Item.objects.filter(standard_costs__isnull=False).distinct().order_by("number"),
        required=False,
    )
    version = forms.ModelChoiceField(
        queryset=CostingVersion.objects.all(),
        required=False,
        help_text="Empty: the item's active standard.",
    )


@register
class StandardCostReport(CostReport):
    slug = "standard-cost"
    title = "Standard cost of an item"
    description = (
        "An item's standard cost per unit by cost group, this level and rolled up from the levels "
        "below, and how it was built from the BOM and routing."
    )
    filter_form = StandardCostFilters
    permission = "items.view_standardcost"
    required_filters = ("item",)
    sign_convention = (
        "Costs per unit of the item's base unit, positive. A by-product credit is negative."
    )
    columns = [
        Column("cost_group", "Cost group"),
        Column("name", "Name"),
        Column("group_type", "Type"),
        Column("this_level", "This level", UNIT_COST),
        Column("lower_levels", "Lower levels", UNIT_COST),
        Column("rolled_up", "Rolled up", UNIT_COST),
    ]
    explanation_columns = [
        Column("kind", "Kind"),
        Column("source", "From"),
        Column("quantity", "Quantity per unit", QUANTITY),
        Column("unit", "Unit"),
        Column("rate", "Rate (work centre now)", UNIT_COST),
        Column("amount", "Amount per unit", UNIT_COST),
    ]

    @property
    def record(self):
        if not hasattr(self, "_record"):
            item = self.filters.get("item")
            version = self.filters.get("version")
            self._record = None
            if item is not None:
                self._record = (
                    selectors.standard_cost_current(item=item)
                    if version is None
                    else selectors.standard_cost_records(item=item, version=version).first()
                )
        return self._record

    def rows(self) -> list[dict]:
        if self.record is None:
            return []
        colours = cost_group_colours()
        return [
            {
                **row,
                "group_type": GROUP_TYPES.get(row["group_type"], row["group_type"]),
                "colour": colours.get(row["cost_group"], NO_GROUP_COLOUR),
            }
            for row in selectors.standard_cost_breakdown(self.record)
        ]

    def totals(self) -> list[dict]:
        rows = self.rows()
        return [
            {
                "cost_group": "Total",
                **{
                    key: sum((row[key] for row in rows), ZERO)
                    for key in ("this_level", "lower_levels", "rolled_up")
                },
            }
        ]

    def tables(self) -> list[Table]:
        record = self.record
        if record is None:
            return [Table(columns=self.columns, rows=[], title="No standard cost for the item")]
        heading = (
            f"{record.item.number} in {record.version.code} from {record.activation_date} "
            f"({record.get_status_display().lower()}), unit cost {record.unit_cost:,.6f}"
        )
        explanation = selectors.standard_cost_explanation(record)
        return [
            Table(columns=self.columns, rows=self.rows(), totals=self.totals(), title=heading),
            Table(
                columns=self.explanation_columns,
                rows=explanation,
                totals=[
                    {
                        "kind": "Total",
                        "amount": sum((row["amount"] for row in explanation), ZERO),
                    }
                ],
                title="How it was built (per unit)",
            ),
        ]

    def charts(self) -> list[str]:
        rows = self.rows()
        if not rows:
            return []
        return [
            cost_group_chart(
                title="Standard cost by cost group",
                slug="standard-cost-breakdown",
                columns={
                    "This level": {row["cost_group"]: row["this_level"] for row in rows},
                    "Rolled up": {row["cost_group"]: row["rolled_up"] for row in rows},
                },
            )
        ]


# --------------------------------------------------------------------------- versions


class VersionComparisonFilters(forms.Form):
    version_a = forms.ModelChoiceField(queryset=CostingVersion.objects.all(), required=False)
    version_b = forms.ModelChoiceField(queryset=CostingVersion.objects.all(), required=False)
    on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Each version's latest record on or before this date (empty: the latest).",
    )


@register
class CostingVersionComparisonReport(CostReport):
    slug = "costing-version-comparison"
    title = "Costing version comparison"
    description = "Item by item: the unit cost in two costing versions and the difference."
    filter_form = VersionComparisonFilters
    permission = "items.view_standardcost"
    required_filters = ("version_a", "version_b")
    sign_convention = "Difference = version B - version A; the percentage is of version A."

    def _comparison(self):
        if not hasattr(self, "_rows"):
            self._rows = selectors.costing_version_compare(
                base=self.filters["version_a"],
                other=self.filters["version_b"],
                on=self.filters.get("on"),
            )
        return self._rows

    def _groups(self) -> list[str]:
        return sorted({code for row in self._comparison() for code in row.by_cost_group})

    def _columns(self) -> list[Column]:
        columns = [
            Column("item", "Item"),
            Column("description", "Description", TEXT),
            Column("base_unit_cost", "Version A", UNIT_COST),
            Column("other_unit_cost", "Version B", UNIT_COST),
            Column("difference", "Difference", UNIT_COST),
            Column("difference_percent", "Difference %", PERCENT),
        ]
        for code in self._groups():
            columns += [Column(f"{code}_a", f"{code} A", UNIT_COST)]
            columns += [Column(f"{code}_b", f"{code} B", UNIT_COST)]
        return columns

    def rows(self) -> list[dict]:
        rows = []
        for row in self._comparison():
            cells = {
                "item": row.item,
                "description": row.description,
                "base_unit_cost": row.base_unit_cost,
                "other_unit_cost": row.other_unit_cost,
                "difference": row.difference,
                "difference_percent": row.difference_percent,
            }
            for code, (a, b) in row.by_cost_group.items():
                cells[f"{code}_a"], cells[f"{code}_b"] = a, b
            rows.append(cells)
        return rows

    def tables(self) -> list[Table]:
        return [Table(columns=self._columns(), rows=self.rows())]
