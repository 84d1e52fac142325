"""A password asked again before a sensitive action (an identifiable export, break-the-glass,
giving a role) counts toward the login lockout like one at login, although the action it was
given for is refused: a session left open on a shared tablet gives no more than five guesses."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth.models import User
from app.auth.services import LOCKOUT
from app.core.db import utcnow
from app.extensions import db
from tests.factories import PASSWORD, HouseholdFactory
from tests.test_admin import user_payload

WRONG = "not my password at all"
PURPOSE = "Bus list for the return"


def _export(browser, password):
    form = {"columns": ["case_number", "head_name_ar"], "format": "csv", "identifiable": "y"}
    return browser.post("/reports/cases", {**form, "purpose": PURPOSE, "password": password})


def _break_glass(browser, household, password):
    browser.get("/break-glass")
    form = {"case_number": household.case_number, "reason": "Child protection at the gate"}
    return browser.post("/break-glass", {**form, "password": password})


def _give_role(browser, password):
    browser.get("/admin/users/new")
    return browser.post("/admin/users/new", user_payload(your_password=password))


def _user(world, key: str) -> User:
    db.session.expire_all()
    return db.session.get(User, world.user(key).id)


def _lockouts() -> int:
    found = sa.select(sa.func.count()).where(AuditEntry.action == "login.lockout")
    return db.session.scalar(found.select_from(AuditEntry))


@pytest.fixture
def other_household(world):
    return HouseholdFactory(team=world.team_b, camp=world.camp, origin_governorate=world.ninewa)


@pytest.mark.parametrize("action", ["export", "break_glass"])
def test_each_wrong_password_counts_though_the_action_is_refused(
    world, login, other_household, action
):
    browser = login("supervisor_a")
    for counted in (1, 2, 3, 4):
        refused = (
            _export(browser, WRONG)
            if action == "export"
            else _break_glass(browser, other_household, WRONG)
        )
        assert refused.status_code == 422
        assert "The password is wrong." in refused.get_data(as_text=True)
        assert _user(world, "supervisor_a").failed_logins == counted


def test_the_fifth_locks_the_account_ends_the_session_and_the_right_one_then_fails(
    world, login, make_browser
):
    browser = login("supervisor_a")
    for _ in range(4):
        _export(browser, WRONG)

    fifth = _export(browser, WRONG)

    assert fifth.status_code == 422
    assert "Your account is locked for 15 minutes" in fifth.get_data(as_text=True)
    assert _user(world, "supervisor_a").locked_until is not None and _lockouts() == 1
    bounced = browser.get("/households/")
    assert bounced.status_code == 302 and "/login" in bounced.location
    told = browser.get(bounced.location).get_data(as_text=True)
    assert "Your account is locked for 15 minutes" in told
    again = make_browser()
    again.get("/login")
    right = again.post("/login", {"username": world.supervisor_a.username, "password": PASSWORD})
    assert right.status_code == 422  # locked for a while, the right password too


def test_a_locked_account_checks_no_password_and_counts_nothing(world, login):
    browser = login("supervisor_a")
    user = _user(world, "supervisor_a")
    user.locked_until = utcnow() + LOCKOUT  # guessed at the login page meanwhile, say
    db.session.commit()

    refused = _export(browser, PASSWORD)  # the right one, while locked

    assert refused.status_code == 422
    assert "Your account is locked for 15 minutes" in refused.get_data(as_text=True)
    assert _user(world, "supervisor_a").failed_logins == 0


def test_a_missing_password_is_asked_for_and_counts_nothing(world, login):
    browser = login("supervisor_a")
    refused = _export(browser, "")
    assert "Type the password you log in with." in refused.get_data(as_text=True)
    assert _user(world, "supervisor_a").failed_logins == 0


def test_the_right_password_after_wrong_ones_exports(world, login):
    browser = login("supervisor_a")
    _export(browser, WRONG)
    assert _export(browser, PASSWORD).status_code == 200
    assert _user(world, "supervisor_a").failed_logins == 1  # only the login resets it


def test_an_administrator_giving_a_role_counts_too(world, login):
    browser = login("admin")
    refused = _give_role(browser, WRONG)
    assert refused.status_code == 422 and "The password is wrong." in refused.get_data(as_text=True)
    assert _user(world, "admin").failed_logins == 1
    assert db.session.scalar(sa.select(User).where(User.username == "New.Worker")) is None


def test_the_login_page_after_a_lockout_or_a_logout_speaks_the_users_language(world, login):
    world.supervisor_a.locale = "ar"
    db.session.commit()
    browser = login("supervisor_a")
    for _ in range(5):
        _export(browser, WRONG)
    page = browser.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="ar"' in page and "قُفل حسابك مدة 15 دقيقة" in page

    world.caseworker_a.locale = "ar"
    db.session.commit()
    leaving = login("caseworker_a")
    leaving.post("/logout")
    page = leaving.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="ar"' in page


def test_a_password_of_spaces_is_no_password_and_counts_nothing(world, login):
    refused = _export(login("supervisor_a"), "   \t ")
    assert "Type the password you log in with." in refused.get_data(as_text=True)
    assert _user(world, "supervisor_a").failed_logins == 0


def test_a_throttled_address_is_told_apart_from_a_locked_account(world, login):
    from app.auth.models import LoginFailure
    from app.auth.services import CLIENT_LIMIT

    browser = login("supervisor_a")  # then others guess from the same office address
    db.session.add_all(LoginFailure(client="127.0.0.1", at=utcnow()) for _ in range(CLIENT_LIMIT))
    db.session.commit()
    refused = _export(browser, PASSWORD)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Too many wrong passwords from this network" in page
    assert "Your account is not locked." in page and "Your account is locked" not in page
    assert _user(world, "supervisor_a").locked_until is None
