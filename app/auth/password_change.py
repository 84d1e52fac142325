"""A user changes their own password (My account -> Password).

The current password is asked first, and a wrong one counts toward the same lockout as a wrong
password at login (five in a row lock the account for 15 minutes), so that a session left open
on a shared tablet cannot be used to guess the password. The new password meets the rule every
password meets (`password_problems`, as when an administrator sets one). A change ends every
other session of the user and renews this one; API tokens are left alone, as when an
administrator sets a password.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.audit import services as audit
from app.auth import sessions
from app.auth.models import User
from app.auth.passwords import MIN_LENGTH, hash_password, password_problems
from app.auth.reauth import password_confirmed
from app.auth.services import (
    LOCKOUT_MINUTES,
    MAX_FAILURES,
    guesses_refused,
    note_login_complete,
    note_wrong_password,
)
from app.core.validation import ErrorCollector


@dataclass(frozen=True)
class Rules:
    """What the page tells before anything is typed."""

    min_length: int = MIN_LENGTH
    tries: int = MAX_FAILURES
    minutes: int = LOCKOUT_MINUTES


PASSWORD_RULES = Rules()


class AccountLocked(Exception):
    """No password was checked, or the last wrong one locked the account: `just_now` says
    which (True: this attempt locked it)."""

    def __init__(self, just_now: bool):
        super().__init__("locked just now" if just_now else "locked")
        self.just_now = just_now


@dataclass(frozen=True)
class PasswordChange:
    """What the form sends; the field names are the error keys."""

    current_password: str
    new_password: str
    new_password_again: str


def change_own_password(user: User, change: PasswordChange, client: str | None) -> int:
    """Give `user` the new password, end their other sessions and renew this one.

    Returns how many other sessions were ended. Raises `AccountLocked` when the account is
    locked (or the client address throttled: then no password is checked) or when this wrong
    current password locked it; `ValidationFailed` with a message beside each field
    otherwise. A wrong current password is flushed as a failure: the caller commits even
    though it refuses. Flushes; the caller commits.
    """
    if guesses_refused(user, client):
        raise AccountLocked(just_now=False)
    errors = ErrorCollector()
    if password_confirmed(user, change.current_password, "password_change"):
        if change.new_password == change.current_password:
            errors.add("new_password", _l("Choose a password other than your current one."))
    elif note_wrong_password(user, client):
        raise AccountLocked(just_now=True)
    else:
        errors.add("current_password", _wrong_password(user))
    for problem in password_problems(change.new_password, user.username):
        errors.add("new_password", problem)
    if change.new_password_again != change.new_password:
        errors.add("new_password_again", _l("This is not the same as the new password."))
    errors.raise_if_any()
    return _apply(user, change.new_password)


def _wrong_password(user: User) -> str:
    """Says that it counts, and how many tries are left before the lockout."""
    left = max(MAX_FAILURES - (user.failed_logins or 0), 1)
    return ngettext(
        "This is not your current password. %(num)d more wrong password, here or at login, "
        "locks your account for %(minutes)d minutes.",
        "This is not your current password. %(num)d more wrong passwords, here or at "
        "login, lock your account for %(minutes)d minutes.",
        left,
        minutes=LOCKOUT_MINUTES,
    )


def _apply(user: User, password: str) -> int:
    user.password_hash = hash_password(password)
    note_login_complete(user)  # the right password was given: the count of failures restarts
    ended = sessions.renew(user, "password")
    audit.record("auth.password_changed", change=True, user=user, other_sessions_ended=ended)
    return ended
