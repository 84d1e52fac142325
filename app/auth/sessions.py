"""Session lifetime: a session ends after 30 minutes without a request, and 12 hours after login
whatever happens (OWASP ASVS 3.3), configurable by SESSION_IDLE_MINUTES and SESSION_MAX_HOURS."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

LOGGED_IN_AT, SEEN_AT = "_awda_login_at", "_awda_seen_at"


def start(now: float | None = None) -> None:
    """Called at login."""
    now = now or time.time()
    session[LOGGED_IN_AT] = session[SEEN_AT] = int(now)


def _expired(now: float) -> bool:
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    longest = current_app.config["SESSION_MAX_HOURS"] * 3600
    logged_in, seen = session.get(LOGGED_IN_AT), session.get(SEEN_AT)
    if logged_in is None or seen is None:
        return True
    return now - seen > idle or now - logged_in > longest


def _check_session():
    if request.endpoint in (None, "static", "core.healthz") or not current_user.is_authenticated:
        return None
    now = time.time()
    if _expired(now):
        from app.audit import services as audit

        audit.record("session.expired")
        logout_user()
        session.clear()
        flash(_("Your session ended. Please log in again."), "info")
        return redirect(
            url_for("auth.login", next=request.path if request.method == "GET" else None)
        )
    session[SEEN_AT] = int(now)
    return _require_two_factor()


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
