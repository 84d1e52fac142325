"""Where a household page's time goes, by library: the CPU of serving the page, sampled, each
sample charged to the code that was running, beside the do-nothing route's CPU (the floor).

    python bench/page_costs.py [--households 250000] [--database URL] [--pages 1000] [--json F]

It reads a database filled by bench/registry.py (the SQLite file of that size under
bench/results/ unless --database is given) and asks for the pages of a caseworker's households
in turn through the app's test client, as bench/registry.py does.

How it samples: a CPU-time timer (ITIMER_PROF, every 0.5 ms of the process's CPU) interrupts
the request; the handler charges the sample to the package of the Python frame it stopped in.
The kernel delivers the timer at its own tick (about every 4 ms here), so a run of 1,000 pages
gives some 3,500 samples. A call into C (the database driver's execute and fetch, the commit)
is charged to the Python frame that made it: SQLAlchemy's few functions that call the driver
count as "database driver".
Sampling does not slow the code it measures the way a tracing profiler (cProfile) does, which
inflates code made of many small calls (SQLAlchemy's, Jinja's) several times over.

Writes its figures to --json, by default bench/results/page-costs-<database>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.extensions import db
from bench.registry import CASEWORKER, RESULTS, build_app, logged_in_client

SAMPLE_EVERY = 0.0005  # seconds of CPU
# SQLAlchemy's functions that hand a statement to the driver or read its rows: time sampled in
# them is the driver's and the database's (SQLite runs inside the process).
DRIVER_CALLS = frozenset(
    {
        "do_execute",
        "do_executemany",
        "do_execute_no_params",
        "do_commit",
        "do_rollback",
        "_fetchall_impl",
        "_fetchone_impl",
        "_fetchmany_impl",
        "fetchall",
        "fetchone",
        "fetchmany",
    }
)
# Package -> the line of the report it counts under.
OWNERS = {
    "sqlalchemy": "SQLAlchemy (statements, ORM, results)",
    "psycopg": "database driver and database",
    "psycopg_pool": "database driver and database",
    "jinja2": "Jinja, MarkupSafe, Babel (templates)",
    "markupsafe": "Jinja, MarkupSafe, Babel (templates)",
    "babel": "Jinja, MarkupSafe, Babel (templates)",
    "flask_babel": "Jinja, MarkupSafe, Babel (templates)",
    "pytz": "Jinja, MarkupSafe, Babel (templates)",
    "werkzeug": "Flask, Werkzeug and extensions (request cycle)",
    "flask": "Flask, Werkzeug and extensions (request cycle)",
    "flask_login": "Flask, Werkzeug and extensions (request cycle)",
    "flask_wtf": "Flask, Werkzeug and extensions (request cycle)",
    "wtforms": "Flask, Werkzeug and extensions (request cycle)",
    "flask_limiter": "Flask, Werkzeug and extensions (request cycle)",
    "limits": "Flask, Werkzeug and extensions (request cycle)",
    "flask_compress": "Flask, Werkzeug and extensions (request cycle)",
    "itsdangerous": "Flask, Werkzeug and extensions (request cycle)",
    "flask_sqlalchemy": "SQLAlchemy (statements, ORM, results)",
}
AWDA_CODE = "Awda's own code (services, policy, templates' logic)"
DRIVER = "database driver and database"
OTHER = "Python's standard library and the rest"


def owner_of(frame) -> str:
    """The report line a sample stopped in `frame` counts under."""
    path = frame.f_code.co_filename
    if "site-packages/" in path:
        package = path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
        if package == "sqlalchemy" and frame.f_code.co_name in DRIVER_CALLS:
            return DRIVER
        return OWNERS.get(package, OTHER)
    if "/app/" in path and "/bench/" not in path:
        return AWDA_CODE
    return OTHER


def sampled(request, pages: int) -> tuple[Counter, list[float], list[float]]:
    """Serve `pages` pages with the sampler on: (samples per report line, CPU ms and wall ms
    of each page)."""
    samples: Counter = Counter()
    signal.signal(signal.SIGPROF, lambda _signal, frame: samples.update([owner_of(frame)]))
    cpu, wall = [], []
    signal.setitimer(signal.ITIMER_PROF, SAMPLE_EVERY, SAMPLE_EVERY)
    try:
        for _ in range(pages):
            started_cpu, started = time.process_time(), time.perf_counter()
            request()
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
    return samples, cpu, wall


def unsampled_cpu(request, pages: int) -> float:
    """Median CPU ms of `request`, the sampler off."""
    times = []
    for _ in range(pages):
        started = time.process_time()
        request()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=250_000)
    parser.add_argument("--database")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="where to write the figures")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{RESULTS / f'bench-{args.households}.sqlite3'}"
    app = build_app(url)
    client = logged_in_client(app)
    with app.app_context():
        team = db.session.scalar(
            sa.text("SELECT team_id FROM users WHERE username = :u"), {"u": CASEWORKER}
        )
        ids = db.session.scalars(
            sa.text("SELECT id FROM households WHERE team_id = :t ORDER BY id DESC LIMIT 2000"),
            {"t": team},
        ).all()
        dialect = db.engine.dialect.name
    chosen = iter(random.Random(7).choices(ids, k=args.pages * 3 + 40))

    def page() -> None:
        assert client.get(f"/households/{next(chosen)}").status_code == 200

    def nothing() -> None:
        client.get("/bench/nothing")

    for _ in range(20):
        page(), nothing()
    page_cpu, floor_cpu = unsampled_cpu(page, args.pages), unsampled_cpu(nothing, args.pages)
    samples, _cpu, _wall = sampled(page, args.pages)
    report = _report(dialect, page_cpu, floor_cpu, samples)
    report.update(_one_page(app, client, ids[0]))
    report.update(statement_floor(app, ids[:200]))
    _print(report)
    RESULTS.mkdir(exist_ok=True)
    kept = args.json or RESULTS / f"page-costs-{dialect}.json"
    kept.write_text(json.dumps(report, indent=2))


def statement_floor(app, ids: list[int], runs: int = 2000) -> dict:
    """SQLAlchemy's least cost for a statement, the floor under its share of the page: one
    household by key, through the ORM session, the statement built once and reused (so its
    cache key and compiled form are made once); beside the same through Core, and the driver
    alone. Medians, ms of CPU."""
    from app.registry.models import Household

    by_key = sa.select(Household).where(Household.id == sa.bindparam("id"))
    core = sa.select(*Household.__table__.c).where(Household.__table__.c.id == sa.bindparam("id"))
    with app.app_context():
        session = db.session
        raw = session.connection().connection.dbapi_connection
        sql = str(core.compile(db.engine))
        style = db.engine.dialect.paramstyle
        parameter = {"qmark": lambda i: (i,), "named": lambda i: {"id": i}}.get(
            style, lambda i: {"id": i}
        )

        def orm(i):
            session.execute(by_key, {"id": i}).scalars().all()
            session.expunge_all()

        def through_core(i):
            session.execute(core, {"id": i}).all()

        def driver(i):
            cursor = raw.cursor()
            cursor.execute(sql, parameter(i))
            cursor.fetchall()

        figures = {
            name: _median_cpu(call, ids, runs)
            for name, call in (("orm", orm), ("core", through_core), ("driver", driver))
        }
        session.rollback()
    return {f"statement_{name}_ms": value for name, value in figures.items()}


def _median_cpu(call, ids: list[int], runs: int) -> float:
    for i in ids[:50]:
        call(i)
    times = []
    for n in range(runs):
        started = time.process_time()
        call(ids[n % len(ids)])
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def _one_page(app, client, household_id: int) -> dict:
    """The statements one page sends and the size of its HTML."""
    sent = []
    with app.app_context():
        engine = db.engine
    listener = lambda *_args: sent.append(1)  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        html = client.get(f"/households/{household_id}").get_data()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return {"statements": len(sent), "html_kb": len(html) / 1024}


def _report(dialect: str, page_cpu: float, floor_cpu: float, samples: Counter) -> dict:
    total = sum(samples.values())
    shares = {line: count / total for line, count in samples.most_common()}
    awda = shares.get(AWDA_CODE, 0.0)
    return {
        "database": dialect,
        "page_cpu_ms": page_cpu,
        "floor_cpu_ms": floor_cpu,
        "samples": total,
        "shares": shares,
        "page_without_awda_code_ms": page_cpu * (1 - awda),
    }


def _print(report: dict) -> None:
    page, floor = report["page_cpu_ms"], report["floor_cpu_ms"]
    print(
        f"database: {report['database']}; household page CPU median {page:.1f} ms,"
        f" do-nothing route {floor:.1f} ms; {report['samples']} samples"
    )
    for line, share in report["shares"].items():
        print(f"  {line:<56}{share * 100:>6.1f}%{share * page:>8.1f} ms")
    statements = report["statements"]
    sqlalchemy = report["shares"].get(OWNERS["sqlalchemy"], 0.0) * page
    print(
        f"one household by key, the statement built once: {report['statement_orm_ms']:.3f} ms"
        f" through the ORM, {report['statement_core_ms']:.3f} ms through Core,"
        f" {report['statement_driver_ms']:.3f} ms the driver alone"
    )
    print(
        f"{statements} statements a page (the commit's included): SQLAlchemy's Python"
        f" {sqlalchemy / statements:.2f} ms a statement; {report['html_kb']:.0f} KB of HTML;"
        f" the page if Awda's own code cost nothing: {report['page_without_awda_code_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
