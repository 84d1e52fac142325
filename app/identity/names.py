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
# An apostrophe (or ʿ ʾ ‘ ’ `) between two Latin letters stands for ayn or hamza (Sa'ad, Mu'ayyad):
# it is dropped, not read as a word break that would split one name into two.
_LATIN_APOSTROPHE = re.compile(r"(?<=[a-z])['’ʼʿʾ`‘](?=[a-z])")

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
    return _SEPARATORS.sub(" ", _LATIN_APOSTROPHE.sub("", text)).strip()


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
    """Latin `abd` + vowel + l (Abdul-, Abdel-, Abdal-, Abdur-) read as `abd`: (rest, "abd").
    The l is the article: dropped before a consonant (Abdulrahman, Abdullah: the article's l
    doubled) and before a vowel (Abdulaziz, Abdelameer: the article before ayn or alef, which
    the Arabic skeleton drops too: عبد العزيز, `abdz`)."""
    if not word.startswith("abd") or len(word) <= 3:
        return word, ""
    rest = word[3:]
    if rest[:1] in "aeiou":
        rest = rest[1:]
        if rest[:1] == "l" and len(rest) > 2:
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


# --- vowels across scripts --------------------------------------------------------------------
# The skeleton drops the vowels, so حسن and Husain, محمد and Mahmoud share one. The long vowels
# are written in Arabic (ا و ي), and a Latin spelling shows them: حسين is Husain or Hussein
# (ai, ei for ي), never Hassan; حسن is never Husain. `vowels_agree` compares, gap by gap between
# the skeleton's consonants, the Arabic long vowels with the Latin vowel letters.
_LONG_LATIN = re.compile("^(?:aa|ee|ei|ai|ay|ey|ie|iy|ii|oo|ou|ow|uu|aw|ue|oe)")
_ARABIC_LONG = {"ا": "a", "و": "ouw", "ي": "iey"}


def vowels_agree(arabic: str, latin: str) -> bool:
    """False when the Arabic word (folded) and the Latin word (folded), which share a skeleton,
    cannot be one name: a long vowel of the Arabic (ا و ي between two consonants) with no
    matching vowel letter in the Latin (ي: i, e or y; و: o, u or w; ا: a), or a long Latin vowel
    (ai, ei, ee, oo, ou, aa…) where the Arabic has none (nor ayn). True when they agree, or
    when the two cannot be aligned letter by letter (the check then says nothing)."""
    left, right = _arabic_gaps(arabic), _latin_gaps(latin)
    if left is None or right is None or left[0] != right[0]:
        return True
    gaps = list(zip(left[1], right[1], strict=True))
    if arabic[:1] in "اع" and latin[:1] in "aeiou":  # the vowel after ع or ا: عامر is not Umar
        gaps.append((_lead(arabic[1:], _ARABIC_SKELETON), _lead(latin, None)))
    for ar_gap, la_gap in gaps:
        long_vowels = [letters for letter, letters in _ARABIC_LONG.items() if letter in ar_gap]
        for letters in long_vowels:
            if not any(ch in la_gap for ch in letters):
                return False
        if not long_vowels and "ع" not in ar_gap and _LONG_LATIN.match(la_gap):
            return False
    return True


def _lead(body: str, table) -> str:
    """The vowel letters at the start of `body` (Arabic: those the skeleton drops)."""
    lead = ""
    for ch in body:
        if ch.translate(table) if table else ("" if ch in _LATIN_VOWELS else ch):
            break
        lead += ch
    return lead


@lru_cache(maxsize=65536)
def _arabic_gaps(word: str) -> tuple[str, tuple[str, ...]] | None:
    """(consonants, the dropped letters between each two of them), mirroring `_arabic_key`;
    None for what is not one Arabic word."""
    if not _ARABIC_LETTERS.match(word):
        return None
    if word.startswith("ال") and len(word) > 3:
        word = word[2:]
    if word.startswith("عبد") and len(word) > 3:
        word = word[3:]
        if word.startswith("ال") and len(word) > 2:
            word = word[2:]
    if word[-1:] in ("ه", "ح") and len(word) > 1:
        word = word[:-1]
    return _gaps(word[1:], lambda ch: ch.translate(_ARABIC_SKELETON))


@lru_cache(maxsize=65536)
def _latin_gaps(word: str) -> tuple[str, tuple[str, ...]] | None:
    """The same for a Latin word, mirroring `_latin_key`."""
    if not _LATIN_WORD.match(word):
        return None
    stem, prefix = _without_abd(word)
    for digraph, letter in _LATIN_DIGRAPHS:
        stem = stem.replace(digraph, letter)
    stem = stem.translate(_LATIN_LETTERS)
    if stem.endswith("h") and len(stem) > 1 and stem[-2] in _LATIN_VOWELS:
        stem = stem[:-1]
    if not prefix:
        stem = stem[1:]
    return _gaps(stem, lambda ch: "" if ch in _LATIN_VOWELS else ch)


def _gaps(body: str, consonant) -> tuple[str, tuple[str, ...]]:
    """The consonants of `body` (doubled ones as one) and the letters between each two; the
    letters before the first and after the last are not compared (initial and final vowels
    are written too many ways: ى is a, ة is dropped)."""
    consonants: list[str] = []
    gaps: list[str] = []
    pending = ""
    for ch in body:
        letter = consonant(ch)
        if not letter:
            pending += ch
            continue
        if consonants and consonants[-1] == letter:
            if consonants and gaps:
                gaps[-1] += pending
        else:
            if consonants:
                gaps.append(pending)
            consonants.append(letter)
        pending = ""
    return "".join(consonants), tuple(gaps)


_LONG_CLASS = {"aa": "a"} | dict.fromkeys(("ee", "ei", "ai", "ay", "ey", "ie", "iy", "ii"), "i")
_LONG_CLASS |= dict.fromkeys(("oo", "ou", "ow", "uu", "aw"), "u")
_SHORT_CLASS = {"a": "a", "e": "i", "i": "i", "y": "i", "o": "u", "u": "u", "w": "u"}


def latin_vowels_agree(left: str, right: str) -> bool:
    """False when two Latin words (folded) with one skeleton cannot spell one Arabic name: in
    some gap one has a long vowel (ai, ei, ee for ي; oo, ou for و; aa for ا) and the other no
    vowel or a vowel of another kind (Hussein and Hassan, Mahmoud and Mohammed). True
    otherwise, or when they cannot be aligned."""
    x, y = _latin_gaps(left), _latin_gaps(right)
    if x is None or y is None or x[0] != y[0]:
        return True
    for gap_x, gap_y in zip(x[1], y[1], strict=True):
        for long_gap, other in ((gap_x, gap_y), (gap_y, gap_x)):
            kind = _LONG_CLASS.get(long_gap[:2])
            if kind and other[:2] not in _LONG_CLASS and _SHORT_CLASS.get(other[:1]) != kind:
                return False
    return True
