"""Account operations shared by the web views and the CLI. They flush; the caller commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.access.roles import SECOND_ROLES, Role
from app.audit import services as audit
from app.auth import sessions
from app.auth.models import LoginFailure, User
from app.auth.passwords import (
    burn_time,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from app.core.db import as_utc, utcnow
from app.core.validation import ErrorCollector
from app.extensions import db
from app.reference.models import Agency, Team

log = logging.getLogger(__name__)


@dataclass
class UserInput:
    username: str
    full_name: str
    role: str
    agency_code: str
    team_name: str | None = None
    email: str | None = None
    locale: str = "en"
    active: bool = True
    second_role: str | None = None  # an administrator's case role, if another admin gave one


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == normalise_username(username)))


def _resolve_org(data: UserInput, errors: ErrorCollector) -> tuple[Agency | None, Team | None]:
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == data.agency_code.strip()))
    if agency is None:
        errors.add("agency", _l("Unknown agency %(code)s.", code=data.agency_code))
    team = None
    if data.team_name:
        team = db.session.scalar(sa.select(Team).where(Team.name == data.team_name.strip()))
        if team is None:
            errors.add("team", _l("Unknown team %(name)s.", name=data.team_name))
        elif agency is not None and team.agency_id != agency.id:
            errors.add("team", _l("Team %(name)s belongs to another agency.", name=team.name))
    return agency, team


def _check_user(data: UserInput, errors: ErrorCollector, existing: User | None = None) -> None:
    username = normalise_username(data.username)
    if not username:
        errors.add("username", _l("A username is required."))
    other = find_user(username) if username else None
    if other is not None and other is not existing:
        errors.add("username", _l("The username %(name)s is already taken.", name=username))
    if data.role not in {r.value for r in Role}:
        errors.add("role", _l("Unknown role %(role)s.", role=data.role))
    _check_second_role(data, errors)
    if not data.full_name.strip():
        errors.add("full_name", _l("A full name is required."))


def _check_second_role(data: UserInput, errors: ErrorCollector) -> None:
    """Only an administrator gets a second role, and only a case role (separation of duties)."""
    if not data.second_role:
        return
    if data.second_role not in {r.value for r in SECOND_ROLES}:
        errors.add("second_role", _l("Choose a case role: caseworker, supervisor or screener."))
    elif data.role != Role.ADMIN:
        errors.add("second_role", _l("Only an administrator has a second role."))


def create_user(data: UserInput, password: str) -> User:
    errors = ErrorCollector()
    _check_user(data, errors)
    agency, team = _resolve_org(data, errors)
    for problem in password_problems(password, data.username):
        errors.add("password", problem)
    errors.raise_if_any()
    user = User(password_hash=hash_password(password))
    _apply(user, data, agency, team)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        target=f"user:{user.id}",
        change=True,
        username=user.username,
        role=user.role,
        second_role=user.second_role,
        agency=data.agency_code,
        team=data.team_name,
    )
    log.info("User %s created with role %s", user.username, user.role)
    return user


def update_user(user: User, data: UserInput, password: str | None = None) -> User:
    errors = ErrorCollector()
    _check_user(data, errors, existing=user)
    agency, team = _resolve_org(data, errors)
    if password:
        for problem in password_problems(password, data.username):
            errors.add("password", problem)
    errors.raise_if_any()
    before = _account(user)
    _apply(user, data, agency, team)
    if password:
        user.password_hash = hash_password(password)
    if password or not user.active:
        sessions.end_all(user, "password" if password else "deactivated")
    db.session.flush()
    after = _account(user)
    audit.record(
        "user.update",
        target=f"user:{user.id}",
        change=True,
        changes={k: [before[k], v] for k, v in after.items() if before[k] != v},
        password_changed=bool(password),
    )
    return user


def _account(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "role": user.role,
        "second_role": user.second_role,
        "agency_id": user.agency_id,
        "team_id": user.team_id,
        "locale": user.locale,
        "active": user.active,
    }


def _apply(user: User, data: UserInput, agency: Agency | None, team: Team | None) -> None:
    user.username = normalise_username(data.username)
    user.full_name = data.full_name.strip()
    user.email = (data.email or "").strip() or None
    user.role = data.role
    user.second_role = data.second_role or None
    user.locale = data.locale
    user.active = data.active
    user.agency = agency  # type: ignore[assignment]
    user.team = team


# After this many failures in a row an account is locked for a while (OWASP ASVS 2.2.1).
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
LOCKOUT_MINUTES = int(LOCKOUT.total_seconds() // 60)  # as the messages say it
# Failures from one client address, across all usernames, before it is slowed down.
CLIENT_LIMIT = 20
CLIENT_WINDOW = timedelta(minutes=15)


def authenticate(username: str, password: str, client: str | None = None) -> User | None:
    """The active user with these credentials, or None.

    The same answer whatever went wrong (unknown user, wrong password, locked account, a
    throttled client), and about the same work, so nothing tells whether a username exists.
    Failures are flushed; the caller commits them even though the login is refused.
    """
    user = find_user(username) if username else None
    now = utcnow()
    if _client_throttled(client, now) or user is None or _locked(user, now):
        burn_time()
        _note_failure(None, client, now)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        _note_failure(user, client, now)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def note_login_complete(user: User) -> None:
    """The whole login (both steps where there are two) succeeded: the count starts again."""
    user.failed_logins, user.locked_until = 0, None


def note_second_factor_failure(user: User, client: str | None) -> None:
    """A wrong second factor counts toward the lockout like a wrong password."""
    _note_failure(user, client, utcnow())


def guesses_refused(user: User, client: str | None) -> bool:
    """Is no password of `user` to be checked now: the account locked, or the client address
    throttled? (For a password given while logged in, as at login.)"""
    return why_guesses_refused(user, client) is not None


def why_guesses_refused(user: User, client: str | None) -> str | None:
    """ "locked" (the account), "throttled" (the client address, whoever's account), or None
    when a password of `user` may be checked now."""
    now = utcnow()
    if _locked(user, now):
        return "locked"
    return "throttled" if _client_throttled(client, now) else None


def note_wrong_password(user: User, client: str | None) -> bool:
    """A wrong password given while logged in counts toward the lockout like one at login, so
    that a session left open cannot be used to guess the password. True when this failure
    locked the account. Flushes; the caller commits even though it refuses."""
    now = utcnow()
    _note_failure(user, client, now)
    return _locked(user, now)


def _locked(user: User, now: datetime) -> bool:
    locked_until = as_utc(user.locked_until)
    return locked_until is not None and locked_until > now


def _client_throttled(client: str | None, now: datetime) -> bool:
    if not client:
        return False
    recent = sa.select(sa.func.count(LoginFailure.id)).where(
        LoginFailure.client == client, LoginFailure.at > now - CLIENT_WINDOW
    )
    return (db.session.scalar(recent) or 0) >= CLIENT_LIMIT


def _note_failure(user: User | None, client: str | None, now: datetime) -> None:
    if client:
        db.session.add(LoginFailure(client=client[:64], at=now))
    if user is not None:
        # Counted by the database in one statement: two guesses at the same moment both count.
        failures = db.session.scalar(
            sa.update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(user, ["failed_logins"])
        if failures is not None and failures >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            audit.record("login.lockout", user=user, minutes=LOCKOUT_MINUTES)
            log.warning("Account %s locked after %d failed logins", user.username, MAX_FAILURES)
    db.session.flush()
