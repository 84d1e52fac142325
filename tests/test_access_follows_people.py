"""W2.2: a user's access follows their current team, agency, roles and active state at every
request. When an administrator moves, changes or deactivates them, what was assigned to them
goes back to its team, unassigned, and their open sessions pick up the change at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.dates import local_today
from app.extensions import db
from app.history.models import CaseEvent
from app.registry.models import Household
from app.tasks.models import Task
from tests.forms import household_payload
from tests.test_admin import edit_payload


@pytest.fixture
def registered(world, login):
    """caseworker_a, logged in, registers a household (so it is assigned to them) and keeps
    their session open; a task on it is theirs too."""
    browser = login("caseworker_a")
    payload = household_payload(world, phone="0770 555 1234")
    assert browser.post("/households/new", payload).status_code == 302
    household = db.session.scalar(sa.select(Household))
    assert household.assigned_to_id == world.caseworker_a.id
    db.session.add(
        Task(
            household=household,
            title="Civil-status office",
            due_on=local_today(),
            assigned_to=world.caseworker_a,
        )
    )
    db.session.commit()
    return browser, household


def _admin_changes(login, user, **fields):
    answer = login("admin").post(f"/admin/users/{user.id}/edit", edit_payload(user, **fields))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]


def _case_search(browser, text: str) -> str:
    sent = browser.post("/households/search", {"q": text})
    return browser.get(sent.headers["Location"]).get_data(as_text=True)


def test_a_caseworker_moved_to_another_agency_loses_the_old_household_at_once(
    world, login, registered
):
    browser, household = registered
    _admin_changes(login, world.caseworker_a, agency="NGO", team="Team B")

    # The session opened before the move: nothing of the old team, at the next request.
    assert browser.get(f"/households/{household.id}").status_code == 404
    assert browser.get(f"/households/{household.id}/edit").status_code == 404
    edit = household_payload(world, version=str(household.version), phone="0770 999 0000")
    assert browser.post(f"/households/{household.id}/edit", edit).status_code == 404
    assert "0 households" in _case_search(browser, household.case_number)
    assert household.case_number not in browser.get("/my-cases").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Household, household.id).phone == "+9647705551234"

    # Logging in again gives nothing more.
    again = login("caseworker_a")
    assert again.get(f"/households/{household.id}").status_code == 404


def test_what_was_assigned_goes_back_to_the_old_team_unassigned(world, login, registered):
    _browser, household = registered
    _admin_changes(login, world.caseworker_a, agency="NGO", team="Team B")
    db.session.expire_all()
    household = db.session.get(Household, household.id)
    assert household.assigned_to_id is None and household.team_id == world.team_a.id
    task = db.session.scalar(sa.select(Task))
    assert task.assigned_to_id is None
    event = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.kind == "unassigned"))
    assert event is not None and event.detail["from_user_id"] == world.caseworker_a.id

    supervisor = login("supervisor_a")
    team_page = supervisor.get("/team").get_data(as_text=True)
    assert world.caseworker_a.full_name not in team_page
    assert "Unassigned" in team_page
    history = supervisor.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Back with the team" in history


def test_a_caseworker_made_supervisor_hands_their_households_back(world, login, registered):
    _browser, household = registered
    _admin_changes(login, world.caseworker_a, role="supervisor")
    db.session.expire_all()
    assert db.session.get(Household, household.id).assigned_to_id is None


def test_a_deactivated_caseworker_is_logged_out_and_their_households_handed_back(
    world, login, registered
):
    browser, household = registered
    _admin_changes(login, world.caseworker_a, active=None)
    assert browser.get(f"/households/{household.id}").status_code == 302  # to the login page
    db.session.expire_all()
    assert db.session.get(Household, household.id).assigned_to_id is None


def test_a_caseworker_moved_within_the_team_keeps_their_households(world, login, registered):
    _browser, household = registered
    _admin_changes(login, world.caseworker_a, full_name="Huda Renamed")
    db.session.expire_all()
    assert db.session.get(Household, household.id).assigned_to_id == world.caseworker_a.id


def test_protection_data_does_not_follow_a_caseworker_to_a_team_of_the_same_agency(
    world, login, registered
):
    from tests.factories import TeamFactory

    _browser, household = registered
    TeamFactory(name="Team C", agency=world.team_a.agency)
    _admin_changes(login, world.caseworker_a, team="Team C")
    assert login("caseworker_a").get(f"/households/{household.id}").status_code == 404
