"""Writing CSV and XLSX files that spreadsheet programs open safely.

A cell whose text begins with = + - @ (or a tab or carriage return) would be run as a formula by a
spreadsheet program; a leading apostrophe makes it plain text (OWASP: CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A byte-order mark lets spreadsheet programs read the Arabic in a CSV file as UTF-8.
BOM = "\ufeff"


def neutralised(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(cells: Iterable[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([neutralised(cell) for cell in cells])
    return out.getvalue()


def xlsx_bytes(sheet_name: str, rows: Iterable[Sequence[object]], right_to_left: bool) -> bytes:
    """One sheet; numbers stay numbers, text is written as text (never as a formula)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet(sheet_name[:31])
    if right_to_left:
        sheet.right_to_left()
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if isinstance(cell, int | float) and not isinstance(cell, bool):
                sheet.write_number(r, c, cell)
            else:
                sheet.write_string(r, c, neutralised(cell))
    book.close()
    return out.getvalue()
