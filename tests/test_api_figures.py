"""Figures through the API: the report page's published table (suppressed, rounded) whoever
asks, counted within what the caller may count, choices checked as the page checks them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from tests.factories import UserFactory
from tests.test_api import call, token_for
from tests.test_reports import _family, _last_month

FIGURES = ["figures:read"]


@pytest.fixture
def caseload(world):
    for _ in range(13):
        _family(world, world.team_a, "registered", (34, "F"), (8, "M"))
    _family(world, world.team_b, "vetting", (29, "F"), governorate=world.anbar)
    _family(world, world.team_b, "vetting", (29, "F"), governorate=world.ninewa)


def figures(app, user, query: str, scopes=FIGURES):
    return call(app, token_for(user, scopes), f"/api/v1/figures?period={_last_month().key}&{query}")


def test_a_reporting_officer_reads_the_published_table_only(app, world, caseload):
    officer = UserFactory(username="officer", role="reporting_officer")
    response = figures(app, officer, "unit=households&rows=origin_governorate")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["header"] == ["Governorate of origin", "P-code", "Total"]
    anbar, ninewa, total = body["lines"]
    assert anbar == ["Anbar", "IQG01", "<5"]  # one household: suppressed
    assert ninewa == ["Ninewa", "IQG15", "x"]  # 14: it and the total would give Anbar away
    assert total == ["Total", "", 15]  # 15 households, rounded to a multiple of k=5
    assert any("rounded" in about["value"] for about in body["about"])
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "api.figures")
    ).one()
    assert entry.detail["filters"]["rows"] == "origin_governorate"


def test_a_supervisor_counts_their_team_only_and_never_exactly(app, world, caseload):
    body = figures(app, world.supervisor_a, "unit=persons&rows=sex").get_json()
    assert all(isinstance(f, str) or f % 5 == 0 for line in body["lines"] for f in line[1:])
    assert body["lines"][-1][-1] in (25, 30)  # 26 persons of team A; team B's one is not counted


@pytest.mark.parametrize("role", ["caseworker_a", "screener", "focal"])
def test_roles_without_figures_are_refused(app, world, caseload, role):
    assert figures(app, world.user(role), "unit=households&rows=stage").status_code == 403


def test_a_token_without_the_scope_is_refused(app, world, caseload):
    response = figures(app, world.supervisor_a, "unit=households&rows=stage", ["account:read"])
    assert response.status_code == 403 and "figures:read" in response.get_json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("unit=households&rows=stage&columns=stage", "columns"),
        ("unit=households&rows=stage&period=2999-01", "period"),
        ("unit=households&rows=name", "rows"),
        ("unit=everyone&rows=stage", "unit"),
    ],
)
def test_a_bad_choice_is_told_at_its_field(app, world, caseload, query, field):
    token = token_for(world.supervisor_a, FIGURES)
    period = "" if "period=" in query else f"&period={_last_month().key}"
    response = call(app, token, f"/api/v1/figures?{query}{period}")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]["query"][field]
