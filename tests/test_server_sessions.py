"""Sessions kept on the server (app.auth.sessions): the cookie's token is kept hashed, a logout
ends that session and no other, a password change or deactivation ends every session of the
user, and old rows are purged. (Across two app servers: tests/test_machines.py.)"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from app.auth import sessions
from app.auth.models import User, UserSession
from app.core.db import utcnow
from app.extensions import db
from tests.conftest import Browser
from tests.test_admin import edit_payload


def _token(browser: Browser) -> str:
    with browser.client.session_transaction() as cookie:
        return cookie[sessions.COOKIE_KEY]


def _rows(user) -> list[UserSession]:
    db.session.expire_all()
    stmt = sa.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    return list(db.session.scalars(stmt))


def test_the_database_keeps_the_tokens_hash_never_the_token(world, login):
    browser = login("caseworker_a")
    token = _token(browser)
    (row,) = _rows(world.caseworker_a)
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_sha256, row.client}
    assert row.ended_at is None and row.client == "127.0.0.1"


def test_a_logout_ends_that_session_and_leaves_the_users_other_devices(world, login):
    tablet, laptop = login("caseworker_a"), login("caseworker_a")
    copied = Browser(tablet.client.application)
    copied.client.set_cookie("session", tablet.client.get_cookie("session").value)

    assert tablet.post("/logout").status_code == 302

    assert copied.get("/households/").status_code == 302  # the cookie copied before: dead
    assert laptop.get("/households/").status_code == 200
    assert [row.ended_why for row in _rows(world.caseworker_a)] == ["logout", None]


def test_a_password_change_ends_every_session_of_the_user(world, login):
    tablet, laptop = login("caseworker_a"), login("caseworker_a")
    new_password = "a new and long passphrase 7"
    answer = login("admin").post(
        f"/admin/users/{world.caseworker_a.id}/edit",
        edit_payload(world.caseworker_a, password=new_password),
    )
    assert answer.status_code == 302

    for browser in (tablet, laptop):
        refused = browser.get("/households/")
        assert refused.status_code == 302 and "/login" in refused.location
    assert [row.ended_why for row in _rows(world.caseworker_a)] == ["password", "password"]
    assert Browser(tablet.client.application).login(world.caseworker_a, new_password)


def test_a_deactivated_users_sessions_are_ended_on_the_record(world, login):
    browser = login("caseworker_a")
    login("admin").post(
        f"/admin/users/{world.caseworker_a.id}/edit", edit_payload(world.caseworker_a, active=None)
    )
    assert browser.get("/households/").status_code == 302
    assert [row.ended_why for row in _rows(world.caseworker_a)] == ["deactivated"]


def test_old_rows_are_purged_and_recent_or_open_ones_kept(app, world, login):
    login("caseworker_a")
    user = db.session.get(User, world.caseworker_a.id)
    long_ago = utcnow() - sessions.KEEP_ENDED - timedelta(days=1)
    db.session.add_all(
        [
            UserSession(token_sha256="a" * 64, user=user, created_at=long_ago, ended_at=long_ago),
            UserSession(token_sha256="b" * 64, user=user, created_at=long_ago - timedelta(days=1)),
            UserSession(token_sha256="c" * 64, user=user, ended_at=utcnow()),
        ]
    )
    db.session.commit()

    app.test_cli_runner().invoke(args=["jobs", "run-periodic", "auth.purge_sessions"])

    kept = [row.token_sha256 for row in _rows(user)]
    assert len(kept) == 2 and "c" * 64 in kept  # the login's own row, and the recent one


def test_a_form_sent_after_the_session_ended_leads_to_the_login_page_with_a_word(world, login):
    """The caseworker's form was open on the tablet when the administrator changed her
    password, and another tab has since been sent to the login page (the session, its CSRF
    secret with it, is gone): saving the form tells her that her session ended, on the login
    page. It said "Your form expired or was sent twice", a dead end."""
    tablet = login("caseworker_a")
    tablet.get("/account")
    form_token = tablet.token  # the open form's
    login("admin").post(
        f"/admin/users/{world.caseworker_a.id}/edit",
        edit_payload(world.caseworker_a, password="a new and long passphrase 7"),
    )
    assert "/login" in tablet.get("/households/").location  # the other tab
    data = {"name": "sync", "scopes": ["account:read"], "csrf_token": form_token}
    sent = tablet.post("/account/tokens", data)
    assert sent.status_code == 302 and "/login" in sent.location
    page = tablet.get(sent.location).get_data(as_text=True)
    assert "Your session ended. Please log in again." in page
