"""A read replica (AWDA_REPLICA_URL): the figures and the case export read their rows from it,
while what the same request writes (the audit entry of every export and download) goes to the
primary. Here the "replica" is another database holding other data, so that what was read
where shows; tests/test_machines.py runs a real PostgreSQL streaming replica."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

import config
from app import create_app
from app.audit.models import AuditEntry
from app.core.dates import start_of_local_day
from app.core.db import Base
from app.extensions import db
from app.registry.models import Household
from tests import databases
from tests.factories import HouseholdFactory
from tests.test_reports import _last_month

LAG_NOTE = "may lag the latest saves by a few seconds"


@pytest.fixture
def replica_url(tmp_path, template_database):
    (tmp_path / "replica").mkdir()
    with databases.fresh_database(tmp_path / "replica", template_database) as url:
        yield url


@pytest.fixture
def app(database_url, replica_url, tmp_path):
    """The test app (as conftest's), its figures and exports read from `replica_url`."""
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = database_url
    settings.SQLALCHEMY_BINDS = {config.REPLICA_BIND: replica_url}
    settings.SQLALCHEMY_ENGINE_OPTIONS = {}
    settings.ATTACHMENTS_DIR = str(tmp_path / "attachments")
    app = create_app(settings)
    with app.app_context():
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _replica() -> sa.Engine:
    return db.engines[config.REPLICA_BIND]


def replicate() -> None:
    """What streaming replication does, all at once: the replica gets every row of the primary."""
    db.session.commit()
    with _replica().begin() as replica:
        for table in Base.metadata.sorted_tables:
            rows = [dict(row) for row in db.session.execute(sa.select(table)).mappings()]
            if rows:
                replica.execute(table.insert(), rows)
    db.session.commit()


@pytest.fixture
def diverged(world):
    """Two households of team A on both databases, then a third saved on the primary only,
    and on the replica the first one's case number and stage changed: (first, third)."""
    registered = start_of_local_day(_last_month().start) + timedelta(hours=10)
    first, _second = (
        HouseholdFactory(team=world.team_a, camp=world.camp, created_at=registered)
        for _ in range(2)
    )
    replicate()
    third = HouseholdFactory(team=world.team_a, camp=world.camp, created_at=registered)
    with _replica().begin() as replica:
        replica.execute(
            sa.update(Household)
            .where(Household.id == first.id)
            .values(case_number="ON-THE-REPLICA", stage="vetting")
        )
    return first, third


def _audited(engine_or_session, action: str) -> list[dict]:
    stmt = sa.select(AuditEntry.detail).where(AuditEntry.action == action)
    with engine_or_session.connect() as connection:
        return list(connection.scalars(stmt))


def test_the_case_export_reads_the_replica_and_is_audited_on_the_primary(world, login, diverged):
    first, third = diverged
    browser = login("supervisor_a")
    page = browser.get("/reports/cases").get_data(as_text=True)
    assert LAG_NOTE in page and "2 households in the list as filtered" in page

    response = browser.post(
        "/reports/cases", {"columns": ["case_number", "stage"], "format": "csv"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    numbers = {number: stage for number, stage in rows[1:]}
    assert numbers.pop("ON-THE-REPLICA") == "Security vetting"
    assert len(numbers) == 1 and first.case_number not in numbers
    assert third.case_number not in numbers  # saved on the primary only

    exported = _audited(db.engine, "export.cases")
    assert [entry["rows"] for entry in exported] == [2]  # as many as the file holds
    assert _audited(_replica(), "export.cases") == []


def test_the_figures_and_their_download_read_the_replica(world, login, diverged):
    browser = login("supervisor_a")
    query = f"unit=households&rows=stage&period={_last_month().key}"
    page = browser.get(f"/reports/?{query}").get_data(as_text=True)
    assert LAG_NOTE in page
    assert "Security vetting" in page  # the stage the first household has on the replica only

    download = browser.get(f"/reports/download/csv?{query}")
    assert download.status_code == 200 and "Security vetting" in download.get_data(as_text=True)
    assert len(_audited(db.engine, "report.download")) == 1
    assert _audited(_replica(), "report.download") == []


def test_the_dashboard_counts_on_the_replica(world, login, diverged):
    page = login("supervisor_a").get("/dashboard").get_data(as_text=True)
    assert LAG_NOTE in page and "Security vetting" in page


def test_the_replica_gets_the_primarys_engine_options(monkeypatch):
    monkeypatch.setenv("AWDA_DB_POOLER", "transaction")
    primary = "postgresql+psycopg://awda@db.internal/awda"
    binds = config.replica_binds(primary, "postgresql+psycopg://awda@replica.internal/awda")
    assert binds[config.REPLICA_BIND]["connect_args"] == {"prepare_threshold": None}
    assert config.replica_binds(primary, None) == {}
    with pytest.raises(config.ConfigError, match="another kind of database"):
        config.replica_binds(primary, "sqlite:///elsewhere.sqlite3")
