"""Sessions kept on the server, so that several app servers agree on who is logged in.

A login opens a row of `user_sessions`; the browser's cookie (Flask's, signed) carries a random
token, the row only its SHA-256, so a copy of the table opens nothing. Every request finds its
row (Flask-Login's user loader, one query with the user), so a logout, a password change or an
administrator's deactivation on any server ends the session on all of them, including a copy
of the cookie taken before.

A session ends after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after login
whatever happens (OWASP ASVS 3.3). The time last seen is written at most once a minute (a page
is not a write), so a session may end up to a minute before the idle limit.

Flask-Session (SQLAlchemy backend) was weighed and not taken: it keeps the whole session as a
blob under the token in clear, has no user column (so no "end every session of this user"),
and commits on its own, outside the request's one commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload

from app import jobs
from app.auth.models import User, UserSession
from app.core.db import as_utc, utcnow
from app.core.errors import render_error, wants_json
from app.core.text import whole_number
from app.extensions import db

COOKIE_KEY = "_awda_session"  # in the signed cookie: the session's token
_LIVE, _ENDED = "awda_session", "awda_session_ended"  # in `g`: this request's row, or why not
SEEN_EVERY = timedelta(minutes=1)
KEEP_ENDED = timedelta(days=90)  # ended rows are deleted after this (auth.purge_sessions)


def digest(token: str) -> str:
    """The SHA-256 (hex) under which a session's token is kept."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_for(user: User) -> None:
    """At login, after `login_user`: a new session row, its token in the cookie. Flushed by the
    request's commit."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = UserSession(
        token_sha256=digest(token),
        user=user,
        created_at=now,
        last_seen_at=now,
        client=(request.remote_addr or "")[:64] or None,
    )
    db.session.add(record)
    session[COOKIE_KEY] = token
    g.setdefault(_LIVE, record)


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the active user of this request's live session, or None
    (and `g` says why, for `_check_session`). An idle or too old session is ended here."""
    token = session.get(COOKIE_KEY)
    number = whole_number(user_id)
    record = _find(token) if token and number is not None else None
    if record is None or record.user_id != number or not record.user.active:
        return None
    if record.ended_at is not None:
        g.setdefault(_ENDED, record.ended_why)
        return None
    now = utcnow()
    why = _lapsed(record, now)
    if why:
        _end(record, why, now)
        g.setdefault(_ENDED, why)
        from app.audit import services as audit

        audit.record("session.expired", user=record.user, why=why)
        return None
    if now - as_utc(record.last_seen_at) >= SEEN_EVERY:  # type: ignore[operator]
        record.last_seen_at = now
    g.setdefault(_LIVE, record)
    return record.user


# Read at every request: built once and reused, so SQLAlchemy neither builds nor keys it again.
_BY_TOKEN = (
    sa.select(UserSession)
    .options(joinedload(UserSession.user))
    .where(UserSession.token_sha256 == sa.bindparam("token_sha256"))
)


def _find(token: str) -> UserSession | None:
    return db.session.scalar(_BY_TOKEN, {"token_sha256": digest(token)})


def _lapsed(record: UserSession, now) -> str | None:
    """ "idle" or "expired" if the session has outlived a limit, else None."""
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    longest = timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    if now - as_utc(record.created_at) > longest:  # type: ignore[operator]
        return "expired"
    if now - as_utc(record.last_seen_at) > idle:  # type: ignore[operator]
        return "idle"
    return None


def _end(record: UserSession, why: str, now) -> None:
    record.ended_at, record.ended_why = now, why


def end_current(why: str = "logout") -> None:
    """End this request's session (logout), on every server, and forget its token here."""
    record = g.get(_LIVE)
    if record is not None and record.ended_at is None:
        _end(record, why, utcnow())
    session.pop(COOKIE_KEY, None)


def log_out(user: User, why: str) -> None:
    """End this request's session on every server and log the browser out; the login page
    that follows keeps `user`'s language (it otherwise speaks the browser's)."""
    from app.core.i18n import SESSION_KEY

    locale = user.locale  # read first: `user` may be current_user, anonymous once logged out
    end_current(why)
    logout_user()
    if locale:
        session[SESSION_KEY] = locale


def end_all(user: User, why: str) -> int:
    """End every open session of `user` (password changed, account deactivated), on every
    server. Returns how many were open. Flushes; the caller commits."""
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_why=why)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def renew(user: User, why: str) -> int:
    """After the user changed their own password: end every session of theirs, this one's
    token too (so a copy of this cookie taken before dies with the others), and give this
    browser a fresh session, so that it stays logged in. Returns how many sessions other than
    this one were ended. Flushes; the caller commits."""
    ended = end_all(user, why)
    this = g.pop(_LIVE, None)
    open_for(user)
    return max(ended - (this is not None), 0)


@jobs.periodic("auth.purge_sessions", "23 3 * * *")
def purge_old() -> None:
    """Delete the rows of sessions ended (or lapsed) more than KEEP_ENDED ago; the audit trail
    keeps the logins and logouts."""
    before = utcnow() - KEEP_ENDED
    limit = timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    db.session.execute(
        sa.delete(UserSession).where(
            sa.or_(UserSession.ended_at < before, UserSession.created_at < before - limit)
        )
    )


def _check_session():
    """Before every request: a session that ended (elsewhere, or by lapsing) sends its reader
    to the login page with a word; a live one goes on (after two-step enrolment if due)."""
    if request.endpoint in (None, "static", "core.healthz"):
        return None
    if current_user.is_authenticated:
        return _require_two_factor()
    if g.pop(_ENDED, None) is None:
        return None
    logout_user()
    session.clear()
    return _to_login()


def _to_login():
    flash(_("Your session ended. Please log in again."), "info")
    return redirect(url_for("auth.login", next=request.path if request.method == "GET" else None))


# The forms that someone not logged in sends: their CSRF refusal is only an expired form.
PUBLIC_FORMS = frozenset({"auth.login", "auth.second_factor", "auth.switch_language"})


def _form_refused(error: CSRFError):
    """A form whose CSRF token no longer holds. Sent by someone no longer logged in, to a page
    that needs a login, it means the session ended meanwhile (a logout or a password change,
    seen first by another tab): the login page says so. Otherwise the form expired."""
    if not (current_user.is_authenticated or request.endpoint in PUBLIC_FORMS or wants_json()):
        return _to_login()
    return render_error(400, _("Your form expired or was sent twice. Please try again."))


# Where someone who must still turn on two-step login may go meanwhile.
ENROLMENT_ENDPOINTS = frozenset({"auth.enrol_two_factor", "auth.logout", "static"})


def _require_two_factor():
    from app.auth import two_factor

    if request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if two_factor.required(current_user) and not two_factor.enrolled(current_user):
        flash(_("Your role needs two-step login: turn it on to go on."), "info")
        return redirect(url_for("auth.enrol_two_factor"))
    return None


def register(app: Flask) -> None:
    app.before_request(_check_session)
    app.register_error_handler(CSRFError, _form_refused)
