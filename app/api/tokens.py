"""Making, checking and revoking personal access tokens.

A token reads `awda_<prefix>_<secret>`: the prefix (12 characters) finds the row, the whole
token is compared by its SHA-256 in constant time. 32 random bytes of secret make guessing
pointless, so a fast hash is enough (as for GitHub's and GitLab's tokens); a stolen database
gives no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import services as audit
from app.auth.models import User
from app.core.db import as_utc, utcnow
from app.core.validation import ValidationFailed
from app.extensions import db

from .models import ApiToken

# What a token may do; each API operation names the scope it needs.
SCOPES = {
    "households:read": _l("Read households and members, as the user's pages show them"),
    "account:read": _l("Read the token's own account"),
    "referrals:read": _l("Read the referrals the user sees"),
    "referrals:write": _l("Accept, decline and record the outcome of referrals to the agency"),
}
MAX_DAYS = 365
DEFAULT_DAYS = 90


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, scopes: list[str], days: int = DEFAULT_DAYS):
    """A new token for `user`: (the token, shown once; its row, flushed). Raises
    ValidationFailed (fields `name`, `scopes`, `days`)."""
    errors: dict[str | None, list[str]] = {}
    name = " ".join((name or "").split())[:80]
    if not name:
        errors["name"] = [str(_l("Say what the token is for."))]
    unknown = sorted(set(scopes) - set(SCOPES))
    if not scopes or unknown:
        errors["scopes"] = [str(_l("Choose scopes among: %(known)s.", known=", ".join(SCOPES)))]
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = [str(_l("A token lasts from 1 to %(max)s days.", max=MAX_DAYS))]
    if not user.active:
        errors[None] = [str(_l("This account is not active."))]
    if errors:
        raise ValidationFailed(errors)
    prefix = secrets.token_urlsafe(9)[:12].replace("_", "x").replace("-", "y")
    token = f"awda_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        token_sha256=_digest(token),
        scopes=" ".join(sorted(set(scopes))),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("api.token_created", change=True, user=user, token=row.prefix, scopes=row.scopes)
    return token, row


def authenticate(presented: str) -> ApiToken | None:
    """The live token `presented` is, or None: unknown, wrong, expired, revoked, or its user
    inactive. Records its last use."""
    parts = (presented or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "awda":
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.prefix == parts[1]))
    if row is None or not hmac.compare_digest(row.token_sha256, _digest(presented)):
        return None
    if row.revoked_at is not None or as_utc(row.expires_at) <= utcnow() or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row


def revoke(row: ApiToken, actor: User) -> None:
    """Revoke `row` (its owner or an administrator); audited."""
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by_id = utcnow(), actor.id
        db.session.flush()
        audit.record("api.token_revoked", change=True, user=actor, token=row.prefix)
