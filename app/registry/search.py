"""Folding of names and numbers so that spelling variants find each other.

Arabic: diacritics and tatweel dropped; alef forms (أ إ آ ٱ) to ا; taa marbuta ة to ه; alef maqsura
ى and yeh with hamza ئ to ي; waw with hamza ؤ to و; Persian kaf and yeh to their Arabic forms;
Arabic-Indic digits to ASCII. Latin: case and accents dropped. The same folding is applied to the
stored `search_text` and to what the user types, so a plain substring match does the rest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTER_FOLDS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ئ": "ي",
        "ی": "ي",
        "ؤ": "و",
        "ک": "ك",
        "ء": "",
    }
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SEPARATORS = re.compile(r"[^\w]+", re.UNICODE)


def fold(text: str | None) -> str:
    """Fold one piece of text to the form used for matching."""
    return _fold(text) if text else ""


@lru_cache(maxsize=65536)  # names repeat a great deal; bulk loads fold each one once
def _fold(text: str) -> str:
    text = _ARABIC_DIACRITICS.sub("", text).translate(_LETTER_FOLDS).translate(_DIGITS)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Drop combining marks (Latin accents); Arabic letters survive NFKD unchanged.
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", text).strip()


def terms(query: str | None) -> list[str]:
    """Split a typed query into folded terms; each must appear in a matching household."""
    return [term for term in fold(query).split() if term]


def search_text(parts: Iterable[str | None]) -> str:
    """Build the stored search text from a household's names and numbers."""
    words = " ".join(fold(p) for p in parts if p)
    return f" {words} " if words else ""
