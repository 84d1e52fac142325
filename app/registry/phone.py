"""Phone numbers as caseworkers type them, checked and stored in one international form."""

from __future__ import annotations

import re

from app.core.text import ascii_digits

_FILLER = re.compile(r"[\s\-().]")
_IRAQ_LOCAL = re.compile(r"^07\d{9}$")
_IRAQ_INTERNATIONAL = re.compile(r"^\+9647\d{9}$")
_INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$")


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str | None) -> str | None:
    """`0770 123 4567`, `+964 770 123 4567` and `00964...` all become `+9647701234567`."""
    if raw is None or not raw.strip():
        return None
    number = _FILLER.sub("", ascii_digits(raw))
    if number.startswith("00"):
        number = "+" + number[2:]
    if _IRAQ_LOCAL.match(number):
        return "+964" + number[1:]
    if number.startswith("+964") and not _IRAQ_INTERNATIONAL.match(number):
        raise InvalidPhone(number)
    if _INTERNATIONAL.match(number):
        return number
    raise InvalidPhone(number)


def local_form(phone: str | None) -> str | None:
    """The Iraqi national form (07...), which is how people read their number aloud."""
    if phone and phone.startswith("+964"):
        return "0" + phone[4:]
    return phone
