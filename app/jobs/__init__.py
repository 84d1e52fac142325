"""Background jobs: work too long for a request (committing a transfer list), run after the
request that asked for it has committed.

How a job runs is the deployment's choice (`AWDA_JOBS`):

- `procrastinate` (the default on PostgreSQL): the job is deferred to procrastinate's queue in
  the same database, and `flask jobs worker` processes run it, on as many machines as share
  the database. procrastinate was chosen because it needs nothing beside PostgreSQL (no Redis),
  is maintained, and has locks, cancellation and the retry of jobs whose worker died.
- `thread` (the default on SQLite, for `make run`): the job runs in a thread of the app's own
  process. A process that stops leaves the job unfinished; its page offers to resume it.
- `inline`: the job runs in the request, after its commit (tests and scripts).

Every job is written so that running it twice, or again after it was killed, does the work
once (see `app.imports.commit`). A task is a plain function registered with `@task(name)`;
it gets an app context of its own.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g

log = logging.getLogger(__name__)

QUEUE = "awda"
TASKS: dict[str, Callable[..., None]] = {}
PERIODIC: dict[str, tuple[str, Callable[[], None]]] = {}  # name -> (cron, function)
_AFTER_COMMIT = "jobs_after_commit"
_THREADS: list[threading.Thread] = []  # job threads started (`thread` mode), until waited for


def task(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register `function(**arguments)` as the job `name` (arguments: JSON values)."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        TASKS[name] = function
        return function

    return register


def periodic(name: str, cron: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register `function()` to run on the `cron` schedule where workers run (procrastinate);
    without a worker, call it from a command (`flask imports purge`)."""

    def register(function: Callable[[], None]) -> Callable[[], None]:
        PERIODIC[name] = (cron, function)
        return function

    return register


def mode(app: Flask) -> str:
    """`procrastinate`, `thread` or `inline` (see the module's docstring)."""
    chosen = app.config.get("AWDA_JOBS")
    if chosen:
        return chosen
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    return "procrastinate" if postgres else "thread"


def launch_on_commit(name: str, lock: str | None = None, **arguments: Any) -> None:
    """Run job `name` when, and only if, this request or command commits: a job must never
    find the rows it is for missing, nor run for a request that was rolled back. On the queue
    the job is written in the same transaction; otherwise it starts after the commit. `lock`:
    no two jobs with it run at once (procrastinate)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if mode(app) == "procrastinate":
        from app.jobs.queue import defer

        defer(app, name, arguments, lock)
    else:
        g.setdefault(_AFTER_COMMIT, []).append((name, arguments))


def discard_launches() -> None:
    """Forget the jobs asked for by a request that is being rolled back."""
    g.pop(_AFTER_COMMIT, None)


def launch_committed() -> None:
    """Start the jobs asked for during the request or command that has just committed: in a
    thread of this process, or here and now (`inline`)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    for name, arguments in g.pop(_AFTER_COMMIT, []):
        if mode(app) == "thread":
            thread = threading.Thread(target=run, args=(app, name, arguments), daemon=True)
            _THREADS[:] = [t for t in _THREADS if t.is_alive()]  # a server forgets finished ones
            _THREADS.append(thread)
            thread.start()
        else:
            # A failure is logged (and recorded by the job); the request that asked stands.
            with contextlib.suppress(Exception):
                run(app, name, arguments)


def wait_for_threads() -> None:
    """Return when every job thread this process started has finished, with those they
    started in turn: a command's process must not end under its jobs (`thread` mode)."""
    while _THREADS:
        _THREADS.pop().join()


def run(app: Flask, name: str, arguments: dict[str, Any]) -> None:
    """Run job `name` in an app context (and database session) of its own, and commit what it
    left uncommitted with its audit entries (a job may also commit as it goes, in chunks)."""
    from app.audit import services as audit
    from app.extensions import db

    with app.app_context():
        try:
            function = TASKS.get(name) or PERIODIC[name][1]
            function(**arguments)
            audit.write_buffer(committed=True)
            db.session.commit()
            launch_committed()  # the jobs this one asked for
        except Exception:
            log.exception("job %s %s failed", name, arguments)
            discard_launches()
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def queue_installed(app: Flask) -> bool:
    """Whether this database has procrastinate's queue (PostgreSQL after the migrations)."""
    from app.extensions import db
    from app.jobs.schema import installed

    with app.app_context(), db.engine.connect() as connection:
        return installed(connection)


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (without the `+psycopg` driver name)."""
    url = sa.engine.make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)
