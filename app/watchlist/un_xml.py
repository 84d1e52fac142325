"""The UN Security Council consolidated list, read from its published XML, as the persons it
lists (`ListedPerson`). Entities (companies, groups) are skipped: Awda screens people.

The format is the Security Council's own, published with its consolidated list (the English
file is `consolidated.xml` on scsanctions.un.org; its schema is `sc-sanctions.xsd`). No
namespace; the parts read here are

    CONSOLIDATED_LIST (attribute dateGenerated)
      INDIVIDUALS
        INDIVIDUAL
          DATAID, VERSIONNUM                      the UN's record id and its version
          FIRST_NAME … FOURTH_NAME                the name in Latin letters, in order
          UN_LIST_TYPE                            the regime ("Al-Qaida", "Iraq", "DRC"…)
          REFERENCE_NUMBER                        the permanent reference ("QDi.123")
          LISTED_ON                               a date, YYYY-MM-DD
          NAME_ORIGINAL_SCRIPT                    the name as written (Arabic, Cyrillic…)
          COMMENTS1                               free text
          NATIONALITY > VALUE*                    country names
          INDIVIDUAL_ALIAS*   > QUALITY, ALIAS_NAME
          INDIVIDUAL_DATE_OF_BIRTH* > TYPE_OF_DATE, DATE | YEAR | FROM_YEAR, TO_YEAR
          INDIVIDUAL_DOCUMENT* > TYPE_OF_DOCUMENT, NUMBER, ISSUING_COUNTRY, NOTE…
          GENDER                                  Male, Female
      ENTITIES > ENTITY*                          not read

and the list also carries TITLE, DESIGNATION, LIST_TYPE, LAST_DAY_UPDATED, addresses,
places of birth and sort keys, which screening does not use. An empty repeated element is a
placeholder the UN writes for "none" (`<INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/>…`, and
`<INDIVIDUAL_DOCUMENT/>`); it reads as nothing.

Values as read:

- Every text through `app.core.text.clean` (direction marks, presentation forms, spaces);
  document numbers and dates also with ASCII digits (`clean_code`).
- An alias's QUALITY "Good" is a `good` name, "Low" (the UN's "low-quality alias", too vague
  to identify anyone alone) and anything else ("a.k.a.", "f.k.a.", none) a `low` one. One
  ALIAS_NAME holding several names separated by ";" gives one alias per name.
- A DATE "1962-11-09" is a birth at `Precision.DAY`; "1962-11-00" or "1962-11" at MONTH,
  "1962-00-00" or "1962" at YEAR: a day or month the list does not give is never invented. A
  time-zone suffix ("1962-11-09-05:00", "…Z") is ignored. A YEAR is a birth at YEAR
  precision; FROM_YEAR..TO_YEAR (TYPE_OF_DATE "BETWEEN") one YEAR-precision birth per year,
  at most `MAX_RANGE_YEARS` of them from FROM_YEAR on. TYPE_OF_DATE "APPROXIMATELY" is read
  as the years around the one written (`APPROXIMATE_YEARS` either side), each at YEAR
  precision, as a range is. A date that is not one is skipped.
- GENDER "Male" is sex `M`, "Female" `F`; anything else (or none) is not known.
- TYPE_OF_DOCUMENT "Passport" is Awda's `passport`, "National Identification Number" (and
  the list's other spellings of a national identity document) its `civil_id`; any other type
  is kept with kind "other". A document without a number is skipped.

Refused with `UnreadableWatchList`, whose `message` (translatable) says what to do instead: a
file over `max_bytes`; a file that is not well-formed XML; XML that declares a document type
or entities (DTD, external entities, entity expansion: the UN's file never does, and a
"billion laughs" or an external entity reading a server file must not be parsed); XML whose
root is not CONSOLIDATED_LIST; a list with no individual.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException
from flask_babel import lazy_gettext as _l

from app.core.text import clean, clean_code
from app.identity.person import BirthDate, Precision
from app.imports.reading import UnreadableList

MB = 1024 * 1024
MAX_BYTES = 20 * MB  # the whole list is about 2-3 MB
MAX_RANGE_YEARS = 10  # births read from one FROM_YEAR..TO_YEAR range, at most
APPROXIMATE_YEARS = 1  # an "approximately" year also stands for the years this far either side
SEXES = {"male": "M", "female": "F"}

GOOD, LOW = "good", "low"
OTHER_DOCUMENT = "other"

# TYPE_OF_DOCUMENT, cleaned, case-folded and without a final full stop -> Awda's identifier
# kind (one of `vocab.IDENTIFIER_KINDS`). The French and Spanish files name the passport in
# their language.
DOCUMENT_KINDS = {
    "passport": "passport",
    "numéro de passeport": "passport",
    "número de pasaporte": "passport",
    "national identification number": "civil_id",
    "national identification no": "civil_id",
    "national identity card": "civil_id",
    "national identity number": "civil_id",
    "national identification card": "civil_id",
}

_T = TypeVar("_T")
_NAME_TAGS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
# YYYY, YYYY-MM or YYYY-MM-DD (00 for an unknown month or day), then perhaps a time or zone.
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?(?:[T ].*|Z|[+-][0-9:]+)?")


class UnreadableWatchList(UnreadableList):
    """The file cannot be read as the UN list; `message` (translatable) says what to do."""


@dataclass(frozen=True)
class ListedName:
    """An alias as listed: `text`, and `quality` "good" or "low" (see the module docstring)."""

    text: str
    quality: str


@dataclass(frozen=True)
class ListedPerson:
    """One INDIVIDUAL of the list, its values cleaned (see the module docstring).

    `reference` is the REFERENCE_NUMBER ("QDi.123"), or "DATAID:<id>" when the list gives
    none (and "INDIVIDUAL:<n>", n counted from 1 in the file, when it gives neither);
    `dataid` the UN's DATAID ("" if none). `names` holds FIRST_NAME to FOURTH_NAME in that
    order, empty ones left out; `original_script` the NAME_ORIGINAL_SCRIPT. `aliases` are in
    the file's order; `births` too, each a `BirthDate` at DAY, MONTH or YEAR precision, never
    twice the same; `documents` are (kind, number) pairs, kind one of
    `vocab.IDENTIFIER_KINDS` or "other"; `nationalities` the NATIONALITY values as written
    ("Iraq"); `listed_on` the LISTED_ON date, None if none; `list_type` the UN_LIST_TYPE;
    `comments` the COMMENTS1 text.
    """

    reference: str
    dataid: str
    names: tuple[str, ...]
    original_script: str = ""
    aliases: tuple[ListedName, ...] = ()
    births: tuple[BirthDate, ...] = ()
    documents: tuple[tuple[str, str], ...] = ()
    nationalities: tuple[str, ...] = ()
    listed_on: date | None = None
    list_type: str = ""
    comments: str = ""
    sex: str = ""  # M, F, or "" when the list does not say

    @property
    def digest(self) -> str:
        """SHA-256 (64 hex digits) of everything above: equal for the same person however the
        file orders aliases, births, documents and nationalities, different when any value
        differs. Compared with the last version's, it says whether the UN changed the entry."""
        content = {
            "format": "un-xml/1",
            "reference": self.reference,
            "dataid": self.dataid,
            "names": list(self.names),
            "original_script": self.original_script,
            "aliases": sorted([alias.text, alias.quality] for alias in self.aliases),
            "births": sorted(
                [birth.value.isoformat(), str(birth.precision)] for birth in self.births
            ),
            "documents": sorted([kind, number] for kind, number in self.documents),
            "nationalities": sorted(self.nationalities),
            "listed_on": self.listed_on.isoformat() if self.listed_on else None,
            "list_type": self.list_type,
            "comments": self.comments,
            "sex": self.sex,
        }
        text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def read_un_list(data: bytes, max_bytes: int = MAX_BYTES) -> list[ListedPerson]:
    """Every individual of the UN consolidated list in `data` (the XML file's bytes, at most
    `max_bytes` of them), in the file's order. Raises `UnreadableWatchList`."""
    if len(data) > max_bytes:
        raise UnreadableWatchList(
            _l(
                "This file is larger than %(limit)s MB, far more than the UN consolidated list. "
                "Check that you chose the list's XML file (consolidated.xml) and load it again.",
                limit=_megabytes(max_bytes),
            )
        )
    try:
        root = safe_xml.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException:
        raise UnreadableWatchList(_DECLARATIONS) from None
    except (ParseError, ValueError, LookupError):  # not XML, or in an unknown encoding
        raise UnreadableWatchList(_NOT_XML) from None
    if root.tag != "CONSOLIDATED_LIST":
        raise UnreadableWatchList(_OTHER_FORMAT)
    persons = [
        _person(node, number)
        for number, node in enumerate(root.iterfind("INDIVIDUALS/INDIVIDUAL"), start=1)
    ]
    if not persons:
        raise UnreadableWatchList(_NOBODY)
    return persons


_NOT_XML = _l(
    "Awda cannot read this file as XML. Download the UN Security Council consolidated list "
    "again in XML format (consolidated.xml, from scsanctions.un.org) and load that file as it "
    "was downloaded, without opening and saving it in another program."
)
_DECLARATIONS = _l(
    "This file declares a document type or entities, which the UN consolidated list never "
    "does, so Awda will not open it. Download the list again in XML format from "
    "scsanctions.un.org and load that file."
)
_OTHER_FORMAT = _l(
    "This XML file is not the UN Security Council consolidated list. Download the list in XML "
    "format (consolidated.xml, from scsanctions.un.org) and load that file; a national list is "
    "loaded as a spreadsheet instead."
)
_NOBODY = _l(
    "This UN list names no individuals. Check that you downloaded the whole consolidated list "
    "in XML format (consolidated.xml), not an extract, and load it again."
)


def _megabytes(size: int) -> str:
    return str(size // MB) if size % MB == 0 else f"{size / MB:.1f}"


def _text(node: Element, path: str, multiline: bool = False) -> str:
    return clean(node.findtext(path), multiline)


def _person(node: Element, number: int) -> ListedPerson:
    dataid = clean_code(node.findtext("DATAID"))
    reference = _text(node, "REFERENCE_NUMBER")
    if not reference:
        reference = f"DATAID:{dataid}" if dataid else f"INDIVIDUAL:{number}"
    return ListedPerson(
        reference=reference,
        dataid=dataid,
        names=tuple(name for name in (_text(node, tag) for tag in _NAME_TAGS) if name),
        original_script=_text(node, "NAME_ORIGINAL_SCRIPT"),
        aliases=_unique(_aliases(node)),
        births=_unique(
            birth for dob in node.iterfind("INDIVIDUAL_DATE_OF_BIRTH") for birth in _births(dob)
        ),
        documents=_unique(_documents(node)),
        nationalities=_unique(
            value for value in (clean(v.text) for v in node.iterfind("NATIONALITY/VALUE")) if value
        ),
        listed_on=_listed_on(node.findtext("LISTED_ON")),
        list_type=_text(node, "UN_LIST_TYPE"),
        comments=_text(node, "COMMENTS1", multiline=True),
        sex=SEXES.get(_text(node, "GENDER").casefold(), ""),
    )


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


def _aliases(node: Element) -> Iterable[ListedName]:
    for alias in node.iterfind("INDIVIDUAL_ALIAS"):
        quality = GOOD if _text(alias, "QUALITY").casefold() == GOOD else LOW
        for name in (alias.findtext("ALIAS_NAME") or "").split(";"):
            text = clean(name)
            if text:
                yield ListedName(text, quality)


def _documents(node: Element) -> Iterable[tuple[str, str]]:
    for document in node.iterfind("INDIVIDUAL_DOCUMENT"):
        number = clean_code(document.findtext("NUMBER"))
        if number:
            kind = _text(document, "TYPE_OF_DOCUMENT").casefold().rstrip(".").strip()
            yield DOCUMENT_KINDS.get(kind, OTHER_DOCUMENT), number


def _births(dob: Element) -> Iterable[BirthDate]:
    """The births one INDIVIDUAL_DATE_OF_BIRTH allows; every value it holds is read."""
    approximate = _text(dob, "TYPE_OF_DATE").upper() == "APPROXIMATELY"
    written = _read_date(dob.findtext("DATE"))
    year = _read_date(dob.findtext("YEAR"))
    if approximate:
        for about in (written, year):
            if about is not None:
                yield from _years_around(about.value.year)
        return
    if written is not None:
        yield written
    if year is not None:
        yield _year_only(year.value.year)
    low, high = _read_date(dob.findtext("FROM_YEAR")), _read_date(dob.findtext("TO_YEAR"))
    if low is None or high is None:
        for alone in (low, high):
            if alone is not None:
                yield _year_only(alone.value.year)
        return
    first, last = sorted((low.value.year, high.value.year))
    for born in range(first, min(last, first + MAX_RANGE_YEARS - 1) + 1):
        yield _year_only(born)


def _years_around(year: int) -> Iterable[BirthDate]:
    """An approximate year: the years either side too, as a range would give them (the UN
    writes "approximately 1975" where the person's papers may say 1974 or 1976)."""
    for born in range(year - APPROXIMATE_YEARS, year + APPROXIMATE_YEARS + 1):
        yield _year_only(born)


def _year_only(year: int) -> BirthDate:
    return BirthDate(date(year, 1, 1), Precision.YEAR)


def _read_date(text: str | None) -> BirthDate | None:
    """A date as the list writes one, at the precision it gives; None if it is not one."""
    found = _DATE.fullmatch(clean_code(text))
    if found is None:
        return None
    year, month, day = (int(part) if part else 0 for part in found.groups())
    if year == 0:
        return None
    if not 1 <= month <= 12:
        return _year_only(year)
    try:
        return BirthDate(date(year, month, day), Precision.DAY)
    except ValueError:  # day 00, or no such day: the month is what the list gives
        return BirthDate(date(year, month, 1), Precision.MONTH)


def _listed_on(text: str | None) -> date | None:
    found = _read_date(text)
    return found.value if found is not None and found.precision is Precision.DAY else None


def looks_like_xml(content: bytes) -> bool:
    """Whether the file begins with markup, in UTF-8 or UTF-16, after any byte-order mark:
    the UN list is XML; a national list is a spreadsheet or a CSV."""
    start = content[:64].replace(b"\x00", b"").lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")
    return start.startswith(b"<")
