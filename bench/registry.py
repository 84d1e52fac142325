"""Registry benchmark: the case list, name searches and a household page, served by the app,
beside the same data read with hand-written SQL on the same database (bench/registry_sql.py),
and beside a do-nothing route of the same app (the floor: session, user, request cycle).

    python bench/registry.py [--households 100000] [--runs 40] [--database URL] [--reuse]

Without --database it uses a new SQLite file under bench/results/; under scripts/with-postgres
(TEST_DATABASE_URL set) it makes a database `awda_bench` on that server. The database is filled
through `flask demo-data`, as an operator would. Each run also counts a household page's
statements (for the household with fewest and most members) and permission checks, and writes
its figures to bench/results/registry-<database>-<households>.json. With --against URL (the
same data at another size) it times the two case lists in turn and prints their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_login import login_required

import config
from app import create_app
from app.demo.reference import DEMO_PASSWORD
from app.extensions import db
from bench.registry_sql import SCOPE, household_page

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
RESULTS = Path(__file__).resolve().parent / "results"
CASEWORKER = "caseworker.a1"
# Common and rare names in both scripts, a compound typed joined, a Latin spelling found by its
# skeleton, a camp ID typed without its dash; a case number is added from the data.
SEARCHES = ("احمد الجبوري", "mohammed", "فاطمه", "عبدالرحمن", "Zeinab", "Abd al-Rahman")


def database_url(requested: str | None, households: int) -> str:
    if requested:
        return requested
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text("DROP DATABASE IF EXISTS awda_bench WITH (FORCE)"))
            connection.execute(sa.text("CREATE DATABASE awda_bench"))
        admin.dispose()
        return sa.make_url(server).set(database="awda_bench").render_as_string(False)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{households}.sqlite3"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def build_app(url: str):
    settings = config.DevelopmentConfig()
    settings.SQLALCHEMY_DATABASE_URI = url
    settings.LOG_LEVEL = "WARNING"
    app = create_app(settings)
    # The floor: what any signed-in request costs before a page does anything.
    app.add_url_rule("/bench/nothing", "bench_nothing", login_required(lambda: ""))
    return app


def fill(app, households: int) -> float:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["demo-data", "--households", str(households)])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return time.perf_counter() - started


def logged_in_client(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": CASEWORKER, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, "benchmark login failed"
    return client


def search_url(client, query: str) -> str:
    """Post the search once, as the page does; the list is then read at the URL it gives."""
    page = client.get("/households/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = client.post("/households/search", data={"q": query, "csrf_token": token})
    assert sent.status_code == 303, "benchmark search failed"
    return sent.headers["Location"]


def in_turn(functions: list, runs: int) -> list[tuple[float, float]]:
    """(median, 95th percentile) in ms of each function, called one after the other `runs`
    times: figures compared with each other are taken under the same load of the machine."""
    for function in functions:
        function()  # warm caches, as a server that has been up a while would be
    samples: list[list[float]] = [[] for _ in functions]
    for _ in range(runs):
        for function, kept in zip(functions, samples, strict=True):
            started = time.perf_counter()
            function()
            kept.append((time.perf_counter() - started) * 1000)
    return [
        (statistics.median(kept), sorted(kept)[max(0, int(len(kept) * 0.95) - 1)])
        for kept in samples
    ]


def raw_sql(connection, user_id: int, team_id: int):
    scope = f"h.merged_into_id IS NULL AND {SCOPE}"  # the caseworker's, as the app's policy
    params = {"user": user_id, "team": team_id}

    def case_list():
        """The page by hand: a count stopped past 1,000 (the list says "more than"), the newest
        25 with their caseworker, their members, the menu's counts."""
        capped = f"SELECT 1 FROM households h WHERE {scope} LIMIT 1001"
        connection.execute(sa.text(f"SELECT count(*) FROM ({capped}) n"), params)
        rows = connection.execute(
            sa.text(
                f"SELECT h.*, u.full_name FROM households h LEFT JOIN users u"
                f" ON u.id = h.assigned_to_id WHERE {scope} ORDER BY h.id DESC LIMIT 25"
            ),
            params,
        ).all()
        ids = ",".join(str(row.id) for row in rows)
        connection.execute(sa.text(f"SELECT * FROM members WHERE household_id IN ({ids})")).all()
        connection.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM tasks WHERE done_at IS NULL"
                " AND assigned_to_id = :user),"
                " (SELECT count(*) FROM (SELECT 1 FROM notifications WHERE user_id = :user"
                " AND read_at IS NULL LIMIT 100) n)"
            ),
            params,
        ).all()

    def search(query: str):
        """What the search needs, by hand: matches through the same index, a capped count,
        the newest page (the app also ranks its page by closeness)."""
        where, values = _matching_sql(connection.dialect.name, query)
        where = f"{scope} AND {where}"
        values = {**params, **values}
        connection.execute(
            sa.text(
                f"SELECT count(*) FROM (SELECT 1 FROM households h WHERE {where} LIMIT 1001) c"
            ),
            values,
        )
        connection.execute(
            sa.text(f"SELECT h.id FROM households h WHERE {where} ORDER BY h.id DESC LIMIT 25"),
            values,
        ).all()

    return case_list, search


def _matching_sql(dialect: str, query: str) -> tuple[str, dict]:
    from app.registry.search import terms

    values: dict[str, str] = {}
    conditions = []
    for i, term in enumerate(terms(query)):
        values[f"t{i}"] = f"%{term.literal}%"
        condition = f"h.search_text LIKE :t{i}"
        if term.key:
            values[f"k{i}"] = f"% #{term.key} %"
            condition = f"({condition} OR h.search_text LIKE :k{i})"
        conditions.append(condition)
    if dialect != "sqlite":
        return " AND ".join(conditions), values
    phrases = [f'("{t.literal}"' + (f' OR " #{t.key} ")' if t.key else ")") for t in terms(query)]
    values = {"fts": " AND ".join(phrases)}
    return "h.id IN (SELECT rowid FROM households_fts WHERE households_fts MATCH :fts)", values


def page_counts(app, client, url: str) -> tuple[int, int, int]:
    """(statements, permission statements, permission checks) of one request for `url`: every
    statement sent, those sent to answer `can()` or to load a household with its permissions,
    and how many times `can()` was asked."""
    from app.access import answers, policy

    asking = {answers.holds.__code__}
    counted = {"statements": 0, "permission": 0, "checks": 0}

    def statement(*_args) -> None:
        counted["statements"] += 1
        frame = sys._getframe()
        while frame is not None and frame.f_code not in asking:
            frame = frame.f_back
        counted["permission"] += frame is not None

    def calls(frame, event, _arg) -> None:
        if event == "call" and frame.f_code is policy.can.__code__:
            counted["checks"] += 1

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", statement)
    sys.setprofile(calls)
    try:
        response = client.get(url)
    finally:
        sys.setprofile(None)
        sa.event.remove(engine, "before_cursor_execute", statement)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return counted["statements"], counted["permission"], counted["checks"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database")
    parser.add_argument(
        "--against",
        metavar="URL",
        help="a database of another size, filled the same way: its case list is timed in turn"
        " with this one's, request for request, so that the ratio of the two is measured under"
        " the same load",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database of a previous run without filling it again",
    )
    args = parser.parse_args()

    if args.reuse:
        url = args.database or f"sqlite:///{RESULTS / f'bench-{args.households}.sqlite3'}"
        app, seconds = build_app(url), 0.0
    else:
        url = database_url(args.database, args.households)
        app = build_app(url)
        seconds = fill(app, args.households)
    client = logged_in_client(app)
    with app.app_context():
        user_id, team_id = db.session.execute(
            sa.text("SELECT id, team_id FROM users WHERE username = :u"), {"u": CASEWORKER}
        ).one()
        in_scope = (
            db.session.execute(
                sa.text("SELECT id FROM households WHERE team_id = :t"), {"t": team_id}
            )
            .scalars()
            .all()
        )
        visible = len(in_scope)
        case_number = db.session.scalar(
            sa.text("SELECT case_number FROM households WHERE team_id = :t ORDER BY id LIMIT 1"),
            {"t": team_id},
        )
        sizes = db.session.execute(
            sa.text(
                "SELECT min(n), max(n) FROM (SELECT count(*) n FROM members m JOIN households h"
                " ON h.id = m.household_id WHERE h.team_id = :t GROUP BY h.id) c"
            ),
            {"t": team_id},
        ).one()
        smallest, largest = (
            db.session.scalar(
                sa.text(
                    "SELECT h.id FROM households h JOIN members m ON m.household_id = h.id"
                    " WHERE h.team_id = :t GROUP BY h.id HAVING count(*) = :n LIMIT 1"
                ),
                {"t": team_id, "n": n},
            )
            for n in sizes
        )
    rng = random.Random(7)
    sample_ids = [rng.choice(in_scope) for _ in range(args.runs + 1)]
    engine = sa.create_engine(url)
    dialect = engine.dialect.name

    print(
        f"database: {dialect}; {args.households:,} households "
        f"(loaded by demo-data in {seconds:.1f} s); {CASEWORKER} sees {visible:,}"
    )
    print(f"{'measure':<34}{'app median':>12}{'app p95':>10}{'SQL median':>12}{'SQL p95':>10}")
    figures: dict[str, dict[str, float]] = {}
    with engine.connect() as connection:
        sql_list, sql_search = raw_sql(connection, user_id, team_id)

        def sql_household_by_number(number: str):
            connection.execute(
                sa.text("SELECT id FROM households WHERE case_number = :n"), {"n": number}
            ).all()

        rows = [("case list, page 1", lambda: client.get("/households/"), sql_list)]
        prefix, year, number = case_number.split("-")
        typed_number = f"{prefix.lower()} {year} {int(number)}".translate(ARABIC_INDIC)
        for query in (*SEARCHES, typed_number):
            url_of_search = search_url(client, query)
            rows.append(
                (
                    f"search {query!r}",
                    lambda url=url_of_search: client.get(url),
                    lambda q=query: (
                        sql_search(q) if typed_number != q else sql_household_by_number(case_number)
                    ),
                )
            )
        read_household = household_page(engine, (user_id, CASEWORKER, team_id))
        ids = iter(sample_ids * 3)
        rows.append(
            (
                "household page",
                lambda: client.get(f"/households/{next(ids)}"),
                lambda: read_household(next(ids)),
            )
        )
        nothing = lambda: client.get("/bench/nothing")  # noqa: E731
        floors = []
        for label, app_call, sql_call in rows:
            timings = in_turn([app_call, sql_call, nothing], args.runs)
            (app_median, app_p95), (sql_median, sql_p95), floor_here = timings
            floors.append(floor_here)
            figures[label] = {
                "app_median": app_median,
                "app_p95": app_p95,
                "sql_median": sql_median,
                "sql_p95": sql_p95,
            }
            print(
                f"{label:<34}{app_median:>10.1f}ms{app_p95:>8.1f}ms"
                f"{sql_median:>10.1f}ms{sql_p95:>8.1f}ms"
            )
        floor, floor_p95 = floors[-1]  # taken in turn with the household page
        print(f"{'do-nothing route (the floor)':<34}{floor:>10.1f}ms{floor_p95:>8.1f}ms")
    engine.dispose()
    report = _household_report(app, client, figures["household page"], floor, read_household)
    report.update(_statement_report(app, client, smallest, largest, sizes))
    _print_household(report)
    _keep(dialect, args.households, figures, floor, report)
    if args.against:
        _case_list_against(client, args.against, args.runs)


def _household_report(app, client, timing: dict, floor: float, read_household) -> dict:
    goal = 2 * timing["sql_median"] + floor
    return {"goal_ms": goal, "met": timing["app_median"] <= goal, "floor_ms": floor}


def _statement_report(app, client, smallest: int, largest: int, sizes) -> dict:
    few = page_counts(app, client, f"/households/{smallest}")
    many = page_counts(app, client, f"/households/{largest}")
    listing = page_counts(app, client, "/households/")
    return {
        "members": list(sizes),
        "statements": [few[0], many[0]],
        "permission_statements": many[1],
        "permission_checks": many[2],
        "case_list_statements": listing[0],
    }


def _print_household(report: dict) -> None:
    few, many = report["statements"]
    print(
        f"household page: goal app median <= 2 x SQL median + floor = {report['goal_ms']:.1f} ms:"
        f" {'met' if report['met'] else 'NOT met'}; statements {few} ({report['members'][0]}"
        f" members) and {many} ({report['members'][1]} members), raw SQL 12 + commit;"
        f" {report['permission_statements']} statements for permissions,"
        f" {report['permission_checks']} permission checks; case list"
        f" {report['case_list_statements']} statements"
    )


def _keep(dialect: str, households: int, figures: dict, floor: float, report: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"registry-{dialect}-{households}.json"
    kept = {"figures": figures, "floor_ms": floor, "household": report}
    path.write_text(json.dumps(kept, indent=2))


def _case_list_against(client, url: str, runs: int) -> None:
    """The case list here and on the database at `url`, one request each in turn."""
    other = logged_in_client(build_app(url))
    here, there = [], []
    for _ in range(runs + 1):
        for samples, browser in ((here, client), (there, other)):
            started = time.perf_counter()
            assert browser.get("/households/").status_code == 200
            samples.append((time.perf_counter() - started) * 1000)
    here_median, there_median = statistics.median(here[1:]), statistics.median(there[1:])
    print(
        f"case list, in turn with {sa.make_url(url).database}: {here_median:.1f} ms here,"
        f" {there_median:.1f} ms there: {here_median / there_median:.2f}x (goal <= 1.5x)"
    )


if __name__ == "__main__":
    main()
