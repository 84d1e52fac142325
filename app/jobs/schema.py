"""procrastinate's tables, types and functions on PostgreSQL, created and dropped by Awda's
migrations rather than by `procrastinate schema --apply`, so that `flask db upgrade` is the one
step that prepares a database.

The schema is the one shipped with the pinned procrastinate release
(`procrastinate/sql/schema.sql`). A later release that changes it brings its own migration
files (`procrastinate/sql/migrations`): upgrading procrastinate means adding an Alembic
migration that runs them.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from procrastinate.schema import SchemaManager

_OBJECT = re.compile(r"^CREATE (TABLE|TYPE|FUNCTION)\s+(procrastinate_\w+)", re.MULTILINE)


def install(connection: sa.Connection) -> None:
    """Create procrastinate's schema on `connection` (PostgreSQL), in its transaction."""
    connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def remove(connection: sa.Connection) -> None:
    """Drop every table, function and type the schema created (and the jobs they hold)."""
    created = _OBJECT.findall(SchemaManager.get_schema())
    for kind in ("TABLE", "FUNCTION", "TYPE"):
        for found_kind, name in created:
            if found_kind == kind:
                connection.exec_driver_sql(f"DROP {kind} IF EXISTS {name} CASCADE")


def installed(connection: sa.Connection) -> bool:
    """Whether the queue's table is there (False on SQLite, which has no queue)."""
    return sa.inspect(connection).has_table("procrastinate_jobs")


def owned_by_queue(obj: object, name: str | None, type_: str) -> bool:
    """Whether a schema object compared by Alembic is procrastinate's (not in Awda's models,
    so autogenerate must neither drop nor offer it)."""
    table = getattr(obj, "table", None)
    owner = table.name if type_ != "table" and table is not None else name
    return bool(owner and owner.startswith("procrastinate_"))
