"""The reference lists pages and select boxes show (camps, return batches, governorates,
districts, teams, and each team's caseworkers), read once per process and shared by its
requests until an administrator changes one of them (app.core.cache: a version in the database
tells every app server at once).

`lists()` answers plain, frozen copies, never ORM rows: they outlive the session that read them.
Any flush that adds, changes or deletes a row they are made of bumps the version in the same
transaction (`_bump_on_change`), whoever makes it: the administration pages, a command, an import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import chain

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.access.roles import Role
from app.auth.models import User
from app.core.cache import SharedCache, bump
from app.core.i18n import localized
from app.extensions import db
from app.reference.models import Camp, District, Governorate, ReturnBatch, Team

CACHE_NAME = "reference"
# A user's change matters to the lists only through these (the caseworkers of a team).
_USER_FIELDS = ("full_name", "team_id", "role", "second_role", "active")


@dataclass(frozen=True)
class Named:
    id: int
    name_en: str
    name_ar: str

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_ar)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class CampEntry(Named):
    code: str
    active: bool


@dataclass(frozen=True)
class DistrictEntry(Named):
    governorate_id: int


@dataclass(frozen=True)
class BatchEntry:
    id: int
    number: str
    departure_date: date


@dataclass(frozen=True)
class TeamEntry:
    id: int
    name: str
    agency_id: int


@dataclass(frozen=True)
class Caseworker:
    id: int
    full_name: str


@dataclass(frozen=True)
class ReferenceLists:
    """Every list in the order select boxes show it; `*_by_id` for a record's names."""

    camps: tuple[CampEntry, ...]  # by English name
    batches: tuple[BatchEntry, ...]  # newest departure first
    governorates: tuple[Named, ...]  # by English name
    districts: tuple[DistrictEntry, ...]  # by governorate, then district, English names
    teams: tuple[TeamEntry, ...]  # by name
    caseworkers: dict[int, tuple[Caseworker, ...]]  # team id -> active caseworkers, by name
    _index: dict[str, dict[int, object]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in ("camps", "batches", "governorates", "districts", "teams"):
            self._index[name] = {row.id: row for row in getattr(self, name)}

    def camp(self, camp_id: int | None) -> CampEntry | None:
        return self._index["camps"].get(camp_id)  # type: ignore[return-value]

    def batch(self, batch_id: int | None) -> BatchEntry | None:
        return self._index["batches"].get(batch_id)  # type: ignore[return-value]

    def governorate(self, governorate_id: int | None) -> Named | None:
        return self._index["governorates"].get(governorate_id)  # type: ignore[return-value]

    def district(self, district_id: int | None) -> DistrictEntry | None:
        return self._index["districts"].get(district_id)  # type: ignore[return-value]

    def team(self, team_id: int | None) -> TeamEntry | None:
        return self._index["teams"].get(team_id)  # type: ignore[return-value]

    def team_caseworkers(self, team_id: int | None) -> tuple[Caseworker, ...]:
        return self.caseworkers.get(team_id, ()) if team_id is not None else ()


def _rows(make, *columns, order_by) -> tuple:
    """`make(*row)` of each row of `columns`, in `order_by` order."""
    return tuple(make(*row) for row in db.session.execute(sa.select(*columns).order_by(*order_by)))


def _caseworkers() -> dict[int, tuple[Caseworker, ...]]:
    stmt = (
        sa.select(User.id, User.full_name, User.team_id)
        .where(User.team_id.is_not(None), User.holding(Role.CASEWORKER), User.active)
        .order_by(User.full_name)
    )
    teams: dict[int, list[Caseworker]] = {}
    for user_id, full_name, team_id in db.session.execute(stmt):
        teams.setdefault(team_id, []).append(Caseworker(user_id, full_name))
    return {team: tuple(people) for team, people in teams.items()}


def _districts() -> tuple[DistrictEntry, ...]:
    stmt = (
        sa.select(District.id, District.name_en, District.name_ar, District.governorate_id)
        .join(Governorate, Governorate.id == District.governorate_id)
        .order_by(Governorate.name_en, District.name_en)
    )
    return tuple(DistrictEntry(*row) for row in db.session.execute(stmt))


def _build() -> ReferenceLists:
    """Every list, read in one go (six small statements) from the current session."""
    named = (Governorate.id, Governorate.name_en, Governorate.name_ar)
    camp = (Camp.id, Camp.name_en, Camp.name_ar, Camp.code, Camp.active)
    batch = (ReturnBatch.id, ReturnBatch.number, ReturnBatch.departure_date)
    return ReferenceLists(
        camps=_rows(CampEntry, *camp, order_by=[Camp.name_en]),
        batches=_rows(BatchEntry, *batch, order_by=[batch[2].desc(), ReturnBatch.id]),
        governorates=_rows(Named, *named, order_by=[Governorate.name_en]),
        districts=_districts(),
        teams=_rows(TeamEntry, Team.id, Team.name, Team.agency_id, order_by=[Team.name]),
        caseworkers=_caseworkers(),
    )


_LISTS: SharedCache[ReferenceLists] = SharedCache(CACHE_NAME, _build)


def lists() -> ReferenceLists:
    """The reference lists as of this request: built once per process and version."""
    return _LISTS.get()


_WATCHED = (Camp, ReturnBatch, Governorate, District, Team)


def _changes_lists(session: Session, row: object) -> bool:
    if isinstance(row, _WATCHED):
        return True
    if isinstance(row, User):
        if row in session.new or row in session.deleted:
            return True
        state = sa.inspect(row)
        return any(state.attrs[name].history.has_changes() for name in _USER_FIELDS)
    return False


@sa.event.listens_for(Session, "before_flush")
def _bump_on_change(session: Session, _context, _instances) -> None:
    """Bump the lists' version in the transaction of any change to what they are made of."""
    touched = chain(session.new, session.dirty, session.deleted)
    if any(_changes_lists(session, row) for row in touched):
        bump(session, CACHE_NAME)
