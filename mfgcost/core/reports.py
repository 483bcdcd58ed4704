"""The report framework: one way for every app to show a report in the admin and export it.

A report is a class with a ``slug``, a ``title``, a filter form (a plain Django form whose
cleaned data the report reads), and one or more tables of rows drawn from the app's selectors.
Each column has a kind that fixes how its figures are shown and exported:

* ``amount``: money, two places;
* ``unit_cost``: six places;
* ``quantity``: as many places as the figure needs (``50``, not ``50.000000``);
* ``percent``: two places;
* ``text`` and ``link`` (text whose row carries a URL to what it summarises).

Apps register their reports in ``AppConfig.ready()`` (``reports.register(MyReport)``); the admin
serves the index under ``/admin/reports/`` and each report under ``/admin/reports/<slug>/``
(URL name ``admin:report``), with ``?format=csv`` or ``?format=xlsx`` for the same rows and
totals as a file. The framework knows no app: the cost-group legend and the charts are given
by the report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django import forms

AMOUNT = "amount"
QUANTITY = "quantity"
UNIT_COST = "unit_cost"
PERCENT = "percent"
TEXT = "text"
LINK = "link"
NUMERIC_KINDS = (AMOUNT, QUANTITY, UNIT_COST, PERCENT)

PLACES = {AMOUNT: 2, UNIT_COST: 6, PERCENT: 2}
XLSX_FORMATS = {
    AMOUNT: "#,##0.00",
    UNIT_COST: "#,##0.000000",
    PERCENT: "#,##0.00",
    QUANTITY: "#,##0.######",
}

SIGN_CONVENTION = (
    "Debit is positive, credit negative. A positive variance is unfavourable (actual cost above "
    "standard), a negative one favourable. Stock and WIP values are positive."
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


@dataclass
class Table:
    """Rows are dicts keyed by column key; a row's ``links`` maps a column key to a URL."""

    columns: list[Column]
    rows: list[dict]
    totals: list[dict] = field(default_factory=list)
    title: str = ""


@dataclass(frozen=True)
class LegendEntry:
    code: str
    name: str
    kind: str  # the cost group's type, or what the colour stands for
    colour: str


def places_of(value: Decimal) -> int:
    """How many decimal places a figure needs once trailing zeros are dropped."""
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def format_figure(value: Any, kind: str) -> str:
    """A figure as the page shows it: thousands separators, the column's precision."""
    if value is None or value == "":
        return ""
    if kind not in NUMERIC_KINDS:
        return str(value)
    value = Decimal(value)
    places = places_of(value) if kind == QUANTITY else PLACES[kind]
    text = f"{value:,.{places}f}"
    return "0" if kind == QUANTITY and text in ("-0", "0") else text


def export_value(value: Any, kind: str) -> Any:
    """A figure as the files carry it: a Decimal at the column's precision, or text."""
    if value is None:
        return None
    if kind in NUMERIC_KINDS and value != "":
        value = Decimal(value)
        if kind in PLACES:
            return value.quantize(Decimal(1).scaleb(-PLACES[kind]))
        return value.quantize(Decimal(1).scaleb(-places_of(value)))
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


class Report:
    """Base class: override ``rows()`` and ``totals()``, or ``tables()`` for several tables."""

    slug: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    filter_form: ClassVar[type[forms.Form]] = forms.Form
    columns: ClassVar[list[Column]] = []
    permission: ClassVar[str] = "inventory.view_valueentry"
    sign_convention: ClassVar[str] = SIGN_CONVENTION
    required_filters: ClassVar[tuple[str, ...]] = ()

    def __init__(self, filters: dict | None = None):
        self.filters = filters or {}

    # what a report fills in

    def rows(self) -> list[dict]:
        return []

    def totals(self) -> list[dict]:
        return []

    def tables(self) -> list[Table]:
        return [Table(columns=list(self.columns), rows=self.rows(), totals=self.totals())]

    def legend(self) -> list[LegendEntry]:
        return []

    def charts(self) -> list[str]:
        """Inline SVG charts (already safe markup)."""
        return []

    # what the framework does with it

    @property
    def ready(self) -> bool:
        """Whether the filters the report cannot run without are given."""
        return all(self.filters.get(name) not in (None, "") for name in self.required_filters)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        for index, table in enumerate(self.tables()):
            if index:
                writer.writerow([])
            if table.title:
                writer.writerow([table.title])
            writer.writerow([c.label for c in table.columns])
            for row in [*table.rows, *table.totals]:
                writer.writerow([_csv_text(row.get(c.key), c.kind) for c in table.columns])
        return out.getvalue()

    def to_xlsx(self) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        book.remove(book.active)
        for index, table in enumerate(self.tables()):
            sheet = book.create_sheet(_sheet_title(table.title or self.title, index))
            sheet.append([c.label for c in table.columns])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for row in table.rows:
                _xlsx_row(sheet, table.columns, row, bold=False)
            for row in table.totals:
                _xlsx_row(sheet, table.columns, row, bold=True)
            for position, column in enumerate(table.columns, start=1):
                width = max(len(column.label), 12 if column.numeric else 10) + 2
                sheet.column_dimensions[sheet.cell(1, position).column_letter].width = width
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: Any, kind: str) -> str:
    """A CSV field; text that a spreadsheet would run as a formula gets a leading quote."""
    value = export_value(value, kind)
    if value is None:
        return ""
    text = str(value)
    if kind not in NUMERIC_KINDS and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _sheet_title(title: str, index: int) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Report"
    return f"{cleaned}" if index == 0 else f"{cleaned[:25]} {index + 1}"


def _xlsx_row(sheet, columns: list[Column], row: dict, *, bold: bool) -> None:
    from openpyxl.styles import Font

    sheet.append([export_value(row.get(c.key), c.kind) for c in columns])
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(sheet.max_row, position)
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"  # text typed as "=...", never a formula
        if column.kind in XLSX_FORMATS:
            cell.number_format = XLSX_FORMATS[column.kind]
        if bold:
            cell.font = Font(bold=True)


# --------------------------------------------------------------------------- registry

_registry: dict[str, type[Report]] = {}


def register(report: type[Report]) -> type[Report]:
    """Make a report known to the admin (usable as a class decorator). A slug is taken once."""
    existing = _registry.get(report.slug)
    if existing is not None and existing is not report:
        raise ValueError(f"A report with the slug {report.slug!r} is registered already.")
    _registry[report.slug] = report
    return report


def registered() -> list[type[Report]]:
    """Every registered report, by title."""
    return sorted(_registry.values(), key=lambda r: r.title)


def report_for(slug: str) -> type[Report] | None:
    return _registry.get(slug)


def changelist_url(app_label: str, model_name: str, **filters) -> str:
    """The admin list of a model, filtered (``changelist_url("inventory", "valueentry",
    order_no="PO-1")``): where a report row drills down to."""
    from urllib.parse import urlencode

    from django.urls import reverse

    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    query = {k: ("" if v is None else str(v)) for k, v in filters.items()}
    return f"{url}?{urlencode(query)}" if query else url
