"""Registry benchmark: the case list, a name search and a household page, served by the app,
beside the same data read with raw SQL on the same database (the floor).

    python bench/registry.py [--households 100000] [--runs 40] [--database URL]

Without --database it uses a new SQLite file under bench/results/; under scripts/with-postgres
(TEST_DATABASE_URL set) it makes a database `awda_bench` on that server. The database is filled
through `flask demo-data`, as an operator would.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import config
from app import create_app
from app.demo.reference import DEMO_PASSWORD
from app.extensions import db

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
    return create_app(settings)


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


def timed(function, runs: int) -> tuple[float, float]:
    function()  # warm caches, as a server that has been up a while would be
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def raw_sql(connection, user_id: int, team_id: int):
    scope = "(h.assigned_to_id = :user OR h.team_id = :team)"
    params = {"user": user_id, "team": team_id}

    def case_list():
        connection.execute(sa.text(f"SELECT count(*) FROM households h WHERE {scope}"), params)
        ids = (
            connection.execute(
                sa.text(f"SELECT h.id FROM households h WHERE {scope} ORDER BY h.id DESC LIMIT 25"),
                params,
            )
            .scalars()
            .all()
        )
        connection.execute(
            sa.text(f"SELECT * FROM members WHERE household_id IN ({','.join(map(str, ids))})")
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

    def household(household_id: int):
        connection.execute(
            sa.text("SELECT * FROM households WHERE id = :id"), {"id": household_id}
        ).one()
        connection.execute(
            sa.text("SELECT * FROM members WHERE household_id = :id"), {"id": household_id}
        ).all()

    return case_list, search, household


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database")
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
    rng = random.Random(7)
    sample_ids = [rng.choice(in_scope) for _ in range(args.runs + 1)]
    engine = sa.create_engine(url)

    print(
        f"database: {engine.dialect.name}; {args.households:,} households "
        f"(loaded by demo-data in {seconds:.1f} s); {CASEWORKER} sees {visible:,}"
    )
    print(f"{'measure':<34}{'app median':>12}{'app p95':>10}{'SQL median':>12}{'SQL p95':>10}")
    with engine.connect() as connection:
        sql_list, sql_search, sql_household = raw_sql(connection, user_id, team_id)

        def sql_household_by_number(number: str):
            connection.execute(
                sa.text("SELECT id FROM households WHERE case_number = :n"), {"n": number}
            ).all()

        rows = [("case list, page 1", lambda: client.get("/households/"), sql_list)]
        prefix, year, number = case_number.split("-")
        typed_number = f"{prefix.lower()} {year} {int(number)}".translate(ARABIC_INDIC)
        for query in (*SEARCHES, typed_number):
            url = search_url(client, query)
            rows.append(
                (
                    f"search {query!r}",
                    lambda url=url: client.get(url),
                    lambda q=query: (
                        sql_search(q) if typed_number != q else sql_household_by_number(case_number)
                    ),
                )
            )
        ids = iter(sample_ids * 3)
        rows.append(
            (
                "household page",
                lambda: client.get(f"/households/{next(ids)}"),
                lambda: sql_household(next(ids)),
            )
        )
        for label, app_call, sql_call in rows:
            app_median, app_p95 = timed(app_call, args.runs)
            sql_median, sql_p95 = timed(sql_call, args.runs)
            print(
                f"{label:<34}{app_median:>10.1f}ms{app_p95:>8.1f}ms"
                f"{sql_median:>10.1f}ms{sql_p95:>8.1f}ms"
            )
    engine.dispose()


if __name__ == "__main__":
    main()
