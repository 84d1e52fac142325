"""SQLite's index for the case search: an FTS5 table with the trigram tokenizer.

The table holds no text of its own (`content='households'`): it indexes `households.search_text`
and is kept in step by three triggers. A LIKE '%…%' on a plain column scans every row; a MATCH on
this table reads only the rows that hold the term's trigrams (SQLite 3.34 or newer; see
https://sqlite.org/fts5.html#the_trigram_tokenizer). PostgreSQL uses a pg_trgm index instead.

A batch migration that copies `households` into a new table drops the triggers with the old
one: such a migration must call `create` again (tests/test_migrations.py checks they exist).
"""

from __future__ import annotations

import sqlalchemy as sa

TABLE = "households_fts"
TRIGGERS = ("households_fts_insert", "households_fts_delete", "households_fts_update")

_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS households_fts USING fts5("
    "search_text, content='households', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS households_fts_insert AFTER INSERT ON households BEGIN "
    "INSERT INTO households_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS households_fts_delete AFTER DELETE ON households BEGIN "
    "INSERT INTO households_fts(households_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS households_fts_update AFTER UPDATE OF search_text "
    "ON households BEGIN "
    "INSERT INTO households_fts(households_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO households_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
_REBUILD = "INSERT INTO households_fts(households_fts) VALUES ('rebuild')"
_DROP = (
    "DROP TRIGGER IF EXISTS households_fts_insert",
    "DROP TRIGGER IF EXISTS households_fts_delete",
    "DROP TRIGGER IF EXISTS households_fts_update",
    "DROP TABLE IF EXISTS households_fts",
)


def create(connection: sa.Connection) -> None:
    """Make the index and its triggers (SQLite only), and fill it from the stored rows."""
    if connection.dialect.name != "sqlite":
        return
    for statement in _CREATE:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(_REBUILD)


def drop(connection: sa.Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    for statement in _DROP:
        connection.exec_driver_sql(statement)


def is_search_index(name: str | None) -> bool:
    """True for the FTS table and the shadow tables SQLite makes for it."""
    return bool(name) and (name == TABLE or name.startswith(TABLE + "_"))
