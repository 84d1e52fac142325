"""Login, logout and the user's own account page."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app.audit import services as audit
from app.auth import sessions, two_factor
from app.auth.forms import (
    EmailChoiceForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    SecondFactorForm,
)
from app.auth.models import User
from app.auth.password_change import (
    PASSWORD_RULES,
    AccountLocked,
    change_own_password,
)
from app.auth.reauth import LOCKED
from app.auth.services import (
    authenticate,
    note_login_complete,
    note_second_factor_failure,
)
from app.core.forms import place_errors
from app.core.i18n import SESSION_KEY as LANGUAGE_KEY
from app.core.validation import ValidationFailed
from app.extensions import db, login_manager

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, template_folder="templates")

PENDING = "_awda_second_factor"  # who passed the password step, when, and where to go next
PENDING_SECONDS = 300
ENROLMENT_KEY = "_awda_enrol_secret"  # the secret shown during enrolment, until confirmed

login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page itself says what to do
login_manager.session_protection = "strong"


login_manager.user_loader(sessions.load_user)  # the session row, on every server


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
            target = safe_next(request.args.get("next"))
            if two_factor.enrolled(user):
                return ask_second_factor(user, target)
            complete_login(user, target)
            return redirect(target)
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


def complete_login(user: User, target: str, **how: str) -> None:
    chosen = _fresh_session().pop(LANGUAGE_KEY, None)
    if chosen in current_app.config["LANGUAGES"]:
        user.locale = chosen  # picked on the login page: the user's language from now on
    note_login_complete(user)
    login_user(user)
    sessions.open_for(user)
    audit.record("login.success", user=user, **how)
    log.info("Login: %s", user.username)


def _fresh_session():
    """A new session at login, nothing carried over from before but the language chosen."""
    language = session.get(LANGUAGE_KEY)
    session.clear()
    if language:
        session[LANGUAGE_KEY] = language
    return session


def ask_second_factor(user: User, target: str):
    _fresh_session()
    session[PENDING] = {"user": user.id, "at": int(time.time()), "next": target}
    return redirect(url_for("auth.second_factor"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
def second_factor():
    pending = session.get(PENDING) or {}
    user = db.session.get(User, pending.get("user", 0)) if pending else None
    if user is None or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash(_("Log in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        if two_factor.check_code(user, code):
            complete_login(user, pending["next"], second_factor="totp")
            return redirect(pending["next"])
        if two_factor.use_recovery_code(user, code):
            complete_login(user, pending["next"], second_factor="recovery code")
            flash(_("You used a recovery code; it will not work again."), "info")
            return redirect(pending["next"])
        note_second_factor_failure(user, request.remote_addr)
        audit.record("login.failure", user=user, second_factor=True)
        db.session.commit()  # the failure counts toward the lockout, even though refused
        form.code.errors = [_("This code is not right, or was already used.")]
    status = 422 if form.is_submitted() else 200
    return render_template("auth/second_factor.html", form=form), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def enrol_two_factor():
    if two_factor.enrolled(current_user):
        return render_template("auth/two_factor.html", enrolled=True, form=None, codes=None)
    secret = session.get(ENROLMENT_KEY) or two_factor.new_secret()
    session[ENROLMENT_KEY] = secret
    form = SecondFactorForm()
    if form.validate_on_submit():
        codes = two_factor.enrol(current_user, secret, form.code.data or "")
        if codes is not None:
            session.pop(ENROLMENT_KEY, None)
            audit.record("two_factor.enrolled", change=True)
            return render_template("auth/two_factor.html", enrolled=True, form=None, codes=codes)
        form.code.errors = [_("This code is not right. Check the time on your phone.")]
    page = render_template(
        "auth/two_factor.html",
        enrolled=False,
        form=form,
        codes=None,
        secret=secret,
        qr=two_factor.qr_code(current_user, secret),
    )
    return page, 422 if form.is_submitted() else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The user's own password: the current one, then the new one twice."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            user = current_user._get_current_object()  # type: ignore[attr-defined]
            change_own_password(user, form.to_change(), request.remote_addr)
        except AccountLocked as locked:
            if locked.just_now:
                return _locked_out()
            form.current_password.errors = [str(LOCKED)]
        except ValidationFailed as refused:
            db.session.commit()  # a wrong current password counts, though the change is refused
            place_errors(form, refused.errors)
        else:
            flash(_("Your password is changed. Every other session of yours has ended."), "success")
            return redirect(url_for("auth.account"))
    page = render_template("auth/password.html", form=form, rules=PASSWORD_RULES)
    return page, 422 if form.is_submitted() else 200


def _locked_out():
    """The wrong current password that locked the account also ends this session: whoever
    holds it may guess no further."""
    sessions.log_out(current_user, "locked")
    db.session.commit()
    flash(str(LOCKED), "error")
    return redirect(url_for("auth.login"))


@bp.post("/logout")
@login_required
def logout():
    log.info("Logout: %s", current_user.username)
    audit.record("logout")
    sessions.log_out(current_user, "logout")
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def switch_language():
    """The switch on every page: kept on the user's account, or on this browser before login."""
    code = request.form.get("language", "")
    if code in current_app.config["LANGUAGES"]:
        if current_user.is_authenticated:
            current_user.locale = code
        else:
            session[LANGUAGE_KEY] = code
    return redirect(safe_next(request.form.get("next")), 303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's own account: their language, and whether they want e-mail when work waits
    (two forms on one page, told apart by the e-mail form's prefix)."""
    form = LanguageForm(locale=current_user.locale)
    email_form = EmailChoiceForm(
        prefix="mail", email_notifications=current_user.email_notifications
    )
    if "mail-email_notifications" in request.form or "mail-save" in request.form:
        if email_form.validate_on_submit():
            current_user.email_notifications = bool(email_form.email_notifications.data)
            audit.record("auth.email_choice", change=True, on=current_user.email_notifications)
            flash(_("Your choice of e-mail is saved."), "success")
            return redirect(url_for("auth.account"))
    elif form.validate_on_submit():
        current_user.locale = form.locale.data
        flash(_("Your language is saved."), "success")
        return redirect(url_for("auth.account"))
    mail_on = bool(current_app.config.get("MAIL_SERVER"))
    return render_template("auth/account.html", form=form, email_form=email_form, mail_on=mail_on)
