"""Break-the-glass: a supervisor opens a household of another team for four hours, with a
reason and their password; it shows on every page and auditors review it."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.access.models import EmergencyAccess
from app.audit.models import AuditEntry
from app.extensions import db
from tests.factories import PASSWORD, HouseholdFactory, UserFactory

REASON = "Child protection emergency reported at the gate tonight"


def _other_team_household(world):
    return HouseholdFactory(team=world.team_b, camp=world.camp, origin_governorate=world.ninewa)


def _ask(browser, household, reason=REASON, password=PASSWORD):
    browser.get("/break-glass")
    return browser.post(
        "/break-glass",
        {"case_number": household.case_number, "reason": reason, "password": password},
    )


def test_a_supervisor_opens_another_teams_household_for_four_hours(world, login):
    household = _other_team_household(world)
    supervisor = login("supervisor_a")
    assert supervisor.get(f"/households/{household.id}").status_code == 404
    response = _ask(supervisor, household)
    assert response.status_code == 302
    page = supervisor.get(f"/households/{household.id}")
    assert page.status_code == 200
    assert f"Emergency access to {household.case_number}" in page.get_data(as_text=True)
    assert household.case_number in supervisor.get("/account").get_data(as_text=True)  # banner
    grant = db.session.scalar(sa.select(EmergencyAccess))
    assert grant.expires_at - grant.started_at == timedelta(hours=4)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "break_glass.open"))
    assert entry.household_id == household.id and entry.detail["reason"] == REASON


def test_the_access_ends_after_four_hours(world, login):
    household = _other_team_household(world)
    supervisor = login("supervisor_a")
    _ask(supervisor, household)
    grant = db.session.scalar(sa.select(EmergencyAccess))
    grant.expires_at = grant.started_at - timedelta(seconds=1)
    db.session.commit()
    assert supervisor.get(f"/households/{household.id}").status_code == 404


def test_no_reason_or_a_wrong_password_opens_nothing(world, login):
    household = _other_team_household(world)
    supervisor = login("supervisor_a")
    assert _ask(supervisor, household, reason="x").status_code == 422
    wrong = _ask(supervisor, household, password="not my password at all")
    assert wrong.status_code == 422 and "The password is wrong." in wrong.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmergencyAccess)) == 0
    assert supervisor.get(f"/households/{household.id}").status_code == 404


def test_caseworkers_cannot_break_the_glass(world, login):
    household = _other_team_household(world)
    assert _ask(login("caseworker_a"), household).status_code == 403


def test_auditors_review_every_emergency_access(world, login, make_browser):
    household = _other_team_household(world)
    _ask(login("supervisor_a"), household)
    auditor = UserFactory(username="auditor", role="auditor")
    browser = make_browser()
    browser.login(auditor)
    page = browser.get("/break-glass/review").get_data(as_text=True)
    assert household.case_number in page and REASON in page
    assert login("supervisor_b").get("/break-glass/review").status_code == 403
