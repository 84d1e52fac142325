"""The load test (bench/load.py) measures what people do: its browser posts the household form
back as a browser would, and a short run against a real gunicorn ends without an error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.extensions import db
from app.registry.models import Household
from bench.load_client import form_fields, replaced
from tests.forms import household_payload
from tests.test_cli import add_governorates

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def household(world, login):
    login("caseworker_a").post("/households/new", household_payload(world))
    return db.session.query(Household).one()


def test_the_form_read_from_the_page_saves_only_the_change(world, login, household):
    """What the load test posts is the page's own form: only the note it changes changes."""
    caseworker = login("caseworker_a")
    url = f"/households/{household.id}/edit"
    before = _file(household)
    fields = form_fields(caseworker.get(url).get_data(as_text=True), 'name="version"')
    assert not any("__index__" in name for name, _ in fields)  # the row template is not posted

    saved = caseworker.post(url, _multidict(replaced(fields, "notes", "Seen by the load test.")))

    assert saved.status_code == 302
    db.session.expire_all()
    household = db.session.get(Household, household.id)
    assert household.notes == "Seen by the load test."
    assert household.version == 2
    assert _file(household) == before


def test_a_form_read_twice_is_refused_the_second_time_as_stale(world, login, household):
    caseworker = login("caseworker_a")
    url = f"/households/{household.id}/edit"
    fields = form_fields(caseworker.get(url).get_data(as_text=True), 'name="version"')
    assert caseworker.post(url, _multidict(fields)).status_code == 302
    assert caseworker.post(url, _multidict(fields)).status_code == 409


@pytest.fixture
def demo_database(app, database_url) -> str:
    """The test database filled by `flask demo-data` (30 households), its connections closed
    for a benchmark's own process; its URL."""
    add_governorates()
    filled = app.test_cli_runner().invoke(args=["demo-data", "--households", "30"])
    assert filled.exit_code == 0, filled.output
    db.session.remove()
    db.engine.dispose()
    return database_url


def test_a_short_run_against_gunicorn_has_no_error(demo_database, tmp_path):
    """Demo data, three people, a few seconds of each phase: every request answered as a
    working page would (the figures themselves are not checked: no test is timed)."""
    figures = tmp_path / "load.json"
    command = [sys.executable, "bench/load.py", "--database", demo_database, "--users", "3"]
    command += ["--seconds", "2", "--warmup", "1", "--think", "0", "--json", str(figures)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)  # noqa: S603
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(figures.read_text())
    assert result["journey"]["all"]["errors"] == 0, run.stdout
    assert result["journey"]["edit save"]["requests"] > 0, run.stdout
    saturation = result["saturation"][0]
    assert saturation["household page"]["errors"] == saturation["do-nothing route"]["errors"] == 0


def _file(household: Household) -> list[tuple]:
    """The members as stored, to compare before and after a save."""
    return sorted(
        (m.given_name_ar, m.father_name_en, m.sex, m.birth_date, m.relationship, m.notes)
        for m in household.members
    ) + sorted((sorted(m.document_codes), sorted(m.need_codes)) for m in household.members)


def _multidict(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    return grouped


def test_the_page_cost_sampler_charges_every_sample_and_counts_the_statements(
    demo_database, tmp_path
):
    """bench/page_costs.py on a small demo database: every sampled page answered (it asserts
    200), the shares of the samples add up to the whole, the statements a page sends counted,
    SQLAlchemy's least cost measured beside them (no figure is checked: no test is timed)."""
    figures = tmp_path / "costs.json"
    command = [sys.executable, "bench/page_costs.py", "--database", demo_database]
    command += ["--pages", "40", "--json", str(figures)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)  # noqa: S603
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(figures.read_text())
    assert result["samples"] > 0 and abs(sum(result["shares"].values()) - 1) < 1e-9
    assert result["statements"] >= 10, result  # session, household, sections, audit entry
    assert result["statement_driver_ms"] > 0 and result["statement_orm_ms"] > 0
    assert "household page CPU median" in run.stdout
