"""The case export's files. Rows come in batches, each batch one statement that walks the
households' primary key on from where the last one stopped (keyset, no re-sort), one
`writerows` and one chunk sent; on PostgreSQL the database writes the CSV itself
(`app.reports.case_copy`). Memory stays flat however many rows there are."""

from __future__ import annotations

import csv
import io
import itertools
import operator
import os
import tempfile
from collections.abc import Iterator

import rustpy_xlsxwriter
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, get_locale

from app.core.spreadsheets import BOM, csv_row, neutralised, neutralised_rows, xlsx_bytes
from app.extensions import db
from app.registry.models import Household
from app.reports.case_cells import Cells, cells_query
from app.reports.case_export import BATCH, Column

_CELLS = operator.itemgetter(slice(1, None))  # a row without its household id


def export_query(stmt: sa.Select, columns: list[Column], whole: bool = False) -> sa.Select:
    """The households of `stmt` (the policy's scoped query), their id then one cell per
    column, for batches (or, if `whole`, for one statement that reads them all)."""
    context = Cells(db.session.get_bind().dialect.name, whole=whole)
    cells = [column.cell(context).label(column.key) for column in columns]
    return cells_query(stmt, cells, context)


def text_positions(columns: list[Column]) -> list[int]:
    """Where the text cells are in a row (the others are numbers, never neutralised)."""
    return [i for i, column in enumerate(columns) if not column.number]


def page_statement(stmt: sa.Select, columns: list[Column]) -> sa.Select:
    """The next `BATCH` households after the id `last`: one statement object for every batch,
    so that its cache key is computed once, not per batch."""
    return export_query(stmt, columns).where(Household.id > sa.bindparam("last")).limit(BATCH)


def batches(stmt: sa.Select, columns: list[Column]) -> Iterator[list[tuple]]:
    """The rows, at most `BATCH` at a time, formulas neutralised."""
    page = page_statement(stmt, columns)
    texts = text_positions(columns)
    connection = db.session.connection()
    last = 0
    while rows := _fetched(connection.execute(page, {"last": last})):
        last = rows[-1][0]
        yield neutralised_rows(list(map(_CELLS, rows)), texts)


def _fetched(result: sa.CursorResult) -> list[tuple]:
    """The driver's own tuples: every cell is text or an integer as the database gives it, with
    nothing for SQLAlchemy to convert, so no row object is built for it."""
    with result:
        return result.cursor.fetchall()


def csv_chunks(stmt: sa.Select, columns: list[Column], via_copy: bool | None = None):
    """The CSV's rows, one chunk a batch: written by PostgreSQL (COPY) when it can, else by
    Python's csv module. Both give the same bytes (`tests/test_case_export_files.py`)."""
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
    """The workbook in a temporary file, opened for reading (and already unlinked).

    Written by rust_xlsxwriter in constant-memory mode, row by row as the batches come, to a
    path (given a Python file it keeps the whole zip in memory); numbers stay numbers, text
    is written as text, never as a formula, and neutralised all the same."""
    keys = _distinct([neutralised(label) for label in locale_header])
    records = (dict(zip(keys, row, strict=True)) for rows in batches(stmt, columns) for row in rows)
    first = next(records, None)
    if first is None:  # no row, so no record to name the columns: the header alone
        return _header_only(locale_header, rtl)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        rows = itertools.chain([first], records)
        view = {"right_to_left": rtl}
        rustpy_xlsxwriter.write_worksheet(rows, path, sheet_name="Awda", sheet_view=view)
        return open(path, "rb")
    finally:
        os.unlink(path)


def _distinct(labels: list[str]) -> list[str]:
    """The header's labels made distinct (they name the columns of the records written)."""
    seen: set[str] = set()
    distinct = []
    for label in labels:
        while label in seen:
            label += "\u200b"  # a zero-width space: two columns a translation named alike
        seen.add(label)
        distinct.append(label)
    return distinct


def _header_only(locale_header: list[str], rtl: bool):
    out = tempfile.TemporaryFile()  # noqa: SIM115 - sent, then closed, by the response
    out.write(xlsx_bytes([("Awda", [locale_header])], right_to_left=rtl))
    out.seek(0)
    return out
