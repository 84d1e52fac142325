"""The case export's files. Rows come in batches, each batch one statement that reads a window
of `BATCH` household ids (the primary key's range, in order, so nothing left is re-sorted), one
`writerows` and one chunk sent; on PostgreSQL the database writes the CSV itself
(`app.reports.case_copy`). Memory stays flat however many rows there are. The rows are read from
the replica when there is one (`app.core.replica`)."""

from __future__ import annotations

import csv
import io
import operator
import os
import tempfile
from collections.abc import Iterator

import sqlalchemy as sa
import xlsxwriter
from flask import Flask
from flask_babel import force_locale, get_locale

from app.core.replica import reading_connection
from app.core.spreadsheets import BOM, csv_row, neutralised, neutralised_rows
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
    """The households whose ids are in the window (`after`, `upto`]: one statement object for
    every batch, so that its cache key is computed once, not per batch.

    A window of ids rather than "the next `BATCH` after `after`": whichever plan the database
    picks (SQLite without statistics reads a team's households through its index and sorts
    them), a batch reads and sorts the households of its window, never every one left."""
    window = sa.and_(Household.id > sa.bindparam("after"), Household.id <= sa.bindparam("upto"))
    return export_query(stmt, columns).where(window)


GROWTH = 8  # a window at most 8 times as wide as the last: at most 8 x BATCH rows a batch


def next_width(width: int, found: int) -> int:
    """The next window's width in ids, from the last one's `width` and the rows `found` in it:
    as wide as should hold about `BATCH` rows at the density just seen, from `BATCH` ids (every
    id in scope) to `GROWTH` times the last width (so a sparse stretch followed by a dense one
    gives a batch of at most `GROWTH` x `BATCH` rows). A search's 6,691 households among
    250,000 are then read in 4 statements, not 50, each of which runs the search again."""
    wanted = width * BATCH // found if found else width * GROWTH
    return max(BATCH, min(wanted, width * GROWTH))


def batches(stmt: sa.Select, columns: list[Column]) -> Iterator[list[tuple]]:
    """The rows, a window of ids at a time (`next_width`), formulas neutralised; a window with
    none in scope gives no batch."""
    page = page_statement(stmt, columns)
    texts = text_positions(columns)
    with reading_connection() as connection:
        highest = connection.execute(sa.select(sa.func.max(Household.id))).scalar() or 0
        after, width = 0, BATCH
        while after < highest:
            rows = _fetched(connection.execute(page, {"after": after, "upto": after + width}))
            after, width = after + width, next_width(width, len(rows))
            if rows:
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

    Written by XlsxWriter in constant-memory mode (each row is written out as XML once the
    next one starts), row by row as the batches come, to a path: given a file object it would
    build the whole zip in memory. Numbers stay numbers; text, already neutralised, is written
    as text, never as a formula."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        _write_workbook(path, batches(stmt, columns), columns, locale_header, rtl)
        return open(path, "rb")
    finally:
        os.unlink(path)


def _write_workbook(
    path: str,
    batches_: Iterator[list[tuple]],
    columns: list[Column],
    locale_header: list[str],
    rtl: bool,
) -> None:
    """One sheet, "Awda": the header, then every batch's rows (empty cells left blank)."""
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("Awda")
    if rtl:
        sheet.right_to_left()
    for c, label in enumerate(locale_header):
        sheet.write_string(0, c, neutralised(label))
    # Bound once, not looked up per cell: about a million cells at 250,000 households.
    writers = [sheet.write_number if column.number else sheet.write_string for column in columns]
    r = 0
    for rows in batches_:
        for row in rows:
            r += 1
            for c, cell in enumerate(row):
                if cell is not None and cell != "":
                    writers[c](r, c, cell)
    book.close()
