"""Approvals that can always be decided, through the web: a request is never offered or sent when
no one but the asker could decide it; in a team whose only supervisor asks, a supervisor of
another team of the same agency decides it (reading that household while it waits, nothing
more); and every pending request says who can decide it. Disclosures and hand-overs keep the
same promise with their own deciders (the holding team's other supervisors; the receiving
team's supervisors).

In the world of the fixtures, team A (MoMD) has one supervisor, supervisor_a, and MoMD no other
team; team B belongs to another agency."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.access.roles import Role
from app.core.validation import ValidationFailed
from app.extensions import db
from app.registry.models import Household
from app.transfers.models import Disclosure, Transfer
from app.transfers.services import request_transfer
from app.workflow.models import ApprovalRequest
from tests.factories import (
    AgencyFactory,
    HouseholdFactory,
    MemberFactory,
    TeamFactory,
    UserFactory,
)
from tests.workflow_support import put_at

NOBODY = "No one could decide this request"


@pytest.fixture
def household(world):
    household = HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        origin_governorate=world.ninewa,
        members=[MemberFactory()],
    )
    put_at(household, "follow_up")
    return household


@pytest.fixture
def stand_in(world):
    """The supervisor of team C, another team of MoMD."""
    team_c = TeamFactory(name="Team C", agency=world.team_a.agency)
    return UserFactory(
        username="supervisor.c",
        full_name="Karim Standin",
        role=Role.SUPERVISOR.value,
        team=team_c,
        agency=team_c.agency,
    )


@pytest.fixture
def as_stand_in(make_browser, stand_in):
    """A browser logged in as the supervisor of team C."""

    def _login():
        browser = make_browser()
        browser.login(stand_in)
        return browser

    return _login


def _ask_closure(browser, household):
    return browser.post(
        f"/households/{household.id}/move",
        {
            "target": "closed",
            "mode": "request",
            "reason": "Case complete",
            "version": household.version,
        },
    )


def _requests() -> list[ApprovalRequest]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ApprovalRequest)))


def _stage(household) -> str:
    db.session.expire_all()
    return db.session.get(Household, household.id).stage


def test_a_request_no_one_could_decide_is_not_offered_and_is_refused(world, login, household):
    supervisor = login("supervisor_a")
    page = supervisor.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Ask for approval: Closed" in page
    assert NOBODY in page
    assert 'value="closed"' not in page  # no button to send it

    refused = _ask_closure(supervisor, household)
    assert refused.status_code == 422
    assert NOBODY in refused.get_data(as_text=True)
    assert _requests() == []
    assert _stage(household) == "follow_up"


def test_a_caseworkers_request_names_who_can_decide_it(world, login, household):
    caseworker = login("caseworker_a")
    page = caseworker.get(f"/households/{household.id}").get_data(as_text=True)
    who = f"Who can decide: <bdi>{world.supervisor_a.full_name}</bdi> (Team A)"
    assert who in page  # before asking: beside the button

    assert _ask_closure(caseworker, household).status_code == 302
    page = caseworker.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Waiting for a supervisor" in page and who in page
    queue = login("supervisor_a").get("/review").get_data(as_text=True)
    assert who in queue and "Approve" in queue


def test_a_one_supervisor_teams_request_is_decided_by_a_supervisor_of_the_agency(
    world, login, household, stand_in, as_stand_in
):
    asker = login("supervisor_a")
    page = asker.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Who can decide: <bdi>Karim Standin</bdi> (Team C)" in page
    assert _ask_closure(asker, household).status_code == 302
    [request] = _requests()
    page = asker.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Who can decide: <bdi>Karim Standin</bdi> (Team C)" in page

    karim = as_stand_in()
    queue = karim.get("/review").get_data(as_text=True)
    assert household.case_number in queue
    assert "Team A has no supervisor but the person who asked" in queue
    # Karim reads the household to decide, and does nothing else with it.
    assert karim.get(f"/households/{household.id}").status_code == 200
    assert karim.get(f"/households/{household.id}/edit").status_code == 404
    assert household.case_number not in karim.get("/households/").get_data(as_text=True)
    # Nobody of another agency, and no one of the team but the asker, may decide it.
    assert household.case_number not in login("supervisor_b").get("/review").get_data(as_text=True)
    refused = login("supervisor_b").post(f"/review/{request.id}", {"decision": "approve"})
    assert refused.status_code == 404

    decided = karim.post(f"/review/{request.id}", {"decision": "approve", "comment": "Seen"})
    assert decided.status_code == 302
    assert _stage(household) == "closed"
    assert db.session.get(ApprovalRequest, request.id).decided_by_id == stand_in.id
    # The request decided, Karim's reading of the household ends with it.
    assert karim.get(f"/households/{household.id}").status_code == 404


def test_a_stand_in_is_not_asked_once_the_team_has_another_supervisor(
    world, login, household, as_stand_in
):
    assert _ask_closure(login("supervisor_a"), household).status_code == 302
    [request] = _requests()
    UserFactory(
        username="supervisor.a2",
        full_name="Huda Deputy",
        role=Role.SUPERVISOR.value,
        team=world.team_a,
        agency=world.team_a.agency,
    )
    page = login("caseworker_a").get(f"/households/{household.id}").get_data(as_text=True)
    assert "Who can decide: <bdi>Huda Deputy</bdi> (Team A)" in page
    karim = as_stand_in()
    assert household.case_number not in karim.get("/review").get_data(as_text=True)
    assert karim.post(f"/review/{request.id}", {"decision": "approve"}).status_code == 404


def test_a_request_whose_deciders_left_says_so_and_can_be_withdrawn(world, login, household):
    assert _ask_closure(login("caseworker_a"), household).status_code == 302
    world.supervisor_a.active = False  # an administrator deactivated the team's supervisor
    db.session.commit()
    caseworker = login("caseworker_a")
    page = caseworker.get(f"/households/{household.id}").get_data(as_text=True)
    assert "No one may decide this request now" in page
    assert "Withdraw my request" in page
    [request] = _requests()
    assert caseworker.post(f"/review/{request.id}/withdraw", {}).status_code == 302
    assert _requests()[0].status == "withdrawn"


# What the stand-in gets on every page about the household while the request waits: they read
# the file (without its protection-sensitive and vetting parts) and decide; nothing else.
STAND_IN_ANSWERS = (
    ("GET", "/households/{h}", 200),
    ("GET", "/households/{h}/file.pdf", 200),
    ("GET", "/households/{h}/assessments/acceptance/versions", 200),
    ("GET", "/households/{h}/assessments/acceptance", 403),
    ("GET", "/households/{h}/members/{m}/assessments/protection", 403),
    ("GET", "/households/{h}/members/{m}/assessments/protection/versions", 403),
    ("GET", "/households/{h}/edit", 404),
    ("GET", "/households/{h}/assign", 404),
    ("GET", "/households/{h}/tasks/new", 404),
    ("GET", "/households/{h}/transfer", 404),
    ("GET", "/households/{h}/disclose", 404),
    ("GET", "/households/{h}/refer", 404),
    ("GET", "/households/{h}/members/{m}/route", 404),
    ("POST", "/households/{h}/move", 404),
    ("POST", "/households/{h}/notes", 404),
    ("POST", "/review/{r}", 422),  # found, but an empty form decides nothing
    ("POST", "/review/{r}/withdraw", 422),  # only the asker withdraws
)


def test_what_a_stand_in_may_do_with_the_household_while_the_request_waits(
    world, login, household, as_stand_in
):
    assert _ask_closure(login("supervisor_a"), household).status_code == 302
    [request] = _requests()
    karim = as_stand_in()
    wrong = []
    for method, pattern, want in STAND_IN_ANSWERS:
        url = pattern.format(h=household.id, m=household.members[0].id, r=request.id)
        answer = karim.get(url) if method == "GET" else karim.post(url, {})
        if answer.status_code != want:
            wrong.append(f"{method} {url}: {answer.status_code}, want {want}")
    assert not wrong, "\n".join(wrong)
    page = karim.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Ask for approval" not in page and "Move to" not in page
    assert _stage(household) == "follow_up" and _requests()[0].status == "pending"


# The same promise for the two other requests that wait for someone's answer.


def _ask_disclosure(browser, household, agency):
    data = {
        "agency_id": agency.id,
        "member_id": "",
        "groups": ["documents"],
        "agreement_reference": "DSA-MOMD-NSS-2026/03",
        "purpose": "Identity check",
    }
    return browser.post(f"/households/{household.id}/disclose", data)


def test_a_disclosure_no_one_could_approve_is_not_offered_and_is_refused(world, login, household):
    nss = AgencyFactory(code="NSS", kind="security", name_en="National Security Service")
    supervisor = login("supervisor_a")  # team A's only supervisor
    page = supervisor.get(f"/households/{household.id}").get_data(as_text=True)
    assert "No one could approve this disclosure" in page
    assert f"/households/{household.id}/disclose" not in page
    refused = _ask_disclosure(supervisor, household, nss)
    assert refused.status_code == 422
    assert "No one could approve this disclosure" in refused.get_data(as_text=True)
    assert db.session.scalars(sa.select(Disclosure)).all() == []

    # A caseworker of the team asks instead, and is told who will approve it.
    caseworker = login("caseworker_a")
    page = caseworker.get(f"/households/{household.id}").get_data(as_text=True)
    assert f"/households/{household.id}/disclose" in page
    asked = _ask_disclosure(caseworker, household, nss)
    assert asked.status_code == 302
    shown = caseworker.get(asked.location).get_data(as_text=True)
    assert f"Who can decide: <bdi>{world.supervisor_a.full_name}</bdi> (Team A)" in shown


def test_a_hand_over_to_a_team_no_one_could_answer_for_is_not_offered_and_is_refused(
    world, login, household
):
    team_c = TeamFactory(name="Team C", agency=world.team_a.agency)  # no supervisor
    supervisor = login("supervisor_a")
    form = supervisor.get(f"/households/{household.id}/transfer").get_data(as_text=True)
    assert "Team B" in form and "Team C" not in form
    crafted = supervisor.post(
        f"/households/{household.id}/transfer", {"to_team_id": team_c.id, "reason": "Closer"}
    )
    assert crafted.status_code == 422  # not a choice of the form
    with pytest.raises(ValidationFailed) as refused:
        request_transfer(household, team_c.id, False, "Closer", world.supervisor_a)
    db.session.rollback()
    assert refused.value.errors["to_team_id"] == [
        "No one could answer this hand-over: Team C has no active supervisor. Choose another "
        "team, or ask an administrator to add one."
    ]
    assert db.session.scalars(sa.select(Transfer)).all() == []

    sent = supervisor.post(
        f"/households/{household.id}/transfer", {"to_team_id": world.team_b.id, "reason": "Closer"}
    )
    assert sent.status_code == 302
    page = supervisor.get(f"/households/{household.id}").get_data(as_text=True)
    assert f"Who can decide: <bdi>{world.supervisor_b.full_name}</bdi> (Team B)" in page
