"""Protection-sensitive data, an administrator's second role, and crafted requests.

Protection-sensitive data (sexual violence risk, children associated with armed groups, abuse,
protection and psychosocial assessments, protection notes) is read by the assigned caseworker
and their team's supervisor only; a teammate sees that something is restricted, never what.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth.models import User
from app.extensions import db
from app.history.models import CaseEvent
from app.registry.models import Household, Member
from tests.factories import PASSWORD, HouseholdFactory, MemberFactory, UserFactory
from tests.forms import HEAD, household_payload, register_at_risk

SV = "SV-VA Sexual violence risk"
NOTE = "Disclosed abuse by a relative in the camp"


def _page(browser, household: Household) -> str:
    response = browser.get(f"/households/{household.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _needs(household: Household) -> set[str]:
    db.session.expire_all()
    return set(db.session.get(Household, household.id).members[0].need_codes)


# --- protection-sensitive needs -------------------------------------------------------------


def test_only_the_assigned_caseworker_and_the_supervisor_see_protection_needs(world, login):
    household = register_at_risk(world, login)
    for reader in ("caseworker_a", "supervisor_a"):
        page = _page(login(reader), household)
        assert SV in page and "Protection needs: restricted" not in page
    teammate = _page(login("caseworker_a2"), household)
    assert "Female-headed household" in teammate  # other needs stay visible
    assert "SV-VA" not in teammate and "Sexual violence" not in teammate
    assert "Protection needs: restricted" in teammate


def test_the_marker_shows_for_every_member_so_it_reveals_nothing(world, login):
    household = HouseholdFactory(
        team=world.team_a, assigned_to=world.caseworker_a, members=[MemberFactory()]
    )
    page = _page(login("caseworker_a2"), household)
    assert "Protection needs: restricted" in page


def test_a_teammate_edits_the_household_without_seeing_or_losing_protection_needs(world, login):
    household = register_at_risk(world, login)
    teammate = login("caseworker_a2")
    form = teammate.get(f"/households/{household.id}/edit").get_data(as_text=True)
    assert "SV-VA" not in form and "WR-FH" in form
    assert "Protection-sensitive needs are not shown to you" in form
    head_id = household.members[0].id
    # The teammate unticks what they see and forges a protection code they were not offered.
    payload = household_payload(
        world, members=[{**HEAD, "id": head_id, "needs": ["DS-PM", "CR-AF"]}], version="1"
    )
    assert teammate.post(f"/households/{household.id}/edit", payload).status_code == 302
    assert _needs(household) == {"DS-PM", "SV-VA"}


def test_the_assigned_caseworker_may_remove_a_protection_need(world, login):
    household = register_at_risk(world, login)
    head_id = household.members[0].id
    payload = household_payload(world, members=[{**HEAD, "id": head_id, "needs": []}], version="1")
    assert (
        login("caseworker_a").post(f"/households/{household.id}/edit", payload).status_code == 302
    )
    assert _needs(household) == set()


def test_protection_needs_never_reach_the_audit_trail_or_the_history(world, login):
    household = register_at_risk(world, login)
    head_id = household.members[0].id
    payload = household_payload(
        world, members=[{**HEAD, "id": head_id, "needs": ["CR-AF"]}], version="1"
    )
    login("caseworker_a").post(f"/households/{household.id}/edit", payload)
    written = [json.dumps(e.detail) for e in db.session.scalars(sa.select(AuditEntry))]
    written += [json.dumps(e.detail) for e in db.session.scalars(sa.select(CaseEvent))]
    assert written and not any("CR-AF" in text or "SV-VA" in text for text in written)


def test_reassignment_moves_access_to_protection_data(world, login):
    household = register_at_risk(world, login)
    supervisor = login("supervisor_a")
    response = supervisor.post(
        f"/households/{household.id}/assign",
        {"assigned_to_id": world.caseworker_a2.id, "version": "1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert SV in _page(login("caseworker_a2"), household)
    assert SV not in _page(login("caseworker_a"), household)


# --- protection assessments and notes ---------------------------------------------------------


def test_a_teammate_may_neither_read_nor_record_a_protection_assessment(world, login):
    household = register_at_risk(world, login)
    member = household.members[0]
    address = f"/households/{household.id}/members/{member.id}/assessments/protection"
    assert login("caseworker_a").get(address).status_code == 200
    assert login("supervisor_a").get(address).status_code == 200
    teammate = login("caseworker_a2")
    assert teammate.get(address).status_code == 403
    assert teammate.get(address + "/versions").status_code == 403
    posted = {"risk_level": "high", "needs": "Safe shelter", "based_on": "0"}
    assert teammate.post(address, posted).status_code == 403


def test_a_protection_note_is_read_by_its_audience_only(world, login):
    household = register_at_risk(world, login)
    address = f"/households/{household.id}/notes"
    response = login("caseworker_a").post(address, {"text": NOTE, "protection": "y"})
    assert response.status_code == 302
    assert NOTE in _page(login("supervisor_a"), household)
    teammate = _page(login("caseworker_a2"), household)
    assert NOTE not in teammate
    assert "Protection-sensitive: for the assigned caseworker and their supervisor" in teammate


def test_a_teammate_cannot_write_a_protection_note(world, login):
    household = register_at_risk(world, login)
    teammate = login("caseworker_a2")
    page = _page(teammate, household)
    assert 'name="protection"' not in page  # not offered
    response = teammate.post(f"/households/{household.id}/notes", {"text": NOTE, "protection": "y"})
    assert response.status_code == 422
    assert "Only the assigned caseworker and their supervisor may." in response.get_data(
        as_text=True
    )
    notes = sa.select(CaseEvent).where(CaseEvent.kind == "note")
    assert db.session.scalars(notes).all() == []


def test_a_break_the_glass_supervisor_does_not_read_protection_data(world, login):
    household = register_at_risk(world, login)
    supervisor = login("supervisor_b")
    response = supervisor.post(
        "/break-glass",
        {
            "case_number": household.case_number,
            "reason": "The family's caseworker cannot be reached tonight",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = _page(supervisor, household)
    assert "Female-headed household" in page and SV not in page


# --- an administrator's second role ---------------------------------------------------------


def _user_form(user: User, **changes) -> dict:
    values = {
        "username": user.username,
        "full_name": user.full_name,
        "email": "",
        "locale": "en",
        "role": user.role,
        "second_role": user.second_role or "",
        "agency": user.agency.code,
        "team": user.team.name if user.team else "",
        "active": "y",
        "password": "",
        "your_password": "",
    }
    return {**values, **changes}


def _other_admin(world) -> User:
    return UserFactory(
        username="admin.two", role="admin", agency=world.admin.agency, team=world.team_a
    )


def test_an_admin_sees_no_case_until_another_admin_gives_a_case_role(world, login):
    HouseholdFactory(team=world.team_a, camp=world.camp)
    colleague = _other_admin(world)
    assert login_as(colleague, login).get("/households/").status_code == 403
    browser = login("admin")
    address = f"/admin/users/{colleague.id}/edit"
    without_password = browser.post(address, _user_form(colleague, second_role="supervisor"))
    assert without_password.status_code == 422
    assert "Enter your own password to give or change a role." in without_password.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(User, colleague.id).second_role is None

    granted = _user_form(colleague, second_role="supervisor", your_password=PASSWORD)
    assert browser.post(address, granted).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, colleague.id).second_role == "supervisor"
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "user.update")
    ).one()
    assert entry.detail["changes"]["second_role"] == [None, "supervisor"]

    as_colleague = login_as(colleague, login)
    page = as_colleague.get("/households/")
    assert page.status_code == 200
    assert "Administrator + Supervisor" in page.get_data(as_text=True)


def login_as(user: User, login):
    browser = login("admin")
    browser.post("/logout", {})
    browser.login(user)
    return browser


def test_an_admin_cannot_give_themself_a_case_role(world, login):
    browser = login("admin")
    posted = _user_form(world.admin, second_role="caseworker", your_password=PASSWORD)
    response = browser.post(f"/admin/users/{world.admin.id}/edit", posted)
    assert response.status_code == 422
    assert "Another administrator must change your case role." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).second_role is None


def test_only_an_admin_gets_a_second_role_and_only_a_case_role(world, login):
    browser = login("admin")
    caseworker = world.caseworker_b
    posted = _user_form(caseworker, second_role="supervisor", your_password=PASSWORD)
    response = browser.post(f"/admin/users/{caseworker.id}/edit", posted)
    assert response.status_code == 422
    assert "Only an administrator has a second role." in response.get_data(as_text=True)
    colleague = _other_admin(world)
    posted = _user_form(colleague, second_role="auditor", your_password=PASSWORD)
    assert browser.post(f"/admin/users/{colleague.id}/edit", posted).status_code == 422
    db.session.expire_all()
    assert db.session.get(User, caseworker.id).second_role is None
    assert db.session.get(User, colleague.id).second_role is None


def test_a_wrong_password_re_entered_is_audited(world, login):
    colleague = _other_admin(world)
    posted = _user_form(colleague, second_role="supervisor", your_password="not my password")
    assert login("admin").post(f"/admin/users/{colleague.id}/edit", posted).status_code == 422
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "auth.reauth_failed")
    ).one()
    assert entry.username == "admin" and entry.detail == {"purpose": "role_change"}


# --- crafted requests -------------------------------------------------------------------------


def test_a_member_id_of_another_household_in_a_hidden_field_touches_nothing(world, login):
    ours = register_at_risk(world, login)
    theirs = HouseholdFactory(team=world.team_b, camp=world.camp)
    stranger = theirs.members[0]
    their_name = stranger.given_name_ar
    payload = household_payload(
        world, members=[{**HEAD, "id": stranger.id, "given_name_ar": "مريم"}], version="1"
    )
    assert login("caseworker_a").post(f"/households/{ours.id}/edit", payload).status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, stranger.id).given_name_ar == their_name
    assert db.session.get(Member, stranger.id).household_id == theirs.id
    [member] = db.session.get(Household, ours.id).members
    assert member.id != stranger.id and member.given_name_ar == "مريم"


def test_forged_filters_never_widen_a_list(world, login):
    theirs = HouseholdFactory(team=world.team_b, camp=world.camp, assigned_to=world.caseworker_b)
    browser = login("caseworker_a")
    forged = (
        f"/households/?caseworker_id={world.caseworker_b.id}",
        f"/households/?camp_id={world.camp.id}&stage=registered",
        f"/households/?team_id={world.team_b.id}",
        f"/my-cases?user_id={world.caseworker_b.id}",
        f"/tasks?caseworker_id={world.caseworker_b.id}",
    )
    for address in forged:
        response = browser.get(address)
        assert response.status_code == 200, address
        assert theirs.case_number not in response.get_data(as_text=True), address


def test_a_supervisor_cannot_forge_the_team_view_to_another_team(world, login):
    theirs = HouseholdFactory(team=world.team_b, camp=world.camp, assigned_to=world.caseworker_b)
    page = login("supervisor_a").get(f"/team?team_id={world.team_b.id}&stage=registered")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert theirs.case_number not in text and world.caseworker_b.full_name not in text


def test_no_name_phone_or_password_reaches_the_application_log(world, login, caplog):
    caplog.set_level("DEBUG")
    browser = login("caseworker_a")
    assert browser.post("/households/new", household_payload(world)).status_code == 302
    browser.post("/households/search", {"q": "فاطمة"})
    browser.post("/login", {"username": "caseworker.a", "password": "a wrong password"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "registered household" in logged  # the log says what happened, not to whom
    for secret in ("فاطمة", "Fatima", "770", "a wrong password", PASSWORD):
        assert secret not in logged
