"""The case export's files. Rows come in batches, each batch one statement that walks the
households' primary key on from where the last one stopped (keyset, no re-sort), one
`writerows` and one chunk sent; on PostgreSQL the database writes the CSV itself
(`app.reports.case_copy`). Memory stays flat however many rows there are."""

from __future__ import annotations

import csv
import io
import operator
import tempfile
from collections.abc import Iterator

import sqlalchemy as sa
import xlsxwriter
from flask import Flask
from flask_babel import force_locale, get_locale

from app.core.spreadsheets import BOM, csv_row, neutralised, neutralised_rows
from app.extensions import db
from app.registry.models import Household
from app.reports.case_cells import Cells, cells_query
from app.reports.case_export import BATCH, Column

_CELLS = operator.itemgetter(slice(1, None))  # a row without its household id


def export_query(stmt: sa.Select, columns: list[Column], wrap_text=None) -> sa.Select:
    """The households of `stmt` (the policy's scoped query), their id then one cell per
    column; `wrap_text` (if given) is applied to every text cell."""
    context = Cells(db.session.get_bind().dialect.name)
    cells = []
    for column in columns:
        cell = column.cell(context)
        if wrap_text is not None and not column.number:
            cell = wrap_text(cell)
        cells.append(cell.label(column.key))
    return cells_query(stmt, cells, context)


def text_positions(columns: list[Column]) -> list[int]:
    return [i for i, column in enumerate(columns) if not column.number]


def batches(stmt: sa.Select, columns: list[Column]) -> Iterator[list[tuple]]:
    """The rows, at most `BATCH` at a time, formulas neutralised."""
    query = export_query(stmt, columns)
    texts = text_positions(columns)
    last = 0
    while rows := db.session.execute(query.where(Household.id > last).limit(BATCH)).all():
        last = rows[-1][0]
        yield neutralised_rows(list(map(_CELLS, rows)), texts)


def csv_chunks(stmt: sa.Select, columns: list[Column], via_copy: bool | None = None):
    """The CSV's rows, one chunk a batch: written by PostgreSQL (COPY) when it can, else by
    Python's csv module. Both give the same bytes (`tests/test_case_export_copy.py`)."""
    from app.reports.case_copy import copy_chunks, copy_writes

    if via_copy is None:
        via_copy = copy_writes(columns)
    if via_copy:
        yield from copy_chunks(stmt, columns)
        return
    out = io.StringIO()
    writer = csv.writer(out)
    for rows in batches(stmt, columns):
        writer.writerows(rows)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def csv_lines(
    app: Flask, stmt: sa.Select, columns: list[Column], locale_header: list[str]
) -> Iterator[str | bytes]:
    """The file, read in batches while it is sent, in an app context of its own (the request's
    is gone by then) speaking the reader's language, read now while the request is here."""
    language = str(get_locale() or "en")

    def lines() -> Iterator[str | bytes]:
        yield BOM + csv_row(locale_header)
        with app.app_context(), force_locale(language):
            yield from csv_chunks(stmt, columns)

    return lines()


def xlsx_file(stmt: sa.Select, columns: list[Column], locale_header: list[str], rtl: bool):
    """Written row by row to a temporary file (XlsxWriter's constant-memory mode)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - sent, then closed, by the response
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("Awda")
    if rtl:
        sheet.right_to_left()
    for c, text in enumerate(locale_header):
        sheet.write_string(0, c, neutralised(text))
    r = 0
    for rows in batches(stmt, columns):
        for row in rows:
            r += 1
            for c, cell in enumerate(row):
                if isinstance(cell, int):
                    sheet.write_number(r, c, cell)
                else:
                    sheet.write_string(r, c, cell)
    book.close()
    out.seek(0)
    return out
