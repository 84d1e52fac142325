"""A user changes their own password (My account -> Change my password): the current one is
asked, and a wrong one counts toward the login lockout; the new one meets the rule every
password meets; the change ends the user's other sessions, keeps this one and leaves the API
tokens working; the audit trail has it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.api import tokens
from app.audit.models import AuditEntry
from app.auth import sessions
from app.auth.models import User, UserSession
from app.auth.password_change import PasswordChange, change_own_password
from app.auth.passwords import MAX_LENGTH, password_problems, verify_password
from app.auth.services import LOCKOUT
from app.core.db import utcnow
from app.core.validation import ValidationFailed
from app.extensions import db
from tests.conftest import Browser
from tests.factories import PASSWORD, UserFactory

URL = "/account/password"
NEW = "a fresh and long passphrase 9"
WRONG = "not my password at all"


def _form(current: str = PASSWORD, new: str = NEW, again: str | None = None) -> dict:
    return {
        "current_password": current,
        "new_password": new,
        "new_password_again": new if again is None else again,
    }


def _beside(response, field: str) -> str:
    """The messages shown beside one field of the page ('' if none)."""
    found = re.search(
        rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>',
        response.get_data(as_text=True),
        re.S,
    )
    return found.group(1) if found else ""


def _user(world) -> User:
    db.session.expire_all()
    return db.session.get(User, world.caseworker_a.id)


def _hash_unchanged(world) -> bool:
    return verify_password(_user(world).password_hash, PASSWORD)


def _actions(name: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == name)))


# --- the page ------------------------------------------------------------------------------


def test_the_account_page_leads_to_the_form_in_english(world, login):
    browser = login("caseworker_a")
    assert f'href="{URL}"' in browser.get("/account").get_data(as_text=True)
    page = browser.get(URL)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Change my password" in text and "Current password" in text
    assert "New password again" in text and 'autocomplete="new-password"' in text
    assert "your account is locked for 15 minutes" in text
    assert "Your API tokens keep working" in text


def test_the_page_and_its_messages_in_arabic(world, login):
    world.caseworker_a.locale = "ar"
    db.session.commit()
    browser = login("caseworker_a")
    text = browser.get(URL).get_data(as_text=True)
    assert "تغيير كلمة المرور" in text and "كلمة المرور الحالية" in text
    refused = browser.post(URL, _form(current=WRONG, new="short", again="other"))
    assert refused.status_code == 422
    assert "هذه ليست كلمة مرورك الحالية" in _beside(refused, "current_password")
    assert "12 حرفًا على الأقل" in _beside(refused, "new_password")
    assert "لا تطابق كلمة المرور الجديدة" in _beside(refused, "new_password_again")


# --- refusals --------------------------------------------------------------------------------


def test_a_wrong_current_password_is_refused_beside_its_field_and_counts(world, login):
    browser = login("caseworker_a")
    refused = browser.post(URL, _form(current=WRONG))
    assert refused.status_code == 422
    beside = _beside(refused, "current_password")
    assert "This is not your current password. 4 more wrong passwords" in beside
    assert "lock your account for 15 minutes" in beside
    for typed in (WRONG, NEW):  # nothing typed in a password field comes back
        assert typed not in refused.get_data(as_text=True)
    assert _hash_unchanged(world) and _user(world).failed_logins == 1
    (entry,) = _actions("auth.reauth_failed")
    assert entry.detail["purpose"] == "password_change"


def test_two_new_passwords_that_differ_are_refused_beside_the_second(world, login):
    refused = login("caseworker_a").post(URL, _form(again=NEW + "x"))
    assert refused.status_code == 422
    assert "This is not the same as the new password." in _beside(refused, "new_password_again")
    assert not _beside(refused, "current_password") and not _beside(refused, "new_password")
    assert _hash_unchanged(world) and _user(world).failed_logins == 0


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short pass", "Use at least 12 characters."),
        ("Password2026!", "This password is too common; choose another."),
        ("caseworker.a", "The password may not be the username."),
        ("abababababab", "The password repeats too few different characters."),
        (PASSWORD, "Choose a password other than your current one."),
    ],
)
def test_a_weak_new_password_is_refused_by_the_rule_every_password_meets(
    world, login, new, message
):
    refused = login("caseworker_a").post(URL, _form(new=new))
    assert refused.status_code == 422
    assert message in _beside(refused, "new_password")
    assert _hash_unchanged(world)


def test_empty_fields_are_asked_for_and_count_nothing(world, login):
    refused = login("caseworker_a").post(URL, {})
    assert refused.status_code == 422
    assert "Enter your current password." in _beside(refused, "current_password")
    assert "Enter a new password." in _beside(refused, "new_password")
    assert "Enter the new password again." in _beside(refused, "new_password_again")
    assert _user(world).failed_logins == 0


def test_the_form_is_protected_against_cross_site_posts(world, login):
    browser = login("caseworker_a")
    refused = browser.post(URL, _form(), csrf=False)
    assert refused.status_code == 400
    assert _hash_unchanged(world)
    forged = browser.post(URL, {**_form(), "csrf_token": "forged"})
    assert forged.status_code == 400 and _hash_unchanged(world)


# --- the change ------------------------------------------------------------------------------


def _token(browser: Browser) -> str:
    with browser.client.session_transaction() as cookie:
        return cookie[sessions.COOKIE_KEY]


def test_a_change_ends_the_other_sessions_and_keeps_this_one(app, world, login):
    here, elsewhere = login("caseworker_a"), login("caseworker_a")
    copied = Browser(app)  # a copy of this browser's cookie, taken before the change
    copied.client.set_cookie("session", here.client.get_cookie("session").value)
    before = _token(here)
    api_token, _row = tokens.create_token(world.caseworker_a, "sync", ["account:read"])
    db.session.commit()

    changed = here.post(URL, _form())

    assert changed.status_code == 302 and changed.location.endswith("/account")
    page = here.get(changed.location)
    assert page.status_code == 200
    assert "Your password is changed. Every other session of yours has ended." in page.get_data(
        as_text=True
    )
    assert here.get("/households/").status_code == 200  # still logged in here
    assert _token(here) != before  # under a new session token
    for other in (elsewhere, copied):
        ended = other.get("/households/")
        assert ended.status_code == 302 and "/login" in ended.location
    rows = db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == world.caseworker_a.id)
        .order_by(UserSession.id)
    )
    assert [row.ended_why for row in rows] == ["password", "password", None]
    # API tokens are not revoked (as when an administrator sets a password).
    me = here.client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    assert me.status_code == 200
    assert verify_password(_user(world).password_hash, NEW)
    assert Browser(app).login(world.caseworker_a, NEW)
    old = Browser(app)
    old.get("/login")
    assert old.post("/login", {"username": "caseworker.a", "password": PASSWORD}).status_code == 422


def test_the_change_is_in_the_audit_trail_for_an_auditor(world, login, make_browser):
    login("caseworker_a").post(URL, _form())
    auditor = UserFactory(username="auditor", role="auditor", agency=world.admin.agency)
    browser = make_browser()
    browser.login(auditor)
    page = browser.get("/audit/?action=auth.password_changed").get_data(as_text=True)
    rows = page.rsplit("</form>", 1)[1]
    assert "auth.password_changed" in rows and "Own password changed" in rows
    assert "caseworker.a" in rows
    (entry,) = _actions("auth.password_changed")
    assert entry.detail == {"other_sessions_ended": 0}
    assert NEW not in str(entry.detail) and PASSWORD not in str(entry.detail)


# --- the lockout -----------------------------------------------------------------------------


def test_the_fifth_wrong_password_locks_the_account_and_ends_the_session(app, world, login):
    browser = login("caseworker_a")
    for left in (4, 3, 2):
        refused = browser.post(URL, _form(current=WRONG))
        assert f"{left} more wrong passwords" in _beside(refused, "current_password")
    last = browser.post(URL, _form(current=WRONG))
    assert "1 more wrong password," in _beside(last, "current_password")

    locked = browser.post(URL, _form(current=WRONG))

    assert locked.status_code == 302 and "/login" in locked.location
    page = browser.get(locked.location).get_data(as_text=True)
    assert "Your account is locked for 15 minutes after too many wrong passwords." in page
    assert browser.get("/households/").status_code == 302  # this session is over
    assert _hash_unchanged(world) and _user(world).locked_until is not None
    assert _actions("login.lockout")
    again = Browser(app)
    again.get("/login")
    refused = again.post("/login", {"username": "caseworker.a", "password": PASSWORD})
    assert refused.status_code == 422  # the right password too, for a while


def test_wrong_passwords_at_login_and_here_count_together(world, login, make_browser):
    browser = login("caseworker_a")
    for _ in range(3):
        stranger = make_browser()
        stranger.get("/login")
        stranger.post("/login", {"username": "caseworker.a", "password": WRONG})
    refused = browser.post(URL, _form(current=WRONG))
    assert "1 more wrong password," in _beside(refused, "current_password")
    assert "/login" in browser.post(URL, _form(current=WRONG)).location


def test_a_locked_account_checks_no_password_here(world, login):
    browser = login("caseworker_a")
    _user(world).locked_until = utcnow() + LOCKOUT  # guessed at the login page meanwhile, say
    db.session.commit()

    refused = browser.post(URL, _form())  # the right password, while locked

    assert refused.status_code == 422
    assert "Your account is locked for 15 minutes" in _beside(refused, "current_password")
    assert _hash_unchanged(world) and _user(world).failed_logins == 0
    assert browser.get("/households/").status_code == 200  # another's guesses end no session


# --- for any input ---------------------------------------------------------------------------

WEAK = st.one_of(
    st.text(max_size=11),
    st.text(min_size=MAX_LENGTH + 1, max_size=MAX_LENGTH + 40),
    st.text(alphabet="ab1", min_size=12, max_size=40),  # three different characters
    st.builds(
        lambda word, tail: word + tail,
        st.sampled_from(["password", "qwerty", "iloveyou", "welcome", "letmein"]),
        st.text(alphabet="0123456789!@#", min_size=4, max_size=8),
    ),
)
ANY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@ANY
@given(new=WEAK)
def test_any_new_password_failing_the_rule_is_refused_and_the_hash_kept(app, world, new):
    problems = password_problems(new, "caseworker.a")
    assume(problems)
    user = db.session.get(User, world.caseworker_a.id)
    stored = user.password_hash
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        change_own_password(user, PasswordChange(PASSWORD, new, new), None)
    db.session.rollback()
    assert refused.value.errors["new_password"][-len(problems) :] == problems
    assert db.session.get(User, world.caseworker_a.id).password_hash == stored


@ANY
@given(guess=st.text(max_size=40).filter(lambda t: t != PASSWORD))
def test_any_wrong_current_password_is_refused_and_counted_once(app, world, guess):
    user = db.session.get(User, world.caseworker_a.id)
    user.failed_logins, user.locked_until = 0, None
    db.session.commit()
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        change_own_password(user, PasswordChange(guess, NEW, NEW), None)
    db.session.commit()
    assert list(refused.value.errors) == ["current_password"]
    assert _user(world).failed_logins == 1
    assert verify_password(_user(world).password_hash, PASSWORD)
