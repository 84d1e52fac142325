"""Case export benchmark: the app's streamed CSV export of a caseworker's households, beside the
database's own CSV dump of the same rows (`sqlite3 -csv`, or PostgreSQL `COPY ... TO STDOUT`),
with the app's peak Python memory while it streams.

    python bench/exports.py [--households 10000] [--database URL]

Like bench/registry.py it fills a new database through `flask demo-data` (SQLite under
bench/results/, or a database `awda_bench` on the server of TEST_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from registry import CASEWORKER, build_app, database_url, fill, logged_in_client

from app.extensions import db

COLUMNS = ["case_number", "stage", "camp", "origin", "members", "females", "children"]
# The floor: the same households' own columns, as the database itself writes CSV.
FLOOR_SQL = (
    "SELECT h.case_number, h.stage, h.camp_id, h.origin_governorate_id, "
    "(SELECT count(*) FROM members m WHERE m.household_id = h.id) "
    "FROM households h WHERE h.team_id = {team} OR h.assigned_to_id = {user} ORDER BY h.id"
)


def app_export(client, trace_memory: bool) -> tuple[int, float, int]:
    """Rows written, seconds, and (if traced, which slows Python down several times, so the
    timed run is another) the peak of Python memory while the file streamed."""
    page = client.get("/reports/cases").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    if trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.post(
        "/reports/cases",
        data={"columns": COLUMNS, "format": "csv", "csrf_token": token},
        buffered=False,
    )
    lines = sum(chunk.count(b"\n") for chunk in response.iter_encoded())
    seconds = time.perf_counter() - started
    peak = 0
    if trace_memory:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response.status_code == 200, "the export was refused"
    return lines - 1, seconds, peak


def floor_export(url: str, team: int, user: int) -> tuple[int, float]:
    query = FLOOR_SQL.format(team=team, user=user)
    started = time.perf_counter()
    if url.startswith("sqlite"):
        path = sa.make_url(url).database
        command = ["sqlite3", "-csv", path, query]  # the benchmark's own query, not input
        out = subprocess.run(command, capture_output=True, check=True)  # noqa: S603
        rows = out.stdout.count(b"\n")
    else:
        import psycopg

        conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
        rows = 0
        with (
            psycopg.connect(conninfo) as connection,
            connection.cursor() as cursor,
            cursor.copy(f"COPY ({query}) TO STDOUT WITH CSV") as copy,
        ):
            for data in copy:
                rows += bytes(data).count(b"\n")
    return rows, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--database")
    args = parser.parse_args()
    url = database_url(args.database, args.households)
    app = build_app(url)
    filled = fill(app, args.households)
    client = logged_in_client(app)
    with app.app_context():
        user, team = db.session.execute(
            sa.text("SELECT id, team_id FROM users WHERE username = :u"), {"u": CASEWORKER}
        ).one()
    rows, seconds, _ = app_export(client, trace_memory=False)
    _, _, peak = app_export(client, trace_memory=True)
    floor_rows, floor_seconds = floor_export(url, team, user)
    backend = sa.make_url(url).get_backend_name()
    print(f"{backend}: {args.households:,} households (filled in {filled:.1f} s)")
    print(f"app export: {rows:,} rows in {seconds:.2f} s, {rows / seconds:,.0f} rows/s")
    print(f"app peak Python memory while streaming: {peak / 2**20:.1f} MiB")
    rate = floor_rows / floor_seconds
    print(f"database:   {floor_rows:,} rows in {floor_seconds:.2f} s, {rate:,.0f} rows/s")


if __name__ == "__main__":
    main()
