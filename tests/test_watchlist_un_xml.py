"""The UN Security Council consolidated list read from its XML, as a screener relies on it:
every value of a listed individual, birth dates as exact as the list gives them and no more,
aliases with their quality, documents as Awda's identifier kinds, entities left out; files
that are not the list, or that attack the parser, refused with a message; and a digest that
changes exactly when the person's entry does. Lists are invented (tests/watchlist_data.py)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.text import clean, clean_code
from app.identity.person import BirthDate, Precision
from app.registry import vocab
from app.watchlist.un_xml import (
    DOCUMENT_KINDS,
    MAX_RANGE_YEARS,
    MB,
    ListedName,
    ListedPerson,
    UnreadableWatchList,
    read_un_list,
)
from tests.watchlist_data import invent_people, un_list_xml

DAY, MONTH, YEAR = Precision.DAY, Precision.MONTH, Precision.YEAR

ZAYD = {
    "dataid": "6909001",
    "reference": "QDi.9001",
    "names": ["ABU BAKR", "MUHAMMAD", "HUSAYN", "AL-JUBURI"],
    "original_script": "أبو بكر محمد حسين الجبوري",
    "gender": "Male",
    "list_type": "Al-Qaida",
    "listed_on": "2016-04-20",
    "comments": "Invented for tests.\nMother's name: invented.",
    "nationalities": ["Iraq", "Syrian Arab Republic"],
    "aliases": [
        {"quality": "Good", "name": "Abu Bakr al-Juburi"},
        {"quality": "Low", "name": "Abu Zayd"},
    ],
    "births": [
        {"type": "EXACT", "date": "1975-06-02"},
        {"type": "EXACT", "year": "1974"},
        {"type": "BETWEEN", "from_year": "1971", "to_year": "1973"},
    ],
    "places_of_birth": [{"city": "Mosul", "state_province": "Ninawa", "country": "Iraq"}],
    "documents": [
        {"type": "Passport", "number": "A1234567", "issuing_country": "Iraq"},
        {"type": "National Identification Number", "number": "19750602123"},
    ],
}


def read_one(**changes) -> ListedPerson:
    """The one person of a list holding ZAYD with `changes`."""
    (person,) = read_un_list(un_list_xml([{**ZAYD, **changes}]))
    return person


def years(*numbers: int) -> tuple[BirthDate, ...]:
    return tuple(BirthDate(date(year, 1, 1), YEAR) for year in numbers)


def refusal(data: bytes, **options) -> str:
    with pytest.raises(UnreadableWatchList) as refused:
        read_un_list(data, **options)
    message = str(refused.value.message)
    assert message and message == str(refused.value)
    return message


# --- What is read -----------------------------------------------------------------------------


def test_every_value_of_an_individual_is_read():
    person = read_one()
    assert person == ListedPerson(
        reference="QDi.9001",
        dataid="6909001",
        names=("ABU BAKR", "MUHAMMAD", "HUSAYN", "AL-JUBURI"),
        original_script="أبو بكر محمد حسين الجبوري",
        aliases=(ListedName("Abu Bakr al-Juburi", "good"), ListedName("Abu Zayd", "low")),
        births=(
            BirthDate(date(1975, 6, 2), DAY),
            *years(1974, 1971, 1972, 1973),
        ),
        documents=(("passport", "A1234567"), ("civil_id", "19750602123")),
        nationalities=("Iraq", "Syrian Arab Republic"),
        listed_on=date(2016, 4, 20),
        list_type="Al-Qaida",
        comments="Invented for tests.\nMother's name: invented.",
        sex="M",
    )
    assert len(person.digest) == 64 and int(person.digest, 16) >= 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        person.names = ()  # type: ignore[misc]


def test_a_generated_list_is_read_whole_and_in_order():
    people = invent_people(40, seed=7)
    read = read_un_list(un_list_xml(people))
    assert [p.reference for p in read] == [p["reference"] for p in people]
    assert [p.names for p in read] == [tuple(p["names"]) for p in people]
    assert [p.original_script for p in read] == [p["original_script"] for p in people]


def test_entities_are_left_out():
    data = un_list_xml(invent_people(3, seed=2), entities=4)
    assert b"<ENTITY>" in data and b"QDe.9004" in data
    persons = read_un_list(data)
    assert [p.reference for p in persons] == ["QDi.9001", "QDi.9002", "QDi.9003"]
    assert not any("INVENTED TRADING" in " ".join(p.names) for p in persons)
    assert not any("Invented Traders" in a.text for p in persons for a in p.aliases)


def test_missing_names_are_left_out_and_the_order_kept():
    assert read_one(names=["ZAYD", "", "HAMID"]).names == ("ZAYD", "HAMID")
    assert read_one(names=["", "AL-ANI"]).names == ("AL-ANI",)
    assert read_one(names=["ZAYD"]).names == ("ZAYD",)
    nameless = read_one(names=[], original_script="")
    assert nameless.names == () and nameless.original_script == ""
    assert nameless.documents  # still screened on its documents


def test_the_reference_falls_back_to_the_un_record_id():
    without = {key: value for key, value in ZAYD.items() if key != "reference"}
    (person,) = read_un_list(un_list_xml([without]))
    assert person.reference == "DATAID:6909001"
    (person,) = read_un_list(un_list_xml([{**without, "dataid": ""}]))
    assert person.reference == "INDIVIDUAL:1" and person.dataid == ""
    assert read_one(reference="  QDi.9001 \n").reference == "QDi.9001"


def test_text_is_cleaned_as_awda_cleans_everything():
    person = read_one(
        names=["ABU  BAKR", "\u200fMUHAMMAD"],
        # Presentation forms (as pasted from a PDF) and a direction mark.
        original_script="\ufe83\ufe91\ufeee \ufe91\ufedc\ufeae\u200f",
        aliases=[{"quality": "Good", "name": " Abu\u00a0Bakr "}],
        nationalities=["Iraq\u200e", ""],
        list_type=" Al-Qaida ",
        documents=[{"type": "Passport", "number": "A\u0661\u0662\u0663"}],
    )
    assert person.names == ("ABU BAKR", "MUHAMMAD")
    assert person.original_script == "أبو بكر"
    assert person.aliases == (ListedName("Abu Bakr", "good"),)
    assert person.nationalities == ("Iraq",)
    assert person.list_type == "Al-Qaida"
    assert person.documents == (("passport", "A123"),)


# --- Births -----------------------------------------------------------------------------------


def births(*entries: dict) -> tuple[BirthDate, ...]:
    return read_one(births=list(entries)).births


def test_a_between_range_gives_every_year_in_it():
    assert births({"type": "BETWEEN", "from_year": "1973", "to_year": "1975"}) == years(
        1973, 1974, 1975
    )
    assert births({"type": "BETWEEN", "from_year": "1975", "to_year": "1973"}) == years(
        1973, 1974, 1975
    )
    assert births({"type": "BETWEEN", "from_year": "1980", "to_year": "1980"}) == years(1980)


def test_a_wide_range_is_capped():
    wide = births({"type": "BETWEEN", "from_year": "1950", "to_year": "1990"})
    assert wide == years(*range(1950, 1950 + MAX_RANGE_YEARS))
    assert len(wide) == MAX_RANGE_YEARS == 10


def test_half_a_range_gives_its_year():
    assert births({"type": "BETWEEN", "from_year": "1966"}) == years(1966)
    assert births({"type": "BETWEEN", "to_year": "1967"}) == years(1967)


def test_a_year_is_a_year_and_an_approximate_one_the_years_around_it():
    assert births({"type": "EXACT", "year": "1971"}) == years(1971)
    assert births({"type": "APPROXIMATELY", "year": "1960"}) == years(1959, 1960, 1961)
    assert births({"type": "APPROXIMATELY", "date": "1960-05-17"}) == years(1959, 1960, 1961)


@pytest.mark.parametrize(("gender", "sex"), [("Male", "M"), ("female", "F"), ("", ""), ("?", "")])
def test_the_gender_is_read_as_sex(gender, sex):
    assert read_one(gender=gender).sex == sex


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1962-11-09", BirthDate(date(1962, 11, 9), DAY)),
        ("1962-11-09-05:00", BirthDate(date(1962, 11, 9), DAY)),  # a zone, as the list has
        ("1962-11-09Z", BirthDate(date(1962, 11, 9), DAY)),
        ("1962-11-09T00:00:00", BirthDate(date(1962, 11, 9), DAY)),
        ("1962-11-00", BirthDate(date(1962, 11, 1), MONTH)),
        ("1962-11", BirthDate(date(1962, 11, 1), MONTH)),
        ("1962-02-30", BirthDate(date(1962, 2, 1), MONTH)),  # no such day: the month is known
        ("1962-00-00", BirthDate(date(1962, 1, 1), YEAR)),
        ("1962", BirthDate(date(1962, 1, 1), YEAR)),
        ("١٩٦٢-١١-٠٩", BirthDate(date(1962, 11, 9), DAY)),
    ],
)
def test_a_date_is_read_as_exactly_as_it_is_written(written, expected):
    assert births({"type": "EXACT", "date": written}) == (expected,)


@pytest.mark.parametrize("written", ["", "unknown", "0000-00-00", "09/11/1962", "62"])
def test_what_is_not_a_date_is_left_out(written):
    assert births({"type": "EXACT", "date": written}) == ()


def test_no_birth_and_repeated_births():
    assert births() == ()  # the UN's empty <INDIVIDUAL_DATE_OF_BIRTH/>
    assert births(
        {"type": "EXACT", "year": "1970"},
        {"type": "BETWEEN", "from_year": "1969", "to_year": "1971"},
    ) == years(1970, 1969, 1971)


# --- Aliases and documents --------------------------------------------------------------------


def aliases(*entries: tuple[str, str]) -> tuple[ListedName, ...]:
    return read_one(aliases=[{"quality": q, "name": n} for q, n in entries]).aliases


def test_an_alias_keeps_its_quality():
    assert aliases(
        ("Good", "Abu Bakr al-Juburi"),
        ("Low", "Abu Zayd"),
        ("a.k.a.", "Zayd al-Iraqi"),
        ("f.k.a.", "Zayd Hamid"),
        ("", "Abu Hamid"),
        ("good", "Abu Bakr Muhammad"),
    ) == (
        ListedName("Abu Bakr al-Juburi", "good"),
        ListedName("Abu Zayd", "low"),
        ListedName("Zayd al-Iraqi", "low"),
        ListedName("Zayd Hamid", "low"),
        ListedName("Abu Hamid", "low"),
        ListedName("Abu Bakr Muhammad", "good"),
    )


def test_empty_and_joined_aliases():
    assert aliases() == ()  # the UN's placeholder <QUALITY/><ALIAS_NAME/>
    assert aliases(("Good", "")) == ()
    assert aliases(("Low", "Abu Zayd; Abu Hamid;")) == (
        ListedName("Abu Zayd", "low"),
        ListedName("Abu Hamid", "low"),
    )
    assert aliases(("Low", "Abu Zayd"), ("Low", "Abu Zayd")) == (ListedName("Abu Zayd", "low"),)


def test_documents_are_read_as_awdas_identifier_kinds():
    person = read_one(
        documents=[
            {"type": "Passport", "number": "A1234567"},
            {"type": "National Identification Number", "number": "111"},
            {"type": "National identity card", "number": "222"},
            {"type": "National identification no.", "number": "333"},
            {"type": "National Identification\n          Number", "number": "444"},
            {"type": "Driving licence", "number": "D-555"},
            {"number": "666"},
            {"type": "Passport", "number": ""},
            {"type": "Passport", "number": "A1234567"},
        ]
    )
    assert person.documents == (
        ("passport", "A1234567"),
        ("civil_id", "111"),
        ("civil_id", "222"),
        ("civil_id", "333"),
        ("civil_id", "444"),
        ("other", "D-555"),
        ("other", "666"),
    )
    assert read_one(documents=[]).documents == ()  # the UN's empty <INDIVIDUAL_DOCUMENT/>


def test_document_kinds_are_awdas():
    assert set(DOCUMENT_KINDS.values()) <= set(vocab.IDENTIFIER_KINDS)


def test_the_listing_date():
    assert read_one(listed_on="").listed_on is None
    assert read_one(listed_on="2016-04-20-04:00").listed_on == date(2016, 4, 20)
    assert read_one(listed_on="2016").listed_on is None


# --- Files refused ----------------------------------------------------------------------------

ROOT = b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID></INDIVIDUAL></INDIVIDUALS>"


def test_a_billion_laughs_is_refused():
    lol = (
        b'<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [\n <!ENTITY lol "lol">\n'
        + b"".join(
            b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
            for n in range(1, 10)
        )
        + b"]>\n"
        + ROOT.replace(b"<DATAID>1", b"<DATAID>&lol9;")
        + b"</CONSOLIDATED_LIST>"
    )
    assert "declares" in refusal(lol)


def test_an_external_entity_is_refused():
    xxe = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        + ROOT.replace(b"<DATAID>1", b"<DATAID>&secret;")
        + b"</CONSOLIDATED_LIST>"
    )
    message = refusal(xxe)
    assert "declares" in message and "root:" not in message
    parameter = (
        b'<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [\n'
        b'<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>\n'
        + ROOT
        + b"</CONSOLIDATED_LIST>"
    )
    assert "declares" in refusal(parameter)


def test_a_document_type_is_refused():
    dtd = (
        b'<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://127.0.0.1:9/list.dtd">\n'
        + ROOT
        + b"</CONSOLIDATED_LIST>"
    )
    assert "declares" in refusal(dtd)
    internal = b"<!DOCTYPE CONSOLIDATED_LIST [<!ELEMENT CONSOLIDATED_LIST ANY>]>" + ROOT
    assert "declares" in refusal(internal + b"</CONSOLIDATED_LIST>")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x02\x03PK\x03\x04" * 50,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        "الاسم,تاريخ الولادة\nزيد,1975\n".encode(),
        ROOT,  # cut short
        b'<?xml version="1.0" encoding="x-no-such-encoding"?>' + ROOT + b"</CONSOLIDATED_LIST>",
    ],
)
def test_a_file_that_is_not_xml_is_refused(data):
    assert "cannot read this file as XML" in refusal(data)


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><sdnList xmlns="https://sanctionslistservice.ofac.treas.gov">'
        b"<sdnEntry><lastName>X</lastName></sdnEntry></sdnList>",
        b"<html><body><p>Consolidated list</p></body></html>",
        b'<CONSOLIDATED_LIST xmlns="urn:other"><INDIVIDUALS/></CONSOLIDATED_LIST>',
        b"<INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID></INDIVIDUAL></INDIVIDUALS>",
    ],
)
def test_xml_of_another_format_is_refused(data):
    assert "not the UN Security Council consolidated list" in refusal(data)


def test_a_list_without_individuals_is_refused():
    assert "no individuals" in refusal(un_list_xml([], entities=3))
    assert "no individuals" in refusal(b"<CONSOLIDATED_LIST/>")
    assert "no individuals" in refusal(b"<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>")


def test_an_oversized_file_is_refused():
    data = un_list_xml(count=3)
    assert "larger than 20 MB" in refusal(data + b" " * (20 * MB))
    assert "larger than 0.1 MB" in refusal(un_list_xml(count=600), max_bytes=MB // 10)
    assert read_un_list(data, max_bytes=len(data))  # the limit itself is allowed


def test_the_refusals_say_different_things():
    messages = {
        refusal(b"not xml"),
        refusal(b"<!DOCTYPE x []><x/>"),
        refusal(b"<x/>"),
        refusal(b"<CONSOLIDATED_LIST/>"),
        refusal(b"<x/>", max_bytes=1),
    }
    assert len(messages) == 5


def test_other_encodings_and_a_byte_order_mark_are_read():
    data = un_list_xml([ZAYD])
    expected = read_un_list(data)
    assert read_un_list(b"\xef\xbb\xbf" + data) == expected
    utf16 = data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert read_un_list(utf16) == expected


# --- Round trip and digest (property) -------------------------------------------------------

XML_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff;")
    | st.sampled_from(" \t\n"),
    max_size=20,
)
LATIN = st.sampled_from(["ABU BAKR", "MUHAMMAD", "AL-JUBURI", "UMM ZAYD", "ABD AL-RAHMAN"])
ARABIC = st.sampled_from(["أبو بكر", "محمد", "الجبوري", "أم زيد", "عبد الرحمن"])
KINDS = {
    "Passport": "passport",
    "National Identification Number": "civil_id",
    "National identity card": "civil_id",
    "Driving licence": "other",
    "Residence permit": "other",
}

birth_entries = st.one_of(
    st.dates(date(1900, 1, 1), date(2015, 12, 31)).map(
        lambda day: {"type": "EXACT", "date": day.isoformat()}
    ),
    st.tuples(st.integers(1900, 2015), st.integers(0, 12)).map(
        lambda ym: {"type": "EXACT", "date": f"{ym[0]}-{ym[1]:02d}-00"}
    ),
    st.integers(1900, 2015).map(lambda y: {"type": "EXACT", "year": str(y)}),
    st.integers(1900, 2015).map(lambda y: {"type": "APPROXIMATELY", "year": str(y)}),
    st.tuples(st.integers(1900, 2015), st.integers(0, 15)).map(
        lambda span: {
            "type": "BETWEEN",
            "from_year": str(span[0]),
            "to_year": str(span[0] + span[1]),
        }
    ),
)
documents = st.fixed_dictionaries(
    {
        "type": st.sampled_from(sorted(KINDS)),
        "number": st.text(st.sampled_from("AB0123456789٠١٢٣ -/"), max_size=12),
    }
)
alias_entries = st.fixed_dictionaries(
    {
        "quality": st.sampled_from(["Good", "Low", "a.k.a.", ""]),
        "name": st.one_of(LATIN, ARABIC, XML_TEXT),
    }
)


@st.composite
def listed_people(draw) -> list[dict]:
    people = []
    for index in range(draw(st.integers(1, 4))):
        people.append(
            {
                "dataid": str(6909001 + index),
                "reference": f"QDi.{9001 + index}",
                "names": draw(st.lists(st.one_of(LATIN, XML_TEXT), max_size=4)),
                "original_script": draw(st.one_of(ARABIC, XML_TEXT)),
                "list_type": draw(st.sampled_from(["Al-Qaida", "Iraq"])),
                "listed_on": draw(st.one_of(st.just(""), st.dates().map(date.isoformat))),
                "comments": draw(XML_TEXT),
                "nationalities": draw(st.lists(st.sampled_from(["Iraq", "Syria"]), max_size=2)),
                "aliases": draw(st.lists(alias_entries, max_size=4)),
                "births": draw(st.lists(birth_entries, max_size=4)),
                "documents": draw(st.lists(documents, max_size=4)),
            }
        )
    return people


def expected_births(entries: list[dict]) -> tuple[BirthDate, ...]:
    """What a screener should get from the list's births, worked out independently."""
    found: list[BirthDate] = []
    for entry in entries:
        if entry["type"] == "APPROXIMATELY":  # the years either side too
            written = int((entry.get("date") or entry["year"])[:4])
            found.extend(years(written - 1, written, written + 1))
            continue
        if "date" in entry:
            year, month, day = (int(part) for part in entry["date"].split("-"))
            if month == 0:
                found.append(BirthDate(date(year, 1, 1), YEAR))
            elif day == 0:
                found.append(BirthDate(date(year, month, 1), MONTH))
            else:
                found.append(BirthDate(date(year, month, day), DAY))
        if "year" in entry:
            found.extend(years(int(entry["year"])))
        if "from_year" in entry:
            first, last = int(entry["from_year"]), int(entry["to_year"])
            found.extend(years(*range(first, min(last, first + 9) + 1)))
    return tuple(dict.fromkeys(found))


def expected_documents(entries: list[dict]) -> tuple[tuple[str, str], ...]:
    pairs = ((KINDS[entry["type"]], clean_code(entry["number"])) for entry in entries)
    return tuple(dict.fromkeys(pair for pair in pairs if pair[1]))


def expected_aliases(entries: list[dict]) -> tuple[ListedName, ...]:
    named = (
        ListedName(clean(entry["name"]), "good" if entry["quality"] == "Good" else "low")
        for entry in entries
    )
    return tuple(dict.fromkeys(alias for alias in named if alias.text))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(listed_people())
def test_a_list_gives_back_exactly_the_people_in_it(people):
    read = read_un_list(un_list_xml(people))
    assert len(read) == len(people)
    for person, given_person in zip(read, people, strict=True):
        assert person.reference == given_person["reference"]
        assert person.names == tuple(
            name for name in (clean(n) for n in given_person["names"]) if name
        )
        assert person.original_script == clean(given_person["original_script"])
        assert person.aliases == expected_aliases(given_person["aliases"])
        assert person.births == expected_births(given_person["births"])
        assert person.documents == expected_documents(given_person["documents"])
        assert person.nationalities == tuple(dict.fromkeys(given_person["nationalities"]))
        listed_on = given_person["listed_on"]
        assert person.listed_on == (date.fromisoformat(listed_on) if listed_on else None)
        assert person.comments == clean(given_person["comments"], multiline=True)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(listed_people())
def test_the_digest_ignores_order_and_sees_every_change(people):
    reordered = [
        {
            **person,
            "aliases": person["aliases"][::-1],
            "documents": person["documents"][::-1],
            "births": person["births"][::-1],
            "nationalities": person["nationalities"][::-1],
        }
        for person in people
    ]
    first, again = read_un_list(un_list_xml(people)), read_un_list(un_list_xml(reordered))
    assert [p.digest for p in first] == [p.digest for p in again]
    assert len({p.digest for p in first}) == len(set(first))  # one per distinct person
    for person in first:
        for changed in changes_of(person):
            assert changed.digest != person.digest, changed


def changes_of(person: ListedPerson) -> list[ListedPerson]:
    """`person` with each of its values changed in turn."""
    later = (person.listed_on + timedelta(days=1)) if person.listed_on else date(2020, 1, 1)
    changes = {
        "reference": person.reference + "0",
        "dataid": person.dataid + "0",
        "names": (*person.names, "ZZ"),
        "original_script": person.original_script + "ز",
        "aliases": (*person.aliases, ListedName("Zz Zz", "good")),
        "births": (*person.births, BirthDate(date(1800, 1, 1), YEAR)),
        "documents": (*person.documents, ("other", "ZZ-1")),
        "nationalities": (*person.nationalities, "Zzland"),
        "listed_on": later,
        "list_type": person.list_type + "x",
        "comments": person.comments + "x",
        "sex": "F" if person.sex != "F" else "M",
    }
    assert set(changes) == {field.name for field in dataclasses.fields(ListedPerson)}
    changed = [dataclasses.replace(person, **{name: value}) for name, value in changes.items()]
    if person.names[::-1] != person.names:  # the order of the name parts is part of the name
        changed.append(dataclasses.replace(person, names=person.names[::-1]))
    return changed


def test_the_digest_sees_a_quality_a_precision_and_a_number_change():
    person = read_one()
    assert read_one().digest == person.digest
    lowered = [{**ZAYD["aliases"][0], "quality": "Low"}, ZAYD["aliases"][1]]
    assert read_one(aliases=lowered).digest != person.digest
    as_day = read_one(births=[{"type": "EXACT", "date": "1974-01-01"}])
    as_year = read_one(births=[{"type": "EXACT", "year": "1974"}])
    assert as_day.births[0].value == as_year.births[0].value
    assert as_day.digest != as_year.digest
    renumbered = [ZAYD["documents"][0], {**ZAYD["documents"][1], "number": "19750602124"}]
    assert read_one(documents=renumbered).digest != person.digest
    as_passport = [ZAYD["documents"][0], {**ZAYD["documents"][1], "type": "Passport"}]
    assert read_one(documents=as_passport).digest != person.digest
