"""Declarative base with a constraint naming convention, and common column helpers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.routing import IntegerConverter

# Named constraints let Alembic drop and alter them on every database, SQLite included.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest id a row can have (PostgreSQL's INTEGER): a larger number in a URL or a cursor
# names no row, and must not reach the database, which would refuse it with an error.
MAX_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RowId(IntegerConverter):
    """Flask's `int` in every URL rule: a number no row can have is a 404, not a server error
    (and the OpenAPI document gives its maximum)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def utcnow() -> datetime:
    """Called at each insert or update, never once at import."""
    return datetime.now(UTC)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every stored time is UTC, so say so."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def refresh_statistics(session) -> None:
    """Give the query planner fresh statistics of every table (ANALYZE), after a bulk load.

    SQLite keeps none until asked; without them it lists every household of a team (80,000 at
    250,000 households) and sorts them to show the newest 25, where with them it reads the
    newest households until 25 are in scope. PostgreSQL's autovacuum gets there, later."""
    session.execute(text("ANALYZE"))
