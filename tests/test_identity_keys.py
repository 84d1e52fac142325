"""Property tests: for any identifier, number or name, and any invisible variant of it (other
digits, direction marks, presentation forms, dashes, case, spacing), the stored key and the
search result are those of the plain value."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.text import ascii_digits, clean, clean_code
from app.identity.identifiers import case_number_key, format_case_number, identifier_key
from app.identity.names import fold, name_words, search_tokens
from app.registry.phone import normalise_phone

INVISIBLE = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066"]
INVISIBLE += ["\u2067", "\u2068", "\u2069", "\u200b", "\u200c", "\u200d", "\ufeff", "\u061c"]
INVISIBLE += ["\u00ad", "\x00"]
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]
SPACES = [" ", "\u00a0", "\u2007", "\u202f", "\u3000", "\t"]
DIGIT_SETS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９"]
ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
# Each Arabic letter's presentation forms (isolated, final, initial, medial), as PDFs paste them.
PRESENTATION = {}
for code in range(0xFE70, 0xFF00):
    base = unicodedata.normalize("NFKC", chr(code))
    if len(base) == 1:
        PRESENTATION.setdefault(base, []).append(chr(code))


@st.composite
def invisible_variant(draw, plain: str, digits: bool = True, case: bool = True) -> str:
    """`plain` as it may arrive: marks anywhere, other digits, dashes and spaces, case."""
    digit_set = draw(st.sampled_from(DIGIT_SETS)) if digits else DIGIT_SETS[0]
    out = []
    for ch in plain:
        if draw(st.booleans()) and draw(st.booleans()):
            out.append(draw(st.sampled_from(INVISIBLE)))
        if ch.isdigit():
            ch = digit_set[int(ch)]
        elif ch == "-":
            ch = draw(st.sampled_from(DASHES))
        elif ch == " ":
            ch = draw(st.sampled_from(SPACES)) * draw(st.integers(1, 3))
        elif ch in PRESENTATION and draw(st.booleans()):
            ch = draw(st.sampled_from(PRESENTATION[ch]))
        elif case and ch.isascii() and ch.isalpha():
            ch = ch.upper() if draw(st.booleans()) else ch.lower()
        out.append(ch)
    padding = draw(st.sampled_from(["", " ", "\u200f", "\u00a0 "]))
    return padding + "".join(out) + padding


camp_ids = st.from_regex(r"[A-Z]{2,4}-[0-9]{1,6}", fullmatch=True)
arabic_words = st.text(alphabet=ARABIC_LETTERS, min_size=2, max_size=8)
arabic_names = st.lists(arabic_words, min_size=1, max_size=4).map(" ".join)
latin_names = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9), min_size=1, max_size=4
).map(" ".join)


@given(st.data(), camp_ids)
def test_a_camp_id_keys_alike_however_it_is_typed(data, plain):
    variant = data.draw(invisible_variant(plain))
    assert identifier_key(variant) == identifier_key(plain) == plain.replace("-", "").lower()


@given(st.data(), st.sampled_from(["AWD", "RET"]), st.integers(2020, 2099), st.integers(1, 999999))
def test_a_case_number_is_found_in_any_digits_with_or_without_zeros(data, prefix, year, number):
    plain = format_case_number(prefix, year, number)
    unpadded = f"{prefix}-{year}-{number}"
    variant = data.draw(invisible_variant(data.draw(st.sampled_from([plain, unpadded]))))
    assert case_number_key(variant) == plain


@given(st.data(), st.from_regex(r"7[0-9]{9}", fullmatch=True))
def test_a_phone_is_stored_alike_however_it_is_typed(data, national):
    plain = f"+964{national}"
    spaced = data.draw(
        st.sampled_from([plain, f"0{national}", f"+964 {national[:3]} {national[3:]}"])
    )
    variant = data.draw(invisible_variant(spaced))
    assert normalise_phone(clean_code(variant)) == plain


@given(st.data(), st.one_of(arabic_names, latin_names))
def test_a_name_keys_and_folds_alike_however_it_is_pasted(data, plain):
    variant = data.draw(invisible_variant(plain, digits=False))
    assert fold(variant) == fold(plain)
    assert name_words(variant) == name_words(plain)
    assert search_tokens([variant]) == search_tokens([plain])


@given(st.data(), arabic_names)
def test_a_name_is_stored_as_plain_letters(data, plain):
    """What is stored (the cleaned form value) is the plain name: presentation forms and
    marks gone, spaces single, the person's letters otherwise untouched."""
    variant = data.draw(invisible_variant(plain, digits=False, case=False))
    assert clean(variant) == plain


@given(st.text())
def test_cleaning_is_idempotent_and_leaves_nothing_invisible(text):
    once = clean(text)
    assert clean(once) == once
    assert once == once.strip() and "  " not in once and "\n" not in once
    categories = {unicodedata.category(ch) for ch in once}
    assert not categories & {"Cf", "Cc", "Cs", "Co", "Zl", "Zp"}
    assert all(ch == " " for ch in once if unicodedata.category(ch) == "Zs")


@given(st.text())
def test_multiline_cleaning_keeps_lines_and_nothing_invisible(text):
    once = clean(text, multiline=True)
    assert clean(once, multiline=True) == once
    assert "\n\n\n" not in once and "\r" not in once
    assert not {unicodedata.category(ch) for ch in once} & {"Cf", "Cs", "Co"}
    assert all(ch == "\n" for ch in once if unicodedata.category(ch) == "Cc")


@given(st.text(alphabet=st.characters(categories=["Nd"])))
def test_every_decimal_digit_reads_as_ascii(digits):
    assert ascii_digits(digits) == "".join(str(unicodedata.decimal(ch)) for ch in digits)


# --- the search result itself, on the database ----------------------------------------------


@pytest.fixture
def stored(world):
    """One household whose head has a compound Arabic name and a Latin one."""
    from tests.factories import HouseholdFactory, MemberFactory

    member = MemberFactory(
        given_name_ar="عبد الرحمن",
        father_name_ar="مصطفى",
        family_name_ar="الهيتي",
        given_name_en="Abdulrahman",
        father_name_en="Mustafa",
        family_name_en="Al-Hiti",
    )
    return HouseholdFactory(
        team=world.team_a, camp=world.camp, camp_ref="HOL-40512", members=[member]
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    plain=st.sampled_from(
        ["عبد الرحمن الهيتي", "مصطفى", "Abdulrahman Al-Hiti", "mustafa", "HOL-40512"]
    ),
)
def test_a_search_finds_the_same_households_however_it_is_typed(world, stored, data, plain):
    from app.registry.queries import CaseFilters, search_cases

    variant = data.draw(invisible_variant(plain))
    found = search_cases(world.caseworker_a, CaseFilters(q=clean(variant)))
    assert [h.id for h in found.items] == [stored.id]


@given(st.text())
def test_a_posted_number_is_read_or_refused_never_an_error(text):
    from app.core.text import whole_number

    value = whole_number(text)
    # Read as posted: surrounding white space (str.strip's, wider than int's) is no part of it.
    digits = ascii_digits(text.strip())
    assert value is None or (0 <= value < 10**9 and str(value) == str(int(digits)))


def test_numbers_that_isdigit_accepts_but_int_refuses_are_refused():
    from app.core.text import whole_number

    assert whole_number("²") is None and whole_number("9" * 5000) is None
    assert whole_number("٤٥") == 45 and whole_number(" 7 ") == 7 and whole_number(None, -1) == -1
