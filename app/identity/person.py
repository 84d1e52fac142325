"""A person's identity as record linkage reads it: name slots in both scripts, the mother's name,
a known-as name, sex, a birth date with its precision, and document numbers as keys.

`PersonRecord` is a plain value, built from a registry member (`app.registry.identity`), from a
row of a transfer list or from a watch-list entry, so that one scorer compares them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Precision(StrEnum):
    """How much of a birth date is known."""

    DAY = "day"  # the whole date, as on a civil document
    MONTH = "month"  # month and year; stored as the 1st of the month
    YEAR = "year"  # the year only; stored as 1 January of it
    AGE = "age"  # an age in years estimated on a date; stored as that date less the age


@dataclass(frozen=True)
class BirthDate:
    """A birth date and how much of it is known.

    `value` is the date stored (see `Precision` for what it means at each precision);
    `estimated_on` is the day an age was estimated, for `Precision.AGE` only.
    """

    value: date
    precision: Precision = Precision.DAY
    estimated_on: date | None = None

    def year_range(self) -> tuple[int, int]:
        """(earliest, latest) year of birth this value allows, both inclusive. An age A
        estimated on day D allows a birth from D less A+1 years (plus a day) to D less A years,
        so two calendar years."""
        if self.precision is Precision.AGE:
            return self.value.year - 1, self.value.year
        return self.value.year, self.value.year

    def estimated_age(self) -> int | None:
        """The age as it was estimated, in whole years; None unless `Precision.AGE`."""
        if self.precision is not Precision.AGE or self.estimated_on is None:
            return None
        return age_between(self.value, self.estimated_on)


def age_between(birth: date, day: date) -> int:
    """Whole years from `birth` to `day` (negative if `day` is earlier)."""
    before_birthday = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - before_birthday


def years_before(day: date, years: int) -> date:
    """`day` in the year `years` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class NamePart:
    """One slot of a name as typed, in Arabic letters and in Latin letters (either may be "")."""

    ar: str = ""
    en: str = ""

    def __bool__(self) -> bool:
        return bool(self.ar or self.en)


@dataclass(frozen=True)
class PersonRecord:
    """What the matcher knows of one person.

    `key` identifies the record to its source (a member id, a list row, a watch-list entry);
    `group` is the household (or list family) it belongs to: records of one group are relatives
    or the same entry, never offered as duplicates of each other.
    `documents` holds (kind, key) pairs, the key computed by `identifiers.identifier_key`;
    kinds are those of `registry.vocab.IDENTIFIER_KINDS` (`unified_id`, `civil_id`,
    `nationality_certificate`, `passport`, `camp_person_id`); the matcher weighs those in
    `compare.PERSONAL_DOCUMENTS` and uses any other (a household's `camp_id`) for blocking only.
    `sex` is "F", "M" or "" when unknown.
    """

    key: str
    given: NamePart = NamePart()
    father: NamePart = NamePart()
    grandfather: NamePart = NamePart()
    family: NamePart = NamePart()
    mother: NamePart = NamePart()  # the mother's full name, as on an Iraqi civil document
    known_as: str = ""  # a kunya (Abu …, Umm …) or another name the person is known by
    sex: str = ""
    birth: BirthDate | None = None
    documents: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    group: str = ""
