"""Making, checking and revoking personal access tokens, and machine clients (the OAuth2
client credentials of app.api.oauth) with the hour-long tokens they are given.

A token reads `awda_<prefix>_<secret>`: the prefix (12 characters) finds the row, the whole
token is compared by its SHA-256 in constant time. 32 random bytes of secret make guessing
pointless, so a fast hash is enough (as for GitHub's and GitLab's tokens); a stolen database
gives no usable token.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.access import Action, can
from app.audit import services as audit
from app.auth.models import User
from app.auth.sessions import digest  # one SHA-256 for every secret Awda keeps only hashed
from app.core.db import as_utc, utcnow
from app.core.validation import ValidationFailed
from app.extensions import db

from .models import ApiClient, ApiToken

# What a token may do; each API operation names the scope it needs.
SCOPES = {
    "households:read": _l("Read households and members, as the user's pages show them"),
    "households:write": _l("Register and change households, as the user's forms do"),
    "account:read": _l("Read the token's own account"),
    "referrals:read": _l("Read the referrals the user sees"),
    "referrals:write": _l("Accept, decline and record the outcome of referrals to the agency"),
    "imports:read": _l("Read the transfer lists the user imports, their previews and problems"),
    "imports:write": _l("Upload, import and cancel transfer lists, as the user's pages do"),
    "figures:read": _l("Read published figures: small counts suppressed, the rest rounded"),
}
# The access policy's actions behind each scope: every operation that needs the scope also
# needs one of them (`app.api.core.needs` checks that it is listed here), so a scope is of use
# only to a user whose roles may take one (`usable_scopes`). A scope with none is everyone's.
SCOPE_ACTIONS: dict[str, frozenset[Action]] = {
    "households:read": frozenset({Action.HOUSEHOLD_LIST, Action.HOUSEHOLD_VIEW}),
    "households:write": frozenset({Action.HOUSEHOLD_CREATE, Action.HOUSEHOLD_EDIT}),
    "account:read": frozenset(),
    "referrals:read": frozenset({Action.REFERRAL_INBOX, Action.REFER}),
    "referrals:write": frozenset({Action.REFERRAL_INBOX}),
    "imports:read": frozenset({Action.IMPORT_LISTS}),
    "imports:write": frozenset({Action.IMPORT_LISTS}),
    "figures:read": frozenset({Action.REPORTS}),
}
MAX_DAYS = 365
DEFAULT_DAYS = 90
CLIENT_TOKEN_SECONDS = 3600  # a machine client asks again every hour
CLIENT_ID = re.compile(r"awdac_[A-Za-z0-9]{16}")


def _random_word(nbytes: int) -> str:
    """Random letters and digits, 4/3 as many as `nbytes` (so never the `_` that splits a
    token)."""
    return secrets.token_urlsafe(nbytes).replace("_", "x").replace("-", "y")


def new_token() -> str:
    """A fresh token, `awda_<prefix>_<secret>`."""
    return f"awda_{_random_word(9)}_{secrets.token_urlsafe(32)}"


def _prefix_of(token: str) -> str | None:
    parts = (token or "").split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "awda" else None


def usable_scopes(user: User) -> list[str]:
    """The scopes of some use to `user`: those whose operations the access policy lets one of
    the user's roles take (`SCOPE_ACTIONS`), in the order of `SCOPES`."""
    return [
        scope
        for scope, actions in SCOPE_ACTIONS.items()
        if not actions or any(can(user, action) for action in actions)
    ]


def scope_refusal(user: User, scopes: list[str]) -> str | None:
    """Why `scopes` cannot be given to a token of `user` (none; an unknown one; one the
    user's roles have no use for), in the reader's language; None when they can."""
    usable = usable_scopes(user)
    known = ", ".join(usable)
    if not scopes or set(scopes) - set(SCOPES):
        return str(_l("Choose scopes among: %(known)s.", known=known))
    beyond = [scope for scope in SCOPES if scope in scopes and scope not in usable]
    if beyond:
        return str(
            _l(
                "Your role has no use for %(scopes)s. Choose among: %(known)s.",
                scopes=", ".join(beyond),
                known=known,
            )
        )
    return None


def _refusals(user: User, name: str, scopes: list[str], unnamed) -> tuple[str, dict]:
    """The name, on one line; and what is refused in the name (`unnamed` says so), the scopes
    (`scope_refusal`) and the user, field by field."""
    errors: dict[str | None, list[str]] = {}
    name = " ".join((name or "").split())[:80]
    if not name:
        errors["name"] = [str(unnamed)]
    refused = scope_refusal(user, scopes)
    if refused:
        errors["scopes"] = [refused]
    if not user.active:
        errors[None] = [str(_l("This account is not active."))]
    return name, errors


def create_token(user: User, name: str, scopes: list[str], days: int = DEFAULT_DAYS):
    """A new token for `user`: (the token, shown once; its row, flushed). Raises
    ValidationFailed (fields `name`, `scopes`, `days`): a scope must be one of
    `usable_scopes(user)`."""
    name, errors = _refusals(user, name, scopes, _l("Say what the token is for."))
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = [str(_l("A token lasts from 1 to %(max)s days.", max=MAX_DAYS))]
    if errors:
        raise ValidationFailed(errors)
    token = new_token()
    row = ApiToken(
        user_id=user.id,
        name=name,
        prefix=_prefix_of(token),
        token_sha256=digest(token),
        scopes=" ".join(sorted(set(scopes))),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("api.token_created", change=True, user=user, token=row.prefix, scopes=row.scopes)
    return token, row


def authenticate(presented: str) -> ApiToken | None:
    """The live token `presented` is (`live`), or None. Records its last use."""
    row = live(presented)
    if row is not None:
        row.last_used_at = utcnow()
    return row


def live(presented: str) -> ApiToken | None:
    """The live token `presented` is, or None: unknown, wrong, expired, revoked, or its user
    inactive. Changes nothing."""
    prefix = _prefix_of(presented)
    if prefix is None:
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.prefix == prefix))
    if row is None or not hmac.compare_digest(row.token_sha256, digest(presented)):
        return None
    if row.revoked_at is not None or as_utc(row.expires_at) <= utcnow() or not row.user.active:
        return None
    if row.client is not None and row.client.revoked_at is not None:
        return None  # given while its client was being revoked
    return row


def revoke(row: ApiToken, actor: User) -> None:
    """Revoke `row` (its owner or an administrator); audited."""
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by_id = utcnow(), actor.id
        db.session.flush()
        audit.record("api.token_revoked", change=True, user=actor, token=row.prefix)


# --- machine clients (OAuth2 client credentials) --------------------------------------------


def create_client(user: User, name: str, scopes: list[str], created_by: User | None = None):
    """A new machine client acting as `user`: (its secret, shown once; its row, flushed, with
    the public `client_id`). Raises ValidationFailed (fields `name`, `scopes`: as a token's,
    among `usable_scopes(user)`)."""
    name, errors = _refusals(user, name, scopes, _l("Say which system the client is."))
    if errors:
        raise ValidationFailed(errors)
    secret = secrets.token_urlsafe(32)
    row = ApiClient(
        client_id=f"awdac_{_random_word(12)}",
        secret_sha256=digest(secret),
        name=name,
        user_id=user.id,
        scopes=" ".join(sorted(set(scopes))),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api.client_created",
        change=True,
        user=created_by,
        client=row.client_id,
        acts_as=user.username,
        scopes=row.scopes,
    )
    return secret, row


def find_client(client_id: str) -> ApiClient | None:
    """The client of this public id, live or revoked (None for what is no client id at all,
    which is not even looked up)."""
    if not CLIENT_ID.fullmatch(client_id or ""):
        return None
    return db.session.scalar(sa.select(ApiClient).where(ApiClient.client_id == client_id))


def secret_matches(client: ApiClient, secret: str) -> bool:
    """Whether `secret` is the client's (compared by SHA-256, in constant time)."""
    return hmac.compare_digest(client.secret_sha256, digest(secret or ""))


def keep_client_token(client: ApiClient, token: str, scopes: str, seconds: int) -> ApiToken:
    """Keep the token `client` was just given (`new_token`) as its user's token, by its hash,
    so that the bearer `authenticate` takes it like any other; audited."""
    row = ApiToken(
        user_id=client.user_id,
        client_id=client.id,
        name=client.name,
        prefix=_prefix_of(token),
        token_sha256=digest(token),
        scopes=scopes,
        expires_at=utcnow() + timedelta(seconds=seconds),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api.client_token",
        change=True,
        user=client.user,
        client=client.client_id,
        token=row.prefix,
        scopes=scopes,
    )
    return row


def revoke_client(client: ApiClient, actor: User | None) -> None:
    """Revoke `client` and every live token it was given, at once (an administrator, or the
    CLI: `actor` None); audited."""
    if client.revoked_at is not None:
        return
    now, actor_id = utcnow(), actor.id if actor else None
    client.revoked_at, client.revoked_by_id = now, actor_id
    live = sa.update(ApiToken).where(ApiToken.client_id == client.id, ApiToken.revoked_at.is_(None))
    stopped = db.session.execute(live.values(revoked_at=now, revoked_by_id=actor_id)).rowcount
    db.session.flush()
    audit.record(
        "api.client_revoked", change=True, user=actor, client=client.client_id, tokens=stopped
    )
