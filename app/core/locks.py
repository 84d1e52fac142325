"""Writers taking turns, the same way on SQLite and on PostgreSQL.

Whatever the app hands out in order (case numbers, assessment versions, the audit trail's place
in its chain) or allows once (one pending hand-over per household) is decided by reading and
then writing; two requests doing that at the same moment must take turns, or both read the same
"last" and write the same "next".

- PostgreSQL locks rows (`SELECT ... FOR UPDATE`) or a name (a transaction-level advisory lock)
  until the transaction ends; a writer wanting the same lock waits.
- SQLite ignores FOR UPDATE and has no advisory locks: it has one write lock for the whole
  database. With the driver's default (Python's sqlite3), a transaction begins at its first
  write (INSERT, UPDATE, DELETE), which takes that lock until commit. Reads before it take no
  lock at all. To make a read-then-write safe, the transaction takes the write lock *before*
  reading: `BEGIN IMMEDIATE` (if no write has taken it yet).
- A writer that finds the SQLite lock taken waits up to `SQLITE_BUSY_SECONDS`
  (`PRAGMA busy_timeout`, set on every connection by `wait_when_busy`) instead of failing at once
  with "database is locked".

A counter that a single statement can move (`UPDATE ... SET n = n + 1 RETURNING n`) needs none
of this: the statement takes the lock and moves the counter at once (see
`registry.services.allocate_case_numbers`).
"""

from __future__ import annotations

import hashlib
import sqlite3

import sqlalchemy as sa

from app.extensions import db

# How long a writer waits for SQLite's write lock before giving up ("database is locked").
# A registration holds it for some milliseconds; the wait is long enough for a queue of them
# behind a slow request (a large batch arrival, the demo loader), short of a proxy's timeout.
SQLITE_BUSY_SECONDS = 30


def wait_when_busy(engine: sa.Engine) -> None:
    """Make every SQLite connection of `engine` wait for the write lock rather than fail."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _busy_timeout(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
        cursor.close()


def lock_rows(stmt: sa.Select) -> None:
    """Until this transaction ends, whoever locks the same rows waits.

    `stmt` selects the rows (e.g. `select(Household.id).where(Household.id == 7)`). PostgreSQL
    locks those rows (FOR UPDATE); SQLite takes its database-wide write lock.
    """
    if _dialect() == "sqlite":
        _sqlite_write_lock()
    else:
        db.session.execute(stmt.with_for_update())


def take_turns(name: str) -> None:
    """Until this transaction ends, whoever takes turns on the same `name` waits.

    For writers of something that is not one row (the end of the audit chain): PostgreSQL takes
    a transaction-level advisory lock keyed by the name; SQLite its database-wide write lock.
    """
    if _dialect() == "sqlite":
        _sqlite_write_lock()
    else:
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(advisory_key(name))))


def savepoint():
    """A savepoint of the session (`Session.begin_nested`), for a write that may be taken back.

    On SQLite a SAVEPOINT opens a deferred transaction: its reads would take a shared lock that
    cannot become the write lock while another writer waits ("database is locked" at once, the
    busy timeout notwithstanding). So the write lock is taken first, as any writer would take it.
    """
    if _dialect() == "sqlite":
        _sqlite_write_lock()
    return db.session.begin_nested()


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks: "audit_chain" -> int."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _sqlite_write_lock() -> None:
    """Take SQLite's write lock now, unless this transaction already holds it.

    A transaction is open only once it has written (see the module's docstring), and its first
    write took the lock; so an open transaction holds it already.
    """
    connection = db.session.connection().connection.dbapi_connection
    assert isinstance(connection, sqlite3.Connection)
    if not connection.in_transaction:
        connection.execute("BEGIN IMMEDIATE")  # waits up to the busy timeout
