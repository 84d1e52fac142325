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
from app.jobs import schema as job_schema
from app.registry import search_index
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
    """Skip what the models create on another database only (the PostgreSQL trigram index),
    and SQLite's FTS5 search index, which is made by hand (app.registry.search_index)."""
    if job_schema.owned_by_queue(obj, name, type_):
        return False  # procrastinate's queue (app.jobs.schema)
    if type_ == "table" and search_index.is_search_index(name):
        return False
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


def test_search_index_and_its_triggers_are_made_on_sqlite_only(migrated_app):
    upgrade()
    on_sqlite = db.engine.dialect.name == "sqlite"
    if not on_sqlite:
        assert search_index.TABLE not in sa.inspect(db.engine).get_table_names()
        return
    triggers = set(
        db.session.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    )
    assert set(search_index.TRIGGERS) <= triggers
    assert search_index.TABLE in sa.inspect(db.engine).get_table_names()


PREVIOUS = "3ce415453f39"  # the revision before camp ID keys


def _insert(table: str, **values) -> None:
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    db.session.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), values)  # noqa: S608


def _old_household(
    hid: int,
    camp_ref: str,
    given_name_ar: str,
    now: str = "2026-01-01 00:00:00",
    birth_date: str = "1990-01-01",
    estimated: bool = False,
) -> None:
    _insert(
        "households",
        id=hid,
        case_number=f"AWD-2026-{hid:06d}",
        camp_id=1,
        camp_ref=camp_ref,
        origin_governorate_id=1,
        team_id=1,
        search_text="",
        version=1,
        stage="registered",
        stage_changed_at=now,
        created_at=now,
        updated_at=now,
    )
    _insert(
        "members",
        id=hid,
        household_id=hid,
        position=0,
        given_name_ar=given_name_ar,
        father_name_ar="مصطفى",
        sex="f",
        birth_date=birth_date,
        birth_date_estimated=estimated,
        relationship="head",
    )


def _old_places() -> None:
    now = "2026-01-01 00:00:00"
    _insert(
        "agencies",
        id=1,
        code="MOMD",
        kind="ministry",
        active=True,
        name_en="M",
        name_ar="م",
        created_at=now,
        updated_at=now,
    )
    _insert("teams", id=1, name="Team A", agency_id=1, active=True, created_at=now, updated_at=now)
    _insert(
        "camps",
        id=1,
        code="HOL",
        country="SY",
        is_centre=False,
        active=True,
        name_en="al-Hol",
        name_ar="الهول",
        created_at=now,
        updated_at=now,
    )


def test_upgrade_keys_camp_ids_keeps_collisions_for_a_person_and_cleans_names(migrated_app):
    """Stored rows from before the keys: the oldest of two IDs written differently keeps the
    key, the other is listed by the CLI; nothing is merged or dropped; pasted names are clean."""
    upgrade(revision=PREVIOUS)
    _old_places()
    _old_household(1, "HOL-40512", "ﻓﺎﻃﻤﺔ")  # presentation forms, as pasted from a PDF
    _old_household(2, "hol 40512", "\u200fزينب\u200f")  # the same ID; direction marks
    _old_household(3, "HOL-40513", "مريم")
    db.session.commit()
    upgrade()
    rows = db.session.execute(
        sa.text("SELECT id, camp_ref_key, search_text FROM households ORDER BY id")
    ).all()
    assert [(r.id, r.camp_ref_key) for r in rows] == [(1, "hol40512"), (2, None), (3, "hol40513")]
    assert "hol40512" in rows[0].search_text and " #ftm " in rows[0].search_text
    names = db.session.scalars(sa.text("SELECT given_name_ar FROM members ORDER BY id")).all()
    assert names == ["فاطمة", "زينب", "مريم"]

    result = migrated_app.test_cli_runner().invoke(args=["registry", "camp-id-collisions"])
    assert result.exit_code == 1
    assert "AWD-2026-000001" in result.output and "(keeps the ID)" in result.output
    assert "AWD-2026-000002" in result.output and "(to correct)" in result.output
    assert "AWD-2026-000003" not in result.output


BEFORE_IDENTITY = "5d2e7a91c3b4"  # the revision before birth precision and record linkage


def test_an_estimated_age_stored_as_1_january_becomes_an_age_and_goes_back(migrated_app):
    """Typed as "36" on 10 March 2026, stored as 1 January 1990: after the upgrade, an age
    estimated on the day it was typed (36 that day, as typed); a whole date stays a date; every
    person gets blocking keys. The downgrade gives back what was stored before."""
    upgrade(revision=BEFORE_IDENTITY)
    _old_places()
    _old_household(1, "HOL-1", "فاطمة", now="2026-03-10 09:30:00", estimated=True)
    _old_household(2, "HOL-2", "زينب", birth_date="1985-07-04")
    db.session.commit()
    upgrade()
    rows = db.session.execute(
        sa.text(
            "SELECT id, birth_date, birth_precision, birth_estimated_on, name_folded "
            "FROM members ORDER BY id"
        )
    ).all()
    as_text = [(r.id, str(r.birth_date), r.birth_precision, r.birth_estimated_on) for r in rows]
    assert as_text[0][:3] == (1, "1990-03-10", "age") and str(as_text[0][3]) == "2026-03-10"
    assert as_text[1] == (2, "1985-07-04", "day", None)
    assert [r.name_folded for r in rows] == ["فاطمه مصطفي", "زينب مصطفي"]
    keyed = db.session.scalars(sa.text("SELECT DISTINCT member_id FROM identity_keys")).all()
    assert sorted(keyed) == [1, 2]
    db.session.remove()
    downgrade(revision=BEFORE_IDENTITY)
    back = db.session.execute(
        sa.text("SELECT id, birth_date, birth_date_estimated FROM members ORDER BY id")
    ).all()
    assert [(r.id, str(r.birth_date), bool(r.birth_date_estimated)) for r in back] == [
        (1, "1990-01-01", True),
        (2, "1985-07-04", False),
    ]
