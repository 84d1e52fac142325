"""A fresh database for every test, on SQLite or on the PostgreSQL server of TEST_DATABASE_URL.

SQLite: a new file per test, schema made from the models. PostgreSQL: the schema is made once per
worker in a template database, and each test gets its own copy (CREATE DATABASE ... TEMPLATE),
which takes a few tens of milliseconds and isolates commits completely.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.core.db import Base

_counter = itertools.count()


def server_url() -> str | None:
    """The PostgreSQL server to test on, or None for SQLite."""
    return os.environ.get("TEST_DATABASE_URL") or None


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
    )


def create_schema(url: str) -> None:
    """Create the schema from the models (with PostgreSQL's trigram extension and index)."""
    from app import import_models

    import_models()
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        Base.metadata.create_all(connection)
    engine.dispose()


def recreate_database(url: str, name: str, template: str | None = None) -> str:
    admin = _admin_engine(url)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        clause = f' TEMPLATE "{template}"' if template else ""
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, name: str) -> None:
    admin = _admin_engine(url)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def postgres_template() -> Iterator[str]:
    """Per worker: a template database holding the schema; yields its name."""
    url = server_url()
    assert url is not None
    name = f"awda_template_{_worker()}"
    create_schema(recreate_database(url, name))
    try:
        yield name
    finally:
        drop_database(url, name)


@contextmanager
def fresh_database(tmp_path: Path, template: str | None) -> Iterator[str]:
    """A database for one test; yields its SQLAlchemy URL."""
    url = server_url()
    if url is None:
        sqlite_url = f"sqlite:///{tmp_path / 'awda-test.sqlite3'}"
        create_schema(sqlite_url)
        yield sqlite_url
        return
    name = f"awda_test_{_worker()}_{next(_counter)}"
    test_url = recreate_database(url, name, template=template)
    try:
        yield test_url
    finally:
        drop_database(url, name)


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema), for the migration tests."""
    url = server_url()
    if url is None:
        yield f"sqlite:///{tmp_path / 'awda-migrations.sqlite3'}"
        return
    name = f"awda_migrations_{_worker()}_{next(_counter)}"
    try:
        yield recreate_database(url, name)
    finally:
        drop_database(url, name)
