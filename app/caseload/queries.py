"""Caseload figures: a caseworker's own households by stage, and the team's load by caseworker
and stage. Every count starts from visible_households()."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.access import visible_households
from app.access.roles import Role
from app.auth.models import User
from app.caseload.services import is_caseworker_of
from app.core.pagination import Page, paginate
from app.extensions import db
from app.registry.models import Household
from app.workflow.stages import Stage


def my_cases(user: User) -> sa.Select:
    return visible_households(user).where(Household.assigned_to_id == user.id)


def stage_counts(stmt: sa.Select) -> list[tuple[Stage, int]]:
    """How many of the households `stmt` selects are at each stage, in the journey's order."""
    grouped = stmt.with_only_columns(Household.stage, sa.func.count()).group_by(Household.stage)
    counts = {stage: n for stage, n in db.session.execute(grouped)}
    return [(stage, counts[stage.value]) for stage in Stage if counts.get(stage.value)]


def my_cases_page(user: User, stage: str | None, page: int) -> Page:
    """Those waiting longest at their stage first."""
    stmt = my_cases(user)
    if stage:
        stmt = stmt.where(Household.stage == stage)
    return paginate(
        stmt.order_by(Household.stage_changed_at, Household.id),
        Household,
        page=page,
        per_page=current_app.config["PAGE_SIZE"],
        options=(selectinload(Household.members),),
    )


@dataclass(frozen=True)
class LoadRow:
    """One line of the team table: a caseworker's households by stage (None: nobody's)."""

    caseworker: User | None
    counts: Counter[str]
    in_team: bool = True  # False: holds team households but is no active caseworker of it

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class TeamLoad:
    stages: list[Stage]  # those with at least one household, in the journey's order
    rows: list[LoadRow]
    unassigned: LoadRow
    totals: LoadRow


def _cells(user: User) -> Counter[tuple[int | None, str]]:
    """(caseworker id, stage) -> households, in one grouped query."""
    grouped = (
        visible_households(user)
        .with_only_columns(Household.assigned_to_id, Household.stage, sa.func.count())
        .group_by(Household.assigned_to_id, Household.stage)
    )
    return Counter({(who, stage): n for who, stage, n in db.session.execute(grouped)})


def _people(user: User, holders: set[int]) -> list[User]:
    """The team's active caseworkers, and anyone else who still holds a team household (moved
    away, deactivated), so that the rows add up to the totals."""
    wanted = User.id.in_(holders)
    if user.team_id is not None:
        caseworkers = sa.and_(
            User.team_id == user.team_id, User.holding(Role.CASEWORKER), User.active
        )
        wanted = sa.or_(wanted, caseworkers)
    return list(db.session.scalars(sa.select(User).where(wanted).order_by(User.full_name)))


def _counts_of(cells: Counter, who: int | None) -> Counter[str]:
    return Counter({stage: n for (holder, stage), n in cells.items() if holder == who})


def team_load(user: User) -> TeamLoad:
    cells = _cells(user)
    present = {stage for _, stage in cells}
    rows = [
        LoadRow(
            person,
            _counts_of(cells, person.id),
            in_team=is_caseworker_of(person, user.team_id),
        )
        for person in _people(user, {who for who, _ in cells if who is not None})
    ]
    totals: Counter[str] = Counter()
    for (_, stage), n in cells.items():
        totals[stage] += n
    return TeamLoad(
        stages=[stage for stage in Stage if stage.value in present],
        rows=rows,
        unassigned=LoadRow(None, _counts_of(cells, None)),
        totals=LoadRow(None, totals),
    )
