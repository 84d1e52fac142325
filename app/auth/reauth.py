"""Re-entering one's own password before a sensitive action.

Giving a role, opening a household by break-the-glass, overriding missing consent and exporting
identifiable data all ask for the password again, so that a session left open on a shared tablet
is not enough to do them. A wrong password is written to the audit trail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from app.auth.passwords import verify_password

if TYPE_CHECKING:
    from app.auth.models import User
    from app.core.validation import ErrorCollector

# Said plainly: "Enter your own password" read as though someone else's had been typed.
NO_PASSWORD = _l("Type the password you log in with.")
WRONG_PASSWORD = _l("The password is wrong. Type the password you log in with.")


def password_confirmed(user: User, password: str | None, purpose: str) -> bool:
    """Is this the user's own password? A wrong one is audited with what it was meant for."""
    if verify_password(user.password_hash, password or ""):
        return True
    from app.audit import services as audit

    audit.record("auth.reauth_failed", user=user, purpose=purpose)
    return False


def require_password(
    user: User, password: str | None, purpose: str, errors: ErrorCollector, field: str
) -> None:
    """Add a message next to `field` unless `password` is the user's own: a wrong one is
    said to be wrong, a missing one asked for."""
    if not password_confirmed(user, password, purpose):
        errors.add(field, WRONG_PASSWORD if password else NO_PASSWORD)
