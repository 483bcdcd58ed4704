"""A dimension statement as an XLSX workbook (openpyxl)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font


def statement_workbook(*, title: str, rows) -> bytes:
    """One sheet: line code, name and value; values stay exact decimals written as numbers."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Statement"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["Line", "Name", "Value"])
    for row in rows:
        sheet.append([row.code, row.name, row.value])
        if row.line_type in ("total", "calculated"):
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 18
    for (cell,) in sheet.iter_rows(min_row=3, min_col=3, max_col=3):
        cell.number_format = "#,##0.00"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
