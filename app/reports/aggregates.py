"""Counts of households or persons, broken down by one or two dimensions, over a period of
registration, within what the user's figures may count (`reportable_households`).

Every table counts its unit: a household table counts households (a person dimension describes
a household by its head), a person table persons. The grand total is the number of units
registered in the period, each counted once, and so is every line total, even along a
dimension where one unit falls in several groups (specific needs): the table knows which units
are in each cell, and a total is the units of its line, not the sum of its cells.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_timezone

from app.access.policy import reportable_households
from app.auth.models import User
from app.core.dates import local_today, start_of_local_day
from app.core.db import as_utc
from app.core.replica import reading_connection
from app.registry.models import Household, Member, MemberNeed
from app.reports.dimensions import DIMENSIONS, HOUSEHOLD, NEED, NO_NEED, Dimension
from app.reports.periods import Period, available
from app.reports.publication import Cells, figures_secret, publish
from app.reports.suppression import Suppressed

UNITS = ("households", "persons")


@dataclass(frozen=True)
class Request:
    unit: str  # "households" or "persons"
    rows: str  # a key of DIMENSIONS
    columns: str | None = None
    period: Period | None = field(default=None, kw_only=True)  # None: every registration


@dataclass(frozen=True)
class CrossTable:
    """The table with the units in each cell: `units[r][c]` holds the ids of the households or
    persons counted in row group r and column group c; the last column holds each row's units,
    the last row each column's, the corner every unit counted. A one-way table has one column
    (and its total)."""

    request: Request
    rows: Dimension
    columns: Dimension | None
    row_names: dict[object, str]
    column_names: dict[object, str]
    units: Cells

    @property
    def counts(self) -> list[list[int]]:
        """counts[row][column], in the order of the names, totals left out."""
        return [[len(cell) for cell in line[:-1]] for line in self.units[:-1]]

    @property
    def row_totals(self) -> list[int]:
        return [len(line[-1]) for line in self.units[:-1]]

    @property
    def column_totals(self) -> list[int]:
        return [len(cell) for cell in self.units[-1][:-1]]

    @property
    def total(self) -> int:
        return len(self.units[-1][-1])

    @property
    def rows_label(self) -> str:
        return self.rows.label_for(self.request.unit)

    @property
    def columns_label(self) -> str:
        return self.columns.label_for(self.request.unit) if self.columns else ""

    @property
    def multiple(self) -> Dimension | None:
        """The dimension that can put one unit in several groups, if the table has one."""
        return next((d for d in (self.rows, self.columns) if d is not None and d.multiple), None)

    @property
    def by_head(self) -> bool:
        """Are households counted by their head's sex or age?"""
        return self.request.unit == "households" and any(
            d is not None and d.head_label is not None for d in (self.rows, self.columns)
        )

    def published(self, k: int, secret: bytes) -> Suppressed:
        """The figures as they may leave the system (`publication.publish`)."""
        additive = "table"
        if self.rows.multiple:
            additive = "rows"
        elif self.columns is not None and self.columns.multiple:
            additive = "columns"
        return publish(self.units, k, secret, self.request.unit, additive)


def cross_table(user: User, request: Request) -> CrossTable:
    """The table asked for, counting what `reportable_households(user)` lets the user count."""
    rows = DIMENSIONS[request.rows]
    columns = DIMENSIONS[request.columns] if request.columns else None
    units = _units(user, request)
    on = local_today()
    with reading_connection() as connection:  # the replica's, if there is one
        counted = set(connection.scalars(units))
        row_groups = _groups(connection, rows, request.unit, units, counted, on)
        column_groups = None
        if columns is not None:
            column_groups = _groups(connection, columns, request.unit, units, counted, on)
    row_names = rows.names(_keys(row_groups))
    column_names: dict[object, str] = {None: ""}
    if columns is not None:
        column_names = columns.names(_keys(column_groups or {}))
    cells = tally(row_groups, list(row_names), column_groups, list(column_names))
    return CrossTable(request, rows, columns, row_names, column_names, cells)


def tally(
    rows: Mapping[int, Collection[object]],
    row_order: Sequence[object],
    columns: Mapping[int, Collection[object]] | None = None,
    column_order: Sequence[object] = (None,),
) -> Cells:
    """Which units fall in each cell, from each unit's groups along the rows (`rows[unit]`)
    and the columns; `units[r][c]` as in `CrossTable`, always with at least one row and one
    column besides the totals (empty where nothing was counted)."""
    row_at = {key: i for i, key in enumerate(row_order)}
    column_at = {key: i for i, key in enumerate(column_order)}
    height, width = max(len(row_order), 1), max(len(column_order), 1)
    grid: list[list[set[int]]] = [[set() for _ in range(width + 1)] for _ in range(height + 1)]
    for unit, groups in rows.items():
        in_rows = {row_at[g] for g in groups}
        in_columns = {column_at[g] for g in (columns[unit] if columns is not None else [None])}
        for r in in_rows:
            for c in in_columns:
                grid[r][c].add(unit)
            grid[r][width].add(unit)
        for c in in_columns:
            grid[height][c].add(unit)
        grid[height][width].add(unit)
    return tuple(tuple(frozenset(cell) for cell in line) for line in grid)


def first_registration(user: User) -> date | None:
    """The day (on the centre's calendar) of the first registration the user's figures count."""
    with reading_connection() as connection:  # offered from the data the figures count
        first = connection.scalar(
            sa.select(sa.func.min(Household.created_at)).where(reportable_households(user))
        )
    return _local_date(first) if first is not None else None


def _local_date(moment: datetime) -> date:
    return as_utc(moment).astimezone(get_timezone()).date()  # type: ignore[union-attr]


def _keys(groups: Mapping[int, Collection[object]]) -> list[object]:
    return sorted({key for keys in groups.values() for key in keys}, key=str)


def _units(user: User, request: Request) -> sa.Select:
    """The ids of the units counted: households registered in the period within the user's
    reach, or their members."""
    households = sa.select(Household.id).where(
        reportable_households(user), *_period(request.period)
    )
    if request.unit == "households":
        return households
    return sa.select(Member.id).where(
        Member.household_id.in_(households), Member.merged_into_id.is_(None)
    )


def _groups(
    connection: sa.Connection,
    dimension: Dimension,
    unit: str,
    units: sa.Select,
    counted: set[int],
    on: date,
) -> dict[int, list[object]]:
    """{unit id: its groups along the dimension}: one group each (None where not known), or
    for specific needs every need the unit has, NO_NEED for none."""
    found: dict[int, list[object]] = {unit_id: [] for unit_id in counted}
    for unit_id, key in connection.execute(_pairs(dimension, unit, units, on)):
        if unit_id in found:
            found[unit_id].append(key)
    for groups in found.values():
        if not groups:
            groups.append(NO_NEED if dimension.multiple else None)
    return found


def _pairs(dimension: Dimension, unit: str, units: sa.Select, on: date) -> sa.Select:
    """(unit id, group) for each unit counted, in SQL."""
    group = dimension.group(on)
    if dimension.level == NEED:
        if unit == "persons":
            return sa.select(MemberNeed.member_id, group).where(MemberNeed.member_id.in_(units))
        return (
            sa.select(Member.household_id, group)
            .join(MemberNeed, MemberNeed.member_id == Member.id)
            .where(Member.household_id.in_(units), Member.merged_into_id.is_(None))
            .distinct()
        )
    if unit == "persons":
        stmt = sa.select(Member.id, group).where(Member.id.in_(units))
        if dimension.level == HOUSEHOLD:
            stmt = stmt.join(Household, Household.id == Member.household_id)
        return stmt
    if dimension.level == HOUSEHOLD:
        return sa.select(Household.id, group).where(Household.id.in_(units))
    return _by_head(group, units)


def _by_head(group: sa.ColumnElement, units: sa.Select) -> sa.Select:
    """A person's group for each household, read from its head (the first member marked head);
    NULL for a household with none."""
    heads = (
        sa.select(Member.household_id, sa.func.min(Member.id).label("head_id"))
        .where(Member.relationship == "head", Member.merged_into_id.is_(None))
        .group_by(Member.household_id)
        .subquery()
    )
    return (
        sa.select(Household.id, group)
        .select_from(Household)
        .outerjoin(heads, heads.c.household_id == Household.id)
        .outerjoin(Member, Member.id == heads.c.head_id)
        .where(Household.id.in_(units))
    )


def _period(period: Period | None) -> list[sa.ColumnElement[bool]]:
    """Registered from the first day of the period to its last, on the centre's calendar."""
    if period is None:
        return []
    return [
        Household.created_at >= start_of_local_day(period.start),
        Household.created_at < start_of_local_day(period.end + timedelta(days=1)),
    ]


def offered_periods(user: User) -> list[Period]:
    """The periods a reader may ask figures for: months, quarters and years that have ended,
    from the first registration the user's figures count."""
    today = local_today()
    return available(first_registration(user) or today, today)


def published(table: CrossTable) -> Suppressed:
    """The table as it may leave the system, with the configured threshold and rounding key."""
    config = current_app.config
    return table.published(config["MIN_CELL"], figures_secret(config["SECRET_KEY"]))
