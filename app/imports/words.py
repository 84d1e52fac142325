"""A list's own words for relationship and sex, and its full names cut into name slots."""

from __future__ import annotations

from app.identity.names import _compounds, fold

# The list's word (folded) -> Awda's relationship code (registry.vocab.RELATIONSHIPS).
RELATIONSHIP_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("رب الأسرة", "ربة الأسرة", "رب العائلة", "ربة العائلة", "رب اسرة", "ربة اسرة",
         "رب عائلة", "ربة عائلة", "المعيل", "المعيلة", "head", "head of household",
         "head of hh", "head of family", "hoh", "hh head"),
        "head",
    ),
    **dict.fromkeys(
        ("زوجة", "زوج", "الزوجة", "الزوج", "wife", "husband", "spouse",
         # Second, third and fourth wives are each the head's spouse.
         "زوجة ثانية", "الزوجة الثانية", "زوجة ثالثة", "الزوجة الثالثة", "زوجة رابعة",
         "الزوجة الرابعة", "الزوجة الأولى", "زوجة أولى", "second wife", "third wife",
         "fourth wife", "first wife", "wife 2", "wife 3"),
        "spouse",
    ),
    **dict.fromkeys(("ابن", "الابن", "ولد", "son"), "son"),
    **dict.fromkeys(("ابنة", "بنت", "الابنة", "البنت", "daughter"), "daughter"),
    **dict.fromkeys(("أم", "الأم", "والدة", "الوالدة", "mother"), "mother"),
    **dict.fromkeys(("أب", "الأب", "والد", "الوالد", "father"), "father"),
    **dict.fromkeys(("أخ", "أخت", "الأخ", "الأخت", "brother", "sister", "sibling"), "sibling"),
    **dict.fromkeys(("حفيد", "حفيدة", "grandson", "granddaughter", "grandchild"), "grandchild"),
    # Parents' siblings, siblings' children, cousins, grandparents: relatives Awda has no
    # code of their own for.
    **dict.fromkeys(
        ("عم", "عمة", "خال", "خالة", "جد", "جدة", "ابن أخ", "ابنة أخ", "بنت أخ", "ابن أخت",
         "ابنة أخت", "بنت أخت", "ابن عم", "ابنة عم", "بنت عم", "ابن خال", "بنت خال",
         "uncle", "aunt", "nephew", "niece", "cousin", "grandfather", "grandmother",
         "grandparent"),
        "other_relative",
    ),
    **dict.fromkeys(
        ("كنة", "زوجة الابن", "صهر", "حماة", "حمو", "daughter-in-law", "son-in-law", "in-law"),
        "in_law",
    ),
    **dict.fromkeys(("قريب", "قريبة", "relative", "other relative"), "other_relative"),
    **dict.fromkeys(("غير قريب", "not related", "unrelated"), "not_related"),
}  # fmt: skip
SEX_WORDS: dict[str, str] = {
    **dict.fromkeys(("ذكر", "ذ", "ولد", "رجل", "m", "male", "man", "boy"), "M"),
    **dict.fromkeys(
        ("أنثى", "انثى", "أ", "ا", "بنت", "امرأة", "f", "female", "woman", "girl"), "F"
    ),
}  # fmt: skip

_RELATIONSHIPS = {fold(word): code for word, code in RELATIONSHIP_WORDS.items()}
_SEXES = {fold(word): code for word, code in SEX_WORDS.items()}
_SLOTS = ("given", "father", "grandfather", "family")


def relationship_code(word: str) -> str | None:
    """The relationship a list's word says ("رب الأسرة", "Wife"), or None if unknown."""
    return _RELATIONSHIPS.get(fold(word))


def sex_code(word: str) -> str | None:
    """ "F" or "M" for a list's word for sex ("أنثى", "ذكر", "F", "male"), None if unknown."""
    return _SEXES.get(fold(word))


def name_slots(full_name: str) -> dict[str, str]:
    """A full name cut into its slots, as Iraqi names are chained: given, father, grandfather,
    then the family or tribe name (a last word with the article, or any fourth and later
    words). Compounds stay whole (عبد الله, أبو بكر). Words keep their spelling as typed.

    "علي حسين كاظم الجبوري" -> given علي, father حسين, grandfather كاظم, family الجبوري;
    "فاطمة أحمد الجبوري" -> given, father, family; "زينب حسن محمد" -> given, father, grandfather.
    """
    words = _typed_compounds(full_name)
    slots: dict[str, str] = {}
    if len(words) >= 3 and (len(words) >= 4 or has_article(words[-1])):
        slots["family"] = " ".join(words[3:]) if len(words) > 4 else words[-1]
        words = words[:3] if len(words) >= 4 else words[:-1]
    for slot, word in zip(_SLOTS, words, strict=False):
        slots[slot] = word
    return slots


def has_article(word: str) -> bool:
    """Whether a name begins with the article (الجبوري, AL-JUBURI, al Obaidi, El-Sayed): the
    mark of a family or tribe name."""
    folded = fold(word)
    return (
        folded.startswith("ال") or folded.startswith(("al ", "al-", "el ")) or folded[:3] == "al "
    )


# First words of a kunya, folded: Abu / Umm and their spellings.
KUNYA_WORDS = frozenset({"ابو", "ام", "abu", "abou", "abo", "umm", "um", "om", "oum"})


def is_kunya(name: str) -> bool:
    """Whether `name` is a kunya: "Abu Umar", "أبو عمر", "Umm Ahmad al-Juburi"."""
    words = fold(name).replace("-", " ").split()
    return len(words) >= 2 and words[0] in KUNYA_WORDS


def _typed_compounds(full_name: str) -> list[str]:
    """The words of `full_name` as typed, a compound (عبد + الله) kept as one slot."""
    typed = full_name.split()
    joined = [word for word, _stem in _compounds(fold(full_name))]
    if len(joined) == len(typed):
        return typed
    # Rebuild the typed spelling of each joined word from as many typed words as it took.
    words, index = [], 0
    for word in joined:
        taken, parts = "", []
        while index < len(typed) and len(fold(taken + typed[index]).replace(" ", "")) <= len(word):
            parts.append(typed[index])
            taken += typed[index]
            index += 1
            if fold(taken).replace(" ", "") == word:
                break
        words.append(" ".join(parts) if parts else word)
    return words
