"""Canonical keys of identifiers: the same ID however it was typed.

A camp ID (`HOL-40512`, `hol 40512`, `HOL٤٠٥١٢`, `HOL—40512`) keys to `hol40512`: cleaned
(`app.core.text`), digits in ASCII, case folded, separators dropped. Letters of either script are
kept, with Arabic letters folded as in names (`app.identity.names.fold`). Two IDs with the same
key are the same ID within their camp.

A case number is Awda's own `PREFIX-YEAR-NUMBER`; it is found whatever its digits, separators or
leading zeros: `AWD-٢٠٢٦-٠٠٠٣٠١`, `awd 2026 301` and `AWD-2026-000301` are one number.
"""

from __future__ import annotations

import re

from app.core.text import clean_code
from app.identity.names import fold

CASE_NUMBER_DIGITS = 6
_CASE_NUMBER = re.compile(r"^([a-z]{2,6})[\s\-_/.]*(\d{4})[\s\-_/.]+(\d{1,9})$", re.IGNORECASE)


def identifier_key(text: str | None) -> str:
    """The key of a camp ID or document number: letters and digits only, folded; "" if none."""
    return "".join(ch for ch in fold(clean_code(text)) if ch.isalnum())


def case_number_key(text: str | None, prefix: str | None = None) -> str | None:
    """`text` as a canonical case number (`AWD-2026-000301`), or None if it is not one.

    The prefix is upper-cased and the number zero-padded to six digits, the form in which
    `registry.services.allocate_case_numbers` hands numbers out. With `prefix` (the deployment's
    `CASE_NUMBER_PREFIX`), only numbers with that prefix are case numbers, so that a camp ID
    such as `HOL-2024-15` is searched as what it is. The year and the number must be separated.
    """
    match = _CASE_NUMBER.match(clean_code(text))
    if match is None or (prefix is not None and match.group(1).upper() != prefix.upper()):
        return None
    prefix, year, number = match.groups()
    return f"{prefix.upper()}-{year}-{int(number):0{CASE_NUMBER_DIGITS}d}"


def format_case_number(prefix: str, year: int, number: int) -> str:
    """The canonical case number for the `number`th case of `year`."""
    return f"{prefix}-{year}-{number:0{CASE_NUMBER_DIGITS}d}"
