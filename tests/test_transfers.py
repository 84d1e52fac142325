"""Handing a household over to another team: asked by the holding team's supervisor, answered
by the receiving team's; after it, the sending team keeps access only as collaborator."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.registry.models import Household
from app.transfers.models import Collaboration, Transfer
from tests.factories import HouseholdFactory, MemberFactory, TeamFactory

REASON = "Returned to Mosul; the follow-up NGO takes the case"


@pytest.fixture
def household(world) -> Household:
    return HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        members=[MemberFactory(given_name_ar="سلمى", given_name_en="Salma")],
    )


def _ask(browser, household, team, keep: bool = False, reason: str = REASON):
    data = {"to_team_id": team.id, "reason": reason, **({"keep_collaborator": "y"} if keep else {})}
    return browser.post(f"/households/{household.id}/transfer", data)


def _transfer() -> Transfer:
    db.session.expire_all()
    return db.session.scalars(sa.select(Transfer)).one()


def _reload(household: Household) -> Household:
    db.session.expire_all()
    return db.session.get(Household, household.id)


def test_a_hand_over_waits_for_the_receiving_supervisor(world, login, household):
    assert _ask(login("supervisor_a"), household, world.team_b).status_code == 302
    transfer = _transfer()
    assert transfer.state == "pending" and transfer.requested_by_id == world.supervisor_a.id
    assert _reload(household).team_id == world.team_a.id  # nothing moves before the answer

    receiving = login("supervisor_b")
    inbox = receiving.get("/transfers").get_data(as_text=True)
    assert household.case_number in inbox and REASON in inbox
    assert "سلمى" not in inbox and "Salma" not in inbox  # no names before accepting
    assert receiving.get(f"/households/{household.id}").status_code == 404


def test_accepted_the_household_changes_team_and_the_sender_loses_it(world, login, household):
    _ask(login("supervisor_a"), household, world.team_b)
    transfer = _transfer()
    assert login("supervisor_b").post(f"/transfers/{transfer.id}/accept", {}).status_code == 302
    moved = _reload(household)
    assert (moved.team_id, moved.assigned_to_id) == (world.team_b.id, None)
    assert _transfer().state == "accepted" and _transfer().decided_by_id == world.supervisor_b.id
    for former in ("supervisor_a", "caseworker_a"):
        assert login(former).get(f"/households/{household.id}").status_code == 404
    page = login("caseworker_b").get(f"/households/{household.id}").get_data(as_text=True)
    assert "Handed over: Team A → Team B" in page
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"case.transfer_requested", "case.transferred"} <= actions


def test_a_team_kept_as_collaborator_reads_and_works_but_does_not_hold(world, login, household):
    _ask(login("supervisor_a"), household, world.team_b, keep=True)
    login("supervisor_b").post(f"/transfers/{_transfer().id}/accept", {})
    assert db.session.scalars(sa.select(Collaboration)).one().team_id == world.team_a.id
    caseworker = login("caseworker_a")
    address = f"/households/{household.id}"
    page = caseworker.get(address).get_data(as_text=True)
    assert "Collaborating teams: Team A" in page
    assert household.case_number in caseworker.get("/households/").get_data(as_text=True)
    assert caseworker.post(address + "/notes", {"text": "Visited the family"}).status_code == 302
    assert caseworker.get(address + "/edit").status_code == 404
    assert caseworker.post(address + "/move", {"target": "vetting"}).status_code == 404
    assert login("supervisor_a").get(address + "/assign").status_code == 404
    assert login("supervisor_a").get(address + "/transfer").status_code == 404


def test_declining_needs_a_reason_and_leaves_the_household_where_it_was(world, login, household):
    _ask(login("supervisor_a"), household, world.team_b)
    transfer = _transfer()
    receiving = login("supervisor_b")
    refused = receiving.post(f"/transfers/{transfer.id}/decline", {"note": " "})
    assert refused.status_code == 422
    assert "Say why you decline." in refused.get_data(as_text=True)
    assert _transfer().state == "pending"
    answer = {"note": "No capacity in Ramadi this month"}
    assert receiving.post(f"/transfers/{transfer.id}/decline", answer).status_code == 302
    assert _transfer().state == "declined" and _reload(household).team_id == world.team_a.id
    sender = login("supervisor_a").get("/transfers").get_data(as_text=True)
    assert "No capacity in Ramadi this month" in sender


def test_the_sender_withdraws_and_then_nobody_can_accept(world, login, household):
    _ask(login("supervisor_a"), household, world.team_b)
    transfer = _transfer()
    assert login("supervisor_b").post(f"/transfers/{transfer.id}/cancel", {}).status_code == 422
    assert login("supervisor_a").post(f"/transfers/{transfer.id}/cancel", {}).status_code == 302
    late = login("supervisor_b").post(f"/transfers/{transfer.id}/accept", {})
    assert late.status_code == 422
    assert "already been answered" in late.get_data(as_text=True)
    assert _reload(household).team_id == world.team_a.id


def test_wrong_people_cannot_ask_or_answer(world, login, household):
    assert _ask(login("caseworker_a"), household, world.team_b).status_code == 403
    assert _ask(login("supervisor_b"), household, world.team_b).status_code == 404
    assert db.session.scalars(sa.select(Transfer)).all() == []
    _ask(login("supervisor_a"), household, world.team_b)
    transfer = _transfer()
    own = login("supervisor_a").post(f"/transfers/{transfer.id}/accept", {})
    assert own.status_code == 422
    assert "Only a supervisor of the receiving team" in own.get_data(as_text=True)
    team_c = TeamFactory(name="Team C", agency=world.team_a.agency)
    world.supervisor_b.team = team_c  # now a supervisor of neither team
    db.session.commit()
    assert login("supervisor_b").post(f"/transfers/{transfer.id}/accept", {}).status_code == 404
    assert _transfer().state == "pending"


def test_one_hand_over_at_a_time_and_bad_input_is_placed_by_its_field(world, login, household):
    supervisor = login("supervisor_a")
    same = _ask(supervisor, household, world.team_a)
    assert same.status_code == 422
    assert 'id="to_team_id-errors"' in same.get_data(as_text=True)  # not offered: refused
    no_reason = _ask(supervisor, household, world.team_b, reason="")
    assert no_reason.status_code == 422
    assert "Say why the household is handed over." in no_reason.get_data(as_text=True)
    forged = supervisor.post(
        f"/households/{household.id}/transfer", {"to_team_id": "99999", "reason": REASON}
    )
    assert forged.status_code == 422
    assert db.session.scalars(sa.select(Transfer)).all() == []
    assert _ask(supervisor, household, world.team_b).status_code == 302
    again = supervisor.get(f"/households/{household.id}/transfer").get_data(as_text=True)
    assert "is waiting for an answer" in again and "Withdraw the hand-over" in again


def test_taking_back_a_household_ends_the_collaboration(world, login, household):
    _ask(login("supervisor_a"), household, world.team_b, keep=True)
    login("supervisor_b").post(f"/transfers/{_transfer().id}/accept", {})
    _ask(login("supervisor_b"), household, world.team_a)
    back = db.session.scalars(sa.select(Transfer).where(Transfer.state == "pending")).one()
    assert login("supervisor_a").post(f"/transfers/{back.id}/accept", {}).status_code == 302
    assert _reload(household).team_id == world.team_a.id
    assert db.session.scalars(sa.select(Collaboration)).all() == []


def test_the_service_refuses_a_hand_over_to_the_same_team(world, household):
    from app.core.validation import ValidationFailed
    from app.transfers.services import request_transfer

    with pytest.raises(ValidationFailed) as refused:
        request_transfer(household, world.team_a.id, False, REASON, world.supervisor_a)
    assert refused.value.errors == {"to_team_id": ["The household is already with this team."]}
