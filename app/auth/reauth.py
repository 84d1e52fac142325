"""Re-entering one's own password before a sensitive action.

Giving a role, opening a household by break-the-glass, overriding missing consent and exporting
identifiable data all ask for the password again, so that a session left open on a shared tablet
is not enough to do them. A wrong password is written to the audit trail and counts toward the
login lockout, as at login and on the password page (five in a row lock the account for 15
minutes): the count is kept although the action is refused (`app.core.refusals`), and the
wrong password that locks the account also ends the session that gave it. While the account is
locked no password is checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import flash, has_request_context, request
from flask_babel import lazy_gettext as _l

from app.auth.passwords import verify_password
from app.auth.services import (
    CLIENT_WINDOW,
    LOCKOUT_MINUTES,
    MAX_FAILURES,
    note_wrong_password,
    why_guesses_refused,
)
from app.core.refusals import keep_on_refusal

if TYPE_CHECKING:
    from app.auth.models import User
    from app.core.validation import ErrorCollector

# Said plainly: "Enter your own password" read as though someone else's had been typed.
NO_PASSWORD = _l("Type the password you log in with.")
WRONG_PASSWORD = _l("The password is wrong. Type the password you log in with.")
LOCKED = _l(
    "Your account is locked for %(minutes)d minutes after too many wrong passwords. "
    "Try again later.",
    minutes=LOCKOUT_MINUTES,
)
# Said apart from a locked account: the address's limit holds whoever's account it is.
THROTTLED = _l(
    "Too many wrong passwords from this network: no password is checked here for %(minutes)d "
    "minutes. Your account is not locked.",
    minutes=int(CLIENT_WINDOW.total_seconds() // 60),
)


def password_confirmed(user: User, password: str | None, purpose: str) -> bool:
    """Is this the user's own password? A wrong one is audited with what it was meant for."""
    if verify_password(user.password_hash, password or ""):
        return True
    from app.audit import services as audit

    audit.record("auth.reauth_failed", user=user, purpose=purpose)
    return False


def password_problem(user: User, password: str | None, purpose: str):
    """None when `password` is the user's own; else what to say beside its field (a lazy
    string): that it is missing, wrong, or that the account is locked. A wrong one is audited
    and counts toward the lockout once this request is refused; a missing one counts nothing.
    """
    client = request.remote_addr if has_request_context() else None
    refused = why_guesses_refused(user, client)
    if refused is not None:
        return LOCKED if refused == "locked" else THROTTLED
    if not (password or "").strip():  # spaces alone are no password typed: nothing counted
        return NO_PASSWORD
    if password_confirmed(user, password, purpose):
        return None
    user_id = user.id
    keep_on_refusal(lambda: _count_wrong(user_id, client))
    return LOCKED if (user.failed_logins or 0) + 1 >= MAX_FAILURES else WRONG_PASSWORD


def _count_wrong(user_id: int, client: str | None) -> None:
    """After the refusal's rollback: count the wrong password; if it locked the account, end
    this session too, the login page then told in the user's language why."""
    from app.auth import sessions
    from app.auth.models import User
    from app.extensions import db

    user = db.session.get(User, user_id)
    if user is None or not note_wrong_password(user, client):
        return
    sessions.log_out(user, "locked")
    flash(str(LOCKED), "error")


def require_password(
    user: User, password: str | None, purpose: str, errors: ErrorCollector, field: str
) -> None:
    """Add a message next to `field` unless `password` is the user's own (`password_problem`)."""
    problem = password_problem(user, password, purpose)
    if problem is not None:
        errors.add(field, problem)
