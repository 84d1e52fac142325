"""The Alembic migrations build the schema the models describe, and go down and up again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

import config
from app import create_app
from app.extensions import db
from tests import databases

pytestmark = pytest.mark.migrations


@pytest.fixture
def migrated_app(tmp_path):
    with databases.empty_database(tmp_path) as url:
        settings = config.TestingConfig()
        settings.SQLALCHEMY_DATABASE_URI = url
        app = create_app(settings)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def _only_for_other_dialects(obj, name, type_, reflected, compare_to) -> bool:
    """Skip what the models create on another database only (the PostgreSQL trigram index)."""
    ddl_if = getattr(obj, "_ddl_if", None)
    return ddl_if is None or ddl_if.dialect in (None, db.engine.dialect.name)


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": _only_for_other_dialects},
        )
        return compare_metadata(context, db.metadata)


def _count(table: str) -> int:
    return db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608


def test_upgrade_builds_the_models_schema_with_the_places(migrated_app):
    upgrade()
    assert schema_differences() == []
    assert _count("governorates") == 18
    assert _count("districts") >= 100
    ninewa = db.session.execute(
        sa.text("SELECT iso_code, pcode, name_ar FROM governorates WHERE iso_code = 'IQ-NI'")
    ).one()
    assert tuple(ninewa) == ("IQ-NI", "IQG15", "نينوى")


def test_downgrade_to_base_and_upgrade_again(migrated_app):
    upgrade()
    db.session.remove()
    downgrade(revision="base")
    remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()
    assert schema_differences() == []
    assert _count("governorates") == 18


def test_trigram_index_for_name_search_is_made_on_postgresql_only(migrated_app):
    upgrade()
    names = {ix["name"] for ix in sa.inspect(db.engine).get_indexes("households")}
    on_postgres = db.engine.dialect.name == "postgresql"
    assert ("ix_households_search_text_trgm" in names) is on_postgres
