"""Synthetic UN Security Council consolidated lists, in the XML the UN publishes.

Everyone here is invented: Arabic names put together at random, in Latin letters as the UN
writes them ("ABU BAKR", "AL-JUBURI") and in Arabic script, with reference numbers from
QDi.9001 on, which the UN has not given. No entry of the real list is copied.

A person is given as a dict (every key optional except where said):

    {
        "dataid": "6909001",
        "reference": "QDi.9001",
        "names": ["ABU BAKR", "MUHAMMAD", "HUSAYN", "AL-JUBURI"],  # up to four; "" omitted
        "original_script": "أبو بكر محمد حسين الجبوري",
        "gender": "Male",
        "list_type": "Al-Qaida",
        "listed_on": "2016-04-20",
        "comments": "…",
        "nationalities": ["Iraq"],
        "aliases": [{"quality": "Good", "name": "Abu Bakr al-Juburi"}],
        "births": [
            {"type": "EXACT", "date": "1975-06-02"},
            {"type": "EXACT", "year": "1975"},
            {"type": "BETWEEN", "from_year": "1973", "to_year": "1975"},
            {"type": "APPROXIMATELY", "year": "1960"},
        ],
        "places_of_birth": [{"city": "Mosul", "state_province": "Ninawa", "country": "Iraq"}],
        "documents": [
            {"type": "Passport", "number": "A1234567", "issuing_country": "Iraq", "note": "…"}
        ],
    }

`un_list_xml(people)` writes those people (and a few invented entities, which a reader of
persons must skip); `un_list_xml(count=…, seed=…)` writes `invent_people(count, seed)`.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from typing import Any

XSI = "http://www.w3.org/2001/XMLSchema-instance"
NAME_TAGS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
ET.register_namespace("xsi", XSI)

# (Latin as the UN writes it, Arabic)
GIVEN = [
    ("ABU BAKR", "أبو بكر"),
    ("MUHAMMAD", "محمد"),
    ("AHMAD", "أحمد"),
    ("UMAR", "عمر"),
    ("KHALID", "خالد"),
    ("YASIR", "ياسر"),
    ("HAMID", "حامد"),
    ("ABD AL-RAHMAN", "عبد الرحمن"),
    ("SALIH", "صالح"),
    ("MAHMUD", "محمود"),
    ("IBRAHIM", "إبراهيم"),
    ("ZAYD", "زيد"),
    ("FAYSAL", "فيصل"),
    ("QASIM", "قاسم"),
    ("TARIQ", "طارق"),
    ("NAWAF", "نواف"),
    ("FATIMA", "فاطمة"),
    ("ZAYNAB", "زينب"),
    ("KHADIJA", "خديجة"),
    ("MARYAM", "مريم"),
]
FATHERS = GIVEN[:16]
FAMILY = [
    ("AL-JUBURI", "الجبوري"),
    ("AL-DULAYMI", "الدليمي"),
    ("AL-ANI", "العاني"),
    ("AL-SAMARRAI", "السامرائي"),
    ("AL-UBAYDI", "العبيدي"),
    ("AL-SHAMMARI", "الشمري"),
    ("AL-HADITHI", "الحديثي"),
    ("AL-MASHHADANI", "المشهداني"),
]
KUNYAS = ["Abu ", "Umm "]
CITIES = [("Mosul", "Ninawa"), ("Tall Afar", "Ninawa"), ("Fallujah", "Anbar"), ("Hit", "Anbar")]
LIST_TYPES = ["Al-Qaida", "Al-Qaida", "Iraq"]
DOCUMENT_TYPES = ["Passport", "National Identification Number", "National identity card"]
OTHER_DOCUMENT_TYPES = ["Driving licence", "Residence permit"]


def invent_people(count: int = 5, seed: int = 1) -> list[dict[str, Any]]:
    """`count` invented people, the same for the same seed, QDi.9001 on."""
    rng = random.Random(seed)
    return [invent_person(rng, index) for index in range(count)]


def invent_person(rng: random.Random, index: int) -> dict[str, Any]:
    """One invented person (the dict described in the module docstring), the `index`th."""
    woman = rng.random() < 0.2
    given = rng.choice(GIVEN[16:] if woman else GIVEN[:16])
    father, grandfather = rng.choice(FATHERS), rng.choice(FATHERS)
    family = rng.choice(FAMILY)
    parts = [given, father, grandfather, family]
    if rng.random() < 0.25:  # some entries give three names, or two
        del parts[rng.randrange(2, 4) :]
    names = [latin for latin, _ in parts]
    arabic = " ".join(ar for _, ar in parts)
    person: dict[str, Any] = {
        "dataid": str(6909001 + index),
        "reference": f"QDi.{9001 + index}",
        "names": names,
        "original_script": arabic if rng.random() < 0.9 else "",
        "gender": "Female" if woman else "Male",
        "list_type": rng.choice(LIST_TYPES),
        "listed_on": f"{rng.randint(2004, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "comments": rng.choice(
            [
                "",
                "Invented for tests. Reportedly in Syria as of 2019.",
                "Invented for tests.\nMother's name: invented.",
            ]
        ),
        "nationalities": rng.sample(["Iraq", "Syrian Arab Republic"], rng.randint(0, 2)),
        "aliases": _aliases(rng, parts, woman),
        "births": _births(rng),
        "places_of_birth": [dict(zip(("city", "state_province"), rng.choice(CITIES), strict=True))]
        if rng.random() < 0.6
        else [],
        "documents": _documents(rng),
    }
    for place in person["places_of_birth"]:
        place["country"] = "Iraq"
    return person


def _aliases(rng: random.Random, parts, woman: bool) -> list[dict[str, str]]:
    aliases = []
    if rng.random() < 0.7:  # the name written another way
        spelled = [latin.title().replace("Al-", "al-") for latin, _ in parts]
        aliases.append({"quality": "Good", "name": " ".join(spelled)})
    if rng.random() < 0.6:  # a kunya: Abu / Umm and a son's name, low quality
        son = rng.choice(GIVEN[:16])[0].title()
        aliases.append({"quality": "Low", "name": KUNYAS[woman] + son})
    if rng.random() < 0.2:
        aliases.append({"quality": "Low", "name": f"{parts[0][0].title()} al-Iraqi"})
    return aliases


def _births(rng: random.Random) -> list[dict[str, str]]:
    births = []
    for _ in range(rng.choice([0, 1, 1, 1, 2])):
        year = rng.randint(1955, 2000)
        kind = rng.choice(["date", "year", "between", "approximately"])
        if kind == "date":
            day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            births.append({"type": "EXACT", "date": day})
        elif kind == "year":
            births.append({"type": "EXACT", "year": str(year)})
        elif kind == "between":
            births.append(
                {
                    "type": "BETWEEN",
                    "from_year": str(year),
                    "to_year": str(year + rng.randint(1, 4)),
                }
            )
        else:
            births.append({"type": "APPROXIMATELY", "year": str(year)})
    return births


def _documents(rng: random.Random) -> list[dict[str, str]]:
    documents = []
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        kind = rng.choice(DOCUMENT_TYPES + OTHER_DOCUMENT_TYPES[:1])
        if kind == "Passport":
            number = rng.choice("ABGN") + str(rng.randint(1000000, 9999999))
        else:
            number = str(rng.randint(10000000, 99999999))
        documents.append(
            {
                "type": kind,
                "number": number,
                "issuing_country": "Iraq",
                "note": rng.choice(["", "Invented for tests"]),
            }
        )
    return documents


def un_list_xml(
    people: list[dict[str, Any]] | None = None,
    count: int = 5,
    seed: int = 1,
    entities: int = 2,
    generated: str = "2026-01-05T23:00:02.141Z",
) -> bytes:
    """The UN consolidated list's XML (UTF-8) listing `people` (default: `invent_people(count,
    seed)`), then `entities` invented entities, element for element in the order and with the
    placeholders the UN writes."""
    if people is None:
        people = invent_people(count, seed)
    root = ET.Element(
        "CONSOLIDATED_LIST",
        {
            f"{{{XSI}}}noNamespaceSchemaLocation": "https://www.un.org/sc/resources/sc-sanctions.xsd",
            "dateGenerated": generated,
        },
    )
    individuals = ET.SubElement(root, "INDIVIDUALS")
    for person in people:
        _individual(ET.SubElement(individuals, "INDIVIDUAL"), person)
    listed = ET.SubElement(root, "ENTITIES")
    for index in range(entities):
        _entity(ET.SubElement(listed, "ENTITY"), index)
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n").encode()


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text:
        element.text = text
    return element


def _values(parent: ET.Element, tag: str, values: list[str]) -> None:
    """<TAG><VALUE>…</VALUE>…</TAG>, or an empty <TAG><VALUE/></TAG> for none, as the UN does."""
    holder = _add(parent, tag)
    for value in values or [""]:
        _add(holder, "VALUE", value)


def _individual(node: ET.Element, person: dict[str, Any]) -> None:
    _add(node, "DATAID", person.get("dataid", ""))
    _add(node, "VERSIONNUM", str(person.get("version", 1)))
    names = person.get("names", [])
    assert len(names) <= len(NAME_TAGS), "the UN's list has four name parts"
    for tag, name in zip(NAME_TAGS[: len(names)], names, strict=True):
        if name:
            _add(node, tag, name)
    _add(node, "UN_LIST_TYPE", person.get("list_type", "Al-Qaida"))
    if "reference" in person:
        _add(node, "REFERENCE_NUMBER", person["reference"])
    if person.get("listed_on"):
        _add(node, "LISTED_ON", person["listed_on"])
    if person.get("original_script"):
        _add(node, "NAME_ORIGINAL_SCRIPT", person["original_script"])
    if person.get("gender"):
        _add(node, "GENDER", person["gender"])
    if person.get("comments"):
        _add(node, "COMMENTS1", person["comments"])
    _values(node, "TITLE", [])
    _values(node, "DESIGNATION", [])
    if person.get("nationalities"):
        _values(node, "NATIONALITY", person["nationalities"])
    _values(node, "LIST_TYPE", ["UN List"])
    _values(node, "LAST_DAY_UPDATED", [])
    for alias in person.get("aliases") or [{}]:  # the UN's placeholder for none
        holder = _add(node, "INDIVIDUAL_ALIAS")
        _add(holder, "QUALITY", alias.get("quality", ""))
        _add(holder, "ALIAS_NAME", alias.get("name", ""))
    address = _add(node, "INDIVIDUAL_ADDRESS")
    if person.get("nationalities"):
        _add(address, "COUNTRY", person["nationalities"][0])
    for birth in person.get("births") or [{}]:
        holder = _add(node, "INDIVIDUAL_DATE_OF_BIRTH")
        if birth:
            _add(holder, "TYPE_OF_DATE", birth.get("type", "EXACT"))
        for key in ("date", "year", "from_year", "to_year", "note"):
            if key in birth:
                _add(holder, key.upper(), birth[key])
    for place in person.get("places_of_birth") or [{}]:
        holder = _add(node, "INDIVIDUAL_PLACE_OF_BIRTH")
        for key in ("city", "state_province", "country"):
            if place.get(key):
                _add(holder, key.upper(), place[key])
    for document in person.get("documents") or [{}]:
        holder = _add(node, "INDIVIDUAL_DOCUMENT")
        for key in ("type", "number", "issuing_country", "note"):
            if document.get(key):
                _add(holder, "TYPE_OF_DOCUMENT" if key == "type" else key.upper(), document[key])
    _add(node, "SORT_KEY")
    _add(node, "SORT_KEY_LAST_MOD")


def _entity(node: ET.Element, index: int) -> None:
    """An invented entity: a name and alias that a reader of persons must not take for one."""
    _add(node, "DATAID", str(6919001 + index))
    _add(node, "VERSIONNUM", "1")
    _add(node, "FIRST_NAME", f"INVENTED TRADING COMPANY {index + 1}")
    _add(node, "UN_LIST_TYPE", "Al-Qaida")
    _add(node, "REFERENCE_NUMBER", f"QDe.{9001 + index}")
    _add(node, "LISTED_ON", "2015-03-01")
    _add(node, "COMMENTS1", "Invented for tests.")
    _values(node, "LIST_TYPE", ["UN List"])
    _values(node, "LAST_DAY_UPDATED", [])
    alias = _add(node, "ENTITY_ALIAS")
    _add(alias, "QUALITY", "a.k.a.")
    _add(alias, "ALIAS_NAME", f"Invented Traders {index + 1}")
    address = _add(node, "ENTITY_ADDRESS")
    _add(address, "CITY", "Mosul")
    _add(address, "COUNTRY", "Iraq")
    _add(node, "SORT_KEY")
    _add(node, "SORT_KEY_LAST_MOD")


def watch_alert(member, screener, reference: str = "QDi.9001"):
    """A watch list naming one man (AHMAD MUHAMMAD, `reference`) and an open alert on
    `member` (flushed; the caller commits): for tests of who may see and answer alerts."""
    from app.extensions import db
    from app.watchlist.models import WatchAlert, WatchEntry, WatchList, WatchListVersion

    listed = WatchList(name=f"UN consolidated list {reference}", kind="un")
    version = WatchListVersion(
        watch_list=listed, number=1, filename="c.xml", file_sha256="0" * 64, loaded_by=screener
    )
    db.session.add(version)
    db.session.flush()
    entry = WatchEntry(
        watch_list_id=listed.id,
        reference=reference,
        data={"names": ["AHMAD", "MUHAMMAD"], "births": [], "aliases": [], "documents": []},
        digest="1" * 64,
        added_in_id=version.id,
        changed_in_id=version.id,
    )
    db.session.add(entry)
    db.session.flush()
    alert = WatchAlert(
        member_id=member.id,
        entry_id=entry.id,
        weight=3.0,
        probability=0.9,
        model_version="test",
        matched_name="primary",
        source="list",
        member_digest="",
        entry_digest=entry.digest,
    )
    db.session.add(alert)
    db.session.flush()
    return alert
