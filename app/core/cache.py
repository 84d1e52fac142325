"""Values read from the database once per process and kept until what they are made of changes,
in agreement across processes (several app servers and workers on one database).

Each cache has a name and a version number in the table `cache_versions`. A request reads the
version once (one small statement, memoised in `g`); a process keeps the value it built with the
version it was built at, per app (`app.extensions`), and builds it again when the database's
version differs. Whatever changes the value's sources calls `bump` in the same transaction, so the
new version is seen by every process exactly when the change is: no process can keep an old value
past the commit of a change, nor build one from data older than its version. A transaction that
bumps a cache builds its own value from what it sees and keeps it to itself, so that a change
later rolled back never lands in the process's copy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db

T = TypeVar("T")
_VERSIONS = "_awda_cache_versions"  # in g: {name: version read by this request}
_BUMPED = "_awda_cache_bumped"  # in g: names this request's transaction has bumped
_STORE = "awda.shared_cache"  # in app.extensions: {name: (version, value)}


class CacheVersion(db.Model):
    """The version of one shared cache; `bump` adds one when the cache's sources change."""

    __tablename__ = "cache_versions"
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)


class SharedCache(Generic[T]):
    """A value built by `build()` (from the current session), shared by the requests of a process
    for as long as the version of `name` in the database stays the same."""

    def __init__(self, name: str, build: Callable[[], T]):
        self.name = name
        self.build = build
        self._lock = threading.Lock()

    def get(self) -> T:
        """The value as of this request's version. Costs one statement per request (the version;
        none when another cache's reading already asked), plus the build when it moved."""
        if self.name in g.setdefault(_BUMPED, set()):
            return self._own_value()
        version = read_version(self.name)
        store = current_app.extensions.setdefault(_STORE, {})
        held = store.get(self.name)
        if held is None or held[0] != version:
            with self._lock:
                held = store.get(self.name)
                if held is None or held[0] != version:
                    held = (version, self.build())
                    store[self.name] = held
        return held[1]

    def _own_value(self) -> T:
        """Built from this transaction's own changes, kept for this request only."""
        values = g.setdefault("_awda_cache_own", {})
        if self.name not in values:
            values[self.name] = self.build()
        return values[self.name]


# Read on most pages: built once and reused, so SQLAlchemy neither builds nor keys it again.
_VERSION = sa.select(CacheVersion.version).where(CacheVersion.name == sa.bindparam("name"))


def read_version(name: str) -> int:
    """The version of `name` as this request sees it; read from the database once per request.
    0 when the database has no row for it yet (the first `bump` adds it)."""
    versions = g.setdefault(_VERSIONS, {})
    if name not in versions:
        found = db.session.scalar(_VERSION, {"name": name})
        versions[name] = found or 0
    return versions[name]


def bump(session: Session, name: str) -> None:
    """Mark `name` changed, in `session`'s transaction: every process builds it again once this
    commits. Call it from the transaction that changes the cache's sources."""
    connection = session.connection()
    table = CacheVersion.__table__
    changed = connection.execute(
        table.update().where(table.c.name == name).values(version=table.c.version + 1)
    )
    if changed.rowcount == 0:
        connection.execute(table.insert().values(name=name, version=1))
    if has_app_context():
        g.setdefault(_BUMPED, set()).add(name)
        g.pop("_awda_cache_own", None)
