"""The one reading of text that people and files give Awda.

Every form field (through `app.core.forms.AwdaForm`), CLI argument, imported cell and API value
passes through `clean` before anything else sees it, so that what looks the same on screen is the
same to Awda:

- Unicode NFKC (UAX #15): Arabic presentation forms pasted from PDFs become plain letters,
  full-width Latin letters and digits become ASCII, ligatures are split.
- Format and direction controls are removed (general category Cf: U+200E/F marks, U+202A–E
  embeddings and overrides, U+2066–9 isolates, U+061C Arabic letter mark, zero-width joiners,
  U+FEFF), as are other control characters (Cc, NUL included), lone surrogates (Cs) and
  private-use code points (Co): none can be seen, several can spoof the order of what is shown.
- Every dash (category Pd, and U+2212 minus) becomes "-", every space (Zs) becomes " ".
- Whitespace is trimmed and runs of it collapsed; multi-line text keeps its line breaks.

Digits are a separate step (`ascii_digits`), applied where a number or code is typed: display text
such as notes keeps the Arabic-Indic digits the person wrote.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_REMOVED_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Co"})
_KEPT_CONTROLS = frozenset("\n")
_HORIZONTAL_SPACE = re.compile(r"[ \t]+")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SURROGATES = re.compile("[\ud800-\udfff]")
_PRIVATE_PLANES = re.compile("[\U000f0000-\U0010ffff]")


def _code_point_table() -> dict[int, str | None]:
    """One translation table for the whole of Unicode: removed, dash or space, else untouched."""
    table: dict[int, str | None] = {}
    # Planes 3–13 hold no character yet; 14 holds tags and variation selectors; 15–16 are
    # private use, removed by `_PRIVATE_PLANES` instead of 131,072 entries here.
    for code in (*range(0x30000), *range(0xE0000, 0xE1000)):
        category = unicodedata.category(chr(code))
        if category in _REMOVED_CATEGORIES:
            table[code] = None
        elif category == "Pd":
            table[code] = "-"
        elif category == "Zs":
            table[code] = " "
    table[0x2212] = "-"  # MINUS SIGN is a math symbol (Sm), but typed as a dash
    for line_break in "\r\v\f\x85\u2028\u2029":
        table[ord(line_break)] = "\n"
    table[ord("\n")] = "\n"
    table[ord("\t")] = " "
    return table


_TABLE = _code_point_table()
_DIGIT_TABLE = {
    code: str(unicodedata.decimal(chr(code)))
    for code in range(0x30000)
    if unicodedata.category(chr(code)) == "Nd" and code > 0x7F
}


def clean(text: str | None, multiline: bool = False) -> str:
    """`text` as Awda stores and compares it (see the module docstring); "" for None.

    Single-line text (`multiline=False`) has its line breaks turned into spaces; multi-line text
    keeps them, with at most one blank line in a row. Idempotent: `clean(clean(t)) == clean(t)`.
    """
    if not text:
        return ""
    return _clean(text, multiline)


@lru_cache(maxsize=8192)  # the same names and codes arrive again and again in a list
def _clean(text: str, multiline: bool) -> str:
    # Surrogates first: NFKC cannot encode a lone one.
    text = _PRIVATE_PLANES.sub("", _SURROGATES.sub("", text))
    text = _LINE_BREAKS.sub("\n", text)
    text = unicodedata.normalize("NFKC", text).translate(_TABLE)
    # NFKC can itself produce a control or a space (e.g. from a compatibility form); once more.
    text = text.translate(_TABLE)
    if not multiline:
        return _HORIZONTAL_SPACE.sub(" ", text.replace("\n", " ")).strip()
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def ascii_digits(text: str | None) -> str:
    """Every decimal digit (Arabic-Indic ٠–٩, Persian ۰–۹, full-width …) as its ASCII digit."""
    return text.translate(_DIGIT_TABLE) if text else ""


def clean_code(text: str | None) -> str:
    """A number or code as typed anywhere: `clean` with ASCII digits."""
    return ascii_digits(clean(text))


_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def whole_number(text: object, default: int | None = None) -> int | None:
    """A page number, version or id as posted: up to nine digits (any script), else `default`.

    `str.isdigit` is not enough: it accepts superscripts that `int` refuses, and a 5,000-digit
    string that `int` refuses too (Python's limit on long conversions)."""
    digits = ascii_digits(str(text).strip()) if text is not None else ""
    return int(digits) if _WHOLE_NUMBER.fullmatch(digits) else default


def shown_file_name(filename: str, default: str) -> str:
    """The name a person gave a file, shown to people: its last part only (never a path),
    cleaned of direction overrides and controls (`clean`), at most 200 characters; `default`
    when nothing is left. It never names a file on disk."""
    return clean(filename.replace("\\", "/").rsplit("/", 1)[-1])[:200] or default
