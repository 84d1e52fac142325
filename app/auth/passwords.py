"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"]
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def password_problems(password: str, username: str = "") -> list[str]:
    """Why this password may not be used; empty when it may."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("Use at least %(n)d characters.", n=MIN_LENGTH)))
    if len(password) > MAX_LENGTH:
        problems.append(str(_l("Use at most %(n)d characters.", n=MAX_LENGTH)))
    if username and _is_the_username(password, username):
        problems.append(str(_l("The password may not be the username.")))
    if password and len(set(password)) < 4:
        problems.append(str(_l("The password repeats too few different characters.")))
    if password and is_common(password):
        problems.append(str(_l("This password is too common; choose another.")))
    return problems


COMMON_LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def _is_the_username(password: str, username: str) -> bool:
    """The username, in any case, alone or with only digits and symbols around it
    ("caseworker.b1!!" for caseworker.b1): the first word a guesser tries (NIST SP 800-63B,
    section 5.1.1.2: context-specific words such as the username)."""
    given, name = password.strip().lower(), username.strip().lower()
    core, name_core = _AROUND.sub("", given), _AROUND.sub("", name)
    return given == name or (bool(name_core) and core == name_core)


def is_common(password: str) -> bool:
    """A listed word or sequence, alone or with only digits and symbols around it
    ("Password2026!", "qwerty123456"), or a listed run of digits made longer."""
    lowered = password.lower()
    core = _AROUND.sub("", lowered)
    words = common_words()
    if lowered in words or core in words:
        return True
    digits = [w for w in words if w.isdigit() and len(w) >= 6]
    return lowered.isdigit() and any(lowered.startswith(w) for w in digits)


# A fixed hash to verify against when the username is unknown, so that a login for an unknown
# user takes as long as one for a known user and timing does not reveal which usernames exist.
_DUMMY_PASSWORD = "not-a-real-password-for-timing"  # noqa: S105 - never a real credential


def burn_time() -> None:
    dummy = current_app.extensions.get("awda_dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["awda_dummy_hash"] = hash_password(_DUMMY_PASSWORD)
    verify_password(dummy, "x")
