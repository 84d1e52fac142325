"""A registered person found on a watch list by the identity matcher's keys and scorer, under
the spellings lists use (Latin letters, a grandfather dropped, a year of birth only), while his
brother and his son, who share his father's or his own name, are not."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.identity import linkage
from app.watchlist import loading, matching
from app.watchlist.models import ListKind
from app.watchlist.un_xml import read_un_list
from tests.factories import HouseholdFactory, MemberFactory
from tests.watchlist_data import un_list_xml

WANTED = {
    "dataid": "6909001",
    "reference": "QDi.9001",
    "names": ["AHMAD", "MUHAMMAD", "HUSAYN", "AL-JUBURI"],
    "original_script": "أحمد محمد حسين الجبوري",
    "list_type": "Al-Qaida",
    "births": [{"type": "EXACT", "year": "1980"}],
    "aliases": [{"quality": "Good", "name": "Abu Umar al-Juburi"}],
}


@pytest.fixture
def family(world):
    """The wanted man, his brother (same father, same mother) and his son, registered."""

    def member(given, father, grandfather, born, relationship="head", **extra):
        return MemberFactory(
            given_name_ar=given,
            father_name_ar=father,
            grandfather_name_ar=grandfather,
            family_name_ar="الجبوري",
            mother_name_ar=extra.pop("mother", "فاطمة علي"),
            birth_date=born,
            relationship=relationship,
            sex="M",
            **extra,
        )

    ahmad = member("احمد", "محمد", "حسين", date(1980, 3, 5))
    son = member("عمر", "احمد", "محمد", date(2008, 6, 1), "son", mother="زينب خالد")
    brother = member("علي", "محمد", "حسين", date(1983, 1, 9))
    for members in ([ahmad, son], [brother]):
        HouseholdFactory(
            team=world.team_a, camp=world.camp, origin_governorate=world.ninewa, members=members
        )
    db.session.flush()
    linkage.refresh([ahmad, son, brother])
    db.session.commit()
    return {"ahmad": ahmad, "son": son, "brother": brother}


def load(world, people, content=None):
    data = content or un_list_xml(people)
    loaded = loading.load(
        "UN consolidated list", ListKind.UN, read_un_list(data), "c.xml", data, world.screener
    )
    db.session.commit()
    return loaded


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"names": ["AHMAD", "MUHAMMAD", "AL-JUBURI"]},  # the grandfather dropped
        {"names": ["AHMED", "MOHAMMED", "HUSSEIN", "AL JUBOURI"], "original_script": ""},
        {"births": [{"type": "BETWEEN", "from_year": "1979", "to_year": "1981"}]},
        {"names": ["AHMED", "MOHAMMED", "AL-JUBOURI"], "original_script": ""},
        {"names": ["AHMED", "MOHAMMED AL-JUBOURI"], "original_script": ""},
        {"births": [{"type": "APPROXIMATELY", "year": "1981"}]},
    ],
    ids=[
        "as-listed",
        "no-grandfather",
        "latin-only",
        "years-between",
        "latin-three-parts",
        "family-in-the-last-part",
        "approximately-a-year-off",
    ],
)
def test_the_listed_man_is_found_and_his_brother_and_son_are_not(world, family, variant):
    load(world, [{**WANTED, **variant}])
    found = {who: matching.entries_for(person) for who, person in family.items()}
    assert [f.entry.reference for f in found["ahmad"]] == ["QDi.9001"]
    assert found["brother"] == [] and found["son"] == []
    explained = {feature.feature for feature in found["ahmad"][0].score.features}
    assert {"given", "birth"} <= explained  # every alert says why, feature by feature


def test_a_removed_entry_is_no_longer_found(world, family):
    other = {
        **WANTED,
        "reference": "QDi.9002",
        "dataid": "6909002",
        "names": ["KHALID", "YASIR", "SALIH", "AL-DULAYMI"],
        "original_script": "",
    }
    load(world, [WANTED, other])
    assert matching.entries_for(family["ahmad"])
    load(world, [other])
    assert matching.entries_for(family["ahmad"]) == []


@pytest.mark.parametrize(
    ("parts", "slots"),
    [
        (
            ["AHMAD", "MUHAMMAD", "HUSAYN", "AL-JUBURI"],
            ("AHMAD", "MUHAMMAD", "HUSAYN", "AL-JUBURI"),
        ),
        (["MUHAMMAD", "HASAN", "AL OBAIDI"], ("MUHAMMAD", "HASAN", "", "AL OBAIDI")),
        (["MUNDHIR", "NOURI AL-TIKRITI"], ("MUNDHIR", "NOURI", "", "AL-TIKRITI")),
        (["ABU BAKR", "AL-BAGHDADI"], ("ABU BAKR", "", "", "AL-BAGHDADI")),
        (["HASAN", "ABD AL-RAHMAN"], ("HASAN", "ABD AL-RAHMAN", "", "")),  # one compound name
        (["ZAYD", "UMAR", "SALIH"], ("ZAYD", "UMAR", "SALIH", "")),  # no article: a grandfather
        (["A", "B", "C", "D", "E"], ("A", "B", "C", "D E")),
    ],
)
def test_the_uns_name_parts_are_read_into_their_slots(parts, slots):
    (_which, record), *_ = matching.entry_records(1, {"names": parts})
    got = (record.given.en, record.father.en, record.grandfather.en, record.family.en)
    assert got == slots


def test_a_national_list_in_arabic_is_read_as_arabic_only():
    data = {"names": ["احمد", "محمد", "الجبوري"], "original_script": "احمد محمد الجبوري"}
    (_which, record), *_ = matching.entry_records(1, data)
    assert (record.given.ar, record.family.ar) == ("احمد", "الجبوري")
    assert (record.given.en, record.family.en) == ("", "")


def test_a_kunya_alias_is_the_listed_mans_known_as_name_not_a_given_name():
    data = {"names": ["AHMAD", "MUHAMMAD", "AL-JUBURI"], "aliases": [["Abu Umar", "low"]]}
    records = dict(matching.entry_records(1, data))
    assert (records["low"].known_as, records["low"].given.en) == ("Abu Umar", "AHMAD")
    assert records["low"].family.en == "AL-JUBURI"
