"""PostgreSQL writes the case export's CSV itself: COPY (the policy's own scoped query, its
cells computed and formulas neutralised in SQL) TO STDOUT, the same bytes as Python's csv
module writes (`app.reports.case_files`), read from the server as it streams.

What makes the two agree: an empty text is sent as NULL (COPY writes "" for an empty text,
and nothing for NULL, as Python does for ""); each row's "\\n" becomes "\\r\\n" (PostgreSQL sends
one row per message, so a row's end is known even when a cell holds a line break); a file of
one column, where the two quote differently ("" and \\. alone on a line), is left to Python.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from app.core.replica import reading_connection
from app.core.spreadsheets import sql_neutralised
from app.extensions import db
from app.reports.case_export import BATCH, Column


def copy_writes(columns: list[Column]) -> bool:
    """Whether this database writes the file (PostgreSQL, two columns or more)."""
    return db.session.get_bind().dialect.name == "postgresql" and len(columns) > 1


def _cell(column: Column, value: sa.ColumnElement) -> sa.ColumnElement:
    if column.number:
        return value
    return sa.func.nullif(sql_neutralised(value), "")


def copy_statement(stmt: sa.Select, columns: list[Column]) -> tuple[str, dict]:
    """The COPY statement and its parameters, for psycopg (which binds them in the client:
    the server takes no parameters in a COPY). The cells are computed in a subquery that the
    planner keeps apart (OFFSET 0), so that neutralising a cell reads it, never recomputes it."""
    from app.reports.case_files import export_query

    cells = export_query(stmt, columns, whole=True).offset(sa.literal_column("0"))
    cells = cells.subquery("cells")
    query = sa.select(*(_cell(c, cells.c[c.key]) for c in columns)).order_by(cells.c.id)
    compiled = query.compile(
        dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    return f"COPY ({compiled.string}) TO STDOUT (FORMAT csv)", compiled.params


def copy_chunks(stmt: sa.Select, columns: list[Column]) -> Iterator[bytes]:
    """The CSV's rows (UTF-8, "\\r\\n" line ends), `BATCH` rows a chunk: COPY ... TO STDOUT,
    which a hot standby runs as well as the primary (`app.core.replica`)."""
    statement, params = copy_statement(stmt, columns)
    with reading_connection() as connection:
        yield from _copied(connection, statement, params)


def _copied(connection: sa.Connection, statement: str, params: dict) -> Iterator[bytes]:
    # A streamed read gains nothing from compiling it first (PostgreSQL's JIT took 0.2-9 s).
    connection.exec_driver_sql("SET LOCAL jit = off")
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement, params) as copy:
        # Copied into one buffer as they come: holding psycopg's row buffers instead doubled
        # the time the rows took.
        chunk, ends = bytearray(), []
        for row in copy:
            chunk += row
            ends.append(len(chunk))
            if len(ends) == BATCH:
                yield _crlf(chunk, ends)
                chunk, ends = bytearray(), []
        if ends:
            yield _crlf(chunk, ends)


def _crlf(chunk: bytearray, ends: list[int]) -> bytes:
    """The rows (ending at the offsets `ends`), each ended by "\\r\\n" rather than COPY's "\\n"."""
    if chunk.count(b"\n") == len(ends):  # no line break inside a cell: the usual case
        return bytes(chunk).replace(b"\n", b"\r\n")
    rows = (chunk[start : end - 1] for start, end in zip([0, *ends], ends, strict=False))
    return b"".join(bytes(row) + b"\r\n" for row in rows)
