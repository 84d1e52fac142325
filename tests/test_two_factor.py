"""Two-step login with TOTP: required roles, enrolment, codes used once, recovery codes."""

from __future__ import annotations

import time

import pyotp
import pytest
import sqlalchemy as sa

from app.auth.models import RecoveryCode, User
from app.extensions import db
from tests.factories import PASSWORD


@pytest.fixture
def required(app):
    app.config["TWO_FACTOR_ROLES"] = ("admin", "supervisor", "screener", "auditor")


def _password_step(browser, user):
    browser.get("/login")
    response = browser.post("/login", {"username": user.username, "password": PASSWORD})
    browser.get(response.location)  # follow, as a browser would (a new session, a new token)
    return response


def _code(secret: str, seconds_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + seconds_from_now)


def _enrolled(user, secret="JBSWY3DPEHPK3PXPJBSWY3DP"):  # noqa: S107 - a test key
    user.totp_secret = secret
    db.session.commit()
    return secret


def test_a_required_role_must_enrol_before_anything_else(required, world, make_browser):
    browser = make_browser()
    assert _password_step(browser, world.supervisor_a).status_code == 302
    blocked = browser.get("/households/")
    assert blocked.status_code == 302 and blocked.location.endswith("/account/two-factor")
    page = browser.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn by the app itself
    secret = page.split('<code dir="ltr">')[1].split("<")[0]

    wrong = browser.post("/account/two-factor", {"code": "000000"})
    assert wrong.status_code == 422
    done = browser.post("/account/two-factor", {"code": _code(secret)})
    assert done.status_code == 200 and "recovery codes" in done.get_data(as_text=True)
    assert browser.get("/households/").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 10


def test_a_caseworker_is_not_asked_to_enrol(required, world, make_browser):
    browser = make_browser()
    _password_step(browser, world.caseworker_a)
    assert browser.get("/households/").status_code == 200


def test_an_enrolled_user_needs_the_code_and_a_code_works_once(required, world, make_browser):
    secret = _enrolled(world.supervisor_a)
    browser = make_browser()
    step = _password_step(browser, world.supervisor_a)
    assert step.location.endswith("/login/two-factor")
    assert browser.get("/households/").status_code == 302  # not logged in yet
    code = _code(secret)
    assert browser.post("/login/two-factor", {"code": code}).status_code == 302
    assert browser.get("/households/").status_code == 200

    replay = make_browser()
    _password_step(replay, world.supervisor_a)
    assert replay.post("/login/two-factor", {"code": code}).status_code == 422


def test_a_recovery_code_works_once(required, world, make_browser, app):
    from app.auth import two_factor

    _enrolled(world.supervisor_a)
    codes = two_factor.new_recovery_codes(db.session.get(User, world.supervisor_a.id))
    db.session.commit()
    first = make_browser()
    _password_step(first, world.supervisor_a)
    assert first.post("/login/two-factor", {"code": codes[0]}).status_code == 302
    second = make_browser()
    _password_step(second, world.supervisor_a)
    assert second.post("/login/two-factor", {"code": codes[0]}).status_code == 422


def test_wrong_second_factors_count_toward_the_lockout(required, world, make_browser):
    _enrolled(world.supervisor_a)
    for _ in range(5):
        browser = make_browser()
        _password_step(browser, world.supervisor_a)
        browser.post("/login/two-factor", {"code": "123456"})
    db.session.expire_all()
    assert db.session.get(User, world.supervisor_a.id).locked_until is not None


def test_create_user_provisions_a_totp_secret(app, world):
    secret = pyotp.random_base32()
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "layla",
            "--role",
            "supervisor",
            "--agency",
            "MOMD",
            "--team",
            "Team A",
            "--totp-secret",
            secret,
        ],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.totp_secret).where(User.username == "layla")) == secret
    bad = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "omar",
            "--role",
            "supervisor",
            "--agency",
            "MOMD",
            "--totp-secret",
            "not base32!",
        ],
        input="a long enough passphrase\n",
    )
    assert bad.exit_code != 0 and "base32" in bad.output
    assert db.session.scalar(sa.select(User).where(User.username == "omar")) is None
