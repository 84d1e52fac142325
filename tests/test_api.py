"""The JSON API, first part: personal access tokens (hashed, scoped, expiring, revocable),
the caller's account, households listed with cursor pagination and read cut to the caller's
field groups, all through the access policy; errors as problem details; the committed OpenAPI
document equal to the code's and valid."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from app.api import tokens
from app.api.cli import document_text
from app.api.core import OPENAPI_FILE
from app.api.models import ApiToken
from app.audit.models import AuditEntry
from app.core.db import utcnow
from app.extensions import db
from app.workflow.stages import Stage
from tests.factories import HouseholdFactory, MemberFactory, api_token, sent_referral
from tests.test_admin import error_beside

READ = ["households:read", "account:read"]


def token_for(user, scopes=READ, days: int = 30) -> str:
    """A token of `user` with `scopes`, whether or not the user's roles have a use for them."""
    token = api_token(user, scopes, days)
    db.session.commit()
    return token


def call(app, token: str | None, url: str):
    """GET `url` as a partner's script does: its own request, app context and `g` (not the
    test's), with the token if any."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    outside = _cv_app.set(None)
    try:
        return app.test_client().get(url, headers=headers)
    finally:
        _cv_app.reset(outside)


@pytest.fixture
def households(world):
    """Five households of team A (one with a protection need), two of team B."""
    ours = [
        HouseholdFactory(team=world.team_a, camp=world.camp, assigned_to=world.caseworker_a)
        for _ in range(5)
    ]
    ours[0].members.append(MemberFactory(relationship="son"))
    theirs = [HouseholdFactory(team=world.team_b, camp=world.camp) for _ in range(2)]
    db.session.commit()
    return ours, theirs


def test_a_token_reads_its_account_and_is_kept_only_as_a_hash(app, world):
    token = token_for(world.caseworker_a)
    body = call(app, token, "/api/v1/me").get_json()
    assert body["username"] == world.caseworker_a.username
    assert body["scopes"] == sorted(READ)
    row = db.session.scalars(sa.select(ApiToken)).one()
    assert token not in (row.token_sha256, row.prefix) and row.last_used_at is not None


@pytest.mark.parametrize("spoil", ["nothing", "wrong", "expired", "revoked", "inactive"])
def test_only_a_live_token_of_an_active_user_is_accepted(app, world, spoil):
    token = token_for(world.caseworker_a)
    row = db.session.scalars(sa.select(ApiToken)).one()
    if spoil == "expired":
        row.expires_at = utcnow() - timedelta(seconds=1)
    elif spoil == "revoked":
        tokens.revoke(row, world.admin)
    elif spoil == "inactive":
        world.caseworker_a.active = False
    db.session.commit()
    presented = {"nothing": None, "wrong": token[:-2] + "xx"}.get(spoil, token)
    response = call(app, presented, "/api/v1/households")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["title"] == "Unauthorized"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(st.characters(blacklist_characters="\r\n"), max_size=120))
def test_any_presented_token_is_refused_with_a_problem_never_an_error(app, presented):
    """Any header value a client can send (a line break cannot be sent in one)."""
    response = call(app, presented, "/api/v1/me")
    assert response.status_code == 401 and response.get_json()["status"] == 401


def test_a_signed_in_browser_session_is_not_enough(world, login):
    browser = login("caseworker_a")
    assert browser.get("/api/v1/households").status_code == 401


def test_a_token_without_the_scope_is_refused(app, world, households):
    token = token_for(world.caseworker_a, ["account:read"])
    response = call(app, token, "/api/v1/households")
    assert response.status_code == 403
    assert "households:read" in response.get_json()["detail"]


def test_the_list_pages_by_cursor_in_a_stable_order_within_scope(app, world, households):
    ours, theirs = households
    token = token_for(world.caseworker_a)
    seen, url = [], "/api/v1/households?limit=2"
    while url:
        response = call(app, token, url)
        assert response.status_code == 200, (url, response.get_data(as_text=True))
        body = response.get_json()
        seen += [item["case_number"] for item in body["items"]]
        url = body["next_cursor"] and f"/api/v1/households?limit=2&cursor={body['next_cursor']}"
    assert seen == [h.case_number for h in ours]  # each once, oldest first
    assert not {h.case_number for h in theirs} & set(seen)
    assert db.session.scalar(
        sa.select(sa.func.count()).where(AuditEntry.action == "api.households")
    )


def test_another_agencys_token_never_reads_these_households(app, world, households):
    ours, theirs = households
    token = token_for(world.caseworker_b)
    listed = call(app, token, "/api/v1/households?limit=100").get_json()["items"]
    assert {i["case_number"] for i in listed} == {h.case_number for h in theirs}
    response = call(app, token, f"/api/v1/households/{ours[0].case_number}")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_household_is_cut_to_the_callers_field_groups(app, world, households):
    ours, _theirs = households
    ours[0].stage = Stage.VETTING
    db.session.commit()
    url = f"/api/v1/households/{ours[0].case_number}"
    caseworker = call(app, token_for(world.caseworker_a), url).get_json()
    assert "documents" in caseworker["groups"] and "documents" in caseworker["members"][0]
    screener = call(app, token_for(world.screener), url).get_json()
    assert screener["groups"] == ["identity", "vetting"]
    assert "documents" not in screener["members"][0] and "contact" not in screener


@pytest.mark.parametrize(
    ("query", "field"), [("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit")]
)
def test_a_bad_query_is_told_field_by_field(app, world, query, field):
    response = call(app, token_for(world.caseworker_a), f"/api/v1/households?{query}")
    body = response.get_json()
    assert response.status_code == 422 and field in body["errors"]["query"]


def test_a_cursor_awda_did_not_write_is_refused(app, world):
    response = call(app, token_for(world.caseworker_a), "/api/v1/households?cursor=%%%")
    assert response.status_code == 400 and "cursor" in response.get_json()["detail"]
    assert response.get_json()["errors"]["query"]["cursor"] == [response.get_json()["detail"]]


@pytest.mark.parametrize("list_url", ["/api/v1/households", "/api/v1/referrals"])
def test_a_cursor_or_an_id_beyond_any_row_is_refused_not_an_error(app, world, login, list_url):
    """Found by Schemathesis: a number larger than the database's INTEGER was a server error
    (in a cursor, and in any URL's id: the pages' too)."""
    import base64

    token = token_for(world.caseworker_a, [*READ, *FOCAL])
    huge = base64.urlsafe_b64encode(str(10**30).encode()).decode().rstrip("=")
    response = call(app, token, f"{list_url}?cursor={huge}")
    assert response.status_code == 400 and "cursor" in response.get_json()["detail"]
    response = call(app, token, "/api/v1/referrals/6415866365329954479357820928")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert login("caseworker_a").get("/households/99999999999999999999").status_code == 404


def test_errors_are_told_in_the_callers_language(app, world):
    world.caseworker_a.locale = "ar"
    db.session.commit()
    token = token_for(world.caseworker_a, ["account:read"])
    detail = call(app, token, "/api/v1/households").get_json()["detail"]
    assert "households:read" in detail and any("\u0600" <= ch <= "\u06ff" for ch in detail)


def arabic(text: str) -> bool:
    return bool(re.search("[\u0600-\u06ff]", text))


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/v1/nowhere", 404),  # no rule: the blueprint never ran
        ("DELETE", "/api/v1/me", 405),
        ("GET", "/api/v1/households/AWD-0-0", 404),  # refused by the operation itself
    ],
)
def test_a_problem_is_told_in_the_token_users_language_title_too(app, world, method, url, status):
    world.caseworker_a.locale = "ar"
    db.session.commit()
    token = token_for(world.caseworker_a)
    response = post(app, token, url, {}, None, method) if method != "GET" else call(app, token, url)
    body = response.get_json()
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert arabic(body["detail"]) and arabic(body["title"]), body
    english = call(app, token_for(world.caseworker_a2), url) if method == "GET" else None
    if english is not None:
        assert english.get_json()["title"] == "Not Found"


def test_the_token_is_looked_up_once_a_request(app, world, monkeypatch):
    """A problem looks for the caller's language only where the blueprint has not."""
    token = token_for(world.caseworker_a)
    looked = []
    live = tokens.live
    monkeypatch.setattr(tokens, "live", lambda presented: looked.append(1) or live(presented))
    for url in ("/api/v1/me", "/api/v1/households/AWD-0-0", "/api/v1/nowhere"):
        looked.clear()
        call(app, token, url)
        assert len(looked) == 1, url
    looked.clear()
    assert call(app, "awda_made_up", "/api/v1/me").status_code == 401 and len(looked) == 1


@pytest.mark.parametrize(
    ("who", "scopes", "url", "field"),
    [
        ("caseworker_a", READ, "/api/v1/households?stage=Registered", "stage"),
        ("focal", ["referrals:read"], "/api/v1/referrals?state=open", "state"),
    ],
)
def test_an_unknown_filter_is_refused_naming_the_codes_not_answered_with_nothing(
    app, world, who, scopes, url, field
):
    response = call(app, token_for(getattr(world, who), scopes), url)
    assert response.status_code == 422
    (message,) = response.get_json()["errors"]["query"][field]
    assert "registered" in message if field == "stage" else "in_progress" in message


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/households?stage=registered&stage=vetting", "stage"),
        ("/api/v1/households?limit=5&limit=5", "limit"),
        (f"/api/v1/figures?unit=households&rows=stage&rows=sex&period={utcnow().year - 1}", "rows"),
    ],
)
def test_a_parameter_sent_twice_is_refused_naming_it(app, world, url, name):
    """It was read as its first value without a word."""
    world.supervisor_a.locale = "ar"
    db.session.commit()
    response = call(app, token_for(world.supervisor_a, [*READ, "figures:read"]), url)
    assert response.status_code == 422, response.get_json()
    (told,) = response.get_json()["errors"]["query"][name]
    assert name in told and re.search("[\u0600-\u06ff]", told)


def test_a_parameter_documented_as_a_list_may_repeat(app):
    import marshmallow as ma

    from app.api.core import PARSER

    fields = {"ids": ma.fields.List(ma.fields.Integer()), "one": ma.fields.Integer()}
    with app.test_request_context("/api/v1/x?ids=1&ids=2&one=3&other=4&other=5"):
        parsed = PARSER.parse(ma.Schema.from_dict(fields)(), location="query")
    assert parsed == {"ids": [1, 2], "one": 3}


@pytest.mark.parametrize(
    ("scopes", "days", "field"), [([], 30, "scopes"), (["root"], 30, "scopes"), (READ, 0, "days")]
)
def test_a_token_is_made_only_with_known_scopes_and_a_lifetime(world, scopes, days, field):
    from app.core.validation import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        tokens.create_token(world.caseworker_a, "script", scopes, days)
    assert field in refused.value.errors


def test_the_command_prints_a_working_token_once(app, world):
    result = app.test_cli_runner().invoke(
        args=["api-token", "create", world.caseworker_a.username, "--scope", "account:read"]
    )
    assert result.exit_code == 0, result.output
    token = next(line for line in result.stdout.splitlines() if line.startswith("awda_"))
    assert call(app, token, "/api/v1/me").status_code == 200


def test_the_committed_openapi_document_is_the_codes_and_valid(app):
    committed = OPENAPI_FILE.read_text(encoding="utf-8")
    assert committed == document_text(app), "run: flask --app wsgi api spec"
    validate(json.loads(committed))
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    assert served == json.loads(committed)


# Who reads the matrix's referral (sent by team A to the focal point's agency), and the
# roles that have no referrals at all.
PERIOD = f"{utcnow().year - 1}"  # a year that has ended
READERS = {"focal": 200, "caseworker_a": 200, "caseworker_a2": 200, "supervisor_a": 200}
NO_REFERRALS = {"admin", "reporting", "screener"}
SUPERVISORS = {"supervisor_a", "supervisor_b"}
TEAM_A_LIST = {"supervisor_a": 200, "supervisor_b": 404}
IMPORTS = ["imports:read", "imports:write"]
LISTERS = {
    "caseworker_a",
    "caseworker_a2",
    "caseworker_b",
    "supervisor_a",
    "supervisor_b",
    "screener",
}
# Each API rule: (its URL in the matrix, the answer to a role with every scope and to a
# lister's token without the scope). A rule added without a line here fails the test below.
API_MATRIX = {
    "api.Me": ("/api/v1/me", lambda role: 200, 403),
    "api.Households": ("/api/v1/households", lambda role: 200 if role in LISTERS else 403, 403),
    "api.Referrals": (
        "/api/v1/referrals",
        lambda role: 403 if role in NO_REFERRALS else 200,
        403,
    ),
    "api.OneReferral": (
        "/api/v1/referrals/{referral}",
        lambda role: READERS.get(role, 403 if role in NO_REFERRALS else 404),
        403,
    ),
    "api.OneHousehold": (
        "/api/v1/households/{case}",
        lambda role: (
            200
            if role in {"caseworker_a", "caseworker_a2", "supervisor_a"}
            else (404 if role in LISTERS else 403)
        ),
        403,
    ),
    # Transfer lists: a team's supervisors (the matrix's list is team A's); a commit or
    # cancel sent without If-Match reaches 428 only where the list is the caller's.
    "api.Imports": ("/api/v1/imports", lambda role: 200 if role in SUPERVISORS else 403, 403),
    "api.OneImport": ("/api/v1/imports/{list}", lambda role: TEAM_A_LIST.get(role, 403), 403),
    "api.ImportProblems": (
        "/api/v1/imports/{list}/problems",
        lambda role: TEAM_A_LIST.get(role, 403),
        403,
    ),
    "api.ImportCommit": (
        "/api/v1/imports/{list}/commit",
        lambda role: {**TEAM_A_LIST, "supervisor_a": 428}.get(role, 403),
        403,
        "POST",
    ),
    "api.ImportCancel": (
        "/api/v1/imports/{list}/cancel",
        lambda role: {**TEAM_A_LIST, "supervisor_a": 428}.get(role, 403),
        403,
        "POST",
    ),
    "api.PublishedFigures": (
        "/api/v1/figures?unit=households&rows=stage&period={period}",
        lambda role: 200 if role in {"admin", "reporting", *SUPERVISORS} else 403,
        403,
    ),
}
ROLES = ("admin", *sorted(LISTERS), "focal", "reporting")


def test_every_api_rule_is_in_the_matrix(app):
    served = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    assert served == set(API_MATRIX)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_matrix_of_rules_roles_and_scopes(app, world, households, referral, role):
    from tests.test_import_commit import csv_bytes, family_rows, receive_and_check

    ours, theirs = households
    for registered in (ours[0], theirs[0]):  # so that both teams have figures for last year
        registered.created_at = utcnow() - timedelta(days=400)
    team_a_list, _preview = receive_and_check(world, csv_bytes(family_rows(1)))
    user = world.user(role)
    full = token_for(user, [*READ, *FOCAL, *IMPORTS, "figures:read"])
    bare = token_for(user, ["account:read"])
    for endpoint, (url, answer, without_scope, *method) in API_MATRIX.items():
        url = url.format(
            case=ours[0].case_number, referral=referral.id, list=team_a_list.id, period=PERIOD
        )
        for token, want in ((full, answer(role)), (bare, without_scope)):
            sent = post(app, token, url, {}, None, *method) if method else call(app, token, url)
            if token == full or endpoint != "api.Me":
                assert sent.status_code == want, (endpoint, role, token == full)


# --- referrals for a partner agency's focal system ----------------------------------------


FOCAL = ["referrals:read", "referrals:write"]


@pytest.fixture
def referral(world, households):
    return sent_referral(households[0][0], world.focal.agency, world.caseworker_a)


def post(app, token: str, url: str, body: dict, version: str | None, method: str = "POST"):
    """Send `body` as JSON with `method`, and `If-Match` when a `version` is given."""
    headers = {"Authorization": f"Bearer {token}"}
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    outside = _cv_app.set(None)
    try:
        return app.test_client().open(url, method=method, json=body, headers=headers)
    finally:
        _cv_app.reset(outside)


def test_a_focal_system_lists_its_inbox_accepts_and_records_the_outcome(app, world, referral):
    token = token_for(world.focal, FOCAL)
    inbox = call(app, token, "/api/v1/referrals?state=sent").get_json()["items"]
    assert [r["id"] for r in inbox] == [referral.id]
    one = call(app, token, f"/api/v1/referrals/{referral.id}").get_json()
    assert (
        one["shared"]["groups"] == ["identity"] and "documents" not in one["shared"]["members"][0]
    )
    url, version = f"/api/v1/referrals/{referral.id}", one["version"]
    for action, note in (("accept", ""), ("start", ""), ("complete", "Birth certificates issued")):
        response = post(app, token, url, {"action": action, "note": note}, version)
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["version"]
    assert response.get_json()["state"] == "completed"


def test_a_change_without_if_match_is_refused_and_a_stale_one_loses(app, world, referral):
    token = token_for(world.focal, FOCAL)
    url = f"/api/v1/referrals/{referral.id}"
    version = call(app, token, url).get_json()["version"]
    assert post(app, token, url, {"action": "accept"}, None).status_code == 428
    assert post(app, token, url, {"action": "accept"}, "").status_code == 412  # `""`: stale
    first = post(app, token, url, {"action": "accept"}, version)
    second = post(app, token, url, {"action": "decline", "note": "No capacity"}, version)
    assert (first.status_code, second.status_code) == (200, 412)  # nothing lost, nothing over
    assert second.headers["ETag"] == f'"{first.get_json()["version"]}"'
    db.session.expire_all()
    assert referral.state == "accepted"


def test_a_refused_change_is_told_field_by_field(app, world, referral):
    token = token_for(world.focal, FOCAL)
    url = f"/api/v1/referrals/{referral.id}"
    version = call(app, token, url).get_json()["version"]
    response = post(app, token, url, {"action": "decline"}, version)
    assert response.status_code == 422 and "note" in response.get_json()["errors"]["json"]
    bad = post(app, token, url, {"action": "explode"}, version)
    assert bad.status_code == 422 and "action" in bad.get_json()["errors"]["json"]


def test_the_sending_team_and_a_read_only_token_cannot_move_it(app, world, referral):
    url = f"/api/v1/referrals/{referral.id}"
    sender = token_for(world.caseworker_a, FOCAL)
    version = call(app, sender, url).get_json()["version"]
    refused = post(app, sender, url, {"action": "accept"}, version)
    assert refused.status_code == 403 and "answer referrals" in refused.get_json()["detail"]
    reader = token_for(world.focal, ["referrals:read"])
    assert post(app, reader, url, {"action": "accept"}, version).status_code == 403
    other = token_for(world.caseworker_b, FOCAL)
    assert call(app, other, url).status_code == 404


# Operations that read a body or a query: what each is sent wrong, the scope it needs, a role
# that may use it and one that may not.
GUARDED = [
    ("POST", "/api/v1/households", {"members": "many"}, "households:write", "supervisor_a"),
    ("PATCH", "/api/v1/households/{case}", {"members": 7}, "households:write", "supervisor_a"),
    ("POST", "/api/v1/referrals/{referral}", {"action": "explode"}, "referrals:write", "focal"),
    ("GET", "/api/v1/households?limit=0", None, "households:read", "supervisor_a"),
    ("GET", "/api/v1/imports?limit=x", None, "imports:read", "supervisor_a"),
    ("GET", "/api/v1/figures?unit=x&rows=y&period=z", None, "figures:read", "supervisor_a"),
]
CANNOT = {"households:write": "reporting", "households:read": "reporting"}


@pytest.mark.parametrize(("method", "url", "body", "scope", "who"), GUARDED)
def test_scope_and_role_are_checked_before_the_body_or_query_is_read(
    app, world, households, referral, method, url, body, scope, who
):
    """A caller without the right is told 403, not what is wrong with what it sent (422)."""
    url = url.format(case=households[0][0].case_number, referral=referral.id)
    send = (
        (lambda t: call(app, t, url))
        if body is None
        else (lambda t: post(app, t, url, body, None, method))
    )
    allowed = send(token_for(world.user(who), [scope]))
    assert allowed.status_code in (422, 428), allowed.get_json()  # the guard let it through
    unscoped = send(token_for(world.user(who), ["account:read"]))
    assert unscoped.status_code == 403 and scope in unscoped.get_json()["detail"]
    other_role = send(token_for(world.user(CANNOT.get(scope, "caseworker_a")), [scope]))
    assert other_role.status_code == 403, other_role.get_json()


def test_two_writers_with_one_version_at_the_same_moment_one_wins_one_is_told(app, world, referral):
    from tests.test_concurrent_writers import _together

    token = token_for(world.focal, FOCAL)
    url = f"/api/v1/referrals/{referral.id}"
    version = call(app, token, url).get_json()["version"]
    bodies = [{"action": "accept"}, {"action": "decline", "note": "No capacity this month"}]
    answers = _together(app, 2, lambda i: post(app, token, url, bodies[i], version).status_code)
    assert sorted(answers) == [200, 412]
    db.session.expire_all()
    events = call(app, token, url).get_json()["version"]
    assert events == f"{referral.id}.1"  # exactly one change was made


def test_a_token_over_its_rate_is_told_when_to_come_back(app, world):
    app.config["API_RATE_PER_TOKEN"] = "3 per minute"
    token, other = token_for(world.caseworker_a), token_for(world.caseworker_a2)
    answers = [call(app, token, "/api/v1/me") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "Retry-After" not in answers[0].headers  # only a 429 says when to come back
    refused = call(app, token, "/api/v1/me")
    assert refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0 and refused.get_json()["status"] == 429
    assert "Retry-After" in refused.get_json()["detail"]
    assert call(app, other, "/api/v1/me").status_code == 200  # another token is not slowed


def test_an_address_trying_made_up_tokens_is_slowed_too(app):
    app.config["API_RATE_PER_ADDRESS"] = "5 per minute"
    answers = [call(app, f"awda_guess{i}_x", "/api/v1/me").status_code for i in range(6)]
    assert answers == [401] * 5 + [429]


# --- token management pages -----------------------------------------------------------------


def test_a_user_makes_a_token_sees_it_once_and_revokes_it(app, world, login):
    browser = login("caseworker_a")
    made = browser.post(
        "/account/tokens", {"name": "IOM sync", "scopes": ["account:read"], "days": "30"}
    )
    page = made.get_data(as_text=True)
    token = next(
        w for w in page.replace("<", " ").replace(">", " ").split() if w.startswith("awda_")
    )
    assert call(app, token, "/api/v1/me").status_code == 200
    again = browser.get("/account/tokens").get_data(as_text=True)
    assert token not in again and "IOM sync" in again  # shown once, listed by its prefix
    row = db.session.scalars(sa.select(ApiToken)).one()
    assert login("caseworker_a2").post(f"/account/tokens/{row.id}/revoke").status_code == 404
    assert browser.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert call(app, token, "/api/v1/me").status_code == 401


def test_a_token_form_with_unknown_scopes_or_days_is_refused_beside_its_fields(login):
    page = login("caseworker_a").post(
        "/account/tokens", {"name": "x", "scopes": ["root"], "days": "9999"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and error_beside(html, "scopes", "Choose scopes among:")
    assert error_beside(html, "days", "Enter a whole number of days from 1 to 365.")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def _messages_beside(html: str, field_id: str) -> list[str]:
    start = html.index(f'id="{field_id}-errors"')
    return re.findall(r"<li>(.*?)</li>", html[start : html.index("</ul>", start)])


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("en", "Enter a whole number of days from 1 to 365."),
        ("ar", "أدخل عددًا صحيحًا من الأيام من 1 إلى 365."),
    ],
)
@pytest.mark.parametrize("typed", ["1e2", "abc", "2.5", "-3", "0", "366", "99999999999"])
def test_days_not_a_whole_number_in_range_get_one_message_with_the_limits(
    world, login, locale, message, typed
):
    world.caseworker_a.locale = locale
    db.session.commit()
    page = login("caseworker_a").post(
        "/account/tokens", {"name": "x", "scopes": ["account:read"], "days": typed}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and _messages_beside(html, "days") == [message]
    assert f'value="{typed}"' in html  # what was typed stays in the box
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


# The scopes each role's token form offers: those whose operations the role may use.
OFFERED = {
    "caseworker_a": ["households:read", "households:write", "account:read", "referrals:read"],
    "supervisor_a": [
        "households:read",
        "households:write",
        "account:read",
        "referrals:read",
        "imports:read",
        "imports:write",
        "figures:read",
    ],
    "screener": ["households:read", "account:read"],
    "focal": ["account:read", "referrals:read", "referrals:write"],
    "reporting": ["account:read", "figures:read"],
    "admin": ["account:read", "figures:read"],
}


@pytest.mark.parametrize("role", sorted(OFFERED))
def test_the_token_form_offers_only_the_scopes_the_role_can_use(login, role):
    html = login(role).get("/account/tokens").get_data(as_text=True)
    assert re.findall(r'name="scopes"[^>]*value="([^"]+)"', html) == OFFERED[role]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_crafted_scope_outside_the_role_is_refused_beside_the_field(world, login, language):
    world.caseworker_a.locale = language
    db.session.commit()
    page = login("caseworker_a").post(
        "/account/tokens",
        {"name": "sync", "scopes": ["households:read", "imports:write"], "days": "30"},
    )
    html = page.get_data(as_text=True)
    told = {"en": "Your role has no use for imports:write.", "ar": "imports:write"}[language]
    assert page.status_code == 422 and error_beside(html, "scopes", told)
    if language == "ar":
        start = html.find('id="scopes-errors"')
        assert re.search("[\u0600-\u06ff]", html[start : html.find("</ul>", start)])
    assert re.search(r'<input checked[^>]*value="households:read"', html)  # kept as chosen
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_the_service_and_the_command_refuse_a_scope_outside_the_role_too(app, world):
    from app.core.validation import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        tokens.create_token(world.focal, "script", ["households:read"])
    assert "households:read" in refused.value.errors["scopes"][0]
    with pytest.raises(ValidationFailed):
        tokens.create_client(world.caseworker_a, "sync", ["referrals:write"])
    result = app.test_cli_runner().invoke(
        args=["api-token", "create", world.reporting.username, "--scope", "imports:read"]
    )
    assert result.exit_code != 0 and "imports:read" in result.output


def test_an_administrator_lists_every_token_and_revokes_any(app, world, login):
    token = token_for(world.caseworker_a)
    admin = login("admin")
    assert world.caseworker_a.username in admin.get("/admin/tokens").get_data(as_text=True)
    row = db.session.scalars(sa.select(ApiToken)).one()
    assert admin.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert call(app, token, "/api/v1/me").status_code == 401
    assert login("supervisor_a").get("/admin/tokens").status_code == 403


def test_text_a_partner_sends_is_cleaned_as_a_forms_is(app, world, households):
    """Found by Schemathesis: a NUL in a household's field was a server error on PostgreSQL.
    Every text a request sends is read as a form's is: no NUL, control or direction mark."""
    household = households[0][0]
    token = token_for(world.caseworker_a, ["households:read", "households:write"])
    url = f"/api/v1/households/{household.case_number}"
    body = {"notes": "Call\x00 back\u202e\nafter Friday", "origin_district": "\x00"}
    response = post(app, token, url, body, str(household.version), method="PATCH")
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert household.notes == "Call back\nafter Friday" and household.origin_district is None
    listed = call(app, token, "/api/v1/households?q=%00Fatima%E2%80%AE")
    assert listed.status_code == 200 and len(listed.get_json()["items"]) == len(households[0])


def _operations() -> list[tuple[str, str, list]]:
    spec = json.loads(OPENAPI_FILE.read_text())
    return [
        (method.upper(), path, op.get("security"))
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and "responses" in op
    ]


@pytest.mark.parametrize(("method", "path", "security"), _operations(), ids=lambda v: str(v))
def test_the_document_names_the_one_scope_each_operation_enforces(
    app, world, method, path, security
):
    """The scope the OpenAPI document gives an operation is the one it refuses without: a token
    holding every other scope is told it lacks exactly that one (403, before anything is read)."""
    if path.endswith("/oauth/token"):
        assert security == []  # the client's own credentials, no token yet
        return
    named = {
        scope for requirement in security for scopes in requirement.values() for scope in scopes
    }
    assert len(named) == 1, security
    (scope,) = named
    others = [s for s in tokens.SCOPES if s != scope]
    token = token_for(world.supervisor_a, others)
    url = re.sub(r"\{[^}]+\}", "1", path)
    response = post(app, token, url, {}, None, method=method)
    assert response.status_code == 403, response.get_json()
    assert scope in response.get_json()["detail"]
