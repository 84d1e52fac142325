"""Personal names as keys: the same name however it was spelled, in either script.

Three steps, each a pure function of its input:

1. `fold` — the spelling variants of one script become one form. Arabic: diacritics and tatweel
   dropped; alef forms (أ إ آ ٱ) to ا; taa marbuta ة to ه; alef maqsura ى and yeh with hamza ئ to
   ي; waw with hamza ؤ to و; hamza ء dropped; Persian kaf and yeh to Arabic. Latin: case and
   accents dropped. Digits in ASCII. Words are separated by one space.
2. compounds (`name_words`) — compound names are one word whether typed joined or spaced:
   عبد ال… / أبو / ابن / بن, and Abd al- / Abdul / Abdel / Abu / Bin / Ibn / Al- in Latin letters.
3. `name_key` — a consonant skeleton of one word, shared by the Latin transliterations of one
   Arabic name and by the Arabic name itself: Mohammed, Muhammad, Mohamad and محمد all give
   `mhmd`; Zainab, Zaynab, Zeinab and زينب give `znb`; Obaidi, Ubaidi and العبيدي give `abd`.
   Built from the usual ways Arabic is written in Latin letters (ALA-LC, UNGEGN and the informal
   spellings of Iraqi documents): vowels (and w, y, ayn and hamza inside a word) dropped, a vowel
   or ayn at the start kept as `a`, digraphs kh gh sh ch th dh ph to one letter, q to k, doubled
   letters to one, a final h after a vowel (taa marbuta, Fatimah / Fatima) dropped, the article
   al- dropped, and abd + al- + name read as abd + name.

The skeleton is deliberately loose (محمود and محمد share `mhmd`): it finds candidates, and a
search ranks literal matches of the folded words above skeleton-only ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from app.core.text import ascii_digits, clean

_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTER_FOLDS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ئ": "ي", "ی": "ي", "ؤ": "و"}
    | {"ک": "ك", "ء": ""}
)
_SEPARATORS = re.compile(r"[^\w]+|_+")

# Words that join the next one into a compound name (after folding).
_ARABIC_JOINERS = frozenset({"عبد", "ابو", "ابن", "بن", "بنت"})
_LATIN_JOINERS = frozenset(
    {"abd", "abdu", "abdul", "abdel", "abdal", "abdil", "abdol", "abu", "abou", "bin"}
    | {"ibn", "ben", "bint", "al", "el"}
)
# The article as written in Latin letters, including its assimilated forms (ar-Rawi, ad-Dulaimi).
_LATIN_ARTICLES = frozenset({"al", "el", "ul", "ar", "ad", "as", "an", "at", "az", "ash"})

_LATIN_DIGRAPHS = (("kh", "k"), ("gh", "g"), ("sh", "s"), ("ch", "s"), ("th", "t"), ("dh", "d"))
_LATIN_LETTERS = str.maketrans({"q": "k", "x": "k", "c": "k", "p": "f", "v": "f"})
_LATIN_VOWELS = frozenset("aeiouyw")
_ARABIC_SKELETON = str.maketrans(
    {"ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "k", "د": "d", "ذ": "d", "ر": "r"}
    | {"ز": "z", "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "g", "ف": "f"}
    | {"ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "پ": "f", "ڤ": "f", "گ": "g"}
    | {"چ": "s", "ڕ": "r", "ڵ": "l", "ا": "", "و": "", "ي": "", "ع": "", "ێ": "", "ۆ": "", "ە": ""}
)
_ARABIC_INITIAL = {"ا": "a", "ع": "a", "و": "w", "ي": "y"}
_ARABIC_LETTERS = re.compile("^[\u0620-\u064a\u0671-\u06d3]+$")
_LATIN_WORD = re.compile("^[a-z]+$")
_DOUBLED = re.compile(r"(.)\1+")


def fold(text: str | None) -> str:
    """`text` cleaned and folded (step 1): lower-case words of either script, one space apart."""
    return _fold(text) if text else ""


@lru_cache(maxsize=65536)  # names repeat a great deal; bulk loads fold each one once
def _fold(text: str) -> str:
    text = _ARABIC_DIACRITICS.sub("", clean(text)).translate(_LETTER_FOLDS)
    decomposed = unicodedata.normalize("NFKD", ascii_digits(text).casefold())
    # Drop combining marks (Latin accents); Arabic letters survive NFKD unchanged.
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", text).strip()


def _compounds(folded: str) -> list[tuple[str, str]]:
    """(joined word, what its skeleton is made from): the article of a Latin compound is left
    out of the second, so that al-Obaidi and Obaidi, Abd al-Rahman and Abdulrahman key alike."""
    words = folded.split()
    joined: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        word, index = words[index], index + 1
        stem = word
        if index < len(words) and (word in _ARABIC_JOINERS or word in _LATIN_JOINERS):
            if word in _LATIN_ARTICLES:
                stem = ""
            elif words[index] in _LATIN_ARTICLES and index + 1 < len(words):
                word, index = word + words[index], index + 1
            word, stem, index = word + words[index], stem + words[index], index + 1
        joined.append((word, stem))
    return joined


def is_latin_word(word: str) -> bool:
    """A folded word in Latin letters only (a transliteration, when it is a name)."""
    return bool(_LATIN_WORD.match(word))


def name_key(word: str) -> str:
    """The consonant skeleton of one folded word (step 3); "" for a word that is not a name
    (digits, mixed scripts)."""
    return _name_key(word)


@lru_cache(maxsize=65536)
def _name_key(word: str) -> str:
    if _LATIN_WORD.match(word):
        return _latin_key(word)
    if _ARABIC_LETTERS.match(word):
        return _arabic_key(word)
    return ""


def _latin_key(word: str) -> str:
    stem, prefix = _without_abd(word)
    for digraph, letter in _LATIN_DIGRAPHS:
        stem = stem.replace(digraph, letter)
    stem = stem.translate(_LATIN_LETTERS)
    if stem.endswith("h") and len(stem) > 1 and stem[-2] in _LATIN_VOWELS:
        stem = stem[:-1]  # Fatimah / Fatima, Abdullah / Abdulla, Saleh / صالح
    head = "" if prefix else ("a" if stem[:1] in "aeiou" else stem[:1])
    body = stem if prefix else stem[1:]
    skeleton = prefix + head + "".join(ch for ch in body if ch not in _LATIN_VOWELS)
    return _DOUBLED.sub(r"\1", skeleton)


def _without_abd(word: str) -> tuple[str, str]:
    """Latin `abd` + vowel + l (Abdul-, Abdel-, Abdal-, Abdur-) read as `abd`: (rest, "abd")."""
    if not word.startswith("abd") or len(word) <= 3:
        return word, ""
    rest = word[3:]
    if rest[:1] in "aeiou":
        rest = rest[1:]
        if rest[:1] == "l" and rest[1:2] and rest[1:2] not in "aeiou":
            rest = rest[1:]
    return rest, "abd"


def _arabic_key(word: str) -> str:
    if word.startswith("ال") and len(word) > 3:
        word = word[2:]
    prefix = ""
    if word.startswith("عبد") and len(word) > 3:
        prefix, word = "abd", word[3:]
        if word.startswith("ال") and len(word) > 2:
            word = word[2:]
    if word[-1:] in ("ه", "ح") and len(word) > 1:
        word = word[:-1]  # taa marbuta, and a final h that Latin spellings drop alike
    head = "" if prefix else _ARABIC_INITIAL.get(word[:1], word[:1].translate(_ARABIC_SKELETON))
    body = word if prefix else word[1:]
    return _DOUBLED.sub(r"\1", prefix + head + body.translate(_ARABIC_SKELETON))


def name_words(text: str | None) -> list[tuple[str, str]]:
    """(folded word with compounds joined, its skeleton or "") for each word of `text`."""
    return [(word, name_key(stem)) for word, stem in _compounds(fold(text))]


def search_tokens(parts: Iterable[str | None]) -> list[str]:
    """Everything a name can be found by: each folded word, each joined compound and, marked
    with `#`, each word's skeleton. `#` never survives `fold`, so a typed word can never match a
    skeleton by accident."""
    tokens: dict[str, None] = {}
    for part in parts:
        folded = fold(part)
        tokens.update(dict.fromkeys(folded.split()))
        for word, stem in _compounds(folded):
            tokens[word] = None
            key = name_key(stem)
            if key:
                tokens["#" + key] = None
    return list(tokens)
