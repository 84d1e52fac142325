"""What record linkage needs of the database server, checked before the app starts."""

from __future__ import annotations

import logging

import sqlalchemy as sa

log = logging.getLogger(__name__)

# A name whose letters any Unicode-aware character classification calls letters.
_PROBE = "محمد"


class ArabicTrigramsUnsupported(RuntimeError):
    """PostgreSQL's pg_trgm extracts no trigrams from Arabic in this database."""


def check_trigrams(connection: sa.Connection) -> None:
    """Refuse a PostgreSQL database whose character classification (LC_CTYPE, e.g. "C") makes
    pg_trgm see no letters in Arabic: its trigram indexes would find no Arabic name, and record
    linkage and the name search would silently miss every one. pg_trgm keeps only characters
    that the database's LC_CTYPE classifies as alphanumeric (PostgreSQL documentation, F.35
    pg_trgm). Nothing to check on SQLite, or before the extension is installed (the first
    migration installs it and this check runs again in the identity migration).

    Raises ArabicTrigramsUnsupported with a message an operator can act on.
    """
    if connection.dialect.name != "postgresql":
        return
    installed = connection.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    if not installed:
        return
    found = connection.scalar(sa.text("SELECT cardinality(show_trgm(:probe))"), {"probe": _PROBE})
    if found:
        return
    database, ctype = connection.execute(
        sa.text("SELECT datname, datctype FROM pg_database WHERE datname = current_database()")
    ).one()
    raise ArabicTrigramsUnsupported(
        f"Awda cannot use the PostgreSQL database {database!r}: its character classification "
        f"(LC_CTYPE {ctype!r}) makes pg_trgm find no letters in Arabic names, so names could "
        "be neither searched nor matched. Create the database with a Unicode LC_CTYPE, e.g. "
        f"CREATE DATABASE {database} TEMPLATE template0 ENCODING 'UTF8' "
        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8', and load the data into it."
    )


def check_database(engine: sa.Engine) -> None:
    """`check_trigrams` on a connection of `engine` (at start-up). A server that cannot be
    reached yet is not refused here: the app starts, says so, and answers /healthz with 503
    until it can (a container may start before its database)."""
    if engine.dialect.name != "postgresql":
        return
    try:
        connection = engine.connect()
    except sa.exc.OperationalError as unreachable:
        log.warning("Database not reachable at start-up; not checked yet: %s", unreachable)
        return
    with connection:
        check_trigrams(connection)
