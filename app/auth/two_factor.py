"""TOTP two-factor login (RFC 6238, through pyotp), with one-time recovery codes.

A code is accepted once: the time step it belongs to is stored, and a code from that step or
an earlier one is refused afterwards (OWASP ASVS 2.8.4).
"""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from app.auth.models import RecoveryCode, User
from app.core.db import utcnow
from app.core.text import ascii_digits
from app.extensions import db

ISSUER = "Awda"
RECOVERY_CODES = 10


def required(user: User) -> bool:
    return user.has_role(*current_app.config["TWO_FACTOR_ROLES"])


def enrolled(user: User) -> bool:
    return bool(user.totp_secret)


def new_secret() -> str:
    return pyotp.random_base32()


def valid_secret(secret: str) -> bool:
    try:
        pyotp.TOTP(secret).now()
    except Exception:  # pyotp raises binascii/ValueError variants for bad base32
        return False
    return len(secret.replace("=", "")) >= 16


def qr_code(user: User, secret: str) -> str:
    """The enrolment QR code, as a data URI the page can show (no request leaves the app)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=5)


def _matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    totp = pyotp.TOTP(secret)
    code = "".join(ch for ch in ascii_digits(code) if ch in "0123456789")
    if len(code) != totp.digits:
        return None
    now = at if at is not None else time.time()
    step = int(now // totp.interval)
    for candidate in (step - 1, step, step + 1):  # a little clock drift either way
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def check_code(user: User, code: str, at: float | None = None) -> bool:
    """True once per valid code; flushes the step used."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, at)
    if step is None:
        return False
    # Taken by the database in one statement, so that two logins with one code cannot both pass.
    last = User.totp_last_step
    taken = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, sa.or_(last.is_(None), last < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["totp_last_step"])
    return taken.rowcount == 1


def enrol(user: User, secret: str, code: str, at: float | None = None) -> list[str] | None:
    """Keep the secret if the code proves the authenticator has it; returns recovery codes."""
    step = _matching_step(secret, code, at)
    if step is None:
        return None
    user.totp_secret, user.totp_last_step = secret, step
    return new_recovery_codes(user)


def provision(user: User, secret: str) -> None:
    """Set a secret chosen by an installer (create-user --totp-secret)."""
    user.totp_secret, user.totp_last_step = secret, None


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    row = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    db.session.flush()
    return True
