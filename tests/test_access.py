"""Every URL rule, every role, every kind of household: the answer each one gets.

`EXPECTED` must name every (endpoint, method) the app serves; adding a URL rule without deciding
here who may use it fails `test_every_url_rule_is_covered`.

A rule about one household is tried on four: one assigned to caseworker_a ("own"), one of their
team assigned to a teammate, one of another team of the same agency, and one of another agency
(team B's). `Case` says what each role gets when the household is within their scope; outside
it, the answer is 404, as if the household did not exist (403 for a role that may never act).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import url_for

from app.access.roles import Role
from app.api import tokens
from app.api.models import ApiClient, ApiToken
from app.attachments.models import Attachment
from app.core.dates import local_today
from app.core.db import utcnow as local_now
from app.extensions import db
from app.identity.models import DuplicatePair, Merge
from app.imports import services as import_services
from app.imports.models import ListImport
from app.imports.preview import ListChoices
from app.notifications.models import Kind, Notification, Target
from app.referrals.models import AgencyService, Referral
from app.tasks.models import Task
from app.transfers.models import Disclosure, Transfer
from app.watchlist.models import WatchAlert
from app.workflow.models import ApprovalRequest
from tests.factories import (
    AgencyFactory,
    HouseholdFactory,
    TeamFactory,
    UserFactory,
    judged_pair,
    move_to_team_b,
    stored_attachment,
)
from tests.watchlist_data import watch_alert

ROLES = (
    "anonymous",
    "admin",
    "admin_supervisor",  # an administrator given a second, case role: supervisor of team A
    "auditor",
    "supervisor_a",
    "supervisor_b",
    "caseworker_a",
    "caseworker_b",
    "screener",
    "focal",
    "reporting",
    # caseworker_a after an administrator moved them to team B of the other agency: they
    # registered and were assigned the "own" household, and asked its pending approval.
    "moved_caseworker",
    "records",  # a records officer: judges possible duplicates across teams and agencies
)
HOUSEHOLDS = ("own", "team", "other_team", "other_agency")
# How each role stands to each household; a household not named is outside the role's scope.
# (The households are at registration, before vetting: no screener sees them.)
RELATION: dict[str, dict[str, str]] = {
    "caseworker_a": {"own": "own", "team": "team"},
    "supervisor_a": {"own": "team", "team": "team"},
    "admin_supervisor": {"own": "team", "team": "team"},
    "caseworker_b": {"other_agency": "own"},
    "supervisor_b": {"other_agency": "team"},
    "moved_caseworker": {"other_agency": "team"},
}
CASE_STAFF = {"supervisor_a", "supervisor_b", "caseworker_a", "caseworker_b"}
SUPERVISORS = {"supervisor_a", "supervisor_b"}
CASEWORKERS = {"caseworker_a", "caseworker_b"}
STAFF = set(ROLES) - {"anonymous", "admin_supervisor", "moved_caseworker"}
LOGIN = 302  # anonymous users are sent to the login page


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    return {"anonymous": LOGIN, **dict.fromkeys(STAFF, status)}


def only(roles: set[str], ok: int) -> dict[str, int]:
    return {**signed_in(403), **dict.fromkeys(roles, ok)}


def team_a_list(ok: int) -> dict[str, int]:
    """A transfer list uploaded in team A: its supervisors only; to another team's
    supervisor it does not exist."""
    return {**only({"supervisor_a"}, ok), "supervisor_b": 404}


def case_workers(ok: int) -> dict[str, int]:
    """Caseworkers and supervisors may; other roles are refused."""
    return only(CASE_STAFF, ok)


@dataclass(frozen=True)
class Case:
    """A rule about one household: each role's answer when the household is within its scope,
    and where the assigned caseworker gets something else (`own`)."""

    in_scope: dict[str, int]
    own: dict[str, int] = field(default_factory=dict)
    # Roles refused only once the household is found (their 403 depends on it).
    refused_within: frozenset[str] = frozenset()

    def answer(self, role: str, relation: str | None) -> int:
        status = self.in_scope[role]
        if relation is None:
            # A role refused whatever the household hears so; to others it does not exist.
            role_refused = role == "anonymous" or (
                status == 403 and role not in self.refused_within
            )
            return status if role_refused else 404
        return self.own.get(role, status) if relation == "own" else status


@dataclass(frozen=True)
class PairRule:
    """A rule about one pair of possible duplicates, tried on two: a pair of two households of
    team A (`in_team`), and a pair of team A's household with one of another agency
    (`across`). A supervisor sees a pair only if both households are theirs; a records officer
    sees every pair; to others a pair they may not see does not exist (404), and roles that
    never judge pairs are refused (403)."""

    ok: int

    def answer(self, role: str, pair: str) -> int:
        judges = {"supervisor_a", "supervisor_b", "records", "admin_supervisor"}
        if role == "anonymous":
            return LOGIN
        if role not in judges:
            return 403
        sees = role == "records" or (pair == "in_team" and role != "supervisor_b")
        return self.ok if sees else 404


PAIRS = ("in_team", "across")


# Protection-sensitive data: the assigned caseworker and the team's supervisors only.
PROTECTION_ONLY = {"caseworker_a": 403, "caseworker_b": 403, "screener": 404}
ASSIGNED = {"caseworker_a": 200, "caseworker_b": 200}
IN_HOUSEHOLD = frozenset(CASEWORKERS)

SENT_REFERRAL = only(CASE_STAFF | {"focal"}, 404)

EXPECTED: dict[tuple[str, str], dict[str, int] | Case] = {
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
    ("auth.change_password", "GET"): signed_in(200),
    ("auth.change_password", "POST"): signed_in(422),
    ("auth.switch_language", "POST"): everyone(303),
    ("registry.case_list", "GET"): {**case_workers(200), "screener": 200},
    ("registry.search", "POST"): {**case_workers(303), "screener": 303},
    ("registry.register", "GET"): case_workers(200),
    ("registry.register", "POST"): case_workers(422),
    ("registry.view", "GET"): Case({**case_workers(200), "screener": 404}),
    ("registry.print_file", "GET"): Case({**case_workers(200), "screener": 404}),
    ("registry.edit", "GET"): Case(case_workers(200)),
    ("registry.edit", "POST"): Case(case_workers(422)),
    ("workflow.move", "POST"): Case({**case_workers(422), "screener": 404}),
    ("workflow.review_queue", "GET"): only(SUPERVISORS, 200),
    ("workflow.decide", "POST"): Case(only(SUPERVISORS, 422)),
    # Each request was made by the household's caseworker: only they may withdraw it.
    ("workflow.withdraw", "POST"): Case(
        {**case_workers(422), "screener": 404}, own={"caseworker_a": 302, "caseworker_b": 302}
    ),
    ("screening.household_form", "GET"): Case({**case_workers(200), "screener": 404}),
    ("screening.household_form", "POST"): Case({**case_workers(422), "screener": 404}),
    ("screening.household_versions", "GET"): Case({**case_workers(200), "screener": 404}),
    # The member's protection assessment.
    ("screening.member_form", "GET"): Case(
        {**case_workers(200), **PROTECTION_ONLY}, ASSIGNED, IN_HOUSEHOLD
    ),
    ("screening.member_form", "POST"): Case(
        {**case_workers(422), **PROTECTION_ONLY},
        {"caseworker_a": 422, "caseworker_b": 422},
        IN_HOUSEHOLD,
    ),
    ("screening.member_versions", "GET"): Case(
        {**case_workers(200), **PROTECTION_ONLY}, ASSIGNED, IN_HOUSEHOLD
    ),
    ("workflow.add_note", "POST"): Case(case_workers(422)),
    # Routing members apart: supervisors and screeners (a caseworker's role may not).
    ("workflow.route_member", "GET"): Case(
        {**case_workers(200), "screener": 404, "caseworker_a": 403, "caseworker_b": 403},
        refused_within=IN_HOUSEHOLD,
    ),
    ("workflow.route_member", "POST"): Case(
        {**case_workers(422), "screener": 404, "caseworker_a": 403, "caseworker_b": 403},
        refused_within=IN_HOUSEHOLD,
    ),
    ("workflow.batch_arrival", "GET"): case_workers(200),
    ("workflow.batch_arrival", "POST"): case_workers(200),
    ("workflow.help_page", "GET"): signed_in(200),
    ("tasks.due", "GET"): case_workers(200),
    # Attachments: added by those who edit the file; downloaded and removed by the readers of
    # their group (the matrix's are filed under documents); to others they do not exist.
    ("attachments.new", "GET"): Case(case_workers(200)),
    ("attachments.new", "POST"): Case(case_workers(422)),  # posted empty: no file, no kind
    ("attachments.download", "GET"): Case({**case_workers(200), "screener": 404, "focal": 404}),
    ("attachments.remove", "GET"): Case({**case_workers(200), "screener": 404, "focal": 404}),
    ("attachments.remove", "POST"): Case({**case_workers(422), "screener": 404, "focal": 404}),
    ("tasks.new", "GET"): Case(case_workers(200)),
    ("tasks.new", "POST"): Case(case_workers(422)),
    ("tasks.done", "POST"): Case(case_workers(302)),
    ("caseload.assign", "GET"): Case(only(SUPERVISORS, 200)),
    ("caseload.assign", "POST"): Case(only(SUPERVISORS, 422)),
    ("caseload.my_cases", "GET"): case_workers(200),
    ("caseload.team", "GET"): only(SUPERVISORS, 200),
    ("audit.entries", "GET"): only({"admin", "auditor"}, 200),
    ("audit.export", "GET"): only({"admin", "auditor"}, 200),
    ("access.break_glass", "GET"): only(SUPERVISORS, 200),
    ("access.break_glass", "POST"): only(SUPERVISORS, 422),
    ("access.review", "GET"): only({"auditor"}, 200),
    ("admin.users", "GET"): only({"admin"}, 200),
    ("admin.user_new", "GET"): only({"admin"}, 200),
    ("admin.user_new", "POST"): only({"admin"}, 422),
    ("admin.user_edit", "GET"): only({"admin"}, 200),
    ("admin.user_edit", "POST"): only({"admin"}, 422),
    ("admin.reference_index", "GET"): only({"admin"}, 200),
    ("admin.reference_list", "GET"): only({"admin"}, 200),
    ("admin.reference_new", "GET"): only({"admin"}, 200),
    ("admin.reference_new", "POST"): only({"admin"}, 422),
    ("admin.reference_edit", "GET"): only({"admin"}, 200),
    ("admin.reference_edit", "POST"): only({"admin"}, 422),
    ("transfers.request_form", "GET"): Case(only(SUPERVISORS, 200)),
    ("transfers.request_form", "POST"): Case(only(SUPERVISORS, 422)),
    ("transfers.inbox", "GET"): only(SUPERVISORS, 200),
    # A hand-over from team A to team B: team B's supervisor answers, team A's may withdraw it.
    ("transfers.accept", "POST"): {**only(SUPERVISORS, 422), "supervisor_b": 302},
    ("transfers.decline", "POST"): only(SUPERVISORS, 422),
    ("transfers.cancel", "POST"): {**only(SUPERVISORS, 422), "supervisor_a": 302},
    ("disclosures.request_form", "GET"): Case(case_workers(200)),
    ("disclosures.request_form", "POST"): Case(case_workers(422)),
    ("disclosures.received", "GET"): only({"focal"}, 200),
    ("referrals.refer", "GET"): Case(case_workers(200)),
    ("referrals.refer", "POST"): Case(case_workers(422)),
    ("referrals.shared_by_me", "GET"): case_workers(200),
    ("referrals.inbox", "GET"): only({"focal"}, 200),
    # A referral of team A's household, sent to the NGO agency where `focal` works.
    ("referrals.show", "GET"): {
        **SENT_REFERRAL,
        "caseworker_a": 200,
        "supervisor_a": 200,
        "focal": 200,
    },
    ("referrals.change", "POST"): {
        **SENT_REFERRAL,
        "caseworker_a": 422,
        "supervisor_a": 422,
        "focal": 302,
    },
    ("referrals.override", "POST"): {
        **SENT_REFERRAL,
        "caseworker_a": 422,
        "supervisor_a": 422,
        "focal": 422,
    },
    ("referrals.services_list", "GET"): only({"admin"}, 200),
    ("referrals.service_form", "GET"): only({"admin"}, 200),
    ("referrals.service_form", "POST"): only({"admin"}, 422),
    ("reports.report", "GET"): only(SUPERVISORS | {"admin", "reporting"}, 200),
    ("reports.case_export", "GET"): case_workers(200),
    ("reports.case_export", "POST"): case_workers(422),
    ("dashboard.dashboard", "GET"): only(CASE_STAFF | {"admin", "reporting"}, 200),
    # Without its choices a download sends nothing and says what is missing.
    ("reports.download", "GET"): only(SUPERVISORS | {"admin", "reporting"}, 422),
    # A disclosure of team A's household asked by caseworker_a2, waiting for approval.
    **{
        ("disclosures." + name, method): {
            **only(CASE_STAFF | {"screener", "focal"}, 404),
            "supervisor_a": ok,
            "caseworker_a": ok,
        }
        for name, method, ok in (
            ("show", "GET", 200),
            ("approve", "POST", 422),
            ("refuse", "POST", 422),
            ("withdraw", "POST", 422),
        )
    },
    ("identity.queue", "GET"): only(SUPERVISORS | {"records"}, 200),
    ("identity.pair", "GET"): PairRule(200),
    # Posted empty: the judgement, the merge and the undo each say what is missing.
    ("identity.judge", "POST"): PairRule(422),
    ("identity.merge", "POST"): PairRule(422),
    ("identity.undo", "POST"): PairRule(422),
    # The JSON API takes a bearer token, never a page's session: every signed-in browser is
    # refused (tests/test_api.py walks the API with each role's token); its document is open.
    ("api-docs.openapi_json", "GET"): everyone(200),
    # API tokens: each user their own; administrators everyone's (the matrix's is supervisor
    # B's: to anyone else it does not exist).
    ("api_tokens.own", "GET"): signed_in(200),
    ("api_tokens.own", "POST"): signed_in(422),  # posted empty: no name, no scope
    ("api_tokens.everyone", "GET"): only({"admin"}, 200),
    ("api_tokens.revoke", "POST"): {**signed_in(404), "supervisor_b": 302, "admin": 302},
    # Machine clients: administrators revoke them; the user a client acts as cannot.
    ("api_tokens.revoke_client", "POST"): only({"admin"}, 302),
    # The token endpoint of machine clients answers OAuth2's errors to anyone: posted with no
    # grant_type, unsupported_grant_type (tests/test_api_oauth.py covers the grant).
    ("oauth.token", "POST"): everyone(400),
    ("api.Me", "GET"): everyone(401),
    ("api.Households", "GET"): everyone(401),
    ("api.Households", "POST"): everyone(401),
    ("api.OneHousehold", "GET"): everyone(401),
    ("api.OneHousehold", "PATCH"): everyone(401),
    ("api.PublishedFigures", "GET"): everyone(401),
    ("api.Referrals", "GET"): everyone(401),
    ("api.OneReferral", "GET"): everyone(401),
    ("api.OneReferral", "POST"): everyone(401),
    ("api.Imports", "GET"): everyone(401),
    ("api.Imports", "POST"): everyone(401),
    ("api.OneImport", "GET"): everyone(401),
    ("api.ImportProblems", "GET"): everyone(401),
    ("api.ImportCommit", "POST"): everyone(401),
    ("api.ImportCancel", "POST"): everyone(401),
    # Watch lists and alerts: screeners alone, whatever the household's stage or team.
    ("watchlist.lists", "GET"): only({"screener"}, 200),
    ("watchlist.load", "POST"): only({"screener"}, 422),  # posted empty: no file, no name
    ("watchlist.watch_list", "GET"): only({"screener"}, 200),
    ("watchlist.alerts", "GET"): only({"screener"}, 200),
    ("watchlist.alert", "GET"): only({"screener"}, 200),
    ("watchlist.answer", "POST"): only({"screener"}, 422),  # posted empty: no answer, no reason
    ("imports.index", "GET"): only(SUPERVISORS, 200),
    ("imports.upload", "GET"): only(SUPERVISORS, 200),
    ("imports.upload", "POST"): only(SUPERVISORS, 422),  # posted empty: no file, no source
    ("imports.view", "GET"): team_a_list(200),
    ("imports.columns", "GET"): team_a_list(200),
    ("imports.columns", "POST"): team_a_list(302),
    ("imports.progress", "GET"): team_a_list(200),
    ("imports.problems_download", "GET"): team_a_list(200),
    ("imports.result_download", "GET"): team_a_list(200),
    # Refused with a message on the list's page: nothing to import, nothing running.
    ("imports.commit", "POST"): team_a_list(302),
    ("imports.cancel", "POST"): team_a_list(302),
    ("imports.resume", "POST"): team_a_list(302),
    # Notifications: every signed-in user's own. The matrix's is caseworker_a's, about the "own"
    # household: read, it leads to that household's page; to anyone else (caseworker_a moved to
    # team B too, who no longer reads that household) it does not exist.
    ("notifications.index", "GET"): signed_in(200),
    ("notifications.read", "POST"): {**signed_in(404), "caseworker_a": 302},
    ("notifications.read_all", "POST"): signed_in(302),
}


def expected(rule: dict[str, int] | Case | PairRule, role: str, household: str) -> int:
    if isinstance(rule, PairRule):
        return rule.answer("caseworker_b" if role == "moved_caseworker" else role, household)
    if role == "moved_caseworker":
        # A caseworker of team B like any other: nothing of what they held in team A.
        if isinstance(rule, Case):
            return rule.answer("caseworker_b", RELATION[role].get(household))
        return rule["caseworker_b"]
    if role == "admin_supervisor":
        # Both roles' rights, no more: what the admin may, else what the supervisor may.
        as_admin = expected(rule, "admin", household)
        return as_admin if as_admin != 403 else expected(rule, "supervisor_a", household)
    if isinstance(rule, Case):
        return rule.answer(role, RELATION.get(role, {}).get(household))
    return rule[role]


@dataclass
class Matrix:
    """The four households, each with a pending approval and a task, and the extra users."""

    households: dict[str, object]
    approvals: dict[str, ApprovalRequest]
    tasks: dict[str, Task]
    users: dict[str, object]
    transfer: Transfer
    disclosure: Disclosure
    referral: Referral
    pairs: dict[str, DuplicatePair]
    merges: dict[str, Merge]
    list_import: ListImport
    alert: WatchAlert
    attachments: dict[str, Attachment]
    notification: Notification
    api_token: ApiToken
    api_client: ApiClient


@pytest.fixture
def matrix(world) -> Matrix:
    team_c = TeamFactory(name="Team C", agency=world.caseworker_a.agency)
    caseworker_c = UserFactory(username="caseworker.c", team=team_c, agency=team_c.agency)
    # Team C decides its own requests: without a supervisor, team A's would stand in for it
    # (app.workflow.approvals; what a stand-in may do is tested in test_approvals.py).
    UserFactory(
        username="supervisor.c", role=Role.SUPERVISOR.value, team=team_c, agency=team_c.agency
    )
    assignees = {
        "own": (world.team_a, world.caseworker_a),
        "team": (world.team_a, world.caseworker_a2),
        "other_team": (team_c, caseworker_c),
        "other_agency": (world.team_b, world.caseworker_b),
    }
    households, approvals, tasks = {}, {}, {}
    for key, (team, caseworker) in assignees.items():
        household = HouseholdFactory(
            team=team, assigned_to=caseworker, camp=world.camp, origin_governorate=world.ninewa
        )
        households[key] = household
        approvals[key] = ApprovalRequest(
            household=household,
            from_stage="follow_up",
            to_stage="closed",
            reason="Case complete",
            requested_by=caseworker,
        )
        tasks[key] = Task(household=household, title="Civil-status office", due_on=local_today())
    db.session.add_all([*approvals.values(), *tasks.values()])
    db.session.flush()
    attachments = {key: stored_attachment(h, world.caseworker_a) for key, h in households.items()}
    handed = HouseholdFactory(team=world.team_a, camp=world.camp, origin_governorate=world.ninewa)
    transfer = Transfer(
        household=handed,
        from_team_id=world.team_a.id,
        to_team=world.team_b,
        reason="Follow-up after return",
        requested_by=world.supervisor_a,
    )
    nss = AgencyFactory(code="NSS", kind="security")
    disclosure = Disclosure(
        household=households["team"],
        agency=nss,
        agreement_reference="DSA-2026-04",
        purpose="Court summons",
        groups="identity",
        requested_by=world.caseworker_a2,
    )
    legal_aid = AgencyService(agency=world.focal.agency, service="legal_aid")
    referral = Referral(
        household=households["team"],
        agency=world.focal.agency,
        service=legal_aid,
        reason="Papers",
        urgency="routine",
        due_on=local_today(),
        groups="identity",
        state="sent",
        created_by=world.caseworker_a2,
    )
    db.session.add_all([transfer, disclosure, legal_aid, referral])
    pairs, merges = _pairs(households, world.supervisor_a)
    users = {
        "records": UserFactory(username="records", role=Role.RECORDS_OFFICER.value),
        "auditor": UserFactory(username="auditor", role=Role.AUDITOR.value),
        "admin_supervisor": UserFactory(
            username="admin.supervisor",
            role=Role.ADMIN.value,
            second_role=Role.SUPERVISOR.value,
            team=world.team_a,
            agency=world.caseworker_a.agency,
        ),
    }
    list_import = _checked_list(world)
    alert = watch_alert(households["own"].members[0], world.screener)
    db.session.flush()
    notification = Notification(
        user_id=world.caseworker_a.id,
        kind=Kind.APPROVAL_GIVEN,
        target_type=Target.APPROVAL,
        target_id=approvals["own"].id,
        household_id=households["own"].id,
    )
    db.session.add(notification)
    _token, api_token = tokens.create_token(world.supervisor_b, "matrix", ["account:read"])
    _secret, api_client = tokens.create_client(world.focal, "matrix", ["referrals:read"])
    db.session.commit()
    return Matrix(
        households,
        approvals,
        tasks,
        users,
        transfer,
        disclosure,
        referral,
        pairs,
        merges,
        list_import,
        alert,
        attachments,
        notification,
        api_token,
        api_client,
    )


def _checked_list(world) -> ListImport:
    """A transfer list team A's supervisor uploaded and checked, not imported."""
    data = (
        "رقم العائلة,الاسم الرباعي,الجنس,صلة القرابة,المواليد\r\n"
        "F-1,هدى ياسين محمد العبيدي,أنثى,ربة الأسرة,1975\r\n"
    )
    choices = ListChoices(camp_id=world.camp.id, origin_governorate_id=world.ninewa.id)
    imported, table = import_services.receive(
        data.encode(), "list.csv", "al-Hol camp administration", choices, world.supervisor_a
    )
    import_services.check(imported, table, world.supervisor_a)
    return imported


def _pairs(households: dict, decider) -> tuple[dict, dict]:
    """A pair within team A and one across agencies, each judged the same and merged (then
    undone), so that every identity rule has something to act on."""
    own = households["own"].members[0]
    pairs, merges = {}, {}
    for key, other in (("in_team", households["team"]), ("across", households["other_agency"])):
        pair = judged_pair(own, other.members[0])
        merges[key] = Merge(
            pair_id=pair.id,
            kept_member_id=pair.first_member_id,
            retired_member_id=pair.second_member_id,
            kept_household_id=pair.first.household_id,
            retired_household_id=pair.second.household_id,
            moved=[],
            reason="Same civil ID",
            merged_by_id=decider.id,
            undone_at=local_now(),
            undone_by_id=decider.id,
            undo_reason="Checked again",
        )
        db.session.add(merges[key])
        pairs[key] = pair
    return pairs, merges


def _url_values(world, matrix: Matrix, key: str, pair: str = "in_team") -> dict[str, dict]:
    household = matrix.households[key]
    member = {"household_id": household.id, "member_id": household.members[0].id}
    return {
        "workflow.move": {"household_id": household.id},
        "workflow.decide": {"request_id": matrix.approvals[key].id},
        "workflow.withdraw": {"request_id": matrix.approvals[key].id},
        "workflow.add_note": {"household_id": household.id},
        "workflow.route_member": member,
        "tasks.new": {"household_id": household.id},
        "attachments.new": {"household_id": household.id},
        "attachments.download": {"attachment_id": matrix.attachments[key].id},
        "attachments.remove": {"attachment_id": matrix.attachments[key].id},
        "tasks.done": {"household_id": household.id, "task_id": matrix.tasks[key].id},
        "caseload.assign": {"household_id": household.id},
        "screening.household_form": {"household_id": household.id, "kind": "acceptance"},
        "screening.household_versions": {"household_id": household.id, "kind": "acceptance"},
        "screening.member_form": {**member, "kind": "protection"},
        "screening.member_versions": {**member, "kind": "protection"},
        "workflow.batch_arrival": {"batch_id": world.batch.id},
        "registry.view": {"household_id": household.id},
        "registry.print_file": {"household_id": household.id},
        "registry.edit": {"household_id": household.id},
        "transfers.request_form": {"household_id": household.id},
        "transfers.accept": {"transfer_id": matrix.transfer.id},
        "transfers.decline": {"transfer_id": matrix.transfer.id},
        "transfers.cancel": {"transfer_id": matrix.transfer.id},
        "disclosures.request_form": {"household_id": household.id},
        "reports.download": {"fmt": "csv"},
        "referrals.refer": {"household_id": household.id},
        "referrals.show": {"referral_id": matrix.referral.id},
        "referrals.override": {"referral_id": matrix.referral.id},
        "referrals.change": {"referral_id": matrix.referral.id, "action": "accept"},
        **{
            f"disclosures.{name}": {"disclosure_id": matrix.disclosure.id}
            for name in ("show", "approve", "refuse", "withdraw")
        },
        "admin.user_edit": {"user_id": world.caseworker_b.id},
        "admin.reference_list": {"kind": "camps"},
        "admin.reference_new": {"kind": "camps"},
        "admin.reference_edit": {"kind": "camps", "item_id": world.camp.id},
        **_pair_values(matrix, pair),
        **{endpoint: {"import_id": matrix.list_import.id} for endpoint in IMPORT_RULES},
        "watchlist.watch_list": {"list_id": matrix.alert.entry.watch_list_id},
        "api.OneHousehold": {"case_number": household.case_number},
        "api.OneReferral": {"referral_id": matrix.referral.id},
        **{endpoint: {"import_id": matrix.list_import.id} for endpoint in API_IMPORT_RULES},
        "api_tokens.revoke": {"token_id": matrix.api_token.id},
        "api_tokens.revoke_client": {"client_id": matrix.api_client.id},
        "watchlist.alert": {"alert_id": matrix.alert.id},
        "watchlist.answer": {"alert_id": matrix.alert.id},
        "notifications.read": {"notification_id": matrix.notification.id},
    }


IMPORT_RULES = (
    "imports.view",
    "imports.columns",
    "imports.progress",
    "imports.commit",
    "imports.cancel",
    "imports.resume",
    "imports.problems_download",
    "imports.result_download",
)


API_IMPORT_RULES = ("api.OneImport", "api.ImportProblems", "api.ImportCommit", "api.ImportCancel")


def _pair_values(matrix: Matrix, key: str) -> dict[str, dict]:
    pair, merge = matrix.pairs[key], matrix.merges[key]
    return {
        "identity.pair": {"pair_id": pair.id},
        "identity.judge": {"pair_id": pair.id},
        "identity.merge": {"pair_id": pair.id},
        "identity.undo": {"merge_id": merge.id},
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


def _browser(role: str, world, matrix: Matrix, make_browser):
    browser = make_browser()
    if role == "moved_caseworker":
        _move_to_team_b(world)
        browser.login(world.caseworker_a)
    elif role != "anonymous":
        user = matrix.users.get(role) or world.user(role)
        browser.login(user)
    return browser


def _move_to_team_b(world) -> None:
    """caseworker_a, moved once (the fixture may ask twice)."""
    if world.caseworker_a.team_id != world.team_b.id:
        move_to_team_b(world, world.caseworker_a)


def _requests(app, world, matrix: Matrix):
    """(endpoint, method, household kind or None, url) for every rule the app serves."""
    served = _served_rules(app)
    with app.test_request_context():
        for (endpoint, method), rule in sorted(EXPECTED.items(), key=lambda item: item[0]):
            if (endpoint, method) not in served:
                continue  # reported by test_every_url_rule_is_covered
            keys = HOUSEHOLDS if isinstance(rule, Case) else (None,)
            for key in PAIRS if isinstance(rule, PairRule) else keys:
                if isinstance(rule, PairRule):
                    values = _url_values(world, matrix, "own", key)[endpoint]
                else:
                    values = _url_values(world, matrix, key or "own").get(endpoint, {})
                yield endpoint, method, key, url_for(endpoint, **values)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer_on_every_url(app, world, matrix, make_browser, role):
    wrong = []
    for endpoint, method, key, url in list(_requests(app, world, matrix)):
        # A fresh session per request, since logging out (or in) changes the next answer.
        browser = _browser(role, world, matrix, make_browser)
        response = _send(browser, method, url)
        want = expected(EXPECTED[(endpoint, method)], role, key or "")
        if response.status_code != want:
            where = f" [{key} household]" if key else ""
            wrong.append(f"{method} {url} ({endpoint}){where}: {response.status_code}, want {want}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def _send(browser, method: str, url: str):
    """The rule's own method: a form's POST carries its CSRF token; PATCH (the API's) none."""
    if method == "GET":
        return browser.get(url)
    if method == "POST":
        return browser.post(url, {})
    return browser._send(functools.partial(browser.client.open, method=method), url)


def _database_state() -> dict[str, list]:
    """Every row of every table but the audit trail, which records views by design, and the
    time a session was last seen, which any request moves (app.auth.sessions)."""
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name == "audit_entries":
            continue
        columns = [column for column in table.c if column.key != "last_seen_at"]
        rows = db.session.execute(sa.select(*columns)).all()
        state[table.name] = sorted(repr(tuple(row)) for row in rows)
    return state


@pytest.mark.parametrize("role", ["supervisor_a", "caseworker_a", "admin", "admin_supervisor"])
def test_a_get_never_changes_anything(app, world, matrix, make_browser, role):
    browser = _browser(role, world, matrix, make_browser)
    db.session.expire_all()
    before = _database_state()
    for _endpoint, method, _key, url in list(_requests(app, world, matrix)):
        if method == "GET" and not url.startswith("/logout"):
            browser.get(url)
    db.session.expire_all()
    assert _database_state() == before
