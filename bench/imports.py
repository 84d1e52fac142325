"""Intake benchmark: a 20,000-row Arabic transfer list, read and checked (the preview), beside
reading the file alone (the floor), then committed, beside the database's own bulk load of the
same rows (the floor), and imported a second time, on SQLite and PostgreSQL.

    python bench/imports.py [--rows 20000] [--households 5000] [--runs 3] [--database URL]
                            [--reuse] [--no-preview | --no-commit]

The list is made here from the demo name lists: families of a head, a spouse and children,
with a household column, a full name, the mother's name, a birth date written as lists write it
(day first, a year alone, Arabic-Indic digits), sex, relationship and governorate, in XLSX and
in Windows-1256 CSV. 200 bad cells are planted in 200 rows (31 February, a date after today, a
relationship word Awda does not know, a sex it cannot read); the benchmark counts how many the
preview reports at their row and column. Each format is measured in a process of its own, so
that its peak memory (the OS's high-water mark of resident memory, VmHWM) is its own.

The commit (of the XLSX list) is measured on a fresh copy of the filled database each run (a
copied SQLite file; on PostgreSQL a database made from the filled one as its template): one
process receives, checks and queues the list as the import page does, another runs the chunked
commit to its end (its peak memory is the commit's own). In that process, after the commit, the
same list is imported again (preview time, households and persons it creates: it must create
none), and the households and persons the commit created are loaded again by the database's
own bulk load (COPY FROM STDIN on PostgreSQL, executemany of plain INSERTs on SQLite) into
scratch tables with the columns, indexes and constraints of `households` and `members` (not the
SQLite search index's trigger), in one transaction: the floor. Rows/s are persons written.
The figures are written to bench/results/imports-<database>.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.demo.names import FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN
from bench.registry import RESULTS, build_app, database_url, fill

SOURCE = "Bench transfer lists"
SUPERVISOR = "supervisor.a"

HEADERS = ["ت", "رقم العائلة", "الاسم الرباعي", "اسم الأم", "المواليد", "الجنس", "صلة القرابة"]
HEADERS += ["المحافظة"]
GOVERNORATES = ("نينوى", "الأنبار", "صلاح الدين", "كركوك", "ديالى")
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# (column, bad value): each planted in its own row.
PLANTED = (
    ("المواليد", "31/02/1990"),
    ("المواليد", "12/12/2099"),
    ("صلة القرابة", "جار"),
    ("الجنس", "؟"),
)
BAD_CELLS = 200


def make_list(rows: int, seed: int = 5) -> tuple[list[list[str]], set[tuple[int, str]]]:
    """The list's rows and the (spreadsheet row, column) of each planted bad cell."""
    rng = random.Random(seed)
    table: list[list[str]] = []
    family = 0
    while len(table) < rows:
        family += 1
        table += _family(rng, family, len(table))
    table = table[:rows]
    planted: set[tuple[int, str]] = set()
    for index, row_index in enumerate(rng.sample(range(len(table)), BAD_CELLS)):
        column, value = PLANTED[index % len(PLANTED)]
        table[row_index][HEADERS.index(column)] = value
        planted.add((row_index + 2, column))  # the header is row 1
    return table, planted


def _family(rng: random.Random, number: int, serial: int) -> list[list[str]]:
    family_name = rng.choice(FAMILY_NAMES)[0]
    husband, grandfather = rng.choice(MALE_GIVEN)[0], rng.choice(MALE_GIVEN)[0]
    mother = f"{rng.choice(FEMALE_GIVEN)[0]} {rng.choice(MALE_GIVEN)[0]}"
    head = f"{mother} {rng.choice(MALE_GIVEN)[0]} {rng.choice(FAMILY_NAMES)[0]}"
    governorate = rng.choice(GOVERNORATES)
    ref = f"F-{number:05d}"
    rows = [[ref, head, f"{rng.choice(FEMALE_GIVEN)[0]} علي", _born(rng, 25, 55), "أنثى",
             "ربة الأسرة", governorate]]  # fmt: skip
    for _ in range(rng.randint(0, 6)):
        sex = rng.choice("MF")
        given = rng.choice(MALE_GIVEN if sex == "M" else FEMALE_GIVEN)[0]
        rows.append(
            [ref, f"{given} {husband} {grandfather} {family_name}", head, _born(rng, 0, 20),
             "ذكر" if sex == "M" else "أنثى", "ابن" if sex == "M" else "ابنة", governorate]
        )  # fmt: skip
    return [[str(serial + i + 1), *row] for i, row in enumerate(rows)]


def _born(rng: random.Random, youngest: int, oldest: int) -> str:
    year = 2026 - rng.randint(youngest, oldest)
    kind = rng.random()
    if kind < 0.3:
        return str(year)
    text = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"
    return text.translate(INDIC) if kind > 0.8 else text


def write_xlsx(rows: list[list[str]], path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("القائمة")
    for column, header in enumerate(HEADERS):
        sheet.write_string(0, column, header)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write_string(index, column, value)
    book.close()


def write_csv(rows: list[list[str]], path: Path) -> None:
    """Windows-1256 has no Arabic-Indic digits: a list saved in it carries ASCII ones."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    ascii_digits = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
    path.write_bytes(buffer.getvalue().translate(ascii_digits).encode("cp1256"))


def measure(url: str, path: Path, planted_file: Path) -> dict:
    """In this process: read the file alone (the floor), then read and preview it."""
    from app.auth.services import find_user
    from app.extensions import db
    from app.imports.headers import match_headers
    from app.imports.preview import ListChoices, preview
    from app.imports.reading import read_table
    from app.reference.models import Camp

    planted = {tuple(p) for p in json.loads(planted_file.read_text())}
    data = path.read_bytes()
    app = build_app(url)
    with app.app_context():
        started = time.perf_counter()
        table = read_table(data, path.name)
        read_seconds = time.perf_counter() - started
        actor = find_user("supervisor.a")
        camp = db.session.scalar(sa.select(Camp.id).where(~Camp.is_centre).limit(1))
        started = time.perf_counter()
        found = preview(table, match_headers(table.headers), ListChoices(camp_id=camp), actor)
        preview_seconds = read_seconds + time.perf_counter() - started
    reported = {(p.row, p.column) for p in found.problems}
    return {
        "read": read_seconds,
        "preview": preview_seconds,
        "peak_mb": peak_mb(),
        "found": len(planted & reported),
        "households": found.households,
        "duplicates": len(found.duplicates),
    }


def peak_mb() -> float:
    """This process's peak resident set size. Linux's ru_maxrss carries the parent's peak over
    fork and exec (a child of a parent that filled the database reported the parent's 216 MB);
    VmHWM is this program's own."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1)) / 1024


def _import_app(url: str, folder: Path):
    app = build_app(url)
    app.config["IMPORT_FOLDER"] = str(folder)
    return app


def _first_camp() -> int:
    from app.extensions import db
    from app.reference.models import Camp

    return db.session.scalar(sa.select(Camp.id).where(~Camp.is_centre).order_by(Camp.id).limit(1))


def prepare(url: str, path: Path, folder: Path) -> dict:
    """In this process: receive, check and queue the list, as the import page does."""
    from app.auth.services import find_user
    from app.core.cli_support import run_in_transaction
    from app.imports import services
    from app.imports.preview import ListChoices

    with _import_app(url, folder).app_context():
        actor = find_user(SUPERVISOR)
        choices = ListChoices(camp_id=_first_camp())

        def check():
            started = time.perf_counter()
            imported, table = services.receive(path.read_bytes(), path.name, SOURCE, choices, actor)
            found = services.check(imported, table, actor)
            seconds = time.perf_counter() - started
            services.queue_commit(imported, actor, launch=False)
            return imported.id, found, seconds

        import_id, found, seconds = run_in_transaction(check)
    return {
        "import_id": import_id,
        "checked": seconds,
        "new": found.households,
        "persons": found.members,
        "families": len(found.families),
    }


def commit_run(url: str, import_id: int, path: Path, folder: Path) -> dict:
    """In this process: the queued commit run to its end; then the list imported again, and
    the floor."""
    from app.extensions import db
    from app.imports import commit
    from app.imports.models import ListImport

    with _import_app(url, folder).app_context():
        before = _counts()
        started = time.perf_counter()
        commit.commit_list(import_id)
        seconds = time.perf_counter() - started
        peak = peak_mb()
        done = db.session.get(ListImport, import_id)
        after = _counts()
        result = {
            "commit": seconds,
            "commit_peak_mb": peak,
            "status": done.status,
            "created": done.created,
            "updated": done.updated,
            "unchanged": done.unchanged,
            "skipped": done.skipped,
            "households_written": after[0] - before[0],
            "persons_written": after[1] - before[1],
        }
        db.session.commit()
        result |= _import_again(path, done.camp_id)
        result |= _floor(import_id)
    return result


def _counts() -> tuple[int, int]:
    from app.extensions import db
    from app.registry.models import Household, Member

    count = sa.func.count()
    return (
        db.session.scalar(sa.select(count).select_from(Household)),
        db.session.scalar(sa.select(count).select_from(Member)),
    )


def _import_again(path: Path, camp_id: int) -> dict:
    """The same list from the same source once more: its preview, then its commit if the
    preview finds anything to write (it must not), and what it created."""
    from app.audit import services as audit
    from app.auth.services import find_user
    from app.core.validation import ValidationFailed
    from app.extensions import db
    from app.imports import commit, services
    from app.imports.preview import ListChoices

    actor = find_user(SUPERVISOR)
    before = _counts()
    started = time.perf_counter()
    imported, table = services.receive(
        path.read_bytes(), path.name, SOURCE, ListChoices(camp_id=camp_id), actor
    )
    found = services.check(imported, table, actor)
    seconds = time.perf_counter() - started
    audit.write_buffer(committed=True)
    db.session.commit()
    try:
        services.queue_commit(imported, actor, launch=False)
    except ValidationFailed:
        db.session.rollback()
        refused = True
    else:
        audit.write_buffer(committed=True)
        db.session.commit()
        commit.commit_list(imported.id)
        refused = False
    after = _counts()
    return {
        "again_preview": seconds,
        "again_new": found.households,
        "again_updates": found.updates,
        "again_unchanged": found.unchanged,
        "again_refused": refused,
        "again_households": after[0] - before[0],
        "again_persons": after[1] - before[1],
    }


def _floor(import_id: int) -> dict:
    """The households and persons the import created, loaded again by the database's own bulk
    load into scratch tables shaped as `households` and `members`, in one transaction."""
    from app.extensions import db

    chosen = "SELECT household_id FROM import_source_keys WHERE import_id = :import_id"
    loads = {}
    for table, where in (("households", "id"), ("members", "household_id")):
        read = db.session.execute(
            sa.text(f"SELECT * FROM {table} WHERE {where} IN ({chosen})"), {"import_id": import_id}
        )
        loads[table] = (list(read.keys()), [tuple(row) for row in read])
    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        postgres = db.engine.dialect.name == "postgresql"
        cursor = raw.driver_connection.cursor()
        for table in loads:
            (_scratch_postgres if postgres else _scratch_sqlite)(cursor, table)
        raw.driver_connection.commit()
        started = time.perf_counter()
        if not postgres and not raw.driver_connection.in_transaction:
            cursor.execute("BEGIN")
        for table, (columns, rows) in loads.items():
            names = ", ".join(f'"{c}"' for c in columns)
            if postgres:
                with cursor.copy(f"COPY bench_{table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f"INSERT INTO bench_{table} ({names}) VALUES ({marks})", rows)
        raw.driver_connection.commit()
        seconds = time.perf_counter() - started
        for table in reversed(loads):
            cursor.execute(f"DROP TABLE bench_{table}")
        raw.driver_connection.commit()
    finally:
        raw.close()
    return {
        "floor": seconds,
        "floor_households": len(loads["households"][1]),
        "floor_persons": len(loads["members"][1]),
    }


def _scratch_postgres(cursor, table: str) -> None:
    """bench_<table>: the table's columns, defaults, indexes and checks, and its foreign keys."""
    cursor.execute(f"DROP TABLE IF EXISTS bench_{table}")
    cursor.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
    keys = cursor.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'f'",
        (table,),
    ).fetchall()
    for number, (definition,) in enumerate(keys):
        cursor.execute(
            f"ALTER TABLE bench_{table} ADD CONSTRAINT bench_{table}_fk{number} {definition}"
        )


def _scratch_sqlite(cursor, table: str) -> None:
    """bench_<table>: the table as created (columns, keys, constraints) and its indexes."""
    cursor.execute(f"DROP TABLE IF EXISTS bench_{table}")
    made = cursor.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL", (table,)
    ).fetchall()
    for kind, sql in sorted(made, key=lambda m: m[0] != "table"):
        if kind == "table":
            sql = re.sub(rf'^CREATE TABLE "?{table}"?', f'CREATE TABLE "bench_{table}"', sql)
        elif kind == "index":
            sql = re.sub(
                rf'^CREATE (UNIQUE )?INDEX "?(\w+)"? ON "?{table}"?',
                rf'CREATE \1INDEX "bench_\2" ON "bench_{table}"',
                sql,
            )
        else:
            continue  # the search index's triggers
        cursor.execute(sql)


def fresh_copy(url: str) -> str:
    """A copy of the filled database, for one commit to write into."""
    filled = sa.make_url(url)
    if filled.get_backend_name() == "sqlite":
        source = Path(filled.database)
        copy = source.with_name(f"{source.stem}-commit{source.suffix}")
        shutil.copyfile(source, copy)
        return filled.set(database=str(copy)).render_as_string(hide_password=False)
    copy = f"{filled.database}_commit"
    with _admin(filled) as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{copy}" TEMPLATE "{filled.database}"'))
    return filled.set(database=copy).render_as_string(hide_password=False)


def drop_copy(url: str) -> None:
    copy = sa.make_url(url)
    if copy.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{copy.database}{suffix}").unlink(missing_ok=True)
        return
    with _admin(copy) as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy.database}" WITH (FORCE)'))


class _admin:
    """A connection to the server's `postgres` database, outside any transaction."""

    def __init__(self, url: sa.URL):
        self.engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def __enter__(self):
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *_exc) -> None:
        self.connection.close()
        self.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=5_000, help="registered already")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database")
    parser.add_argument("--reuse", action="store_true", help="use a filled database as it is")
    parser.add_argument("--no-commit", action="store_true", help="measure the preview only")
    parser.add_argument("--no-preview", action="store_true", help="measure the commit only")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)  # url, file, planted
    parser.add_argument("--prepare", nargs=3, help=argparse.SUPPRESS)  # url, file, folder
    parser.add_argument("--commit", nargs=4, help=argparse.SUPPRESS)  # url, import, file, folder
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]), Path(args.measure[2]))))
        return
    if args.prepare:
        url, path, folder = args.prepare
        print(json.dumps(prepare(url, Path(path), Path(folder))))
        return
    if args.commit:
        url, import_id, path, folder = args.commit
        print(json.dumps(commit_run(url, int(import_id), Path(path), Path(folder))))
        return
    if args.reuse:
        url = args.database or f"sqlite:///{RESULTS / f'bench-{args.households}.sqlite3'}"
    else:
        url = database_url(args.database, args.households)
        app = build_app(url)
        fill(app, args.households)
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()  # a PostgreSQL template must have no one connected
    RESULTS.mkdir(exist_ok=True)
    rows, planted = make_list(args.rows)
    planted_file = RESULTS / "planted.json"
    planted_file.write_text(json.dumps(sorted(planted)))
    files = {"XLSX": RESULTS / "list.xlsx", "CSV (Windows-1256)": RESULTS / "list.csv"}
    write_xlsx(rows, files["XLSX"])
    write_csv(rows, files["CSV (Windows-1256)"])
    dialect = sa.make_url(url).get_backend_name()
    print(f"{dialect}; a list of {args.rows:,} rows; {args.households:,} households registered")
    figures: dict = {"database": dialect, "rows": args.rows, "households": args.households}
    figures["runs"] = args.runs
    if not args.no_preview:
        figures["preview"] = preview_figures(url, files, planted_file, args.runs)
    if not args.no_commit:
        figures["commit"] = commit_figures(url, files["XLSX"], args.runs, dialect)
    goals(figures)
    out = RESULTS / f"imports-{dialect}.json"
    out.write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    print(f"written to {out.relative_to(RESULTS.parents[1])}")


def preview_figures(url: str, files: dict[str, Path], planted_file: Path, runs: int) -> dict:
    print(f"{'format':<20}{'read alone':>12}{'preview':>10}{'peak RSS':>10}{'errors found':>14}")
    figures = {}
    for label, path in files.items():
        measured = [_child("--measure", url, str(path), str(planted_file)) for _ in range(runs)]
        read = statistics.median(r["read"] for r in measured)
        checked = statistics.median(r["preview"] for r in measured)
        peak = max(r["peak_mb"] for r in measured)
        found = measured[-1]["found"]
        print(
            f"{label:<20}{read:>10.1f} s{checked:>8.1f} s{peak:>7.0f} MB{found:>8} of {BAD_CELLS}"
        )
        figures[label] = {"read": read, "preview": checked, "peak_mb": peak, "found": found}
        figures[label] |= {"households": measured[-1]["households"], "runs": measured}
    last = measured[-1]
    print(f"{last['households']:,} households whole; {last['duplicates']:,} rows with candidates")
    return figures


def commit_figures(url: str, path: Path, runs: int, dialect: str) -> dict:
    """Each run: a fresh copy of the filled database, the list checked and queued in one
    process, committed (then imported again, then the floor) in another."""
    measured = []
    with tempfile.TemporaryDirectory(prefix="awda-imports-") as folder:
        for _ in range(runs):
            copy = fresh_copy(url)
            try:
                prepared = _child("--prepare", copy, str(path), folder)
                committed = _child("--commit", copy, str(prepared["import_id"]), str(path), folder)
            finally:
                drop_copy(copy)
            measured.append(prepared | committed)
    seconds = statistics.median(r["commit"] for r in measured)
    floor = statistics.median(r["floor"] for r in measured)
    peak = max(r["commit_peak_mb"] for r in measured)
    last = measured[-1]
    persons = last["persons_written"]
    load = "COPY FROM STDIN" if dialect == "postgresql" else "executemany INSERT"
    print(f"commit of the XLSX list, median of {runs}, each on a fresh copy of the database")
    print(f"{'':<28}{'time':>9}{'rows/s':>9}{'peak RSS':>10}")
    print(f"{'app (chunks of 100)':<28}{seconds:>7.1f} s{persons / seconds:>9,.0f}{peak:>7.0f} MB")
    print(
        f"{load + ' (floor)':<28}{floor:>7.2f} s{persons / floor:>9,.0f}"
        f"   app takes {seconds / floor:,.0f}x the floor"
    )
    print(
        f"{last['created']:,} households created ({persons:,} persons), {last['updated']:,} "
        f"updated, {last['unchanged']:,} unchanged, {last['skipped']:,} skipped; {last['status']}"
    )
    refused = "refused: nothing to write" if last["again_refused"] else "committed"
    print(
        f"imported again: preview {statistics.median(r['again_preview'] for r in measured):.1f} s;"
        f" {last['again_new']:,} new, {last['again_updates']:,} changed, "
        f"{last['again_unchanged']:,} unchanged ({refused}); {last['again_households']:,} "
        f"households and {last['again_persons']:,} persons created"
    )
    return {
        "commit": seconds,
        "commit_rows_per_s": persons / seconds,
        "peak_mb": peak,
        "floor": floor,
        "floor_load": load,
        "floor_rows_per_s": persons / floor,
        "again_households": last["again_households"],
        "again_persons": last["again_persons"],
        "again_preview": statistics.median(r["again_preview"] for r in measured),
        "runs": measured,
    }


def goals(figures: dict) -> None:
    """W2.4's goals on this 2-core machine, met or not."""
    met = []
    preview = figures.get("preview", {})
    if preview:
        met.append(("preview <= 30 s", max(f["preview"] for f in preview.values()) <= 30))
        met.append(("200 of 200 errors", all(f["found"] == BAD_CELLS for f in preview.values())))
        peak = max(f["peak_mb"] for f in preview.values())
    committed = figures.get("commit")
    if committed:
        met.append(("commit <= 60 s", committed["commit"] <= 60))
        peak = max(peak, committed["peak_mb"]) if preview else committed["peak_mb"]
        met.append(("0 rows created again", committed["again_households"] == 0))
    if preview or committed:
        met.append(("peak < 300 MB", peak < 300))
    print("goals: " + "; ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in met))
    figures["goals"] = dict(met)


def _child(*arguments: str) -> dict:
    """One measurement in a fresh process (its own peak memory)."""
    command = [sys.executable, __file__, *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  (this very script)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{arguments[0]} failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
