"""Login, logout and the user's own account page."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.audit import services as audit
from app.auth import sessions
from app.auth.forms import LanguageForm, LoginForm
from app.auth.models import User
from app.auth.services import authenticate
from app.extensions import db, login_manager

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, template_folder="templates")

login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page itself says what to do
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session id `<user id>:<session token>`, if that session is still live."""
    user_id, _, token = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or not token:
        return None
    return user if hmac.compare_digest(token, user.session_token) else None


def safe_next(target: str | None) -> str:
    """Only a path on this site, never another host (open redirect).

    Browsers read `//host`, `///host` and `/\\host` as another host, so a local path is one
    slash followed by something that is not a slash or a backslash. Browsers also drop tabs and
    line breaks from URLs (`/\t/host`), so any white space or control character is refused.
    """
    if not target or any(ch.isspace() or not ch.isprintable() for ch in target):
        return url_for("core.home")
    if target.startswith("/") and target[1:2] not in ("/", "\\"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("core.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data or "", form.password.data or "", request.remote_addr)
        if user is not None:
            session.clear()  # a new session at login: nothing carried over from before
            login_user(user)
            sessions.start()
            audit.record("login.success", user=user)
            log.info("Login: %s", user.username)
            return redirect(safe_next(request.args.get("next")))
        audit.record("login.failure", username=(form.username.data or "")[:64])
        log.info("Failed login")
        # The refusal answers 422, which rolls back; the failure counts must stay.
        db.session.commit()
        # One message whatever went wrong, so it never tells whether the username exists.
        form.form_errors.append(
            _(
                "The username or password is not correct, or the account is locked for "
                "15 minutes after too many attempts."
            )
        )
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    log.info("Logout: %s", current_user.username)
    audit.record("logout")
    current_user.end_sessions()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = LanguageForm(locale=current_user.locale)
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        flash(_("Your language is saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)
