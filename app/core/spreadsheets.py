"""Writing CSV and XLSX files that spreadsheet programs open safely.

A cell whose text begins with = + - @ (or a tab or carriage return) would be run as a formula by a
spreadsheet program; a leading apostrophe makes it plain text (OWASP: CSV injection). A program
that splits a CSV on semicolons (the default where the comma is the decimal mark), tabs or
pipes, or that is pasted a cell, reads "x;=1+1" as "x" and the formula "=1+1": so an apostrophe
also goes after every separator that a formula character follows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A separator some program may split a line on, followed by what starts a formula.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;|\t\r\n])(?=[=+\-@])")
# A byte-order mark lets spreadsheet programs read the Arabic in a CSV file as UTF-8.
BOM = "\ufeff"


def neutralised(cell: object) -> str:
    """The cell's text, with an apostrophe before anything a spreadsheet would run as a formula:
    at its start, and after any separator inside it."""
    text = "" if cell is None else str(cell)
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# What `neutralised` may change, sought in a batch's text cells each put after a NUL (neither a
# separator nor a formula character, so no match spans two cells): a cell's first character or
# a separator, then a formula character (or a tab or carriage return, more than needed).
_FORMULA_IN_BATCH = re.compile(r"[\x00,;|\t\r\n][=+\-@\t\r]")


def neutralised_rows(rows: list[Sequence], texts: Sequence[int]) -> list[Sequence]:
    """The rows with their text cells (at the positions `texts`) neutralised. A batch in which
    no cell needs it, the usual case, is told by one search over its text and kept as it is."""
    if not rows or not texts:
        return rows
    by_column = list(zip(*rows, strict=True))
    text = "".join("\x00" + "\x00".join(by_column[i]) for i in texts)
    if not _FORMULA_IN_BATCH.search(text):
        return rows
    chosen = frozenset(texts)
    return [
        tuple(neutralised(cell) if i in chosen else cell for i, cell in enumerate(row))
        for row in rows
    ]


def sql_neutralised(value: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """`neutralised` written in PostgreSQL's SQL, for a database that writes the file itself:
    an apostrophe after every separator that a formula character follows, and before a
    formula character at the start (the insertions never change the first character, so the
    start is read from the value as it came)."""
    separated = sa.or_(*(sa.func.strpos(value, s) > 0 for s in _SEPARATORS))
    after = sa.func.regexp_replace(value, _SQL_AFTER_SEPARATOR, "\\1'", "g")
    inside = sa.case((separated, after), else_=value)
    starts = sa.func.left(value, 1).in_(FORMULA_STARTS)
    return sa.case((starts, sa.literal("'") + inside), else_=inside)


_SEPARATORS = (",", ";", "|", "\t", "\r", "\n")
# The same pattern as _FORMULA_AFTER_SEPARATOR, with the control characters themselves in it.
_SQL_AFTER_SEPARATOR = "([" + "".join(_SEPARATORS) + "])(?=[-=+@])"


def csv_row(cells: Iterable[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([neutralised(cell) for cell in cells])
    return out.getvalue()


def xlsx_bytes(
    sheets: Sequence[tuple[str, Iterable[Sequence[object]]]], right_to_left: bool
) -> bytes:
    """A workbook of (name, rows) sheets; numbers stay numbers, text is written as text (never
    as a formula)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    for name, rows in sheets:
        sheet = book.add_worksheet(name[:31])
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
