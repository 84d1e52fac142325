"""The app refuses a PostgreSQL database on which pg_trgm cannot read Arabic names."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import config
from app import create_app
from app.identity.database import ArabicTrigramsUnsupported
from tests import databases

pytestmark = pytest.mark.skipif(
    databases.server_url() is None, reason="a PostgreSQL server's locale is what is checked"
)


def _app_on(url: str):
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = url
    settings.SQLALCHEMY_ENGINE_OPTIONS = {}
    return create_app(settings)


def _database_with_ctype(ctype: str) -> str:
    """A new database of the test server with `ctype` as its LC_CTYPE and pg_trgm installed."""
    server = databases.server_url()
    name = f"awda_ctype_{ctype.replace('.', '_').replace('-', '_').lower()}"
    admin = databases._admin_engine(server)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(
            sa.text(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                f"LC_COLLATE '{ctype}' LC_CTYPE '{ctype}'"
            )
        )
    admin.dispose()
    url = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    engine.dispose()
    return url


def test_a_database_whose_ctype_sees_no_arabic_letters_is_refused_with_what_to_do():
    url = _database_with_ctype("C")
    try:
        with pytest.raises(ArabicTrigramsUnsupported) as refused:
            _app_on(url)
        message = str(refused.value)
        assert "LC_CTYPE 'C'" in message and "CREATE DATABASE" in message
    finally:
        databases.drop_database(databases.server_url(), sa.make_url(url).database)


def test_a_unicode_ctype_is_accepted_and_reads_arabic_trigrams():
    url = _database_with_ctype("C.UTF-8")
    try:
        app = _app_on(url)
        with app.app_context():
            from app.extensions import db

            found = db.session.scalar(sa.text("SELECT cardinality(show_trgm('محمد'))"))
            db.session.remove()
            db.engine.dispose()
        assert found and found > 0
    finally:
        databases.drop_database(databases.server_url(), sa.make_url(url).database)
