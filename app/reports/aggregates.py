"""Counts of households or persons, broken down by one or two dimensions, over a period of
registration, within what the user's figures may count (`reportable_households`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.access.policy import reportable_households
from app.auth.models import User
from app.core.dates import local_today, start_of_local_day
from app.extensions import db
from app.registry.models import Household, Member, MemberNeed
from app.reports.dimensions import DIMENSIONS, Dimension
from app.reports.suppression import Suppressed, suppress

UNITS = ("households", "persons")


@dataclass(frozen=True)
class Request:
    unit: str
    rows: str
    columns: str | None = None
    start: date | None = None  # registered on or after
    end: date | None = None  # registered on or before


@dataclass(frozen=True)
class CrossTable:
    request: Request
    rows: Dimension
    columns: Dimension | None
    row_names: dict[object, str]
    column_names: dict[object, str]
    counts: list[list[int]]  # counts[row][column], in the order of the names

    @property
    def total(self) -> int:
        return sum(map(sum, self.counts))

    def published(self, k: int) -> Suppressed:
        """The figures as they may leave the system: small cells suppressed."""
        return suppress(self.counts or [[0]], k)


def cross_table(user: User, request: Request) -> CrossTable:
    rows = DIMENSIONS[request.rows]
    columns = DIMENSIONS[request.columns] if request.columns else None
    found = _counts(user, request, [d for d in (rows, columns) if d is not None])
    row_names = rows.names(sorted({key[0] for key in found}, key=str))
    column_names = (
        columns.names(sorted({key[1] for key in found}, key=str)) if columns else {None: ""}
    )
    counts = [[found.get((r, c) if columns else (r,), 0) for c in column_names] for r in row_names]
    return CrossTable(request, rows, columns, row_names, column_names, counts)


def _counts(user: User, request: Request, dims: list[Dimension]) -> dict[tuple, int]:
    on = local_today()
    groups = [d.group(on) for d in dims]
    per_person = request.unit == "persons" or any(d.per_person for d in dims)
    counted = Member.id if request.unit == "persons" else Household.id
    stmt = sa.select(*groups, sa.func.count(sa.distinct(counted))).select_from(Household)
    if per_person:
        stmt = stmt.join(Member, Member.household_id == Household.id)
    if any(d.key == "need" for d in dims):
        stmt = stmt.join(MemberNeed, MemberNeed.member_id == Member.id)
    stmt = stmt.where(reportable_households(user), *_period(request)).group_by(*groups)
    return {tuple(row[:-1]): row[-1] for row in db.session.execute(stmt)}


def _period(request: Request) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if request.start is not None:
        conditions.append(Household.created_at >= start_of_local_day(request.start))
    if request.end is not None:
        end = start_of_local_day(request.end + timedelta(days=1))
        conditions.append(Household.created_at < end)
    return conditions
