"""Reading a report back: the tables of its page, its XLSX and its CSV, as text cells."""

import csv
import io
from decimal import Decimal
from html.parser import HTMLParser

from django.urls import reverse


def report_url(slug: str, **query) -> str:
    from urllib.parse import urlencode

    url = reverse("admin:report", kwargs={"slug": slug})
    return f"{url}?{urlencode(query)}" if query else url


class _Tables(HTMLParser):
    """Every ``table.report-table``: {"rows": [[cell text]], "totals": [[...]], "links": ...}."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._section = None
        self._row = None
        self._cell = None
        self._in_table = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "report-table" in (attrs.get("class") or ""):
            self._in_table = True
            self.tables.append({"head": [], "rows": [], "totals": [], "links": []})
        elif not self._in_table:
            return
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = {"thead": "head", "tbody": "rows", "tfoot": "totals"}[tag]
        elif tag == "tr":
            self._row = []
            self._links = []
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "a" and self._row is not None:
            self._links.append(attrs.get("href"))

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if not self._in_table:
            return
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if self._section == "head":
                table["head"] = self._row
            else:
                table[self._section].append(self._row)
                if self._section == "rows":
                    table["links"].append(self._links)
            self._row = None
        elif tag == "table":
            self._in_table = False


def page_tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def figure(text: str) -> Decimal | None:
    """A shown figure back to a Decimal (``"1,234.50"`` -> ``Decimal("1234.50")``)."""
    return Decimal(text.replace(",", "")) if text else None


def xlsx_sheets(content: bytes) -> list[list[list]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


def as_decimal(value) -> Decimal | None:
    """An XLSX or CSV cell as a Decimal (numbers come back from XLSX as float or int)."""
    if value in (None, ""):
        return None
    return Decimal(str(value))


def cell(value):
    """A cell of the page, the XLSX or the CSV in one comparable form: figures as Decimals
    (thousands separators dropped), everything else as text, empty as ``""``."""
    from decimal import InvalidOperation

    if value is None or value == "":
        return ""
    text = str(value)
    try:
        return Decimal(text.replace(",", "") if isinstance(value, str) else text)
    except InvalidOperation:
        return text


def comparable(rows) -> list[list]:
    return [[cell(v) for v in row] for row in rows]


def csv_sections(rows: list[list[str]]) -> list[list[list[str]]]:
    """The CSV's tables (separated by an empty row)."""
    sections, current = [], []
    for row in rows:
        if not row:
            sections.append(current)
            current = []
        else:
            current.append(row)
    sections.append(current)
    return sections
