"""The figures each reader's dashboard shows, always counted through the access policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_timezone

from app.access import visible_households
from app.access.policy import reportable_households, visible_referrals
from app.auth.models import User
from app.core.dates import local_today, start_of_local_day
from app.core.db import as_utc, utcnow
from app.core.replica import reading_connection
from app.extensions import db
from app.history.models import CaseEvent
from app.referrals.models import Referral
from app.registry.models import Household
from app.reports.aggregates import tally
from app.reports.publication import figures_secret, publish
from app.tasks.models import Task
from app.tasks.queries import open_tasks
from app.workflow.models import PENDING, ApprovalRequest
from app.workflow.stages import Stage

WEEKS = 12
# Stages a household is not "stuck" in: the journey is over or out of the team's hands.
AT_REST = frozenset({Stage.RETURNED, Stage.CLOSED, Stage.JUDICIARY, Stage.FOLLOW_UP})


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str  # the figure as printed ("<5" where suppressed)


def _stage_bars(
    connection: sa.Connection, condition: sa.ColumnElement[bool], k: int | None = None
) -> list[Bar]:
    """Households by stage: exact, or (given k) published like the figures: suppressed and
    rounded (`publication.py`), since a live count that moves by one as a household moves on
    would tell who moved."""
    if k is not None:
        return _published_stage_bars(connection, condition, k)
    found = dict(
        connection.execute(
            sa.select(Household.stage, sa.func.count()).where(condition).group_by(Household.stage)
        ).all()
    )
    stages = [s for s in Stage if found.get(s.value)]
    return [Bar(s.label, found[s.value], str(found[s.value])) for s in stages]


def _published_stage_bars(
    connection: sa.Connection, condition: sa.ColumnElement[bool], k: int
) -> list[Bar]:
    stage_of = dict(
        connection.execute(sa.select(Household.id, Household.stage).where(condition)).all()
    )
    stages = [s for s in Stage if s.value in set(stage_of.values())]
    cells = tally({h: [stage] for h, stage in stage_of.items()}, [s.value for s in stages])
    published = publish(cells, k, figures_secret(current_app.config["SECRET_KEY"]), "households")
    # The one column of a one-way table is its total column too; the total column is shown.
    figures = [published.figure(i, 1) for i in range(len(stages))]
    return [
        Bar(s.label, figure if isinstance(figure, int) else 0, str(figure))
        for s, figure in zip(stages, figures, strict=True)
    ]


def _in_scope(user: User) -> sa.ColumnElement[bool]:
    return Household.id.in_(visible_households(user).with_only_columns(Household.id))


def my_figures(user: User) -> dict:
    """A caseworker's own: their households by stage, overdue referrals and tasks."""
    mine = sa.and_(_in_scope(user), Household.assigned_to_id == user.id)
    overdue = open_tasks(user).where(Task.due_on < local_today())
    with reading_connection() as connection:
        return {
            "stages": _stage_bars(connection, mine),
            "overdue_referrals": _overdue_referrals(connection, user, mine_only=True),
            "overdue_tasks": connection.scalar(
                sa.select(sa.func.count()).select_from(overdue.subquery())
            ),
        }


def team_figures(user: User) -> dict:
    """A supervisor's team: households by stage and by caseworker, approvals waiting,
    overdue referrals, and the households stuck in one stage."""
    scope = _in_scope(user)
    waiting = (
        sa.select(sa.func.count())
        .select_from(ApprovalRequest)
        .join(Household, Household.id == ApprovalRequest.household_id)
        .where(scope, ApprovalRequest.status == PENDING, ApprovalRequest.requested_by_id != user.id)
    )
    with reading_connection() as connection:
        counts = {
            "stages": _stage_bars(connection, scope),
            "by_caseworker": _by_caseworker(connection, scope),
            "approvals_waiting": connection.scalar(waiting),
            "overdue_referrals": _overdue_referrals(connection, user, mine_only=False),
        }
    return {**counts, "stuck": stuck(user), "stuck_days": current_app.config["STUCK_DAYS"]}


def _overdue_referrals(connection: sa.Connection, user: User, mine_only: bool) -> int:
    stmt = visible_referrals(user).where(Referral.state == "sent", Referral.due_on < local_today())
    if mine_only:
        stmt = stmt.where(Referral.created_by_id == user.id)
    return connection.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


def _by_caseworker(connection: sa.Connection, scope: sa.ColumnElement[bool]) -> list[Bar]:
    rows = connection.execute(
        sa.select(User.full_name, sa.func.count(Household.id))
        .select_from(Household)
        .outerjoin(User, User.id == Household.assigned_to_id)
        .where(scope)
        .group_by(User.full_name)
        .order_by(sa.func.count(Household.id).desc())
    ).all()
    return [Bar(name or "—", count, str(count)) for name, count in rows]


def stuck(user: User, limit: int = 20) -> list[tuple[Household, int]]:
    """Households in one stage longer than the configured number of days, the longest first.

    Read from the primary, as the households' own pages are (each is a link to one): a
    household moved on a moment ago is not listed as stuck."""
    days = current_app.config["STUCK_DAYS"]
    since = utcnow() - timedelta(days=days)
    stmt = (
        visible_households(user)
        .where(Household.stage.not_in([s.value for s in AT_REST]))
        .where(Household.stage_changed_at < since)
        .order_by(Household.stage_changed_at)
        .limit(limit)
    )
    now = utcnow()
    return [(h, (now - as_utc(h.stage_changed_at)).days) for h in db.session.scalars(stmt)]


def system_figures(user: User) -> dict:
    k = current_app.config["MIN_CELL"]
    weeks = weekly(user, k)
    top = chart_top(weeks)
    with reading_connection() as connection:
        stages = _stage_bars(connection, reportable_households(user), k)
    return {
        "stages": stages,
        "weeks": weeks,
        "top": top,
        "lines": {s: line_segments(weeks, s, top) for s in ("arrived", "returned")},
    }


def weekly(user: User, k: int) -> list[dict]:
    """Arrivals at the centre and returns home per week (Monday to Sunday, on the centre's
    calendar), for the last twelve weeks, published like the figures (`publication.py`): small
    counts hidden, the others rounded to a multiple of k by the key of the moves counted, so
    that the running week, looked at one day and the next, never tells who moved."""
    first = _monday(local_today()) - timedelta(weeks=WEEKS - 1)
    with reading_connection() as connection:
        moves = connection.execute(
            sa.select(CaseEvent.id, CaseEvent.to_stage, CaseEvent.at)
            .join(Household, Household.id == CaseEvent.household_id)
            .where(
                reportable_households(user),
                CaseEvent.kind == "stage_changed",
                CaseEvent.to_stage.in_([Stage.ARRIVED.value, Stage.RETURNED.value]),
                CaseEvent.at >= start_of_local_day(first),
            )
        ).all()
    weeks = [first + timedelta(weeks=w) for w in range(WEEKS)]
    stages = ["arrived", "returned"]
    week_of = {move_id: [_monday(_local_date(at))] for move_id, _stage, at in moves}
    # An event at the edge of the first day, in another time zone, falls outside the weeks.
    counted = {move_id: week for move_id, week in week_of.items() if week[0] in weeks}
    stage_of = {move_id: [stage] for move_id, stage, _at in moves if move_id in counted}
    cells = tally(counted, weeks, stage_of, stages)
    secret = figures_secret(current_app.config["SECRET_KEY"])
    published = publish(cells, k, secret, "moves")
    return [
        {
            "week": week,
            # None where the count is hidden: the chart leaves a gap rather than draw it.
            "arrived": _drawn(published.figure(i, 0)),
            "returned": _drawn(published.figure(i, 1)),
            "arrived_shown": published.shown(i, 0),
            "returned_shown": published.shown(i, 1),
        }
        for i, week in enumerate(weeks)
    ]


def _drawn(figure: int | str) -> int | None:
    return figure if isinstance(figure, int) else None


def chart_top(weeks: list[dict]) -> int:
    """The top of the chart's scale: the highest count shown, of either series, so that both
    lines are drawn to one scale (a hidden count never sets it)."""
    shown = [w[s] for w in weeks for s in ("arrived", "returned") if w[s] is not None]
    return max([*shown, 1])


def line_segments(weeks: list[dict], series: str, top: int, height: float = 38) -> list[str]:
    """SVG polyline points for one series, broken where a count is hidden; x from 0 to 100,
    y from 40 (none) up to 2 (`top`)."""
    step = 100 / max(len(weeks) - 1, 1)
    segments, current = [], []
    for i, week in enumerate(weeks):
        if week[series] is None:
            if current:
                segments.append(current)
            current = []
            continue
        current.append(f"{i * step:.1f},{height + 2 - week[series] * height / top:.1f}")
    if current:
        segments.append(current)
    return [" ".join(points) for points in segments]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_date(moment: datetime) -> date:
    return as_utc(moment).astimezone(get_timezone()).date()  # type: ignore[union-attr]
