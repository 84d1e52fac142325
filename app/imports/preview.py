"""Checking a list before anything is written: rows read into households, each through the
registry's own validation and the identity matcher, every problem told by the row number the
spreadsheet shows (the header is row 1), the column's header and the reason.

The preview writes nothing. `preview(table, mapping, choices, actor)` returns `Preview`: its
households (with the `HouseholdInput` each would be registered with), its counts, its problems
and the possible duplicates the user may see.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.core.dates import local_today
from app.core.text import whole_number
from app.core.validation import ValidationFailed
from app.identity import linkage
from app.identity.identifiers import identifier_key
from app.identity.person import Precision
from app.identity.services import shown_to
from app.imports.dates import DateProblem, read_date
from app.imports.places import PlaceNames, places_by_name
from app.imports.reading import Table
from app.imports.updating import updated_input
from app.imports.words import name_slots, relationship_code, sex_code
from app.reference.codes import Place
from app.registry import vocab
from app.registry.models import Household
from app.registry.services import HouseholdInput, MemberInput, check_household

# The list's fields that a household form field comes from, to point at a column.
FORM_FIELD_COLUMNS = {
    "given_name_ar": ("given_name", "full_name"),
    "father_name_ar": ("father_name", "full_name"),
    "grandfather_name_ar": ("grandfather_name", "full_name"),
    "family_name_ar": ("family_name", "full_name"),
    "birth_date": ("birth", "age"),
    "birth_year": ("birth",),
    "birth_month": ("birth",),
    "estimated_age": ("age", "birth"),
    "sex": ("sex",),
    "relationship": ("relationship",),
    "camp_ref": ("camp_ref", "household_ref"),
    "origin_governorate_id": ("governorate",),
    "phone": ("phone",),
    **{f"number_{kind}": (kind,) for kind in vocab.IDENTIFIER_KINDS},
}


@dataclass(frozen=True)
class ListChoices:
    """What the person chooses for the whole list: its camp, convoy and origin (when the list
    has no governorate column)."""

    camp_id: int
    batch_id: int | None = None
    origin_governorate_id: int | None = None


@dataclass(frozen=True)
class Problem:
    """Something wrong with a row: its spreadsheet row number, the column's header ("" for
    the row as a whole) and what to do about it."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Known:
    """A household this source's lists created before (by its reference's key), with the
    digest of its rows as last imported."""

    household: Household
    digest: str


@dataclass
class Family:
    """The rows of one household (by the list's household column), as the registry reads them.
    `key` is the reference as a key (`١٢` and `12` are one family); `known` is set when a list
    of the same source created the household before, and `unchanged` when its rows are the same
    as then (nothing to write)."""

    reference: str
    key: str = ""
    digest: str = ""
    known: Known | None = None
    unchanged: bool = False
    first_cells: Sequence[str] = ()  # the household's first row: its camp ID, place, phone
    rows: list[int] = field(default_factory=list)  # spreadsheet row numbers
    members: list[MemberInput] = field(default_factory=list)
    data: HouseholdInput | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Preview:
    families: list[Family]
    problems: list[Problem]
    duplicates: dict[int, list[linkage.Candidate]]  # row number -> candidates the user may see
    rows: int

    @property
    def households(self) -> int:
        """New households the list would register."""
        return sum(1 for f in self._new())

    @property
    def members(self) -> int:
        """Persons in the new households."""
        return sum(len(f.members) for f in self._new())

    @property
    def updates(self) -> int:
        """Households imported before from this source that the list changes."""
        return sum(1 for f in self.families if f.known and not f.unchanged and not f.problems)

    @property
    def unchanged(self) -> int:
        """Households imported before from this source, the same in this list."""
        return sum(1 for f in self.families if f.unchanged)

    @property
    def writable(self) -> int:
        """Households a commit would write (new or changed)."""
        return self.households + self.updates

    def _new(self):
        return (f for f in self.families if not f.problems and f.known is None)

    @property
    def rows_with_problems(self) -> int:
        return len({p.row for p in self.problems})


def preview(
    table: Table,
    mapping: dict[int, str],
    choices: ListChoices,
    actor: User,
    known: Mapping[str, Known] | None = None,
    match: bool = True,
) -> Preview:
    """Read, group, check and (if `match`) match every row of `table` (mapping: column index ->
    field). `known`: reference key -> the household a list of the same source made of it."""
    columns = {name: index for index, name in mapping.items()}
    problems: list[Problem] = []
    if "household_ref" not in columns:
        message = _l("Choose the column that says which household each person belongs to.")
        return Preview([], [Problem(1, "", str(message))], {}, len(table.rows))
    families = group(table, columns, choices, problems)
    places = places_by_name() if "governorate" in columns else None
    for family in families.values():
        family.known = (known or {}).get(family.key)
        check_family(family, table, columns, choices, actor, places)
        problems += family.problems
    duplicates = _duplicates(families.values(), actor) if match else {}
    # Two fields of one cell (given and father's name from one full name) may say the same.
    problems = sorted(dict.fromkeys(problems), key=lambda p: (p.row, p.column))
    return Preview(list(families.values()), problems, duplicates, len(table.rows))


def group(
    table: Table, columns: dict[str, int], choices: ListChoices, problems: list[Problem]
) -> dict[str, Family]:
    """The list's rows as households, by the key of their household column, in the order they
    first appear; rows without a household are told in `problems`."""
    families: dict[str, Family] = {}
    digests: dict[str, hashlib._Hash] = {}
    for cells, number in zip(table.rows, table.row_numbers, strict=True):
        reference = cell(cells, columns, "household_ref")
        key = identifier_key(reference)
        if not key:
            problems.append(
                Problem(number, _header(table, columns, "household_ref"), str(_NO_HOUSEHOLD))
            )
            continue
        if key not in families:
            families[key] = Family(reference, key=key, first_cells=cells)
            digests[key] = hashlib.sha256(json.dumps(list(choices.__dict__.values())).encode())
        family = families[key]
        member, row_problems = _member(cells, number, table, columns)
        family.problems += row_problems
        family.rows.append(number)
        family.members.append(member)
        digests[key].update(json.dumps([cell(cells, columns, n) for n in columns]).encode())
    for key, family in families.items():
        family.digest = digests[key].hexdigest()
    return families


# Rows matched together: their keys' blocks and the persons read are held at once, then let go
# (only the few proposed persons are kept).
MATCH_CHUNK = 1000
_NO_HOUSEHOLD = _l("Say which household this person belongs to.")


def cell(cells: Sequence[str], columns: dict[str, int], name: str) -> str:
    """The row's cell for field `name` (columns: field -> index), stripped; "" if unmapped."""
    index = columns.get(name)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _header(table: Table, columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return table.headers[index] if index is not None else ""


def row_name_slots(cells: Sequence[str], columns: dict[str, int]) -> dict[str, str]:
    """{slot: name} of a row: its full name cut into slots, each slot a column of its own
    gives taking its place."""
    slots = name_slots(cell(cells, columns, "full_name")) if "full_name" in columns else {}
    for slot in ("given", "father", "grandfather", "family"):
        typed = cell(cells, columns, f"{slot}_name")
        if typed:
            slots[slot] = typed
    return slots


def _member(cells, number: int, table: Table, columns) -> tuple[MemberInput, list[Problem]]:
    """One row as a member, with the problems of its cells."""
    problems: list[Problem] = []

    def problem(name: str, message) -> None:
        problems.append(Problem(number, _header(table, columns, name), str(message)))

    slots = row_name_slots(cells, columns)
    typed_relationship = cell(cells, columns, "relationship")
    relationship = relationship_code(typed_relationship)
    if relationship is None and typed_relationship:
        problem(
            "relationship",
            _l(
                "Awda does not know the relationship %(word)s. Write one such as رب الأسرة، "
                "زوجة، ابن، ابنة، أخ، حفيد، قريب.",
                word=typed_relationship,
            ),
        )
    elif relationship is None:
        problem(
            "relationship",
            _l("Write the relationship to the head, such as رب الأسرة، زوجة، ابن، ابنة."),
        )
    typed_sex = cell(cells, columns, "sex")
    sex = sex_code(typed_sex)
    if sex is None and typed_sex:
        problem(
            "sex",
            _l("Awda does not know the sex %(word)s. Write ذكر or أنثى (M or F).", word=typed_sex),
        )
    elif sex is None:
        problem("sex", _l("Write the sex as ذكر or أنثى (M or F)."))
    member = MemberInput(
        given_name_ar=slots.get("given", ""),
        father_name_ar=slots.get("father", ""),
        grandfather_name_ar=slots.get("grandfather") or None,
        family_name_ar=slots.get("family") or None,
        mother_name_ar=cell(cells, columns, "mother_name") or None,
        sex=sex or "",
        relationship=relationship or "",
        identifiers={
            kind: cell(cells, columns, kind)
            for kind in vocab.IDENTIFIER_KINDS
            if cell(cells, columns, kind)
        },
        notes=cell(cells, columns, "notes") or None,
    )
    _read_birth(member, cells, columns, problem)
    return member, problems


def _read_birth(member: MemberInput, cells, columns, problem) -> None:
    typed = cell(cells, columns, "birth")
    if typed:
        try:
            found = read_date(typed)
        except DateProblem as unreadable:
            problem("birth", unreadable.message)
            return
        if found.precision is Precision.DAY:
            member.birth_date = found.value
        else:
            member.birth_year = found.value.year
            if found.precision is Precision.MONTH:
                member.birth_month = found.value.month
        return
    age = cell(cells, columns, "age")
    if age:
        member.estimated_age = whole_number(age)
        if member.estimated_age is None:
            problem("age", _l("Write the age in whole years, such as 45."))


def check_family(
    family: Family,
    table: Table,
    columns,
    choices: ListChoices,
    actor,
    places: PlaceNames | None,
    validate: bool = True,
) -> None:
    """Make the household's input (`family.data`) from its rows and, if `validate`, check it
    as the household form would, each problem told at its row and column. The commit passes
    False: the registry's service checks it as it writes it (`problems_of` reads its refusal)."""
    if family.problems:
        return
    if family.known is not None and family.known.digest == family.digest:
        family.unchanged = True
        return
    first = family.first_cells
    origin = Place(choices.origin_governorate_id)  # type: ignore[arg-type]
    typed = cell(first, columns, "governorate")
    if typed:
        found = places.find(typed) if places else None
        if found is None:
            row, column = family.rows[0], _header(table, columns, "governorate")
            message = _l(
                "Awda does not know the place %(place)s. Write one of Iraq's 18 governorates "
                "or one of its districts, such as نينوى, Ninewa or الموصل.",
                place=typed,
            )
            family.problems.append(Problem(row, column, str(message)))
            return
        origin = found
    family.data = HouseholdInput(
        camp_id=choices.camp_id,
        camp_ref=cell(first, columns, "camp_ref") or family.reference,
        origin_governorate_id=origin.governorate_id,
        origin_district_id=origin.district_id,
        batch_id=choices.batch_id,
        phone=cell(first, columns, "phone") or None,
        members=family.members,
    )
    household = family.known.household if family.known else None
    if household is not None:
        family.data = updated_input(household, family.data)
    if not validate:
        return
    try:
        check_household(family.data, actor, household)
    except ValidationFailed as refused:
        family.problems += problems_of(refused, family, table, columns)


def problems_of(refused: ValidationFailed, family: Family, table: Table, columns) -> list[Problem]:
    """The registry's refusal of a family's household, told by row and column."""
    found = []
    for key, messages in refused.errors.items():
        row, column = _where(key, family, table, columns)
        if key == "camp_ref" and "camp_ref" not in columns:
            messages = [f"{message} {_CAMP_ID_FROM_HOUSEHOLD}" for message in messages]
        found += [Problem(row, column, message) for message in dict.fromkeys(messages)]
    return found


_CAMP_ID_FROM_HOUSEHOLD = _l(
    "This list has no column for the household's ID in the camp, so its household number was "
    "taken as that ID. If the list numbers its families itself, choose the column that holds "
    "the camp's household ID on the columns page."
)


def _where(key: str | None, family: Family, table: Table, columns) -> tuple[int, str]:
    """The row and column of a form error key (`members-2-birth_date`, `camp_ref`, None)."""
    row, name = family.rows[0], key or ""
    if key and key.startswith("members-"):
        _prefix, index, name = key.split("-", 2)
        row = family.rows[int(index)] if int(index) < len(family.rows) else row
    for candidate in FORM_FIELD_COLUMNS.get(name, ()):
        if candidate in columns:
            return row, _header(table, columns, candidate)
    return row, ""


def _duplicates(families, actor: User) -> dict[int, list[linkage.Candidate]]:
    """Row number -> the registered persons the matcher proposes that the user may open, for
    every row of the households that can be registered, matched all at once."""
    today = local_today()
    rows, records = [], []
    for family in families:
        if family.problems or family.known:
            continue
        for number, member in zip(family.rows, family.members, strict=True):
            rows.append(number)
            records.append(
                linkage.record_of_input(member, f"row{number}", f"list{family.reference}", today)
            )
    found: dict[int, list[linkage.Candidate]] = {}
    for start in range(0, len(records), MATCH_CHUNK):
        chunk = linkage.candidates_for_many(records[start : start + MATCH_CHUNK])
        for number, candidates in zip(rows[start : start + MATCH_CHUNK], chunk, strict=True):
            shown = shown_to(actor, candidates)
            if shown:
                found[number] = shown
    return found
