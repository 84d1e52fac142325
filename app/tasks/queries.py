"""What is due: open tasks on the households a user may see, overdue and coming up, and one
household's tasks for its page. Every list starts from visible_households()."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from app.access import Action, can
from app.access.policy import in_scope
from app.auth.models import User
from app.core.dates import local_today
from app.core.pagination import Page, count, paginate
from app.extensions import db
from app.registry.models import Household
from app.tasks.models import Task

UPCOMING_DAYS = 14

# What a row of the lists shows: the household's case number and head, and who does the task.
_ROW_LOADS = (
    selectinload(Task.household).selectinload(Household.members),
    selectinload(Task.household).selectinload(Household.assigned_to),
    selectinload(Task.assigned_to),
)


def open_tasks(user: User) -> sa.Select:
    """Open tasks on the households the user may see. Whoever oversees the team sees all of
    them; a caseworker those given to them, and those given to nobody on their own households.
    Read from the open tasks, each checked against the scope (`in_scope`), never from the
    scope's households: the menu counts them on every page."""
    if not can(user, Action.HOUSEHOLD_LIST):
        return sa.select(Task).where(sa.false())
    mine = []
    if not can(user, Action.TEAM_VIEW):
        unassigned_on_mine = sa.and_(
            Task.assigned_to_id.is_(None), Household.assigned_to_id == user.id
        )
        mine.append(sa.or_(Task.assigned_to_id == user.id, unassigned_on_mine))
    scoped = in_scope(Task.household_id, user, Action.HOUSEHOLD_LIST, *mine)
    return sa.select(Task).where(Task.done_at.is_(None), scoped)


def due_count(user: User) -> int:
    """Open tasks due today or before: what the menu says waits under "Tasks due"."""
    return count(open_tasks(user).where(Task.due_on <= local_today()))


def overdue(user: User, page: int) -> Page:
    """Due before today, the longest overdue first."""
    stmt = open_tasks(user).where(Task.due_on < local_today()).order_by(Task.due_on, Task.id)
    per_page = current_app.config["PAGE_SIZE"]
    return paginate(stmt, Task, page=page, per_page=per_page, options=_ROW_LOADS)


def every_open(user: User, page: int) -> Page:
    """Every open task, the soonest due first: the follow-up visit a month away too."""
    stmt = open_tasks(user).order_by(Task.due_on, Task.id)
    per_page = current_app.config["PAGE_SIZE"]
    return paginate(stmt, Task, page=page, per_page=per_page, options=_ROW_LOADS)


def later_count(user: User) -> int:
    """Open tasks due after the upcoming window."""
    after = local_today() + timedelta(days=UPCOMING_DAYS)
    return count(open_tasks(user).where(Task.due_on > after))


def upcoming(user: User) -> list[Task]:
    """Due today or within the next 14 days: a short window, so one list."""
    today = local_today()
    stmt = (
        open_tasks(user)
        .where(Task.due_on.between(today, today + timedelta(days=UPCOMING_DAYS)))
        .order_by(Task.due_on, Task.id)
        .options(*_ROW_LOADS)
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class HouseholdTasks:
    open_tasks: list[Task] = field(default_factory=list)
    done_tasks: list[Task] = field(default_factory=list)


# Built once and reused (the household page's reads are; bench/page_costs.py).
_OF_HOUSEHOLD = (
    sa.select(Task)
    .where(Task.household_id == sa.bindparam("household_id"))
    .order_by(Task.due_on, Task.id)
    .options(joinedload(Task.assigned_to), joinedload(Task.done_by))
)


def household_tasks(user: User, household: Household) -> HouseholdTasks:
    """The tasks of one household, for its page; nothing for those who may not work on them."""
    if not can(user, Action.TASKS, household):
        return HouseholdTasks()
    tasks = list(db.session.scalars(_OF_HOUSEHOLD, {"household_id": household.id}))
    done = sorted((t for t in tasks if not t.is_open), key=lambda t: t.done_at, reverse=True)
    return HouseholdTasks([t for t in tasks if t.is_open], done)
