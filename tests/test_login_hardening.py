"""Lockout, throttling per client address, session lifetime, HSTS and incident numbers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.models import AuditEntry
from app.auth import sessions
from app.auth.models import User, UserSession
from app.auth.passwords import password_problems
from app.core.db import utcnow
from app.extensions import db
from tests.factories import PASSWORD

WRONG = "not the right password"
SAME_MESSAGE = "The username or password is not correct"


def _try(make_browser, username, password, address="10.0.0.1"):
    browser = make_browser()
    browser.get("/login")
    return browser.post(
        "/login",
        {"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_five_failures_lock_the_account_for_a_while_with_the_same_message(world, make_browser):
    for attempt in range(5):
        response = _try(make_browser, "caseworker.a", WRONG, f"10.0.1.{attempt}")
        assert response.status_code == 422
    locked = _try(make_browser, "caseworker.a", PASSWORD, "10.0.2.1")
    assert locked.status_code == 422
    assert SAME_MESSAGE in locked.get_data(as_text=True)
    unknown = _try(make_browser, "nobody.here", WRONG, "10.0.2.2")
    assert SAME_MESSAGE in unknown.get_data(as_text=True)  # nothing tells the two apart
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "login.lockout"))

    user = db.session.get(User, world.caseworker_a.id)
    user.locked_until = None
    db.session.commit()
    assert _try(make_browser, "caseworker.a", PASSWORD, "10.0.2.3").status_code == 302


def test_a_success_resets_the_count_of_failures(world, make_browser):
    for _ in range(4):
        _try(make_browser, "caseworker.a", WRONG)
    assert _try(make_browser, "caseworker.a", PASSWORD, "10.0.3.1").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.caseworker_a.id).failed_logins == 0


def test_many_failures_from_one_address_slow_it_down_for_every_username(world, make_browser):
    for attempt in range(20):
        _try(make_browser, f"guess{attempt}", WRONG, "10.9.9.9")
    refused = _try(make_browser, "caseworker.a", PASSWORD, "10.9.9.9")
    assert refused.status_code == 422
    assert _try(make_browser, "caseworker.a", PASSWORD, "10.9.9.10").status_code == 302


def _clock(monkeypatch, moment) -> None:
    """The sessions' clock (app.auth.sessions) stands at `moment`."""
    monkeypatch.setattr(sessions, "utcnow", lambda: moment)


def test_an_idle_session_ends(app, login, monkeypatch):
    browser = login("caseworker_a")
    assert browser.get("/households/").status_code == 200
    _clock(monkeypatch, utcnow() + timedelta(minutes=31))
    response = browser.get("/households/")
    assert response.status_code == 302 and "/login" in response.location
    assert "Your session ended" in browser.get(response.location).get_data(as_text=True)
    ended = db.session.scalar(sa.select(UserSession))
    assert ended.ended_why == "idle"
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "session.expired"))


def test_a_busy_session_still_ends_after_twelve_hours(app, login, monkeypatch):
    browser = login("caseworker_a")
    start = utcnow()
    for step in range(1, 36):  # a request every 20 minutes: never idle
        _clock(monkeypatch, start + timedelta(minutes=20 * step))
        assert browser.get("/account").status_code == 200
    _clock(monkeypatch, start + timedelta(hours=12, minutes=1))
    assert browser.get("/households/").status_code == 302
    assert db.session.scalar(sa.select(UserSession.ended_why)) == "expired"


def test_hsts_only_over_https(browser):
    assert "Strict-Transport-Security" not in browser.get("/login").headers
    secure = browser.client.get("/login", base_url="https://awda.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_500_page_gives_an_incident_number(app, world, make_browser, caplog):
    app.view_functions["core.healthz"] = lambda: 1 / 0
    response = make_browser().get("/healthz")
    assert response.status_code == 500
    incident = re.search(r"Incident number: ([0-9a-f]{8})", response.get_data(as_text=True))
    assert incident and incident.group(1) in caplog.text
    assert "ZeroDivisionError" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "password", ["Password2026!", "qwerty123456", "123456789012", "Welcome1!!!!!", "iloveyou2025"]
)
def test_common_passwords_are_refused(app, password):
    assert "This password is too common; choose another." in password_problems(password, "x")


@pytest.mark.parametrize("password", ["correct horse battery", "mosul-river-at-dawn-7"])
def test_uncommon_long_passwords_are_accepted(app, password):
    assert password_problems(password, "someone") == []


USERNAME = st.from_regex(r"[a-z]{3,12}(\.[a-z]{1,8})?[0-9]{0,2}", fullmatch=True)
AROUND = st.text(alphabet="0123456789!@#$%^&*()-_=+.", max_size=6)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the app is only read
@given(username=USERNAME, before=AROUND, after=AROUND, upper=st.booleans())
def test_the_username_with_only_digits_and_symbols_around_it_is_refused(
    app, username, before, after, upper
):
    """For any username and any digits and symbols put around it, in any case: refused as the
    username (the trial's "caseworker.b1!!" was accepted)."""
    password = f"{before}{username.upper() if upper else username}{after}"
    with app.test_request_context():
        assert "The password may not be the username." in password_problems(password, username)


def test_a_password_that_only_holds_the_username_among_other_words_is_not_refused_as_it(app):
    with app.test_request_context():
        problems = password_problems("amal-walks-to-the-river", "amal")
    assert "The password may not be the username." not in problems


def test_create_user_refuses_a_common_password(app, world):
    result = app.test_cli_runner().invoke(
        args=["create-user", "nadia", "--role", "caseworker", "--agency", "MOMD"],
        input="Password2026!\n",
    )
    assert result.exit_code != 0 and "too common" in result.output
