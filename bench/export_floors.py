"""The floors of bench/exports.py: the database's own CSV dump of the export's cells, written
by hand, and each XLSX writer writing the same rows alone, outside Awda."""

from __future__ import annotations

import importlib.util
import os
import resource
import subprocess
import tempfile
import time

import sqlalchemy as sa

from app.core.dates import local_today, years_before

_MEMBERS = "FROM members m WHERE m.household_id = h.id AND m.merged_into_id IS NULL"
_FROM = (
    "FROM households h JOIN camps c ON c.id = h.camp_id "
    "JOIN governorates g ON g.id = h.origin_governorate_id "
)
_SCOPE = "WHERE h.merged_into_id IS NULL AND h.team_id = {team} "
# The export's default cells, two ways a person would write them (the faster one counts):
# three counts that each walk the members' index, or one join grouped by household.
FLOOR_SQL = (
    "SELECT h.case_number, h.stage, c.name_en, g.name_en, "
    f"(SELECT count(*) {_MEMBERS}), "
    f"(SELECT count(*) {_MEMBERS} AND m.sex = 'F'), "
    f"(SELECT count(*) {_MEMBERS} AND m.birth_date > '{{adult}}') "
    f"{_FROM}{_SCOPE}ORDER BY h.id",
    "SELECT h.case_number, h.stage, c.name_en, g.name_en, count(m.id), "
    "count(m.id) FILTER (WHERE m.sex = 'F'), count(m.id) FILTER (WHERE m.birth_date > '{adult}') "
    f"{_FROM}LEFT JOIN members m ON m.household_id = h.id AND m.merged_into_id IS NULL "
    f"{_SCOPE}GROUP BY h.id, c.name_en, g.name_en ORDER BY h.id",
)


def floor_sql(variant: int, team: int) -> str:
    adult = years_before(local_today(), 18).isoformat()
    return FLOOR_SQL[variant].format(team=int(team), adult=adult)


def floor_dump(url: str, team: int, variant: int = 0) -> tuple[int, float, float | None]:
    """Rows, seconds and CPU seconds (SQLite; None for PostgreSQL, whose work is the server's):
    the database writing the cells as CSV (SQLite's shell in its own process, or COPY read by
    psycopg, JIT off as in the app's COPY)."""
    query = floor_sql(variant, team)
    started, cpu = time.perf_counter(), None
    if url.startswith("sqlite"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        command = ["sqlite3", "-csv", sa.make_url(url).database, query]  # the bench's own query
        out = subprocess.run(command, capture_output=True, check=True)  # noqa: S603
        rows = out.stdout.count(b"\n")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    else:
        import psycopg

        rows = 0
        with (
            psycopg.connect(_conninfo(url), options="-c jit=off") as connection,
            connection.cursor() as cursor,
            cursor.copy(f"COPY ({query}) TO STDOUT WITH CSV") as copy,
        ):
            for data in copy:
                rows += bytes(data).count(b"\n")
    return rows, time.perf_counter() - started, cpu


def read_rows(url: str, team: int) -> list[tuple]:
    """The same cells as Python values, for the XLSX writers alone."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.exec_driver_sql(floor_sql(0, team))]
    engine.dispose()
    return rows


def _conninfo(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(False)


HEADER = ["Case number", "Stage", "Camp", "Governorate", "Members", "Females", "Children"]


def _xlsxwriter(rows: list[tuple], path: str) -> None:
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(path, options)
    sheet = book.add_worksheet("Awda")
    for c, label in enumerate(HEADER):
        sheet.write_string(0, c, label)
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if isinstance(cell, int):
                sheet.write_number(r, c, cell)
            else:
                sheet.write_string(r, c, cell)
    book.close()


def _openpyxl(rows: list[tuple], path: str) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Awda")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)


_ALL = {
    "XlsxWriter constant_memory": ("xlsxwriter", _xlsxwriter),
    "openpyxl write_only": ("openpyxl", _openpyxl),
}
WRITERS = {name: w for name, (module, w) in _ALL.items() if importlib.util.find_spec(module)}


def write_alone(name: str, rows: list[tuple]) -> float:
    """Seconds for one writer to write the rows to a new file."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        started = time.perf_counter()
        WRITERS[name](rows, path)
        return time.perf_counter() - started
    finally:
        os.unlink(path)


def dump_rows(rows: int, seconds: float) -> str:
    return f"{seconds * 1000:8,.0f} ms {rows / seconds:10,.0f} rows/s"
