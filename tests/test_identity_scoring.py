"""Duplicate scoring as a reviewer meets it: relatives are not offered as one person, the same
person written another way is, and every proposal says why, feature by feature."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.identity.blocking import MAX_KEY_LENGTH, blocking_keys, candidate_pairs
from app.identity.compare import FEATURES, LEVELS, birth_level
from app.identity.fit import fit, label_pairs
from app.identity.person import BirthDate, NamePart, PersonRecord, Precision
from app.identity.scoring import MODEL_PATH, load_model, score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.identity_data import generate

MOTHER = NamePart("فاطمة حسين الجبوري", "Fatima Hussein Al-Jubouri")
ALI = PersonRecord(
    key="a",
    given=NamePart("علي", "Ali"),
    father=NamePart("أحمد", "Ahmed"),
    grandfather=NamePart("عبد الله", "Abdullah"),
    family=NamePart("الجبوري", "Al-Jubouri"),
    mother=MOTHER,
    sex="M",
    birth=BirthDate(date(1990, 3, 14)),
    group="H1",
)


def person(**changes) -> PersonRecord:
    return replace(ALI, **{"key": "b", "group": "L1", **changes})


def levels(result) -> dict[str, str]:
    return {feature.feature: feature.level for feature in result.features}


def test_brothers_sharing_lineage_and_mother_are_not_proposed():
    brother = person(given=NamePart("عمر", "Omar"), birth=BirthDate(date(1993, 7, 1)))
    result = score(ALI, brother)
    assert not result.proposed
    assert levels(result)["lineage"] == "all_agree"


@pytest.mark.parametrize(("a", "b"), [("حسن", "حسين"), ("محمد", "محمود")])
def test_brothers_with_names_one_letter_apart_are_not_proposed(a, b):
    first = person(key="x", group="H9", given=NamePart(a), birth=BirthDate(date(1990, 1, 1)))
    second = person(given=NamePart(b), birth=BirthDate(date(1993, 5, 5)))
    assert not score(first, second).proposed


def test_twins_are_not_proposed():
    twin = person(given=NamePart("عمر", "Omar"))
    result = score(ALI, twin)
    assert levels(result)["birth"].startswith("same_day")
    assert not result.proposed


def test_father_and_son_are_not_proposed_and_read_as_shifted():
    son = person(
        given=NamePart("حسن", "Hassan"),
        father=ALI.given,
        grandfather=ALI.father,
        mother=NamePart("زينب محمد الدليمي"),
        birth=BirthDate(date(2012, 1, 1), Precision.YEAR),
    )
    result = score(ALI, son)
    assert levels(result)["lineage"] == "shifted"
    assert not result.proposed
    assert levels(score(son, ALI))["lineage"] == "shifted"


def test_same_person_in_latin_letters_only_without_grandfather_is_proposed():
    listed = person(
        given=NamePart("", "Aly"),
        father=NamePart("", "Ahmad"),
        grandfather=NamePart(),
        family=NamePart("", "Jabouri"),
        mother=NamePart("", "Fatimah Husain Al-Juburi"),
        birth=BirthDate(date(1990, 1, 1), Precision.YEAR),
    )
    result = score(ALI, listed)
    assert levels(result)["lineage"] == "father_agrees_part_missing"
    assert result.proposed


def test_same_person_with_hamza_taa_marbuta_and_joined_compound_is_proposed():
    fatima = person(
        key="f",
        group="H2",
        given=NamePart("فاطمة"),
        father=NamePart("عبد الله"),
        grandfather=NamePart("أحمد"),
        family=NamePart("الجبوري"),
        mother=NamePart("هدى علي الجبوري"),
        sex="F",
        birth=BirthDate(date(2001, 5, 2)),
    )
    variant = replace(
        fatima,
        key="g",
        group="L2",
        given=NamePart("فاطمه"),
        father=NamePart("عبدالله"),
        grandfather=NamePart("احمد"),
        mother=NamePart("هدي علي الجبوري"),
        birth=BirthDate(date(2001, 1, 1), Precision.YEAR),
    )
    result = score(fatima, variant)
    assert levels(result)["given"] in ("exact+lineage", "same_key+lineage")
    assert result.proposed


def test_age_estimate_is_within_estimate():
    estimate = BirthDate(date(1989, 6, 1), Precision.AGE, date(2025, 6, 1))
    assert birth_level(ALI.birth, estimate) == "within_estimate"
    assert birth_level(ALI.birth, BirthDate(date(1991, 3, 14))) == "near"
    assert birth_level(ALI.birth, BirthDate(date(1990, 1, 1), Precision.YEAR)) == "same_year"
    assert birth_level(ALI.birth, None) == "missing"


def test_shared_civil_id_lifts_and_conflicting_one_lowers():
    sparse = person(mother=NamePart(), birth=None, grandfather=NamePart())
    base = score(ALI, sparse).weight
    with_id = [("civil_id", "199012345678")]
    shared = score(
        replace(ALI, documents=frozenset(with_id)), replace(sparse, documents=frozenset(with_id))
    )
    conflict = score(
        replace(ALI, documents=frozenset(with_id)),
        replace(sparse, documents=frozenset({("civil_id", "199012345679")})),
    )
    assert levels(shared)["documents"] == "shared"
    assert shared.weight > base > conflict.weight
    assert levels(conflict)["documents"] == "conflict"


def test_explanation_lists_every_feature_with_level_weight_and_values():
    result = score(ALI, person(given=NamePart("", "Ali")))
    assert [feature.feature for feature in result.features] == list(FEATURES)
    for feature in result.features:
        base = feature.level.split("+")[0]
        assert base in {level.split("+")[0] for level in LEVELS[feature.feature]}
        assert isinstance(feature.weight, float)
    given_line = result.features[0]
    assert (given_line.left, given_line.right) == ("علي / Ali", "Ali")
    total = load_model().prior_weight + sum(feature.weight for feature in result.features)
    assert result.weight == pytest.approx(total)
    assert 0 <= result.probability <= 1


def test_records_of_one_group_are_never_scored():
    assert score(ALI, replace(ALI, key="c")) is None


def test_model_file_loads_and_is_versioned():
    model = load_model()
    assert MODEL_PATH.exists()
    assert model.version.startswith("awda-2026-11-")
    assert model.fitted_on["seed"] != 2  # the benchmark evaluates on seed 2
    assert load_model() is model  # cached


@pytest.fixture(scope="module")
def small_set():
    return generate(3_000, seed=11)


def test_fit_is_reproducible():
    first_set, again = generate(1_000, seed=11), generate(1_000, seed=11)
    first = fit(label_pairs(first_set.records, first_set.matches), {"seed": 11})
    second = fit(label_pairs(again.records, again.matches), {"seed": 11})
    assert first.to_json() == second.to_json()
    assert first.adjustments["given"]["values"]  # name frequencies are fitted data


def test_quality_on_a_small_generated_set(small_set):
    # The goals, on a set the model was not fitted on (seed 11, ~3,000 persons): no
    # sibling, twin or father/son proposed; precision and recall at 0.97 or more (0.98 on the
    # benchmark's 20,000, bench/identity.py); quick enough to run in the suite.
    started = time.perf_counter()
    model = load_model()
    records = small_set.records
    proposed = []
    for i, j in candidate_pairs(records):
        result = score(records[i], records[j], model)
        if result.proposed:
            proposed.append((records[i].key, records[j].key))
    elapsed = time.perf_counter() - started
    relations = [small_set.relation(a, b) for a, b in proposed]
    true = relations.count("same")
    assert true / len(proposed) >= 0.97
    assert true / len(small_set.matches) >= 0.97
    assert relations.count("sibling") == 0
    assert relations.count("twin") == 0
    assert relations.count("parent") == 0
    assert elapsed < 20


def test_twins_and_a_typo_are_told_apart():
    # Twins: one lineage, mother and day of birth, given names two names of one skeleton.
    hassan = replace(ALI, given=NamePart("حسن"))
    hussein = person(given=NamePart("حسين"))
    # Both are names the model knows, and two names: not one person's name and a slip.
    assert levels(score(hassan, hussein))["given"] == "other_name+lineage"
    assert not score(hassan, hussein).proposed
    # The same person with a slip in the given name.
    slip = person(given=NamePart("حسبن"))  # ي typed ب
    assert levels(score(replace(ALI, given=NamePart("حسين")), slip))["given"] == "similar+lineage"


def test_a_slip_inside_a_compound_is_similar_not_different():
    from app.identity.compare import compare_slots, slot

    assert compare_slots(slot("عبذ الله"), slot("عبد الله")) == "similar"
    assert compare_slots(slot("فاظمه"), slot("فاطمة")) == "similar"
    registered = replace(ALI, father=NamePart("عبد الله"))
    listed = person(father=NamePart("عبذ الله"))
    assert levels(score(registered, listed))["lineage"] == "father_similar"
    assert score(registered, listed).proposed


def _name(text: str) -> NamePart:
    return NamePart(text) if "\u0600" <= text[0] <= "\u06ff" else NamePart("", text)


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("حسين", "Husain", "same_key"),
        ("حسين", "Hussein", "same_key"),
        ("حسن", "Husain", "consonants_only"),
        ("حسين", "Hassan", "consonants_only"),
        ("Hassan", "Hussein", "consonants_only"),
        ("محمد", "Mohammed", "same_key"),
        ("محمد", "Mahmoud", "consonants_only"),
        ("Mohammed", "Mahmoud", "consonants_only"),
        ("عامر", "Umar", "consonants_only"),
        ("عمر", "Omar", "same_key"),
        ("سعد", "Sa'ad", "same_key"),
        ("عبد العزيز", "Abdulaziz", "same_key"),
        ("Abdelaziz", "Abd al-Aziz", "same_key"),
        ("عثمان", "Osman", "same_key"),
        ("Othman", "Osman", "same_key"),
        ("منذر", "Munther", "same_key"),
        ("Munther", "Mundhir", "same_key"),
        ("المشهداني", "Mashadani", "same_key"),
        ("شهد", "Shahad", "same_key"),
    ],
)
def test_names_across_scripts_read_their_vowels(a, b, level):
    from app.identity.compare import compare_slots, slot

    assert compare_slots(slot(_name(a)), slot(_name(b))) == level
    assert compare_slots(slot(_name(b)), slot(_name(a))) == level


def test_brothers_whose_names_share_consonants_across_scripts_are_not_proposed():
    brother = person(
        given=NamePart("", "Husain"),
        father=NamePart("", "Ahmed"),
        grandfather=NamePart(),
        family=NamePart("", "Al-Jubouri"),
        mother=NamePart("", "Fatima Hussein Al-Jubouri"),
        birth=BirthDate(date(1993, 8, 7)),
    )
    hassan = replace(ALI, given=NamePart("حسن"))
    result = score(hassan, brother)
    # Both known names (Husain spells حسين), two names; no grandfather on one side.
    assert levels(result)["given"] == "other_name+partial"
    assert not result.proposed


def test_brothers_whose_names_are_one_slip_apart_across_scripts_are_not_proposed():
    # Ahmad and عماد (skeletons ahmd, amd): by the spelling rules one letter dropped, the pattern
    # of a slip; but both are known names, and two names: brothers, not one man.
    imad = replace(ALI, given=NamePart("عماد"), birth=BirthDate(date(1990, 1, 1), Precision.YEAR))
    ahmad = person(given=NamePart("", "Ahmad"), birth=BirthDate(date(1991, 6, 2)))
    result = score(imad, ahmad)
    assert levels(result)["given"] == "other_name+lineage"
    assert not result.proposed
    assert not score(ahmad, imad).proposed


def test_two_known_names_of_one_skeleton_across_scripts_are_two_names():
    # حنان and Hanaa (a spelling of هناء) share the skeleton hn: sisters, not one woman.
    hanan = replace(ALI, given=NamePart("حنان"), sex="F")
    sister = person(given=NamePart("", "Hanaa"), sex="F", birth=BirthDate(date(1994, 2, 2)))
    assert levels(score(hanan, sister))["given"] == "other_name+lineage"
    assert not score(hanan, sister).proposed
    # A spelling of the same name stays `same_key`.
    assert levels(score(hanan, person(given=NamePart("", "Hanaan"))))["given"] == (
        "same_key+lineage"
    )


@pytest.mark.parametrize("slip", ["Fama", "Fatma"])
def test_a_slip_in_a_latin_spelling_is_still_proposed(slip):
    # "Fama" is no name: a slip for Fatma (فاطمة), proposed on the rest of the evidence.
    fatima = replace(ALI, given=NamePart("فاطمة"), sex="F")
    listed = person(given=NamePart("", slip), sex="F")
    result = score(fatima, listed)
    assert levels(result)["given"] in ("similar+lineage", "same_key+lineage")
    assert result.proposed


def test_the_name_vocabulary_is_fitted_data():
    names = load_model().names
    assert names is not None
    assert {"احمد", "عماد", "فاطمه"} <= names.arabic
    assert names.latin["ahmad"] == {"احمد"}
    assert "fama" not in names.latin


def test_a_rare_given_name_weighs_more_than_a_common_one():
    common = score(replace(ALI, given=NamePart("محمد")), person(given=NamePart("محمد")))
    rare = score(replace(ALI, given=NamePart("منذر")), person(given=NamePart("منذر")))
    assert rare.features[0].weight > common.features[0].weight


arabic_names = st.sampled_from(["محمد", "أحمد", "عبد الله", "فاطمة", "زينب", "حسين", "مصطفى"])
latin_names = st.sampled_from(["Mohammed", "Ahmad", "Abdullah", "Fatima", "Zainab", "Hussein"])
parts = st.builds(NamePart, arabic_names | st.just(""), latin_names | st.just(""))
births = st.none() | st.builds(
    BirthDate,
    st.dates(date(1940, 1, 1), date(2024, 12, 31)),
    st.sampled_from([Precision.DAY, Precision.YEAR, Precision.MONTH]),
)
records = st.builds(
    PersonRecord,
    key=st.just("r"),
    given=parts,
    father=parts,
    grandfather=parts,
    family=parts,
    mother=parts,
    sex=st.sampled_from(["F", "M", ""]),
    birth=births,
    group=st.sampled_from(["A", "B", ""]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records, records)
def test_score_is_symmetric(a, b):
    b = replace(b, key="s", group="" if a.group == b.group else b.group)
    forward, backward = score(a, b), score(b, a)
    assert forward.weight == pytest.approx(backward.weight)
    assert levels(forward) == levels(backward)
    assert [(f.left, f.right) for f in forward.features] == [
        (f.right, f.left) for f in backward.features
    ]


@settings(max_examples=100, deadline=None)
@given(records)
def test_a_record_with_its_name_chain_and_birth_matches_itself(record):
    # Given and father alone (محمد محمد, born 2000) are shared by too many people to be proposed.
    chain = record.given and record.father and (record.grandfather or record.family)
    if not (chain and record.birth):
        return
    assert score(record, replace(record, key="t", group="other")).proposed


DECORATIONS = ["\u064e", "\u0651", "\u0640", "\u200f", "\u200e"]


@settings(max_examples=100, deadline=None)
@given(records, st.lists(st.sampled_from(DECORATIONS), min_size=1, max_size=4), st.integers(0, 3))
def test_blocking_keys_ignore_diacritics_tatweel_and_direction_marks(record, marks, at):
    def decorate(part: NamePart) -> NamePart:
        if len(part.ar) < 2:
            return part
        cut = 1 + at % (len(part.ar) - 1)
        return NamePart(part.ar[:cut] + "".join(marks) + part.ar[cut:], part.en)

    decorated = replace(
        record,
        given=decorate(record.given),
        father=decorate(record.father),
        grandfather=decorate(record.grandfather),
        family=decorate(record.family),
        mother=decorate(record.mother),
    )
    keys = blocking_keys(record)
    assert blocking_keys(decorated) == keys
    assert all(len(key) <= MAX_KEY_LENGTH for key in keys)
