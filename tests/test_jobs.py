"""Background jobs as a person sees them: a list's commit queued with the request that asked
for it (and not at all if that request is rolled back), written by a worker, finished after
its worker was killed without a household lost, half-written or written twice; the same on
SQLite in a thread of the app; and the operator's `flask jobs` commands."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app

import config
from app import jobs
from app.audit import services as audit
from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.imports import services
from app.imports.models import ImportFile, ImportStatus, ListImport, SourceKey
from app.jobs import queue
from app.jobs import schema as job_schema
from app.registry.models import Household, Member
from tests import databases
from tests.test_import_commit import csv_bytes, family_rows, receive_and_check

needs_postgres = pytest.mark.skipif(
    databases.server_url() is None,
    reason="procrastinate's queue and its workers need PostgreSQL (SQLite runs jobs in-process)",
)


# --- helpers -----------------------------------------------------------------------------


@pytest.fixture
def job_queue(app):
    """procrastinate's schema in this test's database, as `flask db upgrade` makes it (the
    test databases are made from the models), and jobs sent to it."""
    with db.engine.begin() as connection:
        job_schema.install(connection)
    app.config["AWDA_JOBS"] = "procrastinate"
    return queue.procrastinate_app(app)


def queued_jobs(status: str | None = None) -> list[tuple[str, str]]:
    """(task, status) of every commit job, read on a connection of its own (not the session's,
    which sees what it has not committed yet)."""
    stmt = "SELECT task_name, status::text FROM procrastinate_jobs WHERE task_name = :task"
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text(stmt + " ORDER BY id"), {"task": services.COMMIT_JOB})
        found = [tuple(row) for row in rows]
    return [row for row in found if status is None or row[1] == status]


def progress(import_id: int) -> tuple[str, int, int]:
    """(status, households done, households total) as committed, without holding a snapshot."""
    row = db.session.execute(
        sa.select(ListImport.status, ListImport.households_done, ListImport.households_total).where(
            ListImport.id == import_id
        )
    ).one()
    db.session.rollback()
    return tuple(row)


def wait_until(condition, timeout: float, every: float = 0.05, what: str = "the job"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"{what} did not get there within {timeout} s")


def registry_counts() -> dict[str, int]:
    """Households, members per household, and the source keys tying them to the list."""
    db.session.expire_all()
    per_household = db.session.execute(
        sa.select(Member.household_id, sa.func.count()).group_by(Member.household_id)
    ).all()
    return {
        "households": db.session.scalar(sa.select(sa.func.count()).select_from(Household)),
        "keys": db.session.scalar(sa.select(sa.func.count()).select_from(SourceKey)),
        "distinct keys": db.session.scalar(
            sa.select(sa.func.count(sa.distinct(SourceKey.reference)))
        ),
        "households with keys": db.session.scalar(
            sa.select(sa.func.count(sa.distinct(SourceKey.household_id)))
        ),
        "not whole": sum(1 for _household, members in per_household if members != 2),
    }


def checked_list(world, families: int) -> ListImport:
    imported, found = receive_and_check(world, csv_bytes(family_rows(families)))
    assert (found.households, found.rows_with_problems) == (families, 0)
    return imported


def worker_environment(app, tmp_path: Path) -> dict[str, str]:
    """The environment an operator gives `flask jobs worker`: the app's database and folder."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWDA_", "FLASK_", "TEST_DATABASE"))
    }
    environment.update(
        AWDA_ENV="development",
        SECRET_KEY="worker-test-not-secret",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        AWDA_JOBS="procrastinate",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return environment


def flask_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *arguments]


def retry_stalled_jobs(app, seconds_since_heartbeat: float) -> int:
    """What the periodic `jobs.retry_stalled` does each minute, with a shorter patience than
    its 60 s: jobs of workers silent that long go back in the queue. Returns how many."""
    procrastinate = queue.procrastinate_app(app)
    task = procrastinate.tasks["jobs.retry_stalled"]

    async def retry() -> int:
        async with procrastinate.open_async():
            stalled = await procrastinate.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=seconds_since_heartbeat
            )
            saved = queue.STALLED_AFTER_SECONDS
            queue.STALLED_AFTER_SECONDS = seconds_since_heartbeat
            try:
                await task.func(timestamp=int(time.time()))
            finally:
                queue.STALLED_AFTER_SECONDS = saved
            return len(list(stalled))

    return asyncio.run(retry())


def as_a_request(app, operation, status: int = 200) -> None:
    """Run `operation()` in a request of its own (its own app context, `g` and session, as a
    real server would), then end it as the request cycle ends a request answered `status`:
    commit and launch the jobs asked for, or (an error) roll back and forget them."""
    token = _cv_app.set(None)
    try:
        with app.test_request_context("/imports", method="POST"):
            operation()
            app.process_response(app.response_class("answer", status=status))
    finally:
        _cv_app.reset(token)
    db.session.expire_all()


# --- procrastinate (PostgreSQL) ----------------------------------------------------------


@needs_postgres
def test_a_queued_commit_exists_only_once_its_request_commits_and_a_worker_writes_it(
    app, world, job_queue
):
    imported = checked_list(world, 30)

    services.queue_commit(imported, world.supervisor_a)
    db.session.flush()
    assert queued_jobs() == []  # not seen by workers while the request is under way
    db.session.rollback()  # the request failed after asking
    assert queued_jobs() == []
    assert db.session.get(ListImport, imported.id).status == ImportStatus.CHECKED

    services.queue_commit(imported, world.supervisor_a)
    db.session.flush()
    in_this_transaction = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task"
    assert db.session.scalar(sa.text(in_this_transaction), {"task": services.COMMIT_JOB}) == 1
    assert queued_jobs() == []  # written on the request's connection, not yet committed
    audit.write_buffer(committed=True)
    db.session.commit()
    assert queued_jobs() == [(services.COMMIT_JOB, "todo")]
    assert progress(imported.id) == (ImportStatus.QUEUED, 0, 30)

    queue.run_worker(app, wait=False)

    assert queued_jobs() == [(services.COMMIT_JOB, "succeeded")]
    done = db.session.get(ListImport, imported.id)
    db.session.refresh(done)
    assert (done.status, done.created, done.households_done) == (ImportStatus.DONE, 30, 30)
    counts = registry_counts()
    assert (counts["households"], counts["keys"], counts["not whole"]) == (30, 30, 0)


@needs_postgres
def test_a_killed_worker_leaves_whole_households_and_the_retried_job_finishes_without_duplicates(
    app, world, job_queue, tmp_path
):
    families = 250  # three chunks of 100: the worker is found between its first and last
    imported = checked_list(world, families)
    services.queue_commit(imported, world.supervisor_a)
    audit.write_buffer(committed=True)
    db.session.commit()
    environment = worker_environment(app, tmp_path)
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(  # noqa: S603  (this app's own command)
            flask_command("jobs", "worker"),
            cwd=config.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(
                lambda: progress(imported.id)[1] > 0 or worker.poll() is not None,
                timeout=120,  # a worker's start and first chunk, on a loaded 2-core machine
                every=0.02,
                what="the worker's first chunk",
            )
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
    status, done, total = progress(imported.id)
    assert worker.returncode == -signal.SIGKILL, log.read_text()
    assert status == ImportStatus.RUNNING and 0 < done < total, (status, done, total)

    counts = registry_counts()
    assert counts["households"] == done  # the chunk being written when killed left nothing
    assert counts["keys"] == done and counts["not whole"] == 0
    assert queued_jobs() == [(services.COMMIT_JOB, "doing")]  # its worker will never finish it

    found = wait_until(
        lambda: retry_stalled_jobs(app, seconds_since_heartbeat=0.5),
        timeout=15,
        every=0.2,
        what="the dead worker's job being taken for stalled",
    )
    assert found == 1
    assert queued_jobs() == [(services.COMMIT_JOB, "todo")]

    again = subprocess.run(  # noqa: S603  (this app's own command)
        flask_command("jobs", "worker", "--once"),
        cwd=config.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert again.returncode == 0, again.stdout + again.stderr

    finished = db.session.get(ListImport, imported.id)
    db.session.refresh(finished)
    assert (finished.status, finished.households_done) == (ImportStatus.DONE, families)
    assert (finished.created, finished.skipped) == (families, 0)
    counts = registry_counts()
    assert counts == {
        "households": families,
        "keys": families,
        "distinct keys": families,
        "households with keys": families,
        "not whole": 0,
    }
    assert queued_jobs() == [(services.COMMIT_JOB, "succeeded")]


@needs_postgres
def test_resume_of_a_stalled_import_whose_job_already_waits_is_saved_and_runs_once(
    app, world, job_queue
):
    """The worker died and procrastinate put its job back in the queue, but no worker is up
    yet; three minutes without a chunk, the page offers Resume and a person presses it."""
    imported = checked_list(world, 5)
    services.queue_commit(imported, world.supervisor_a)
    db.session.commit()
    imported.status = ImportStatus.RUNNING
    imported.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert services.resumable(imported)

    def press_resume() -> None:
        services.resume(
            db.session.get(ListImport, imported.id), db.session.get(User, world.supervisor_a.id)
        )

    # The job is already waiting: the second one is refused, and the request must still commit.
    as_a_request(app, press_resume)

    assert progress(imported.id)[0] == ImportStatus.QUEUED
    assert queued_jobs() == [(services.COMMIT_JOB, "todo")]
    queue.run_worker(app, wait=False)
    assert progress(imported.id) == (ImportStatus.DONE, 5, 5)
    assert registry_counts()["households"] == 5


@needs_postgres
def test_resume_while_the_dead_workers_job_still_holds_the_lock_finishes_the_import(
    app, world, job_queue
):
    """Every worker was down for minutes; the import shows as stopped and a person resumes
    it. When a worker is back, the dead worker's job is retried but its successor already
    waits: the import must still finish, once."""
    imported = checked_list(world, 5)
    services.queue_commit(imported, world.supervisor_a)
    db.session.commit()
    procrastinate = queue.procrastinate_app(app)

    async def a_worker_takes_the_job_and_dies() -> None:
        async with procrastinate.open_async():
            manager = procrastinate.job_manager
            worker_id = await manager.register_worker()
            job = await manager.fetch_job(queues=[jobs.QUEUE], worker_id=worker_id)
            assert job is not None and job.task_name == services.COMMIT_JOB

    asyncio.run(a_worker_takes_the_job_and_dies())
    with db.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '5 min'")
        )
    imported.status = ImportStatus.RUNNING
    imported.heartbeat_at = utcnow() - timedelta(minutes=5)
    db.session.commit()

    as_a_request(
        app,
        lambda: services.resume(
            db.session.get(ListImport, imported.id), db.session.get(User, world.supervisor_a.id)
        ),
    )
    assert sorted(queued_jobs()) == [(services.COMMIT_JOB, "doing"), (services.COMMIT_JOB, "todo")]

    retry_stalled_jobs(app, seconds_since_heartbeat=60)  # what a worker does each minute
    queue.run_worker(app, wait=False)

    assert progress(imported.id) == (ImportStatus.DONE, 5, 5)
    counts = registry_counts()
    assert (counts["households"], counts["keys"], counts["not whole"]) == (5, 5, 0)
    # The dead worker's job is closed; the one the person asked for did the work.
    assert queued_jobs() == [(services.COMMIT_JOB, "failed"), (services.COMMIT_JOB, "succeeded")]


# --- a thread of the app (SQLite's default) ----------------------------------------------


def test_in_thread_mode_the_commit_starts_after_the_request_commits_and_finishes(app, world):
    app.config["AWDA_JOBS"] = "thread"
    imported = checked_list(world, 12)
    import_id, actor_id = imported.id, world.supervisor_a.id
    before = set(threading.enumerate())

    def press_import() -> None:
        services.queue_commit(db.session.get(ListImport, import_id), db.session.get(User, actor_id))
        assert db.session.get(ListImport, import_id).status == ImportStatus.QUEUED

    as_a_request(app, press_import)

    started = [t for t in threading.enumerate() if t not in before]
    assert len(started) == 1  # the request answered; its commit goes on in the background
    started[0].join(timeout=30)
    assert not started[0].is_alive(), "the commit's thread did not finish within 30 s"
    assert progress(import_id) == (ImportStatus.DONE, 12, 12)
    counts = registry_counts()
    assert (counts["households"], counts["keys"], counts["not whole"]) == (12, 12, 0)


def test_in_thread_mode_a_rolled_back_request_starts_no_commit(app, world):
    app.config["AWDA_JOBS"] = "thread"
    imported = checked_list(world, 3)
    before = set(threading.enumerate())

    def press_import_then_fail() -> None:
        services.queue_commit(
            db.session.get(ListImport, imported.id), db.session.get(User, world.supervisor_a.id)
        )

    as_a_request(app, press_import_then_fail, status=400)

    assert [t for t in threading.enumerate() if t not in before] == []
    assert progress(imported.id) == (ImportStatus.CHECKED, 0, 0)
    assert registry_counts()["households"] == 0


# --- flask jobs ----------------------------------------------------------------------------


def test_a_worker_says_what_it_needs_on_a_database_without_the_queue(app):
    """SQLite: workers need PostgreSQL. The tests' PostgreSQL is made from the models, without
    the queue the migrations add: run the migrations."""
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--once"])
    assert result.exit_code != 0
    sqlite = databases.server_url() is None
    wanted = "Workers need PostgreSQL" if sqlite else "run flask db upgrade"
    assert wanted in result.output


def test_run_periodic_removes_the_files_of_old_lists_and_keeps_recent_ones(app, world):
    app.config["IMPORT_KEEP_DAYS"] = 30
    old = receive_and_check(world, csv_bytes(family_rows(2)))[0]
    recent = receive_and_check(world, csv_bytes(family_rows(2, start=50)))[0]
    old.created_at = utcnow() - timedelta(days=31)
    recent.created_at = utcnow() - timedelta(days=29)
    db.session.commit()
    old_file, recent_file = old.stored_as, recent.stored_as

    def kept(digest: str) -> bool:
        return db.session.get(ImportFile, digest) is not None

    assert kept(old_file) and kept(recent_file)

    result = app.test_cli_runner().invoke(args=["jobs", "run-periodic", "imports.remove_old_files"])

    assert result.exit_code == 0, result.output
    assert "imports.remove_old_files: done" in result.output
    db.session.expire_all()
    assert not kept(old_file) and kept(recent_file)
    assert old.stored_as is None and old.file_removed_at is not None
    assert recent.stored_as is not None and recent.file_removed_at is None


def test_run_periodic_refuses_a_name_it_does_not_know(app):
    result = app.test_cli_runner().invoke(
        args=["jobs", "run-periodic", "imports.remove_everything"]
    )
    assert result.exit_code != 0
    assert "No periodic job 'imports.remove_everything'" in result.output
    assert "imports.remove_old_files" in result.output
