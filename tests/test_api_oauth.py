"""Machine clients of the JSON API (OAuth2 client credentials, app.api.oauth): a client gets a
token of an hour with its id and secret and then reads as the user it acts as, through the
access policy; refusals are OAuth2's JSON errors (RFC 6749 §5.2), never problem details; a
revoked client's tokens stop at once; the CLI makes and revokes clients, administrators see and
revoke them on the tokens page."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api import tokens
from app.api.core import OPENAPI_FILE
from app.api.models import ApiClient, ApiToken
from app.audit.models import AuditEntry
from app.core.db import utcnow
from app.extensions import db
from app.referrals.models import Referral
from tests.factories import UserFactory
from tests.test_api import FOCAL, call, households, post, referral  # noqa: F401  (fixtures)

TOKEN_URL = "/api/v1/oauth/token"
ALL = ["account:read", *FOCAL]


def new_client(user, scopes=ALL) -> tuple[str, str]:
    """A machine client acting as `user`: (its client_id, its secret)."""
    secret, row = tokens.create_client(user, "IOM referral sync", list(scopes))
    db.session.commit()
    return row.client_id, secret


def ask(app, client_id: str | None, secret: str | None, how: str = "basic", **form):
    """POST the token endpoint as a client's OAuth library does, in a request of its own:
    the credentials by HTTP Basic (`how="basic"`) or in the form (`how="post"`)."""
    data = {"grant_type": "client_credentials", **form}
    headers = {}
    if how == "basic":
        pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        headers["Authorization"] = f"Basic {pair}"
    else:
        data.update(client_id=client_id, client_secret=secret)
    outside = _cv_app.set(None)
    try:
        return app.test_client().post(TOKEN_URL, data=data, headers=headers)
    finally:
        _cv_app.reset(outside)


def token_of(app, client_id: str, secret: str, **form) -> str:
    response = ask(app, client_id, secret, **form)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_a_client_gets_a_token_of_an_hour_and_reads_as_its_user(app, world):
    client_id, secret = new_client(world.focal)
    response = ask(app, client_id, secret)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == " ".join(sorted(ALL))  # no scope asked: all of the client's
    me = call(app, body["access_token"], "/api/v1/me").get_json()
    assert me["username"] == world.focal.username and me["scopes"] == sorted(ALL)
    row = db.session.scalars(sa.select(ApiToken)).one()
    assert row.client.client_id == client_id and body["access_token"] not in row.token_sha256
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(hours=1)
    given_ = entries("api.client_token")
    assert [e.user_id for e in given_] == [world.focal.id]
    stored = db.session.scalars(sa.select(ApiClient)).one()
    assert secret not in (stored.secret_sha256, stored.client_id)


def test_a_client_may_send_its_secret_in_the_form_and_ask_for_fewer_scopes(app, world):
    client_id, secret = new_client(world.focal)
    response = ask(app, client_id, secret, how="post", scope="referrals:read")
    assert response.status_code == 200 and response.get_json()["scope"] == "referrals:read"
    token = response.get_json()["access_token"]
    assert call(app, token, "/api/v1/me").status_code == 403  # account:read was not asked


@pytest.mark.parametrize("how", ["basic", "post"])
@pytest.mark.parametrize("spoil", ["wrong secret", "unknown client", "revoked", "inactive user"])
def test_a_client_not_authenticated_gets_oauths_invalid_client(app, world, spoil, how):
    client_id, secret = new_client(world.focal)
    if spoil == "wrong secret":
        secret = secret[:-2] + "xx"
    elif spoil == "unknown client":
        client_id = "awdac_" + "A" * 16
    elif spoil == "revoked":
        tokens.revoke_client(db.session.scalars(sa.select(ApiClient)).one(), world.admin)
    else:
        world.focal.active = False
    db.session.commit()
    response = ask(app, client_id, secret, how=how)
    assert response.status_code == 401 and response.mimetype == "application/json"
    assert response.get_json() == {"error": "invalid_client", "error_description": NOT_KNOWN}
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    # A refusal of a client that exists is in the trail; a made-up client id is not.
    assert len(entries("api.client_refused")) == (0 if spoil == "unknown client" else 1)


NOT_KNOWN = "Give a valid client_id and client_secret (HTTP Basic, or in the form)."


@pytest.mark.parametrize("scope", ["referrals:write", "account:read referrals:write", "root"])
def test_a_scope_the_client_was_not_given_is_refused_as_invalid_scope(app, world, scope):
    client_id, secret = new_client(world.focal, ["account:read", "referrals:read"])
    response = ask(app, client_id, secret, scope=scope)
    assert response.status_code == 400 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "invalid_scope" and "referrals:read" in body["error_description"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password", "username": "focal"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
        ({"grant_type": ""}, "unsupported_grant_type"),
    ],
)
def test_only_the_client_credentials_grant_is_served(app, world, form, error):
    client_id, secret = new_client(world.focal)
    response = ask(app, client_id, secret, **form)
    assert response.status_code == 400 and response.get_json()["error"] == error


def test_an_expired_token_and_a_revoked_clients_token_open_nothing(app, world):
    client_id, secret = new_client(world.focal)
    expired, live = token_of(app, client_id, secret), token_of(app, client_id, secret)
    db.session.scalars(sa.select(ApiToken)).first().expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert call(app, expired, "/api/v1/me").status_code == 401
    assert call(app, live, "/api/v1/me").status_code == 200
    tokens.revoke_client(db.session.scalars(sa.select(ApiClient)).one(), world.admin)
    db.session.commit()
    refused = call(app, live, "/api/v1/me")  # at once, not when the hour is up
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert ask(app, client_id, secret).status_code == 401


def test_a_token_given_while_its_client_was_being_revoked_opens_nothing(app, world):
    """The client was read as live, the revocation committed, then the token was kept."""
    client_id, secret = new_client(world.focal)
    token = token_of(app, client_id, secret)
    client = db.session.scalars(sa.select(ApiClient)).one()
    client.revoked_at = utcnow()  # the client only, as if its token had come just after
    db.session.commit()
    assert db.session.scalars(sa.select(ApiToken)).one().revoked_at is None
    assert call(app, token, "/api/v1/me").status_code == 401


def sent_referral() -> Referral:
    """The referral of tests/test_api.py's fixture, sent to the focal point's agency."""
    return db.session.scalars(sa.select(Referral)).one()


@pytest.mark.usefixtures("referral")
def test_a_clients_token_cannot_write_without_the_write_scope(app, world):
    url = f"/api/v1/referrals/{sent_referral().id}"
    reader = token_of(app, *new_client(world.focal, ["referrals:read"]))
    version = call(app, reader, url).get_json()["version"]
    refused = post(app, reader, url, {"action": "accept"}, version)
    assert refused.status_code == 403 and "referrals:write" in refused.get_json()["detail"]
    writer = token_of(app, *new_client(world.focal, FOCAL))
    assert post(app, writer, url, {"action": "accept"}, version).status_code == 200


@pytest.mark.usefixtures("referral")
def test_a_client_acting_as_another_agencys_focal_point_never_reads_the_referral(app, world):
    """The referral is sent to the world's focal point's agency (the NGO); the focal system of
    another agency sees none of it, as its focal point's pages would not."""
    from app.access.roles import Role

    other = UserFactory(username="focal.b", role=Role.AGENCY_FOCAL.value)
    db.session.commit()
    sent = sent_referral()
    theirs = token_of(app, *new_client(other, ["referrals:read"]))
    assert call(app, theirs, "/api/v1/referrals").get_json()["items"] == []
    assert call(app, theirs, f"/api/v1/referrals/{sent.id}").status_code == 404
    ours = token_of(app, *new_client(world.focal, ["referrals:read"]))
    listed = call(app, ours, "/api/v1/referrals").get_json()["items"]
    assert [r["id"] for r in listed] == [sent.id]


def test_the_commands_make_a_client_once_and_revoke_it(app, world):
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["api-client", "create", "focal", "--scope", "referrals:read", "--name", "IOM sync"]
    )
    assert made.exit_code == 0, made.output
    printed = dict(line.split(" ", 1) for line in made.stdout.splitlines())
    client_id, secret = printed["client_id"], printed["client_secret"]
    token = token_of(app, client_id, secret)
    assert call(app, token, "/api/v1/referrals").status_code == 200
    assert entries("api.client_created")
    revoked = runner.invoke(args=["api-client", "revoke", client_id])
    assert revoked.exit_code == 0, revoked.output
    assert call(app, token, "/api/v1/referrals").status_code == 401
    assert ask(app, client_id, secret).status_code == 401
    assert [e.detail["tokens"] for e in entries("api.client_revoked")] == [1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["create", "nobody", "--scope", "account:read", "--name", "x"], "No user nobody"),
        (["create", "focal", "--scope", "root", "--name", "x"], "Choose scopes among"),
        (["create", "focal", "--scope", "account:read", "--name", " "], "Say which system"),
        (["revoke", "awdac_nothing"], "No API client"),
    ],
)
def test_the_commands_refuse_with_a_message(app, world, args, says):
    result = app.test_cli_runner().invoke(args=["api-client", *args])
    assert result.exit_code != 0 and says in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiClient)) == 0


def test_an_administrator_sees_the_clients_and_revokes_one_its_user_cannot(app, world, login):
    client_id, secret = new_client(world.focal)
    token = token_of(app, client_id, secret)
    row = db.session.scalars(sa.select(ApiClient)).one()
    admin = login("admin")
    page = admin.get("/admin/tokens").get_data(as_text=True)
    assert client_id in page and "IOM referral sync" in page
    assert "awda_" + db.session.scalars(sa.select(ApiToken)).one().prefix not in page
    focal = login("focal")
    assert client_id not in focal.get("/account/tokens").get_data(as_text=True)
    assert focal.post(f"/admin/api-clients/{row.id}/revoke").status_code == 403
    assert call(app, token, "/api/v1/me").status_code == 200
    assert admin.post(f"/admin/api-clients/{row.id}/revoke").status_code == 302
    assert call(app, token, "/api/v1/me").status_code == 401
    assert [e.user_id for e in entries("api.client_revoked")] == [world.admin.id]
    assert "Revoked on" in admin.get("/admin/tokens").get_data(as_text=True)


def test_a_revoke_without_the_forms_token_changes_nothing(app, world, login):
    client_id, secret = new_client(world.focal)
    row = db.session.scalars(sa.select(ApiClient)).one()
    login("admin").post(f"/admin/api-clients/{row.id}/revoke", csrf=False)
    assert ask(app, client_id, secret).status_code == 200


def test_an_address_asking_for_tokens_too_often_is_slowed(app, world):
    app.config["API_RATE_PER_ADDRESS"] = "3 per minute"
    client_id, secret = new_client(world.focal)
    answers = [ask(app, client_id, secret + "x").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    assert ask(app, client_id, secret).mimetype == "application/problem+json"


# What a client can put in a header (a line break cannot be sent in one).
HEADER_TEXT = st.text(st.characters(blacklist_characters="\r\n"), max_size=80)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    authorization=st.one_of(
        HEADER_TEXT,
        HEADER_TEXT.map("Basic {}".format),
        st.binary(max_size=60).map(lambda raw: f"Basic {base64.b64encode(raw).decode()}"),
    ),
    form=st.fixed_dictionaries(
        {},  # the grant type mostly right, so that the client's credentials are read
        optional={
            "grant_type": st.one_of(st.just("client_credentials"), st.text(max_size=30)),
            **dict.fromkeys(["scope", "client_id", "client_secret"], st.text(max_size=60)),
        },
    ),
)
def test_anything_posted_to_the_token_endpoint_gets_an_oauth_error_never_a_5xx(
    app, authorization, form
):
    outside = _cv_app.set(None)
    try:
        response = app.test_client().post(
            TOKEN_URL, data=form, headers={"Authorization": authorization}
        )
    finally:
        _cv_app.reset(outside)
    assert response.status_code in (400, 401), response.get_data(as_text=True)
    assert response.mimetype == "application/json" and "error" in response.get_json()


def test_the_openapi_document_describes_the_client_credentials_flow():
    document = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    scheme = document["components"]["securitySchemes"]["clientCredentials"]
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == TOKEN_URL and set(flow["scopes"]) == set(tokens.SCOPES)
    assert {"clientCredentials": []} in document["security"]
    operation = document["paths"][TOKEN_URL]["post"]
    assert operation["security"] == [] and "401" in operation["responses"]
