"""JSON API benchmark: pages of `GET /api/v1/households` (the first, a later one by cursor, a
search) and `GET /api/v1/households/{case_number}`, for a caseworker and a supervisor, each
beside the raw SQL that reads what the response shows (the floor), with the statements each
request sends.

    python bench/api.py [--households 250000] [--repeat 30] [--database URL] [--profile]

The database is one of `flask demo-data` households, as bench/registry.py makes it (SQLite
bench/results/bench-<N>.sqlite3, or a database `awda_bench` on the server of TEST_DATABASE_URL
under scripts/with-postgres); a previous run's is used again when it holds N households (its
schema migrated to the head first if it is behind), else it is filled anew. PostgreSQL is
ANALYZEd first (see `planner_statistics`). Each user calls the API with a personal access token
of their own (households:read, account:read), through Flask's test client: the times include
the whole Flask request (token check, access policy, audit entry, commit, JSON) but no network
and no WSGI server. The rate limits are raised out of the way. Before timing, the floor's rows
are checked to be those the API answers.

Floors, on the app's own engine: a list page is one statement (the households of the scope
with their member counts); a household is three (the household with its places and whether
the reader sees its protection needs; its members; their documents and needs). A do-nothing
route of the same app, and `/api/v1/me` (token check and one account), show the fixed cost
of a request. The figures are written to bench/results/api-<database>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.api.routes import next_cursor
from app.extensions import db
from bench.registry import (
    CASEWORKER,
    RESULTS,
    _matching_sql,
    build_app,
    database_url,
    fill,
    timed,
)

ROOT = RESULTS.parents[1]
SUPERVISOR = "supervisor.a"
NOTHING = "/bench-nothing"  # a route added here, that answers 204 at once
LIMIT = 100
GOAL_P95_MS = 150
# A common Arabic name, and a Latin one matched by its skeleton too (Zainab, زينب).
SEARCHES = ("احمد الجبوري", "Zeinab")
# The households a team works on: its own, and those it handed over and collaborates on.
SCOPE = (
    "h.merged_into_id IS NULL AND (h.team_id = :team"
    " OR h.id IN (SELECT household_id FROM collaborations WHERE team_id = :team))"
)
LIST_SQL = (
    "SELECT h.case_number, h.stage,"
    " (SELECT count(*) FROM members m WHERE m.household_id = h.id AND m.merged_into_id IS NULL),"
    " h.version FROM households h WHERE {where} AND h.id > :after ORDER BY h.id LIMIT :rows"
)
HOUSEHOLD_SQL = (
    "SELECT h.id, h.case_number, h.camp_ref, h.stage, h.version, h.phone, h.shelter,"
    " g.name_en, g.name_ar, d.name_en, d.name_ar,"
    " {audience}"
    " FROM households h"
    " LEFT JOIN governorates g ON g.id = h.destination_governorate_id"
    " LEFT JOIN districts d ON d.id = h.destination_district_id"
    " WHERE h.case_number = :number AND " + SCOPE
)
# Who reads a household's protection needs (app.access.policy.protection_audience): a
# supervisor of its team, a caseworker of its team it is assigned to.
AUDIENCE = {
    "supervisor": "(h.team_id = :team)",
    "caseworker": "(h.assigned_to_id = :user AND h.team_id = :team)",
}
MEMBERS_SQL = (
    "SELECT id, given_name_ar, father_name_ar, grandfather_name_ar, family_name_ar,"
    " given_name_en, father_name_en, grandfather_name_en, family_name_en, sex, birth_date,"
    " birth_precision, relationship FROM members"
    " WHERE household_id = :id AND merged_into_id IS NULL ORDER BY position"
)
CODES_SQL = (
    "SELECT 'document', d.member_id, d.kind FROM member_documents d"
    " JOIN members m ON m.id = d.member_id WHERE m.household_id = :id AND m.merged_into_id IS NULL"
    " UNION ALL SELECT 'need', n.member_id, n.code FROM member_needs n"
    " JOIN members m ON m.id = n.member_id WHERE m.household_id = :id AND m.merged_into_id IS NULL"
)


def open_database(requested: str | None, households: int) -> tuple[str, str]:
    """The URL of a database of `households` demo households at the migrations' head, and
    how it came: a previous run's (migrated to the head if it was behind), or filled now."""
    previous = requested or _previous(households)
    state = _state(previous, households) if previous else None
    if state == "current":
        return previous, "a previous run's"
    if state == "behind":
        from flask_migrate import upgrade

        with build_app(previous).app_context():
            upgrade()
        return previous, "a previous run's, migrated to the head"
    url = database_url(requested, households)
    return url, f"filled by demo-data in {fill(build_app(url), households):.0f} s"


def _previous(households: int) -> str | None:
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        return sa.make_url(server).set(database="awda_bench").render_as_string(False)
    path = RESULTS / f"bench-{households}.sqlite3"
    return f"sqlite:///{path}" if path.exists() else None


def _state(url: str, households: int) -> str | None:
    """ "current" (at the migrations' head), "behind", or None: not a database of exactly
    `households` households (or none at all)."""
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(ROOT / "migrations")).get_heads())
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            version = set(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))
            count = connection.scalar(sa.text("SELECT count(*) FROM households"))
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    if count != households:
        return None
    return "current" if version == heads else "behind"


def planner_statistics(url: str) -> None:
    """On PostgreSQL, ANALYZE: autovacuum does it within minutes of a bulk load, and without
    statistics the planner walks the whole `merged_into_id IS NULL` index (a list page took
    120 ms at 10,000 households instead of 0.3). SQLite keeps statistics only when told
    (ANALYZE), which Awda does not do: it is measured as it serves."""
    if sa.make_url(url).get_backend_name() != "postgresql":
        return
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()


class Statements:
    """Counts the statements the app's engine sends."""

    def __init__(self, engine: sa.Engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._sent)

    def _sent(self, *_args) -> None:
        self.count += 1

    def of(self, function) -> int:
        before = self.count
        function()
        return self.count - before


def api_users(app, usernames: tuple[str, ...]) -> dict[str, SimpleNamespace]:
    """Each user's id, team and a new token (households:read, account:read; one day)."""
    from app.api.tokens import create_token
    from app.auth.services import find_user
    from app.core.cli_support import run_in_transaction

    def make() -> dict[str, SimpleNamespace]:
        found = {}
        for name in usernames:
            user = find_user(name)
            token, _row = create_token(
                user, "bench/api.py", ["households:read", "account:read"], days=1
            )
            household_sql = HOUSEHOLD_SQL.format(audience=AUDIENCE[user.role])
            found[name] = SimpleNamespace(
                id=user.id, team=user.team_id, token=token, household_sql=household_sql
            )
        return found

    with app.app_context():
        return run_in_transaction(make)


def floor_list(connection, team: int, after: int, query: str | None = None) -> list[tuple]:
    """A list page by hand: LIMIT + 1 rows (the one more says whether a page follows)."""
    where, values = SCOPE, {"team": team, "after": after, "rows": LIMIT + 1}
    if query:
        matched, extra = _matching_sql(connection.dialect.name, query)
        where, values = f"{where} AND {matched}", {**values, **extra}
    sql = sa.text(LIST_SQL.format(where=where))
    return [tuple(row) for row in connection.execute(sql, values)]


def floor_household(connection, user: SimpleNamespace, number: str) -> dict:
    """One household by hand: itself, its members, their documents and needs."""
    values = {"number": number, "user": user.id, "team": user.team}
    household = connection.execute(sa.text(user.household_sql), values).one()
    members = connection.execute(sa.text(MEMBERS_SQL), {"id": household.id}).all()
    codes = connection.execute(sa.text(CODES_SQL), {"id": household.id}).all()
    return {"household": household, "members": members, "codes": codes}


def same_page(body: dict, rows: list[tuple], what: str) -> None:
    """The floor reads what the response shows, or the comparison means nothing."""
    shown = [(i["case_number"], i["stage"], i["members"], i["version"]) for i in body["items"]]
    if shown != rows[:LIMIT] or (body["next_cursor"] is None) != (len(rows) <= LIMIT):
        raise SystemExit(f"{what}: the raw SQL does not read the rows the API answers")


def same_household(body: dict, floor: dict, number: str) -> None:
    """The floor reads protection needs whoever reads; the API shows them to their audience
    (the flag the floor's first statement reads)."""
    from app.registry.vocab import PROTECTION_NEEDS

    fields = {"documents": "document", "needs": "need", "protection_needs": "need"}
    shown = {
        (kind, m["id"], code) for m in body["members"] for field, kind in fields.items()
        for code in m.get(field, [])
    }  # fmt: skip
    audience = bool(floor["household"][-1])
    read = {
        tuple(c)
        for c in floor["codes"]
        if audience or c[0] != "need" or c[2] not in PROTECTION_NEEDS
    }
    members = [m["id"] for m in body["members"]]
    if members != [m.id for m in floor["members"]] or shown != read:
        raise SystemExit(f"household {number}: the raw SQL does not read what the API answers")


class Bench:
    """Measures one call of the API beside its floor, and keeps the figures."""

    def __init__(self, app, repeat: int, profile: bool):
        with app.app_context():
            self.engine = db.engine
        self.client = app.test_client()
        self.statements = Statements(self.engine)
        self.connection = self.engine.connect()
        self.repeat, self.profile = repeat, profile
        self.rows: list[dict] = []

    def call(self, token: str, url: str) -> dict:
        response = self.client.get(url, headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.get_data(as_text=True)}")
        return response.get_json()

    def report(self, user: str, label: str, app_call, floor_call) -> None:
        """Median and 95th percentile of `repeat` calls of each, and the statements each sent."""
        counts: list[int] = []
        floor_counts: list[int] = []
        app_p50, app_p95 = timed(lambda: counts.append(self.statements.of(app_call)), self.repeat)
        sql_p50, sql_p95 = timed(
            lambda: floor_counts.append(self.statements.of(floor_call)), self.repeat
        )
        spread = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
        print(
            f"{user:<15}{label:<30}{app_p50:>7.1f}ms{app_p95:>6.1f}ms"
            f"{sql_p50:>7.1f}ms{sql_p95:>6.1f}ms{spread:>7}{max(floor_counts):>5}"
        )
        self.rows.append(
            {
                "user": user,
                "measure": label,
                "app_p50_ms": app_p50,
                "app_p95_ms": app_p95,
                "sql_p50_ms": sql_p50,
                "sql_p95_ms": sql_p95,
                "statements": [min(counts), max(counts)],
                "sql_statements": max(floor_counts),
            }
        )
        if self.profile:
            profile(app_call, self.repeat)

    def fixed_cost(self, token: str) -> None:
        """What every request costs: the app's hooks alone, then a token checked."""
        self.report("-", "do-nothing route", lambda: self.client.get(NOTHING), _nothing)
        self.report(
            "-", "/api/v1/me (token check)", lambda: self.call(token, "/api/v1/me"), _nothing
        )

    def user(self, name: str, user: SimpleNamespace, rng: random.Random) -> dict:
        """A user's list pages (first, at 90 % by cursor, searched) and households; how many
        households they see and the statements of a list page of 10 and of 100."""
        connection = self.connection
        scope = [tuple(r) for r in connection.execute(
            sa.text(f"SELECT h.id, h.case_number FROM households h WHERE {SCOPE} ORDER BY h.id"),
            {"team": user.team},
        )]  # fmt: skip
        print(f"{name} sees {len(scope):,} households")
        after = scope[int(len(scope) * 0.9)][0]
        pages = [("list, first page", 0, None)]
        pages.append(("list, page at 90% (cursor)", after, None))
        pages += [(f"list, q={query}", 0, query) for query in SEARCHES]
        for label, start, query in pages:
            url = f"/api/v1/households?limit={LIMIT}"
            if start:
                url += f"&cursor={next_cursor([SimpleNamespace(id=start)], 0, 1)}"
            if query:
                url += f"&q={query}"
            floor = partial(floor_list, connection, user.team, start, query)
            same_page(self.call(user.token, url), floor(), f"{name}: {label}")
            self.report(name, label, partial(self.call, user.token, url), floor)
        numbers = [number for _id, number in rng.sample(scope, self.repeat + 1)]
        for number in numbers[:3]:
            body = self.call(user.token, f"/api/v1/households/{number}")
            same_household(body, floor_household(connection, user, number), number)
        app_numbers, floor_numbers = iter(numbers * 2), iter(numbers * 2)
        self.report(
            name,
            "one household",
            lambda: self.call(user.token, f"/api/v1/households/{next(app_numbers)}"),
            lambda: floor_household(connection, user, next(floor_numbers)),
        )
        growth = {
            limit: self.statements.of(
                partial(self.call, user.token, f"/api/v1/households?limit={limit}")
            )
            for limit in (10, LIMIT)
        }
        print(f"{'':<15}statements of a list page: limit=10 {growth[10]}, {LIMIT} {growth[LIMIT]}")
        return {"visible": len(scope), "statements_by_limit": growth}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed calls of each measure")
    parser.add_argument("--database")
    parser.add_argument(
        "--profile", action="store_true", help="print where each API measure spends its time"
    )
    args = parser.parse_args()

    url, origin = open_database(args.database, args.households)
    planner_statistics(url)
    app = build_app(url)
    unlimited = "1000000 per minute"
    app.config.update(API_RATE_PER_TOKEN=unlimited, API_RATE_PER_ADDRESS=unlimited)
    app.add_url_rule(NOTHING, "bench_nothing", lambda: ("", 204))
    users = api_users(app, (CASEWORKER, SUPERVISOR))
    bench = Bench(app, args.repeat, args.profile)
    dialect = bench.engine.dialect.name
    server = None
    if dialect == "postgresql":
        server = bench.connection.scalar(sa.text("SHOW server_version"))
    print(f"{dialect} {server or ''}".strip() + f": {args.households:,} households ({origin})")
    print(f"{args.repeat} calls a measure; the app through Flask's test client (no network)")
    print(
        f"{'user':<15}{'measure':<30}{'app p50':>9}{'p95':>8}{'SQL p50':>9}{'p95':>8}"
        f"{'stmts':>7}{'SQL':>5}"
    )
    bench.fixed_cost(users[CASEWORKER].token)
    rng = random.Random(7)
    per_user = {name: bench.user(name, user, rng) for name, user in users.items()}
    bench.connection.close()

    worst = max(r["app_p95_ms"] for r in bench.rows if r["user"] != "-")
    met = worst < GOAL_P95_MS
    print(f"goal: API p95 < {GOAL_P95_MS} ms: {'met' if met else 'MISSED'} (worst {worst:.0f} ms)")
    figures = {
        "database": dialect,
        "server": server,
        "households": args.households,
        "repeat": args.repeat,
        "limit": LIMIT,
        "database_origin": origin,
        "users": per_user,
        "measures": bench.rows,
        "goal_p95_ms": GOAL_P95_MS,
        "goal_met": met,
    }
    out = RESULTS / f"api-{dialect}.json"
    out.write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    print(f"written to {out.relative_to(ROOT)}")


def _nothing() -> None:
    """The floor of a route that does nothing."""


def profile(function, runs: int) -> None:
    """The functions where `runs` calls spend their time, the 15 biggest by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        function()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
