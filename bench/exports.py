"""Case export benchmark: the app's CSV and XLSX exports of a caseworker's households, each
beside its floor measured in the same run, and the peak memory of a fresh process per size.

    python bench/exports.py [--households 10000 250000] [--database URL ...] [--reuse]

- CSV: the streamed export (route, session, audit and all) beside the database's own CSV dump
  of the same cells (`sqlite3 -csv`, or `COPY ... TO STDOUT`), written by hand: case number,
  stage, camp and governorate names, members, females and children under 18.
- XLSX: the export beside that dump and beside each XLSX writer installed writing the same
  rows alone, outside Awda (XlsxWriter constant_memory, the app's
  writer, and openpyxl write_only): the writer's own floor.
- Memory: the peak resident set (VmHWM, as the kernel counts it) of a new process that logs in
  and takes one export, per format and size; the goal is 250,000's at most 1.2 x 10,000's.

Figures are medians of --runs. Like bench/registry.py it fills a new database through
`flask demo-data` (SQLite under bench/results/, or `awda_bench` on TEST_DATABASE_URL's server),
unless --reuse, or --database (one per size, in order) names databases already filled.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_floors import FLOOR_SQL, WRITERS, dump_rows, floor_dump, read_rows, write_alone
from registry import CASEWORKER, RESULTS, build_app, database_url, fill, logged_in_client

from app.extensions import db

COLUMNS = ["case_number", "stage", "camp", "origin", "members", "females", "children"]
GOALS = {"csv": 0.5, "xlsx": 0.2}
MEMORY_GOAL = 1.2


def app_export(client, format_: str, count_xlsx: bool = True) -> tuple[int, float, float]:
    """Rows received, seconds from the form's post to the file's last byte, and the seconds of
    CPU this process spent (on SQLite the database's work is in it). An XLSX's rows are counted
    after the clock stops, unless `count_xlsx` is false: then it is -1."""
    import re

    page = client.get("/reports/cases").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(
        "/reports/cases",
        data={"columns": COLUMNS, "format": format_, "csrf_token": token},
        buffered=False,
    )
    assert response.status_code == 200, "the export was refused"
    if format_ == "csv":
        rows = sum(chunk.count(b"\n") for chunk in response.iter_encoded()) - 1
    elif count_xlsx:
        body = b"".join(response.iter_encoded())
    else:  # as a server sends it: chunk by chunk, none kept
        rows = sum(0 for _chunk in response.iter_encoded()) - 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    response.close()
    if format_ == "xlsx" and count_xlsx:
        rows = _xlsx_rows(body)
    return rows, seconds, cpu


def _xlsx_rows(body: bytes) -> int:
    """Rows of the sheet, read from its XML (a full parse would cost more than the export)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as book:
        return book.read("xl/worksheets/sheet1.xml").count(b"</row>") - 1


def peak_memory(url: str, format_: str) -> int:
    """KiB: the peak resident set of a new process that takes one export."""
    command = [sys.executable, __file__, "--child", format_, "--database", url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])["vmhwm_kib"]


def child(url: str, format_: str) -> None:
    app = build_app(url)
    client = logged_in_client(app)
    rows, _seconds, _cpu = app_export(client, format_, count_xlsx=False)
    status = Path("/proc/self/status").read_text()
    vmhwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
    print(json.dumps({"rows": rows, "vmhwm_kib": int(vmhwm.split()[1])}))


def measure(url: str, households: int, runs: int) -> dict:
    app = build_app(url)
    client = logged_in_client(app)
    with app.app_context():
        team = db.session.execute(
            sa.text("SELECT team_id FROM users WHERE username = :u"), {"u": CASEWORKER}
        ).scalar_one()
    samples = _interleaved(client, url, team, runs)
    medians = {name: _medians(runs_) for name, runs_ in samples.items()}
    floor_rows = samples["dump0"][0][0]
    dump = min((medians[f"dump{v}"] for v in range(len(FLOOR_SQL))), key=lambda m: m[0])
    for format_ in ("csv", "xlsx"):
        rows = samples[format_][0][0]
        assert rows == floor_rows, f"{format_}: {rows} rows, the dump {floor_rows}"
    rows = read_rows(url, team)
    return {
        "backend": sa.make_url(url).get_backend_name(),
        "households": households,
        "rows": floor_rows,
        "dump": dump[0],
        "csv": medians["csv"][0],
        "xlsx": medians["xlsx"][0],
        "cpu": {"dump": dump[1], "csv": medians["csv"][1], "xlsx": medians["xlsx"][1]},
        "writers": {
            name: statistics.median(write_alone(name, rows) for _ in range(max(1, runs // 2)))
            for name in WRITERS
        },
        "memory": {f: peak_memory(url, f) for f in ("csv", "xlsx")},
    }


def _medians(samples: list[tuple]) -> tuple[float, float | None]:
    """Median wall and CPU seconds of (rows, wall, CPU or None) samples."""
    cpu = [s[2] for s in samples if s[2] is not None]
    return statistics.median(s[1] for s in samples), statistics.median(cpu) if cpu else None


def _interleaved(client, url: str, team: int, runs: int) -> dict[str, list]:
    """(rows, seconds) of every dump and export, in turns, so that a change of load on a
    shared machine falls on all alike; after one export that warms the caches, as a server
    that has been up a while would have them."""
    app_export(client, "csv")
    samples: dict[str, list] = {}
    for _ in range(runs):
        for variant in range(len(FLOOR_SQL)):
            samples.setdefault(f"dump{variant}", []).append(floor_dump(url, team, variant))
        for format_ in ("csv", "xlsx"):
            samples.setdefault(format_, []).append(app_export(client, format_))
    return samples


def report(figures: dict) -> None:
    rows, dump = figures["rows"], figures["dump"]
    title = f"{figures['backend']}, {figures['households']:,} households ({rows:,} rows)"
    print(f"\n{title}")
    print(f"  database's own CSV dump:   {dump_rows(rows, dump)}")
    for format_ in ("csv", "xlsx"):
        ratio = dump / figures[format_]
        print(
            f"  app {format_.upper():4}                  {dump_rows(rows, figures[format_])}"
            f"  = {ratio:.2f} x the dump (goal >= {GOALS[format_]})"
        )
    for name, seconds in figures["writers"].items():
        print(f"  {name} alone:{' ' * (24 - len(name))}{dump_rows(rows, seconds)}")
    fastest = min(figures["writers"].values(), default=None)
    if fastest:
        print(f"  app XLSX / fastest writer alone: {fastest / figures['xlsx']:.2f}")
    cpu = figures["cpu"]
    if cpu["dump"] is not None:  # SQLite: all the work is in this process or the shell's
        print(
            f"  CPU time: dump {cpu['dump']:.2f} s, CSV {cpu['csv']:.2f} s"
            f" ({cpu['dump'] / cpu['csv']:.2f} x), XLSX {cpu['xlsx']:.2f} s"
            f" ({cpu['dump'] / cpu['xlsx']:.2f} x)"
        )
    memory = figures["memory"]
    print(f"  peak RSS: CSV {memory['csv'] / 1024:.0f} MiB, XLSX {memory['xlsx'] / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, nargs="+", default=[10_000])
    parser.add_argument("--database", action="append", default=[])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="measure existing databases")
    parser.add_argument("--child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.database[0], args.child)
        return
    measured = []
    for i, households in enumerate(args.households):
        url = args.database[i] if i < len(args.database) else None
        if url is None and args.reuse:
            url = f"sqlite:///{RESULTS / f'bench-{households}.sqlite3'}"
        if url is None:
            url = database_url(None, households)
            fill(build_app(url), households)
        measured.append(measure(url, households, args.runs))
        report(measured[-1])
    if len(measured) > 1:
        small, large = measured[0], measured[-1]
        for format_ in ("csv", "xlsx"):
            ratio = large["memory"][format_] / small["memory"][format_]
            print(
                f"peak RSS {format_.upper()}, {large['households']:,} / {small['households']:,}"
                f" households: {ratio:.2f} (goal <= {MEMORY_GOAL})"
            )


if __name__ == "__main__":
    main()
