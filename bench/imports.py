"""Intake benchmark: a 20,000-row Arabic transfer list, read and checked (the preview), beside
reading the file alone (the floor), on SQLite and PostgreSQL.

    python bench/imports.py [--rows 20000] [--households 5000] [--database URL] [--reuse]

The list is made here from the demo name lists: families of a head, a spouse and children,
with a household column, a full name, the mother's name, a birth date written as lists write it
(day first, a year alone, Arabic-Indic digits), sex, relationship and governorate, in XLSX and
in Windows-1256 CSV. 200 bad cells are planted in 200 rows (31 February, a date after today, a
relationship word Awda does not know, a sex it cannot read); the benchmark counts how many the
preview reports at their row and column. Each format is measured in a process of its own, so
that its peak memory (the OS's maximum resident set size) is its own.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.demo.names import FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN
from bench.registry import RESULTS, build_app, database_url, fill

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
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "found": len(planted & reported),
        "households": found.households,
        "duplicates": len(found.duplicates),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=5_000, help="registered already")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database")
    parser.add_argument("--reuse", action="store_true", help="use a filled database as it is")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)  # url, file, planted
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]), Path(args.measure[2]))))
        return
    if args.reuse:
        url = args.database or f"sqlite:///{RESULTS / f'bench-{args.households}.sqlite3'}"
    else:
        url = database_url(args.database, args.households)
        fill(build_app(url), args.households)
    RESULTS.mkdir(exist_ok=True)
    rows, planted = make_list(args.rows)
    planted_file = RESULTS / "planted.json"
    planted_file.write_text(json.dumps(sorted(planted)))
    files = {"XLSX": RESULTS / "list.xlsx", "CSV (Windows-1256)": RESULTS / "list.csv"}
    write_xlsx(rows, files["XLSX"])
    write_csv(rows, files["CSV (Windows-1256)"])
    dialect = sa.make_url(url).get_backend_name()
    print(f"{dialect}; a list of {args.rows:,} rows; {args.households:,} households registered")
    print(f"{'format':<20}{'read alone':>12}{'preview':>10}{'peak RSS':>10}{'errors found':>14}")
    for label, path in files.items():
        runs = [_run(url, path, planted_file) for _ in range(args.runs)]
        read = statistics.median(r["read"] for r in runs)
        checked = statistics.median(r["preview"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        found = runs[-1]["found"]
        print(
            f"{label:<20}{read:>10.1f} s{checked:>8.1f} s{peak:>7.0f} MB{found:>8} of {BAD_CELLS}"
        )
    last = runs[-1]
    print(f"{last['households']:,} households whole; {last['duplicates']:,} rows with candidates")


def _run(url: str, path: Path, planted_file: Path) -> dict:
    """One measurement in a fresh process (its own peak memory)."""
    command = [sys.executable, __file__, "--measure", url, str(path), str(planted_file)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603  (this very script)
    return json.loads(output.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
