"""Every URL rule, every role: the answer each one gets.

`EXPECTED` must name every (endpoint, method) the app serves; adding a URL rule without deciding
here who may use it fails `test_every_url_rule_is_covered`.
"""

from __future__ import annotations

import pytest
from flask import url_for

from app.core.dates import local_today
from app.extensions import db
from app.tasks.models import Task
from app.workflow.models import ApprovalRequest
from tests.factories import HouseholdFactory

ROLES = (
    "anonymous",
    "admin",
    "supervisor_a",
    "supervisor_b",
    "caseworker_a",
    "caseworker_b",
    "screener",
    "focal",
    "reporting",
)
CASE_TEAM = {"supervisor_a", "caseworker_a"}
OTHER_TEAM = {"supervisor_b", "caseworker_b"}
STAFF = set(ROLES) - {"anonymous"}
LOGIN = 302  # anonymous users are sent to the login page


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    return {"anonymous": LOGIN, **dict.fromkeys(STAFF, status)}


def case_workers(ok: int) -> dict[str, int]:
    """Caseworkers and supervisors may; other roles are refused."""
    answers = signed_in(403)
    answers.update(dict.fromkeys(CASE_TEAM | OTHER_TEAM, ok))
    return answers


def one_household(ok: int) -> dict[str, int]:
    """The household belongs to team A: team B answers 404, as if it did not exist."""
    answers = case_workers(ok)
    answers.update(dict.fromkeys(OTHER_TEAM, 404))
    return answers


def supervisors(ok: int) -> dict[str, int]:
    answers = signed_in(403)
    answers.update(dict.fromkeys({"supervisor_a", "supervisor_b"}, ok))
    return answers


def admins(ok: int) -> dict[str, int]:
    answers = signed_in(403)
    answers["admin"] = ok
    return answers


EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("core.healthz", "GET"): everyone(200),
    ("core.home", "GET"): signed_in(302),
    ("auth.login", "GET"): {**dict.fromkeys(STAFF, 302), "anonymous": 200},
    ("auth.login", "POST"): {**dict.fromkeys(STAFF, 302), "anonymous": 422},
    ("auth.logout", "POST"): signed_in(302),
    ("auth.account", "GET"): signed_in(200),
    # Without a password step in progress, the second step sends everyone back to login.
    ("auth.second_factor", "GET"): everyone(302),
    ("auth.second_factor", "POST"): everyone(302),
    ("auth.enrol_two_factor", "GET"): signed_in(200),
    ("auth.enrol_two_factor", "POST"): signed_in(422),
    ("auth.account", "POST"): signed_in(302),
    ("registry.case_list", "GET"): {**case_workers(200), "screener": 200},
    ("registry.register", "GET"): case_workers(200),
    ("registry.register", "POST"): case_workers(422),
    # The household is still "registered": before vetting, a screener does not see it.
    ("registry.view", "GET"): {**one_household(200), "screener": 404},
    ("registry.edit", "GET"): one_household(200),
    ("registry.edit", "POST"): one_household(422),
    ("workflow.move", "POST"): {**one_household(422), "screener": 404},
    ("workflow.review_queue", "GET"): supervisors(200),
    ("workflow.decide", "POST"): {**supervisors(422), "supervisor_b": 404},
    # The request was made by caseworker_a: only they may withdraw it.
    ("workflow.withdraw", "POST"): {**one_household(422), "caseworker_a": 302, "screener": 404},
    ("screening.household_form", "GET"): {**one_household(200), "screener": 404},
    ("screening.household_form", "POST"): {**one_household(422), "screener": 404},
    ("screening.household_versions", "GET"): {**one_household(200), "screener": 404},
    ("screening.member_form", "GET"): {**one_household(200), "screener": 404},
    ("screening.member_form", "POST"): {**one_household(422), "screener": 404},
    ("screening.member_versions", "GET"): {**one_household(200), "screener": 404},
    ("workflow.add_note", "POST"): one_household(422),
    # Routing members apart: supervisors and screeners (a caseworker's role may not).
    ("workflow.route_member", "GET"): {
        **one_household(200),
        "screener": 404,
        "caseworker_a": 403,
    },
    ("workflow.route_member", "POST"): {
        **one_household(422),
        "screener": 404,
        "caseworker_a": 403,
    },
    ("workflow.batch_arrival", "GET"): case_workers(200),
    ("workflow.batch_arrival", "POST"): case_workers(200),
    ("workflow.help_page", "GET"): signed_in(200),
    ("tasks.due", "GET"): case_workers(200),
    ("tasks.new", "GET"): one_household(200),
    ("tasks.new", "POST"): one_household(422),
    ("tasks.done", "POST"): one_household(302),
    ("caseload.assign", "GET"): {**signed_in(403), "supervisor_a": 200, "supervisor_b": 404},
    ("caseload.assign", "POST"): {**signed_in(403), "supervisor_a": 422, "supervisor_b": 404},
    ("caseload.my_cases", "GET"): case_workers(200),
    ("caseload.team", "GET"): supervisors(200),
    ("audit.entries", "GET"): admins(200),
    ("audit.export", "GET"): admins(200),
    ("access.break_glass", "GET"): supervisors(200),
    ("access.break_glass", "POST"): supervisors(422),
    ("access.review", "GET"): signed_in(403),
    ("admin.users", "GET"): admins(200),
    ("admin.user_new", "GET"): admins(200),
    ("admin.user_new", "POST"): admins(422),
    ("admin.user_edit", "GET"): admins(200),
    ("admin.user_edit", "POST"): admins(422),
    ("admin.reference_index", "GET"): admins(200),
    ("admin.reference_list", "GET"): admins(200),
    ("admin.reference_new", "GET"): admins(200),
    ("admin.reference_new", "POST"): admins(422),
    ("admin.reference_edit", "GET"): admins(200),
    ("admin.reference_edit", "POST"): admins(422),
}


def _url_values(world, household, approval, task) -> dict[str, dict]:
    member = {"household_id": household.id, "member_id": household.members[0].id}
    member_kind = {
        "household_id": household.id,
        "member_id": household.members[0].id,
        "kind": "protection",
    }
    return {
        "workflow.move": {"household_id": household.id},
        "workflow.decide": {"request_id": approval.id},
        "workflow.withdraw": {"request_id": approval.id},
        "workflow.add_note": {"household_id": household.id},
        "workflow.route_member": member,
        "tasks.new": {"household_id": household.id},
        "tasks.done": {"household_id": household.id, "task_id": task.id},
        "caseload.assign": {"household_id": household.id},
        "screening.household_form": {"household_id": household.id, "kind": "acceptance"},
        "screening.household_versions": {"household_id": household.id, "kind": "acceptance"},
        "screening.member_form": member_kind,
        "screening.member_versions": member_kind,
        "workflow.batch_arrival": {"batch_id": world.batch.id},
        "registry.view": {"household_id": household.id},
        "registry.edit": {"household_id": household.id},
        "admin.user_edit": {"user_id": world.caseworker_b.id},
        "admin.reference_list": {"kind": "camps"},
        "admin.reference_new": {"kind": "camps"},
        "admin.reference_edit": {"kind": "camps", "item_id": world.camp.id},
    }


def _served_rules(app) -> set[tuple[str, str]]:
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((rule.endpoint, method))
    return served


def test_every_url_rule_is_covered(app):
    missing = _served_rules(app) - set(EXPECTED)
    assert not missing, f"decide who may use these URL rules in EXPECTED: {sorted(missing)}"
    stale = set(EXPECTED) - _served_rules(app)
    assert not stale, f"EXPECTED names rules the app no longer serves: {sorted(stale)}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer_on_every_url(app, world, login, make_browser, role):
    household = HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a2,
        camp=world.camp,
        origin_governorate=world.ninewa,
    )
    approval = ApprovalRequest(
        household=household,
        from_stage="follow_up",
        to_stage="closed",
        reason="Case complete",
        requested_by=world.caseworker_a,
    )
    task = Task(household=household, title="Civil-status office", due_on=local_today())
    db.session.add_all([approval, task])
    db.session.commit()
    values = _url_values(world, household, approval, task)
    wrong = []
    served = _served_rules(app)
    with app.test_request_context():
        urls = {e: url_for(e, **values.get(e, {})) for e, m in EXPECTED if (e, m) in served}
    for (endpoint, method), answers in sorted(EXPECTED.items()):
        if (endpoint, method) not in served:
            continue  # reported by test_every_url_rule_is_covered
        # A fresh session per request, since logging out (or in) changes the next answer.
        browser = make_browser() if role == "anonymous" else login(role)
        url = urls[endpoint]
        response = browser.get(url) if method == "GET" else browser.post(url, {})
        if response.status_code != answers[role]:
            wrong.append(
                f"{method} {url} ({endpoint}): {response.status_code}, expected {answers[role]}"
            )
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
