"""Feature comparisons for record linkage: two `PersonRecord`s, one feature, one level.

Each comparison returns a `Comparison`: the feature, the level reached and what was compared on
each side (for the person who reviews a proposed duplicate). The levels are the discrete
agreement patterns of Fellegi & Sunter (1969), "A theory for record linkage", JASA 64: each
level gets its own fitted weight (`app.identity.scoring`), so a level only has to mean one thing,
not to be good or bad.

Names are compared in both scripts. A slot (given, father, …) is read as folded words
(`names.name_words`) in each script it was typed in, and as consonant skeletons, which are shared
by the Arabic name and its Latin spellings. Levels, strongest first:

- `exact`: the folded words are equal in a script both records have;
- `same_key`: the skeletons are equal (Mohammed / محمد, hamza or taa marbuta forms, عبد الله /
  عبدالله), within or across scripts;
- `similar`: a typo or a transliteration the skeleton misses: Jaro-Winkler on the folded words of
  one script ≥ `SIMILAR_JARO_WINKLER` or one edit apart after the first letter (spaces taken out:
  a slip inside a compound), or equal `loose` skeletons (ذ ظ ض ث read d, z, dh, th or t;
  ق ج ك read q, g, j or k), or skeletons of four letters or more one edit apart, or of three
  letters or more with one letter dropped (a slip in a Latin spelling: Fata for فاطمة);
- `other_name` (the given name only, with a fitted `NameVocabulary`): the names are `similar`
  or `consonants_only` (or `same_key` through a skeleton: حنان and Hanaa, a spelling of هناء),
  but both are names the vocabulary knows, and not one name: Ahmad and عماد (skeletons `ahmd`,
  `amd`), حسن and حسين. A slip rarely makes another known name; brothers named one letter apart
  always bear two;
- `different`; `missing` when either side has nothing.

The father, grandfather and family name are ONE feature (`lineage`): siblings share all three, and
three features would count that one fact three times. The level `shifted` is the father/son
pattern (one record's father is the other's given name and its grandfather the other's father).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import JaroWinkler, Levenshtein

from app.identity.names import latin_vowels_agree, name_key, name_words, vowels_agree
from app.identity.person import BirthDate, NamePart, PersonRecord, Precision

SIMILAR_JARO_WINKLER = 0.9  # folded words of one script; typos in names of 4–10 letters pass
SIMILAR_KEY_EDIT = 0.75  # normalised Levenshtein on skeletons: one edit in four letters
SLIP_EDITS = 1  # a typing slip: one letter dropped, added or replaced…
SLIP_MIN_LENGTH = 4  # …in a name of four letters or more (one edit turns علي into عدي)
AGE_SLACK_YEARS = 1  # an age estimate is often a year off beyond its own two-year range
FAR_YEARS = 3  # dates further apart than this are no slip nor estimate: `far`

# Documents that name one person. A camp ID may name a household, which siblings share, so it is
# used to find candidates (`blocking`) but is no evidence that two records are one person.
PERSONAL_DOCUMENTS = frozenset(
    {"civil_id", "nationality_certificate", "unified_id", "passport", "camp_person_id"}
)

NAME_LEVELS = ("exact", "same_key", "consonants_only", "similar", "different", "missing")
# The given name has one level more: two known names close in spelling (`NameVocabulary`).
GIVEN_LEVELS = (*NAME_LEVELS[:4], "other_name", *NAME_LEVELS[4:])
BIRTH_LEVELS = (
    "same_day",
    "same_month",
    "same_year",
    "same_year_dates_differ",
    "near",
    "within_estimate",
    "different",
    "far",
    "missing",
)
# Lineage levels at which the two could be siblings (or one person): see `compare`.
KIN_LEVELS = frozenset({"all_agree", "father_agrees_part_missing", "father_similar"})
# The given names' context when the lineage is one of `KIN_LEVELS`: the same given name there
# is one person or a namesake of one lineage (rare), a different one a sibling or cousin.
LINEAGE = "+lineage"  # the whole chain agrees (`all_agree`)
# The father agrees but the chain is incomplete on one side (`father_agrees_part_missing`) or the
# fathers are only `similar`: namesakes of a common given name and father (محمد محمد) reach
# this far more often than the whole chain, so the given name weighs apart here.
PARTIAL = "+partial"
KIN = "+kin"  # the lineage agrees and so do the given names: one person, or namesakes
# The lineage agrees, the given names are only close (`similar`): a typo in one person's name,
# or brothers with names a slip apart; the birth date tells.
NEAR = "+near"
# The lineage agrees, the given names differ, or share a skeleton but not their long vowels
# (`consonants_only`: حسن and حسين, محمد and محمود): the pattern of siblings and twins.
SIBLING = "+sibling"


def _with_kin(levels: tuple[str, ...]) -> tuple[str, ...]:
    return (
        *levels,
        *(
            level + context
            for context in (KIN, NEAR, SIBLING)
            for level in levels
            if level != "missing"
        ),
    )


LEVELS: dict[str, tuple[str, ...]] = {
    "given": (
        *GIVEN_LEVELS,
        *(level + context for context in (LINEAGE, PARTIAL) for level in GIVEN_LEVELS[:-1]),
    ),
    "lineage": (
        "all_agree",
        "father_agrees_part_missing",
        "father_similar",
        "father_agrees_rest_differs",
        "shifted",
        "different",
        "missing",
    ),
    "mother": _with_kin(NAME_LEVELS),
    "birth": _with_kin(BIRTH_LEVELS),
    "sex": ("same", "different", "missing"),
    "documents": ("shared", "conflict", "missing"),
}
FEATURES = tuple(LEVELS)

# Letters that the Latin spellings of one Arabic letter scatter over (see the module docstring).
_LOOSE = str.maketrans({"z": "d", "t": "d", "g": "k", "j": "k"})
_AGREE = frozenset({"exact", "same_key", "consonants_only", "similar"})
# Beyond the skeleton's reading: ث spelled s (Osman for عثمان); Latin th read as s or as dh
# (ذ: Munther for منذر); شه spelled sh, the h lost in the digraph (Mashadani for المشهداني).
# These give a slot extra keys (`_keys`).
_ALTERNATIVES_AR = str.maketrans({"ث": "س"})
_GLUED_ARTICLE = re.compile("^(?:al|el)[^aeiou].{3,}$")


@dataclass(frozen=True, slots=True)
class Comparison:
    """One feature of a pair: its `level` (one of `LEVELS[feature]`) and the values compared,
    as text to show (`left` from the first record, `right` from the second)."""

    feature: str
    level: str
    left: str
    right: str
    value: str = ""  # the name both sides agree on (a skeleton), for frequency adjustment


@dataclass(frozen=True, slots=True)
class Slot:
    """One name slot as compared: `arabic` and `latin` the folded words typed in each script
    (compounds joined, words one space apart; "" when not typed), `keys` their skeletons (one
    string per script, and for a Latin word with the article glued on, `AlSabawi`, one without
    it), `loose` the keys with confusable letters merged, `shown` the text as typed."""

    arabic: str
    latin: str
    keys: frozenset[str]
    loose: frozenset[str]
    shown: str

    def __bool__(self) -> bool:
        return bool(self.arabic or self.latin)


EMPTY = Slot("", "", frozenset(), frozenset(), "")


@dataclass(frozen=True)
class NameVocabulary:
    """The given names a fit set knows (`fit.given_name_vocabulary`), stored in the model:
    `arabic` the folded Arabic names (compounds joined), `latin` each folded Latin spelling →
    the folded Arabic names it was typed beside (sharing their skeleton). A slip seldom makes a
    known name: two known names that are not one name are two names (`other_names`)."""

    arabic: frozenset[str]
    latin: dict[str, frozenset[str]]

    def names_of(self, part: Slot) -> frozenset[str] | None:
        """The Arabic names `part` can be: its Arabic name when typed (and known), else those
        its Latin spelling stands for; None when the vocabulary does not know it (a slip, or a
        rare name)."""
        if part.arabic:
            return frozenset({part.arabic}) if part.arabic in self.arabic else None
        return self.latin.get(part.latin)

    def other_names(self, left: Slot, right: Slot) -> bool:
        """Both slots are known names, and no name is both (Ahmad and عماد; Hassan and حسين)."""
        names_l, names_r = self.names_of(left), self.names_of(right)
        return bool(names_l and names_r) and names_l.isdisjoint(names_r)

    def to_json(self) -> dict[str, Any]:
        return {
            "arabic": sorted(self.arabic),
            "latin": {spelling: sorted(names) for spelling, names in sorted(self.latin.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NameVocabulary:
        return cls(
            frozenset(data["arabic"]),
            {spelling: frozenset(names) for spelling, names in data["latin"].items()},
        )


def slot(part: NamePart | str) -> Slot:
    """`part` (a `NamePart`, or one string in either script) read for comparison; cached."""
    if isinstance(part, str):
        return _slot(part, "")
    return _slot(part.ar, part.en)


@lru_cache(maxsize=262144)  # a name is compared with many others; read it once
def _slot(ar: str, en: str) -> Slot:
    words = {"ar": "", "en": ""}
    keys: set[str] = set()
    for script, text in (("ar", ar), ("en", en)):
        pairs = name_words(text)
        if not pairs:
            continue
        words[script] = " ".join(word for word, _ in pairs)
        keys.update(_keys(pairs))
    if not words["ar"] and not words["en"]:
        return EMPTY
    shown = " / ".join(text for text in (ar, en) if text)
    loose = frozenset(key.translate(_LOOSE) for key in keys)
    return Slot(words["ar"], words["en"], frozenset(keys), loose, shown)


def _keys(pairs: list[tuple[str, str]]) -> set[str]:
    """The skeleton of the words, of the words with a glued Latin article dropped, and of the
    words with ث or Latin th read as s (Othman, Osman, عثمان)."""
    plain = " ".join(key for _, key in pairs if key)
    alternative = " ".join(
        (name_key(word[2:]) if _GLUED_ARTICLE.match(word) else key) for word, key in pairs if key
    )
    keys = {plain, alternative}
    if any("ث" in word or "th" in word for word, _ in pairs):
        for latin_th in ("s", "dh"):
            keys.add(" ".join(_th_as(word, key, latin_th) for word, key in pairs if key))
    if any("شه" in word for word, _ in pairs):  # Mashadani for المشهداني: the h unwritten
        keys.add(" ".join(name_key(word.replace("شه", "ش")) for word, key in pairs if key))
    return {key for key in keys if key}


def _th_as(word: str, key: str, latin_th: str) -> str:
    """The skeleton of `word` with ث read as s, or Latin th read as `latin_th` (s, or dh for
    ذ: Munther, منذر)."""
    if "ث" in word:
        return name_key(word.translate(_ALTERNATIVES_AR))
    if "th" in word:
        return name_key(word.replace("th", latin_th))
    return key


def compare_slots(left: Slot, right: Slot) -> str:
    """The name level of two slots: `exact`, `same_key`, `similar`, `different` or `missing`.

    When both slots have Arabic letters, the Arabic decides: after folding, two spellings of one
    Arabic name are one word, and Arabic names one letter apart are usually two names (حسن and
    حسين, محمد and محمود share a skeleton), so there they are never `same_key`: two Arabic
    names one long vowel letter apart (`_long_vowel_apart`) are `consonants_only` (the level of
    the same pattern across scripts), another slip is `similar`.
    """
    if not left or not right:
        return "missing"
    if left.arabic and right.arabic:
        if left.arabic == right.arabic:
            return "exact"
        if left.arabic.replace(" ", "") == right.arabic.replace(" ", ""):
            return "same_key"  # one name spaced two ways (a compound the joiners miss)
        if _long_vowel_apart(left.arabic, right.arabic):
            # حسن and حسين, محمد and محمود, عمر and عامر: two names, as across scripts
            # (`_vowels_differ`).
            return "consonants_only"
        return "similar" if _one_slip(left.arabic, right.arabic) else "different"
    if left.latin and left.latin == right.latin:
        return "exact"
    if not left.keys.isdisjoint(right.keys):
        return "consonants_only" if _vowels_differ(left, right) else "same_key"
    return "similar" if _similar(left, right) else "different"


def _vowels_differ(left: Slot, right: Slot) -> bool:
    """The long vowels of one slot's Arabic contradict the other's Latin letters (حسن and
    Husain, محمد and Mahmoud: `names.vowels_agree`), or, both in Latin letters only, a long
    vowel of one stands where the other has another vowel (Hassan and Hussein)."""
    pairs = [(left.arabic, right.latin), (right.arabic, left.latin)]
    for arabic, latin in pairs:
        words_ar, words_la = arabic.split(), latin.split()
        same_length = words_ar and len(words_ar) == len(words_la)
        if same_length and not all(map(vowels_agree, words_ar, words_la)):
            return True
    if left.latin and right.latin and not (left.arabic or right.arabic):
        words_l, words_r = left.latin.split(), right.latin.split()
        if len(words_l) == len(words_r):
            return not all(map(latin_vowels_agree, words_l, words_r))
    return False


_LONG_VOWEL_LETTERS = frozenset("اوي")


def _long_vowel_apart(x: str, y: str) -> bool:
    """One folded Arabic name is the other with one long vowel letter (ا و ي) more, not beside
    the same letter (اسمااء for اسماء is a key held down, not another name)."""
    short, long = sorted((x, y), key=len)
    if len(long) != len(short) + 1:
        return False
    for at, letter in enumerate(long):
        if long[:at] + long[at + 1 :] == short:
            doubled = letter in long[at - 1 : at] or letter in long[at + 1 : at + 2]
            if letter in _LONG_VOWEL_LETTERS and not doubled:
                return True
    return False


def _one_slip(x: str, y: str) -> bool:
    """Two folded names of one script a typing slip apart: Jaro-Winkler ≥ `SIMILAR_JARO_WINKLER`,
    or one edit (`SLIP_EDITS`) after the first letter in names of `SLIP_MIN_LENGTH` letters or
    more (a different first letter is usually another name: محمد and احمد), compared with the
    spaces taken out, so that a slip inside a compound (عبذ الله, which no longer joins, for
    عبد الله) is a slip and not another name."""
    x, y = x.replace(" ", ""), y.replace(" ", "")
    if JaroWinkler.similarity(x, y) >= SIMILAR_JARO_WINKLER:
        return True
    return (
        max(len(x), len(y)) >= SLIP_MIN_LENGTH
        and x[:1] == y[:1]
        and Levenshtein.distance(x, y, score_cutoff=SLIP_EDITS) <= SLIP_EDITS
    )


def _similar(left: Slot, right: Slot) -> bool:
    # Jaro-Winkler across scripts means nothing: their letters never match.
    if left.latin and right.latin and _one_slip(left.latin, right.latin):
        return True
    if not left.loose.isdisjoint(right.loose):
        return True
    return any(
        (
            max(len(key_l), len(key_r)) >= 4
            and Levenshtein.normalized_similarity(key_l, key_r) >= SIMILAR_KEY_EDIT
        )
        or _one_dropped(key_l, key_r)
        for key_l in left.keys
        for key_r in right.keys
    )


def _one_dropped(x: str, y: str) -> bool:
    """Skeletons of one word each, one of three letters or more, the other the same with one
    letter dropped after the first (Fata for فاطمة, Youif for يوسف, Juboui for الجبوري): a
    slip in a Latin spelling, which Jaro-Winkler across scripts cannot see."""
    if " " in x or " " in y:
        return False
    short, long = sorted((x, y), key=len)
    if len(long) < 3 or len(long) != len(short) + 1 or short[:1] != long[:1]:
        return False
    return any(long[:at] + long[at + 1 :] == short for at in range(1, len(long)))


def _agree(left: Slot, right: Slot) -> bool:
    return compare_slots(left, right) in _AGREE


_RANK = {level: rank for rank, level in enumerate(GIVEN_LEVELS)}


def compare_given(
    a: PersonRecord, b: PersonRecord, names: NameVocabulary | None = None
) -> Comparison:
    """`given`: the given names; a known-as name (kunya) on one side may stand for the given
    name on the other (a list that only knew "Abu Ahmed"). The best level of given/given,
    given/known-as and known-as/given is kept; two kunyas alone are not compared, since many
    men are "Abu Ahmed". With a vocabulary (`names`), two known names that are two names are
    `other_name` (`_given_level`)."""
    given_a, given_b = slot(a.given), slot(b.given)
    level = _given_level(given_a, given_b, names)
    shown_a, shown_b = given_a.shown, given_b.shown
    if level not in ("exact", "same_key"):
        for left, right in ((slot(a.known_as), given_b), (given_a, slot(b.known_as))):
            other = _given_level(left, right, names)
            if other != "missing" and _RANK[other] < _RANK[level]:
                level, shown_a, shown_b = other, left.shown, right.shown
    value = shared_key(given_a, given_b) if level in ("exact", "same_key") else ""
    return Comparison("given", level, shown_a, shown_b, value)


def _given_level(left: Slot, right: Slot, names: NameVocabulary | None) -> str:
    """`compare_slots`, but two names the vocabulary knows as two names are `other_name` where
    their letters alone would say `similar` or `consonants_only`, or `same_key` across scripts
    or between Latin spellings (حنان and Hanaa, a spelling of هناء: both `hn`). Two Arabic
    names are `same_key` only when spaced two ways: one name."""
    level = compare_slots(left, right)
    by_skeleton = level == "same_key" and not (left.arabic and right.arabic)
    close = by_skeleton or level in ("similar", "consonants_only")
    if close and names is not None and names.other_names(left, right):
        return "other_name"
    return level


def compare_lineage(a: PersonRecord, b: PersonRecord) -> Comparison:
    """`lineage`: father, grandfather and family name as one feature.

    - `all_agree`: the fathers are `exact` or `same_key`, the grandfathers and family names
      agree (`exact`, `same_key` or `similar`);
    - `father_agrees_part_missing`: the same, but one record lacks the grandfather or the family
      name (the grandfather dropped, as lists often do);
    - `father_similar`: the fathers are only `similar` (a typo, or محمد and محمود), the rest
      agrees or is missing;
    - `father_agrees_rest_differs`: the fathers agree, the grandfather or family name differs;
    - `shifted`: one record's father is the other's given name and its grandfather the other's
      father — father and son (or grandson and grandfather one step on); the family name, where
      both have it, agrees;
    - `different`: the fathers differ; `missing`: either has no father.
    """
    fathers = slot(a.father), slot(b.father)
    shown = _lineage_shown(a), _lineage_shown(b)
    father = compare_slots(*fathers)
    if father == "missing":
        return Comparison("lineage", "missing", *shown)
    if father in _AGREE:
        rest = [
            compare_slots(slot(x), slot(y))
            for x, y in ((a.grandfather, b.grandfather), (a.family, b.family))
        ]
        if any(level == "different" for level in rest):
            level = "father_agrees_rest_differs"
        elif father in ("similar", "consonants_only"):
            level = "father_similar"
        elif "missing" in rest:
            level = "father_agrees_part_missing"
        else:
            level = "all_agree"
        return Comparison("lineage", level, *shown, _lineage_value(a, b))
    level = "shifted" if _shifted(a, b) or _shifted(b, a) else "different"
    return Comparison("lineage", level, *shown)


def _lineage_value(a: PersonRecord, b: PersonRecord) -> str:
    """The chain both records agree on, for frequency adjustment: the father's skeleton and,
    when both records have one, the family name's ("father/family", or "father/")."""
    return lineage_value(shared_key(slot(a.father), slot(b.father)), _family_key(a, b))


def _family_key(a: PersonRecord, b: PersonRecord) -> str:
    left, right = slot(a.family), slot(b.family)
    return shared_key(left, right) if left and right else ""


def shared_key(left: Slot, right: Slot) -> str:
    """The skeleton two slots share (the least, when several), else the least of either."""
    shared = sorted(left.keys & right.keys) or sorted(left.keys | right.keys)
    return shared[0] if shared else ""


def lineage_value(father: str, family: str) -> str:
    """The value of the lineage adjusted for frequency (see `_lineage_value`)."""
    return f"{father}/{family}" if father else ""


def record_lineage_values(record: PersonRecord) -> list[str]:
    """The lineage values a record bears (with its family name and without): `fit` counts them."""
    father = min(slot(record.father).keys, default="")
    if not father:
        return []
    family = min(slot(record.family).keys, default="")
    return [lineage_value(father, family)] + ([lineage_value(father, "")] if family else [])


def _shifted(child: PersonRecord, parent: PersonRecord) -> bool:
    """`child`'s father is `parent`'s given name and its grandfather `parent`'s father."""
    return (
        _agree(slot(child.father), slot(parent.given))
        and _agree(slot(child.grandfather), slot(parent.father))
        and compare_slots(slot(child.family), slot(parent.family)) != "different"
    )


def _lineage_shown(record: PersonRecord) -> str:
    parts = (record.father, record.grandfather, record.family)
    return " | ".join(slot(part).shown or "—" for part in parts)


def compare_mother(a: PersonRecord, b: PersonRecord) -> Comparison:
    """`mother`: the mother's full name. `exact` and `same_key` over the whole name; `similar`
    when the mother's given names agree and so does the rest of the name where both have it
    (one record has only her given name, or one more or one fewer name of her chain, or a
    typo); `different` when her given names differ, or agree but the rest differs."""
    left, right = slot(a.mother), slot(b.mother)
    level = compare_slots(left, right)
    if level in ("similar", "different"):
        level = "similar" if _mother_similar(left, right) else "different"
    return Comparison("mother", level, left.shown, right.shown)


def _mother_similar(left: Slot, right: Slot) -> bool:
    for key_l in left.keys:
        for key_r in right.keys:
            words_l, words_r = key_l.split(), key_r.split()
            if not _key_agrees(words_l[0], words_r[0]):
                continue
            rest_l, rest_r = words_l[1:], words_r[1:]
            shorter = min(len(rest_l), len(rest_r))
            if all(
                _key_agrees(x, y) for x, y in zip(rest_l[:shorter], rest_r[:shorter], strict=True)
            ):
                return True
    # A typo in a name of one script: Jaro-Winkler over the whole folded name.
    return any(
        x and y and JaroWinkler.similarity(x, y) >= SIMILAR_JARO_WINKLER
        for x, y in ((left.arabic, right.arabic), (left.latin, right.latin))
    )


def _key_agrees(x: str, y: str) -> bool:
    return x == y or x.translate(_LOOSE) == y.translate(_LOOSE)


def compare_birth(a: PersonRecord, b: PersonRecord) -> Comparison:
    """`birth`: the birth dates, read at the coarser precision of the two.

    - an age estimate on either side: `within_estimate` when the year ranges
      (`BirthDate.year_range`) overlap or are `AGE_SLACK_YEARS` apart, else `different`;
    - a year only on either side: `same_year` or `different`;
    - a month: `same_month`, `same_year` or `different`;
    - two whole dates: `same_day`; `same_month`; `near` for a typing slip (the same day and month
      one year apart, or day and month swapped); `same_year_dates_differ` (the same year, the
      months differ: two whole dates that disagree, as siblings' or namesakes' do, are weaker
      evidence than a year-only date that agrees); `different`.
    `far` before all these when the dates (their year ranges) are more than `FAR_YEARS` years
    apart: no typing slip or estimate explains that, a sibling's age gap does. `missing` when
    either has no date. `near` is kept for whole dates: a year-only date one year
    off is as likely a sibling as a slip, and is `different`.
    """
    shown = _birth_shown(a.birth), _birth_shown(b.birth)
    return Comparison("birth", birth_level(a.birth, b.birth), *shown)


def birth_level(x: BirthDate | None, y: BirthDate | None) -> str:
    """The `birth` level of two dates (see `compare_birth`)."""
    if x is None or y is None:
        return "missing"
    (x0, x1), (y0, y1) = x.year_range(), y.year_range()
    gap = max(x0, y0) - min(x1, y1)
    if gap > FAR_YEARS:
        return "far"
    if Precision.AGE in (x.precision, y.precision):
        return "within_estimate" if gap <= AGE_SLACK_YEARS else "different"
    if x.value.year != y.value.year:
        both_days = x.precision is Precision.DAY and y.precision is Precision.DAY
        if both_days and abs(x.value.year - y.value.year) == 1 and _same_day_of_year(x, y):
            return "near"
        return "different"
    if Precision.YEAR in (x.precision, y.precision):
        return "same_year"
    both_days = x.precision is Precision.DAY and y.precision is Precision.DAY
    if x.value.month != y.value.month:
        if both_days and _swapped(x, y):
            return "near"
        return "same_year_dates_differ" if both_days else "same_year"
    if Precision.MONTH in (x.precision, y.precision):
        return "same_month"
    return "same_day" if x.value.day == y.value.day else "same_month"


def _same_day_of_year(x: BirthDate, y: BirthDate) -> bool:
    return (x.value.month, x.value.day) == (y.value.month, y.value.day)


def _swapped(x: BirthDate, y: BirthDate) -> bool:
    """Day and month typed the other way round (3/4 for 4/3)."""
    return (x.value.month, x.value.day) == (y.value.day, y.value.month)


def _birth_shown(birth: BirthDate | None) -> str:
    if birth is None:
        return ""
    value: date = birth.value
    if birth.precision is Precision.AGE:
        earliest, latest = birth.year_range()
        return f"{earliest}–{latest} (age {birth.estimated_age()})"
    if birth.precision is Precision.YEAR:
        return f"{value.year}"
    if birth.precision is Precision.MONTH:
        return f"{value.year}-{value.month:02d}"
    return value.isoformat()


def compare_sex(a: PersonRecord, b: PersonRecord) -> Comparison:
    """`sex`: `same`, `different`, or `missing` when either is unknown ("")."""
    level = "same" if a.sex == b.sex else "different"
    if not a.sex or not b.sex:
        level = "missing"
    return Comparison("sex", level, a.sex, b.sex)


def compare_documents(a: PersonRecord, b: PersonRecord) -> Comparison:
    """`documents`: personal documents (`PERSONAL_DOCUMENTS`; keys from
    `identifiers.identifier_key`). `shared` when one (kind, key) is on both; `conflict` when
    both hold a kind, none shared, with different keys; `missing` otherwise (no kind in common)."""
    left = {doc for doc in a.documents if doc[0] in PERSONAL_DOCUMENTS and doc[1]}
    right = {doc for doc in b.documents if doc[0] in PERSONAL_DOCUMENTS and doc[1]}
    shown = _documents_shown(left), _documents_shown(right)
    if left & right:
        level = "shared"
    elif {kind for kind, _ in left} & {kind for kind, _ in right}:
        level = "conflict"
    else:
        level = "missing"
    return Comparison("documents", level, *shown)


def _documents_shown(documents: set[tuple[str, str]]) -> str:
    return ", ".join(f"{kind}:{key}" for kind, key in sorted(documents))


def compare(
    a: PersonRecord, b: PersonRecord, names: NameVocabulary | None = None
) -> list[Comparison]:
    """Every feature of the pair (a, b), in the order of `FEATURES`.

    The mother and the birth date are read in the light of the lineage and the given names.
    Siblings share the mother and the lineage, twins the birth date as well; counted as
    independent of the lineage (the usual Fellegi–Sunter assumption), one family would be counted
    three times and twins proposed as one person. So when the lineage levels are those of
    siblings (`KIN_LEVELS`), the mother's and the birth date's levels carry a context suffix with
    its own weights: `+kin` when the given names agree (or one is missing), `+near` when they
    are only `similar` (a slip), `+sibling` when they differ, are `other_name` (two known
    names) or `consonants_only` (two names of one skeleton: حسن and حسين, twins as often as a
    typo); the given name's
    level carries `+lineage` when the whole chain agrees, `+partial` otherwise. u is then the
    chance of the level among pairs of that context, siblings included.
    """
    given = compare_given(a, b, names)
    lineage = compare_lineage(a, b)
    context = ""
    if lineage.level in KIN_LEVELS:
        context = {
            "different": SIBLING,
            "other_name": SIBLING,
            "consonants_only": SIBLING,
            "similar": NEAR,
        }.get(given.level, KIN)
    given_context = ""
    if context:
        given_context = LINEAGE if lineage.level == "all_agree" else PARTIAL
    if given.level not in ("exact", "same_key") and lineage.value:
        # The chain's frequency is fitted among namesakes (`fit.lineage_frequencies`): it says
        # how rare a person of this name and lineage is, not how rare a family.
        lineage = Comparison("lineage", lineage.level, lineage.left, lineage.right)
    return [
        _in_context(given, given_context),
        lineage,
        _in_context(compare_mother(a, b), context),
        _in_context(compare_birth(a, b), context),
        compare_sex(a, b),
        compare_documents(a, b),
    ]


def _in_context(comparison: Comparison, context: str) -> Comparison:
    if not context or comparison.level == "missing":
        return comparison
    level = comparison.level + context
    return Comparison(
        comparison.feature, level, comparison.left, comparison.right, comparison.value
    )
