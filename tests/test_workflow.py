"""The workflow through the web: every transition for the roles that may and may not make it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.access.roles import Role
from app.core.dates import local_today
from app.extensions import db
from app.history.models import CaseEvent
from app.registry.models import Household
from app.workflow import approvals
from app.workflow.models import ApprovalRequest
from app.workflow.stages import SCREENING_STAGES
from app.workflow.transitions import TRANSITIONS
from tests.factories import HouseholdFactory, MemberFactory, UserFactory
from tests.workflow_support import grant_acceptance, put_at, record_clearance, satisfy

ACTORS = ("caseworker_a", "supervisor_a", "screener")


@pytest.fixture
def deputy(world):
    """A second supervisor of team A, so that supervisor_a's own requests can be decided."""
    return UserFactory(
        username="supervisor.a2",
        full_name="Huda Deputy",
        role=Role.SUPERVISOR.value,
        team=world.team_a,
        agency=world.team_a.agency,
    )


@pytest.fixture
def household(world):
    return HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        origin_governorate=world.ninewa,
        members=[MemberFactory(), MemberFactory(relationship="son", given_name_en="Omar")],
    )


def _post_move(browser, household, target, mode="direct", reason="Checked with the family"):
    return browser.post(
        f"/households/{household.id}/move",
        {
            "target": target,
            "mode": mode,
            "reason": reason,
            "version": household.version,
        },
    )


def _stage(household) -> str:
    db.session.expire_all()
    return db.session.get(Household, household.id).stage


def _in_scope(role: str, stage: str) -> bool:
    return role != "screener" or stage in SCREENING_STAGES


@pytest.mark.parametrize("t", TRANSITIONS, ids=[t.key for t in TRANSITIONS])
@pytest.mark.parametrize("role", ACTORS)
def test_each_transition_for_each_role(world, login, household, deputy, t, role):
    put_at(household, t.source.value)
    satisfy(t, household, world)
    user = world.user(role)
    browser = login(role)
    mode = "request" if user.role in t.request_roles else "direct"
    response = _post_move(browser, household, t.target.value, mode)

    if not _in_scope(role, t.source.value):
        assert response.status_code == 404
        assert _stage(household) == t.source.value
    elif user.role in t.roles:
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert _stage(household) == t.target.value
        event = db.session.scalar(
            sa.select(CaseEvent)
            .where(CaseEvent.household_id == household.id, CaseEvent.kind == "stage_changed")
            .order_by(CaseEvent.id.desc())
        )
        assert (event.from_stage, event.to_stage, event.actor_id) == (
            t.source.value,
            t.target.value,
            user.id,
        )
    elif user.role in t.request_roles:
        assert response.status_code == 302
        assert _stage(household) == t.source.value  # nothing moves before approval
        request = db.session.scalar(sa.select(ApprovalRequest))
        assert (request.to_stage, request.requested_by_id) == (t.target.value, user.id)
    else:
        assert response.status_code == 422
        assert "Your role may not make this move" in response.get_data(as_text=True)
        assert _stage(household) == t.source.value


@pytest.mark.parametrize(
    "t",
    [t for t in TRANSITIONS if t.preconditions],
    ids=[t.key for t in TRANSITIONS if t.preconditions],
)
def test_unmet_preconditions_refuse_the_move_on_the_server(world, login, household, deputy, t):
    put_at(household, t.source.value)
    role = "screener" if "screener" in t.roles or "screener" in t.request_roles else "supervisor_a"
    user = world.user(role)
    mode = "request" if user.role in t.request_roles else "direct"
    response = _post_move(login(role), household, t.target.value, mode)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert any(str(p.refusal).split(" ")[0] in page for p in t.preconditions)
    assert _stage(household) == t.source.value
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApprovalRequest)) == 0


@pytest.mark.parametrize("target", ["closed", "returned", "cleared", "nowhere"])
def test_a_crafted_move_to_a_stage_not_reachable_is_refused(world, login, household, target):
    put_at(household, "rehabilitation")
    response = _post_move(login("supervisor_a"), household, target)
    assert response.status_code == 422
    assert "cannot go from" in response.get_data(as_text=True)
    assert _stage(household) == "rehabilitation"


def test_only_a_screener_takes_a_household_out_of_the_judiciary(world, login, household):
    put_at(household, "judiciary")
    for role in ("caseworker_a", "supervisor_a"):
        response = _post_move(login(role), household, "vetting")
        assert response.status_code == 422
        assert _stage(household) == "judiciary"
    assert _post_move(login("screener"), household, "vetting").status_code == 302
    assert _stage(household) == "vetting"


def test_a_reason_is_required_where_the_transition_asks_for_one(world, login, household):
    put_at(household, "vetting")
    response = _post_move(login("screener"), household, "on_hold", reason="  ")
    assert response.status_code == 422
    assert "Give a reason" in response.get_data(as_text=True)
    assert _stage(household) == "vetting"


def _request_departure(world, login, household):
    put_at(household, "rehabilitation")
    record_clearance(household, world.screener)
    grant_acceptance(household, world.caseworker_a)
    response = _post_move(login("caseworker_a"), household, "departure_clearance", "request")
    assert response.status_code == 302
    return db.session.scalar(sa.select(ApprovalRequest))


def test_departure_clearance_is_asked_then_approved_by_the_team_supervisor(world, login, household):
    request = _request_departure(world, login, household)
    queue = login("supervisor_a").get("/review").get_data(as_text=True)
    assert household.case_number in queue and "Checked with the family" in queue
    assert household.case_number not in login("supervisor_b").get("/review").get_data(as_text=True)

    decided = login("supervisor_a").post(
        f"/review/{request.id}", {"decision": "approve", "comment": "Fine"}
    )
    assert decided.status_code == 302
    assert _stage(household) == "departure_clearance"
    kinds = db.session.scalars(
        sa.select(CaseEvent.kind)
        .where(CaseEvent.household_id == household.id)
        .order_by(CaseEvent.id)
    ).all()
    assert kinds[-3:] == ["approval_requested", "approval_given", "stage_changed"]


def test_a_returned_request_needs_a_comment_and_moves_nothing(world, login, household):
    request = _request_departure(world, login, household)
    supervisor = login("supervisor_a")
    refused = supervisor.post(f"/review/{request.id}", {"decision": "return", "comment": ""})
    assert refused.status_code == 422
    returned = supervisor.post(
        f"/review/{request.id}", {"decision": "return", "comment": "Mukhtar letter unsigned"}
    )
    assert returned.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, request.id).status == "returned"
    assert _stage(household) == "rehabilitation"


def test_no_one_approves_their_own_request(world, login, household, deputy):
    put_at(household, "follow_up")
    supervisor = login("supervisor_a")
    assert _post_move(supervisor, household, "closed", "request").status_code == 302
    request = db.session.scalar(sa.select(ApprovalRequest))
    response = supervisor.post(f"/review/{request.id}", {"decision": "approve", "comment": ""})
    assert response.status_code == 422
    assert "your own request" in response.get_data(as_text=True)
    assert _stage(household) == "follow_up"


def test_a_supervisor_of_another_team_cannot_decide(world, login, household):
    request = _request_departure(world, login, household)
    response = login("supervisor_b").post(f"/review/{request.id}", {"decision": "approve"})
    assert response.status_code == 404
    assert _stage(household) == "rehabilitation"


def test_closure_cannot_be_made_directly_by_anyone(world, login, household):
    put_at(household, "follow_up")
    for role in ACTORS[:2]:
        response = _post_move(login(role), household, "closed", "direct")
        assert response.status_code == 422
    assert _stage(household) == "follow_up"


def test_two_people_moving_the_same_household_at_once(world, login, household):
    put_at(household, "registered")
    amal, omar = login("caseworker_a"), login("supervisor_a")
    version = household.version
    first = amal.post(
        f"/households/{household.id}/move",
        {"target": "transfer_list", "mode": "direct", "version": version},
    )
    second = omar.post(
        f"/households/{household.id}/move",
        {"target": "transfer_list", "mode": "direct", "version": version},
    )
    assert first.status_code == 302
    assert second.status_code == 409
    assert "Someone changed this household" in second.get_data(as_text=True)
    moves = db.session.scalars(
        sa.select(CaseEvent).where(
            CaseEvent.household_id == household.id, CaseEvent.kind == "stage_changed"
        )
    ).all()
    assert len(moves) == 1 and moves[0].actor_id == world.caseworker_a.id


def test_returning_home_schedules_a_follow_up_visit(world, login, household):
    from app.tasks.models import Task

    put_at(household, "departure_clearance")
    record_clearance(household, world.screener)
    grant_acceptance(household, world.caseworker_a)
    assert _post_move(login("caseworker_a"), household, "returned").status_code == 302
    task = db.session.scalar(sa.select(Task).where(Task.household_id == household.id))
    assert (task.due_on - local_today()).days == 30


def test_batch_arrival_moves_those_in_transit_and_lists_the_others(world, login):
    in_transit = [
        HouseholdFactory(
            team=world.team_a,
            camp=world.camp,
            batch=world.batch,
            origin_governorate=world.ninewa,
            stage="in_transit",
        )
        for _ in range(2)
    ]
    registered = HouseholdFactory(
        team=world.team_a, camp=world.camp, batch=world.batch, origin_governorate=world.ninewa
    )
    other_team = HouseholdFactory(
        team=world.team_b,
        camp=world.camp,
        batch=world.batch,
        origin_governorate=world.ninewa,
        stage="in_transit",
    )
    browser = login("caseworker_a")
    page = browser.get(f"/batches/{world.batch.id}/arrival").get_data(as_text=True)
    assert all(h.case_number in page for h in [*in_transit, registered])
    assert other_team.case_number not in page  # outside the caseworker's scope
    assert "Mark 2 households as arrived" in page

    done = browser.post(f"/batches/{world.batch.id}/arrival", {})
    assert done.status_code == 200
    assert "2 households marked as arrived" in done.get_data(as_text=True)
    assert [_stage(h) for h in in_transit] == ["arrived", "arrived"]
    assert _stage(registered) == "registered" and _stage(other_team) == "in_transit"


def test_workflow_show_and_the_help_page_print_every_transition(app, login):
    output = app.test_cli_runner().invoke(args=["workflow", "show"]).output
    page = login("caseworker_a").get("/workflow").get_data(as_text=True)
    for t in TRANSITIONS:
        assert f"{t.source.label} -> {t.target.label}" in output
        assert t.target.label in page
    assert "only if: the household's latest security decision is 'cleared'" in output
    assert output.count("a reason is required") == sum(t.needs_reason for t in TRANSITIONS)
    # Who decides a request, from the one rule, beside every transition that is asked for.
    asked = sum(t.needs_approval for t in TRANSITIONS)
    assert output.count(str(approvals.RULE)) == asked
    assert page.count("a supervisor of another team of the same agency") == asked


def test_timeline_shows_who_did_what_and_hides_vetting_reasons_from_caseworkers(
    world, login, household
):
    put_at(household, "vetting")
    screener = login("screener")
    assert _post_move(screener, household, "on_hold", reason="Name matches a list").status_code
    put_at(household, "vetting")
    caseworker_page = (
        login("caseworker_a").get(f"/households/{household.id}").get_data(as_text=True)
    )
    assert "On hold" in caseworker_page
    assert "Name matches a list" not in caseworker_page
    assert "Reason restricted to security screeners" in caseworker_page
    assert "Name matches a list" in screener.get(f"/households/{household.id}").get_data(
        as_text=True
    )


def test_screener_sees_identity_not_contact_details(world, login, household):
    household.phone = "+9647701234567"
    put_at(household, "vetting")
    page = login("screener").get(f"/households/{household.id}").get_data(as_text=True)
    assert "Fatima" in page
    assert "+9647701234567" not in page and "Restricted" in page
    assert (
        login("caseworker_a")
        .get(f"/households/{household.id}")
        .get_data(as_text=True)
        .count("+9647701234567")
        == 1
    )


def test_notes_are_on_the_timeline_for_case_staff_not_for_screeners(world, login, household):
    caseworker = login("caseworker_a")
    empty = caseworker.post(f"/households/{household.id}/notes", {"text": "  "})
    assert empty.status_code == 422
    added = caseworker.post(
        f"/households/{household.id}/notes",
        {"text": "Mother asks about her husband's death certificate"},
    )
    assert added.status_code == 302
    put_at(household, "vetting")
    own_page = caseworker.get(f"/households/{household.id}").get_data(as_text=True)
    assert "husband&#39;s death certificate" in own_page
    screener_page = login("screener").get(f"/households/{household.id}").get_data(as_text=True)
    assert "death certificate" not in screener_page


def _route(browser, household, route, reason="Court summons"):
    member = household.members[1]
    return browser.post(
        f"/households/{household.id}/members/{member.id}/route",
        {"route": route, "reason": reason, "version": household.version},
    )


def test_one_member_is_routed_apart_while_the_family_goes_on(world, login, household):
    put_at(household, "vetting")
    assert _route(login("screener"), household, "judiciary").status_code == 302
    db.session.expire_all()
    assert [m.route for m in db.session.get(Household, household.id).members] == [None, "judiciary"]
    page = login("caseworker_a").get(f"/households/{household.id}").get_data(as_text=True)
    assert "Referred to the judiciary" in page and "Omar" in page
    assert "Court summons" not in page  # the reason stays with the screeners

    assert _route(login("supervisor_a"), household, "").status_code == 302
    db.session.expire_all()
    assert db.session.get(Household, household.id).members[1].route is None
    assert "is back with the household" in login("caseworker_a").get(
        f"/households/{household.id}"
    ).get_data(as_text=True)


def test_routing_a_member_is_refused_to_the_wrong_role_or_without_a_reason(world, login, household):
    put_at(household, "vetting")
    assert _route(login("caseworker_a"), household, "separated").status_code == 403
    assert _route(login("screener"), household, "medical").status_code == 422
    assert _route(login("supervisor_a"), household, "separated", reason="").status_code == 422
    db.session.expire_all()
    assert db.session.get(Household, household.id).members[1].route is None
