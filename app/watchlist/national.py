"""A national body's list of wanted persons, sent as a spreadsheet (XLSX, XLS, ODS or CSV):
read by the intake's reader (app.imports.reading), its columns matched by their Arabic or
English headings as transfer lists' are, each row a listed person."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from app.identity.names import fold
from app.identity.person import BirthDate, Precision
from app.imports.dates import DateProblem, read_date
from app.imports.headers import match_headers
from app.imports.preview import cell, row_name_slots
from app.imports.reading import Table
from app.registry import vocab

# Headings that name a list's own reference for a person (a warrant or record number).
REFERENCE_HEADINGS = frozenset(
    fold(name)
    for name in (
        "الرقم المرجعي", "رقم المذكرة", "رقم مذكرة القبض", "رقم القيد", "رقم الملف", "المرجع",
        "reference", "reference number", "ref", "ref no", "warrant number", "record number",
    )
)  # fmt: skip


@dataclass(frozen=True)
class NationalPerson:
    """A row of a national list, with the attributes `loading.entry_data` reads."""

    reference: str
    names: tuple[str, ...]
    original_script: str = ""
    mother: str = ""
    births: tuple[BirthDate, ...] = ()
    documents: tuple[tuple[str, str], ...] = ()
    comments: str = ""
    aliases: tuple = field(default=())


@dataclass(frozen=True)
class NationalList:
    """The persons read, and the rows whose date of birth could not be read (row, text): the
    person is listed without it, and the screener is told."""

    persons: list[NationalPerson]
    unread_dates: list[tuple[int, str]]


def read_national(table: Table) -> NationalList:
    """Every row with a name as a `NationalPerson`; a row without the list's own reference is
    given one from its name and date of birth, so that the next version finds it again."""
    mapping = match_headers(table.headers)
    for index, header in enumerate(table.headers):
        if fold(header) in REFERENCE_HEADINGS and index not in mapping:
            mapping[index] = "person_ref"
    columns = {name: index for index, name in mapping.items()}
    persons, unread = [], []
    for cells, number in zip(table.rows, table.row_numbers, strict=True):
        person = _person(cells, number, columns, unread)
        if person is not None:
            persons.append(person)
    return NationalList(persons, unread)


def _person(cells, number: int, columns, unread: list) -> NationalPerson | None:
    full = cell(cells, columns, "full_name")
    slots = row_name_slots(cells, columns)
    names = tuple(slots[s] for s in ("given", "father", "grandfather", "family") if slots.get(s))
    if not names:
        return None
    births = _births(cell(cells, columns, "birth"), number, unread)
    documents = tuple(
        (kind, cell(cells, columns, kind))
        for kind in vocab.IDENTIFIER_KINDS
        if cell(cells, columns, kind)
    )
    written = full or " ".join(names)
    reference = cell(cells, columns, "person_ref") or _made_reference(written, births)
    return NationalPerson(
        reference=reference,
        names=names,
        original_script=written,
        mother=cell(cells, columns, "mother_name"),
        births=births,
        documents=documents,
        comments=cell(cells, columns, "notes"),
    )


def _births(text: str, number: int, unread: list) -> tuple[BirthDate, ...]:
    try:
        found = read_date(text)
    except DateProblem:
        unread.append((number, text))
        return ()
    if found is None:
        return ()
    return (BirthDate(found.value, Precision(found.precision)),)


def _made_reference(name: str, births: tuple[BirthDate, ...]) -> str:
    born = births[0].value.isoformat() if births else ""
    return "#" + hashlib.sha256(f"{fold(name)}|{born}".encode()).hexdigest()[:16]
