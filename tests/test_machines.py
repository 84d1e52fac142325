"""Awda on several machines: two gunicorn app servers and two job workers on one PostgreSQL
database, over real HTTP on loopback. Server 1 reaches PostgreSQL directly and reads figures and
exports from a streaming replica (AWDA_REPLICA_URL), server 2 goes through PgBouncer in
transaction mode (AWDA_DB_POOLER=transaction); API rate counts live in Redis.

A person's requests go to either server, as a load balancer would send them. What one server
decides, the other knows: a logout ends the session everywhere, failed logins on both count
toward one lockout, of two people saving the same household at the same moment on different
servers one is saved and the other told, a job queued once is done once whichever worker takes
it, the API's rate limit counts calls to both servers, and an export read from the replica is
audited on the primary and holds what the replica has replayed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

import config
from app import create_app
from app.api import tokens
from app.audit import services as audit
from app.audit.models import AuditEntry
from app.auth.models import User, UserSession
from app.core.db import as_utc, utcnow
from app.extensions import db
from app.imports import services as imports
from app.imports.models import ImportStatus, ListImport
from app.jobs import libpq_url
from app.jobs import schema as job_schema
from app.registry.models import Household
from tests import databases
from tests.conftest import Browser, World, build_world
from tests.factories import PASSWORD
from tests.forms import HEAD, household_payload
from tests.machines import (
    Person,
    Servers,
    app_environment,
    hidden,
    start_app_server,
    start_pgbouncer,
    start_redis,
    start_standby,
    start_worker,
    started,
    wait_for_health,
    wait_for_replay,
)
from tests.test_import_commit import csv_bytes, family_rows, receive_and_check

pytestmark = [
    pytest.mark.skipif(
        databases.server_url() is None,
        reason="several app servers share one PostgreSQL database (the PostgreSQL half runs it)",
    ),
    pytest.mark.xdist_group("machines"),  # one set of servers for the module's tests
]

WRONG = "not the right password"
API_RATE = 5  # per minute and token, on both servers together


@dataclass
class Cluster:
    app: Flask  # the test's own view of the shared database
    world: World
    one: str  # base URL of app server 1 (straight to PostgreSQL)
    two: str  # app server 2 (through PgBouncer in transaction mode)
    pooled: str  # the database's URL through PgBouncer
    servers: Servers
    primary: str  # the database's URL on the primary
    standby: str  # and on the streaming replica, read by server 1's figures and exports


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, template_database):
    directory = tmp_path_factory.mktemp("machines")
    with databases.fresh_database(directory, template_database) as url:
        settings = config.TestingConfig()
        settings.SQLALCHEMY_DATABASE_URI = url
        settings.SQLALCHEMY_ENGINE_OPTIONS = {}
        settings.AWDA_JOBS = "procrastinate"
        settings.ATTACHMENTS_DIR = str(directory / "attachments")
        app = create_app(settings)
        with app.app_context():
            with db.engine.begin() as connection:
                job_schema.install(connection)  # as `flask db upgrade` does
            world = build_world()
            with started(directory) as servers:
                yield _start(app, world, servers, url, directory)
            db.session.remove()
            db.engine.dispose()


def _start(app: Flask, world: World, servers: Servers, url: str, directory) -> Cluster:
    shared = {
        "RATELIMIT_STORAGE_URI": start_redis(servers),
        "AWDA_API_RATE_PER_TOKEN": f"{API_RATE} per minute",
        "AWDA_ATTACHMENTS_DIR": str(directory / "attachments"),
    }
    direct = app_environment(url, **shared)
    pooled = start_pgbouncer(servers, url)
    standby = start_standby(servers, url)  # a copy of the whole server, world included
    one = start_app_server(servers, "server-1", {**direct, "AWDA_REPLICA_URL": standby})
    two = start_app_server(
        servers, "server-2", app_environment(pooled, AWDA_DB_POOLER="transaction", **shared)
    )
    start_worker(servers, "worker-1", direct)  # workers LISTEN: straight to PostgreSQL
    start_worker(servers, "worker-2", direct)
    wait_for_health(one, servers)
    wait_for_health(two, servers)
    return Cluster(app, world, one, two, pooled, servers, primary=url, standby=standby)


def at_once(*calls: Callable[[], object]) -> list:
    """Run the calls in threads released together; their results, in order."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_a_logout_on_one_server_ends_the_session_on_the_other(cluster):
    amal = Person()
    assert amal.login(cluster.one, "caseworker.a").status_code == 302
    copied = amal.copy()  # a copy of the cookie, taken on a shared computer
    assert copied.get(cluster.two, "/households/").status_code == 200  # one session, both

    amal.get(cluster.one, "/account")
    assert amal.post(cluster.one, "/logout", {}).status_code == 302

    for server in (cluster.two, cluster.one):
        refused = copied.get(server, "/households/")
        assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    db.session.expire_all()
    mine = UserSession.user_id == cluster.world.caseworker_a.id
    assert db.session.scalars(sa.select(UserSession.ended_why).where(mine)).all() == ["logout"]


def test_failed_logins_on_both_servers_count_toward_one_lockout(cluster):
    def attempt(server: str, password: str = WRONG) -> int:
        return Person().login(server, "caseworker.b", password).status_code

    guesses = at_once(*(lambda s=server: attempt(s) for server in [cluster.one, cluster.two] * 3))
    assert guesses == [422] * 6

    for server in (cluster.two, cluster.one):
        refused = Person().login(server, "caseworker.b", PASSWORD)
        assert refused.status_code == 422
        assert "locked for 15 minutes" in refused.text  # the one message for every refusal
    db.session.expire_all()
    user = db.session.get(User, cluster.world.caseworker_b.id)
    assert as_utc(user.locked_until) > utcnow()
    lockouts = sa.select(sa.func.count()).where(
        AuditEntry.action == "login.lockout", AuditEntry.user_id == user.id
    )
    assert db.session.scalar(lockouts) == 1  # the fifth failure, whichever server counted it


def test_two_people_saving_one_household_on_two_servers_one_is_saved_the_other_told(cluster):
    world = cluster.world
    registrar = Browser(cluster.app)
    registrar.login(world.caseworker_a2)
    created = registrar.save_household("/households/new", household_payload(world, members=[HEAD]))
    assert created.status_code == 302
    household = db.session.scalars(sa.select(Household).order_by(Household.id.desc())).first()
    url = f"/households/{household.id}/edit"

    amal, omar = Person(), Person()
    assert amal.login(cluster.one, "caseworker.a2").status_code == 302
    assert omar.login(cluster.two, "supervisor.a").status_code == 302
    forms = [amal.get(cluster.one, url).text, omar.get(cluster.two, url).text]

    def edit(page: str, shelter: str) -> dict:
        member = {**HEAD, "id": hidden(page, "members-0-id")}
        data = household_payload(world, members=[member], version=hidden(page, "version"))
        return {**data, "shelter": shelter}

    shelters = ["Block A, tent 1", "Block Z, tent 99"]
    edits = [edit(page, shelter) for page, shelter in zip(forms, shelters, strict=True)]
    answers = at_once(
        lambda: amal.post(cluster.one, url, edits[0]),
        lambda: omar.post(cluster.two, url, edits[1]),
    )
    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses) == [302, 409], [a.text[:500] for a in answers]
    told = answers[statuses.index(409)].text
    assert "Not saved" in told
    db.session.expire_all()
    saved = db.session.get(Household, household.id)
    assert (saved.version, saved.shelter) == (2, shelters[statuses.index(302)])


def test_jobs_queued_once_are_done_once_by_two_workers(cluster):
    world = cluster.world
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Household))
    lists = []
    for start in (1000, 2000, 3000, 4000):
        imported, found = receive_and_check(world, csv_bytes(family_rows(8, start=start)))
        assert (found.households, found.rows_with_problems) == (8, 0)
        imports.queue_commit(imported, world.supervisor_a)
        audit.write_buffer(committed=True)
        db.session.commit()
        lists.append(imported.id)

    deadline = time.monotonic() + 45
    while _statuses(lists) != {ImportStatus.DONE} and time.monotonic() < deadline:
        cluster.servers.check_running()
        time.sleep(0.1)
    assert _statuses(lists) == {ImportStatus.DONE}
    jobs = (
        "SELECT status::text, count(*) FROM procrastinate_jobs WHERE task_name = :task GROUP BY 1"
    )
    done = db.session.execute(sa.text(jobs), {"task": imports.COMMIT_JOB}).all()
    assert [tuple(row) for row in done] == [("succeeded", 4)]
    created = db.session.scalars(sa.select(ListImport.created).where(ListImport.id.in_(lists)))
    assert list(created) == [8, 8, 8, 8]
    after = db.session.scalar(sa.select(sa.func.count()).select_from(Household))
    assert after - before == 32  # no household written twice


def _statuses(ids: list[int]) -> set[str]:
    db.session.expire_all()
    found = set(db.session.scalars(sa.select(ListImport.status).where(ListImport.id.in_(ids))))
    db.session.rollback()
    return found


def test_the_api_rate_limit_counts_calls_to_both_servers(cluster):
    token, _row = tokens.create_token(cluster.world.reporting, "script", ["account:read"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    person = Person()

    def call(server: str) -> int:
        return person.http.get(f"{server}/api/v1/me", headers=headers, timeout=30).status_code

    servers = [cluster.one, cluster.two]
    allowed = [call(servers[n % 2]) for n in range(API_RATE)]
    assert allowed == [200] * API_RATE
    assert [call(cluster.one), call(cluster.two)] == [429, 429]


def test_behind_pgbouncer_the_apps_connections_prepare_no_statement(cluster, monkeypatch):
    """Why AWDA_DB_POOLER=transaction matters: psycopg prepares a statement run several times
    on a connection, PgBouncer then hands the next transaction another server connection, and
    the statement is not there. With the app's settings nothing is prepared, nothing missing."""
    with pytest.raises(psycopg.errors.InvalidSqlStatementName):
        _run_while_another_client_holds_the_server_connection(cluster.pooled, {})
    monkeypatch.setenv("AWDA_DB_POOLER", "transaction")
    settings = config.engine_options(cluster.pooled)["connect_args"]  # as server 2 reads it
    _run_while_another_client_holds_the_server_connection(cluster.pooled, settings)


def _run_while_another_client_holds_the_server_connection(url: str, options: dict) -> None:
    conninfo = libpq_url(url)
    with psycopg.connect(conninfo, **options) as mine, psycopg.connect(conninfo) as other:
        for _ in range(6):  # psycopg prepares it by the sixth run, on that server connection
            mine.execute("SELECT count(*) FROM users WHERE active = %s", [True]).fetchall()
            mine.commit()
        other.execute("SELECT 1").fetchall()  # holds that server connection (in a transaction)
        mine.execute("SELECT count(*) FROM users WHERE active = %s", [True]).fetchall()
        mine.commit()


def test_an_export_reads_the_replica_and_is_audited_on_the_primary(cluster):
    """Server 1 reads the case export's rows from the standby, which refuses any write ("cannot
    execute INSERT in a read-only transaction"): the login's session row and the export's audit
    entry reach the primary all the same. A household saved on the primary is in the export
    once the standby has replayed it, and not while replay is paused."""
    world = cluster.world
    registrar = Browser(cluster.app)
    registrar.login(world.caseworker_a)
    saved = [_saved_household(registrar, world, f"HOL-900{n}") for n in (1, 2)]
    wait_for_replay(cluster.primary, cluster.standby)
    amal = Person()
    assert amal.login(cluster.one, "caseworker.a").status_code == 302
    page = amal.get(cluster.one, "/reports/cases").text
    assert "may lag the latest saves by a few seconds" in page

    with _replay_paused(cluster.standby):
        late = _saved_household(registrar, world, "HOL-9003")
        before = _exported(amal, cluster.one)
    assert set(saved) <= set(before) and late not in before
    wait_for_replay(cluster.primary, cluster.standby)
    after = _exported(amal, cluster.one)
    assert late in after

    db.session.expire_all()
    audited = db.session.scalars(
        sa.select(AuditEntry.detail)
        .where(AuditEntry.action == "export.cases", AuditEntry.user_id == world.caseworker_a.id)
        .order_by(AuditEntry.id)
    ).all()
    assert [entry["rows"] for entry in audited] == [len(before), len(after)]


def _saved_household(browser: Browser, world: World, camp_ref: str) -> str:
    """A household registered on the primary (through the test's own app): its case number."""
    payload = household_payload(world, members=[HEAD], camp_ref=camp_ref)
    created = browser.save_household("/households/new", payload)
    assert created.status_code == 302
    newest = sa.select(Household.case_number).order_by(Household.id.desc()).limit(1)
    return db.session.scalar(newest)


def _exported(person: Person, server: str) -> list[str]:
    """The case numbers of the person's case export (CSV) from `server`."""
    person.get(server, "/reports/cases")
    form = {"columns": ["case_number", "stage"], "format": "csv"}
    response = person.post(server, "/reports/cases", form)
    assert response.status_code == 200, response.text[:500]
    lines = response.content.decode("utf-8-sig").splitlines()[1:]
    return [line.split(",")[0] for line in lines]


@contextlib.contextmanager
def _replay_paused(standby_url: str):
    """The standby receives the primary's WAL but applies none of it meanwhile."""
    with psycopg.connect(libpq_url(standby_url), autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            yield
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
