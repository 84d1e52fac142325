"""Tasks: creating and completing them. Services check the rules, flush, and leave the commit to
the caller; the lists of what is due are in app.tasks.queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.caseload.services import NOT_A_TEAM_CASEWORKER, is_team_caseworker
from app.core.dates import local_today
from app.core.db import utcnow
from app.core.validation import ErrorCollector, ValidationFailed
from app.extensions import db
from app.history.services import record
from app.registry.models import Household
from app.tasks.models import Task

TITLE_MAX = 200


@dataclass
class TaskInput:
    """A task as typed in the form: the caseworker comes as an id."""

    title: str
    due_on: date | None
    assigned_to_id: int | None = None
    notes: str | None = None


def _check_details(errors: ErrorCollector, title: str | None, due_on: date | None) -> None:
    title = (title or "").strip()
    if not title:
        errors.add("title", _l("Say what is to be done."))
    elif len(title) > TITLE_MAX:
        errors.add("title", _l("Keep the task to %(max)d characters.", max=TITLE_MAX))
    if due_on is None:
        errors.add("due_on", _l("Enter the date the task is due."))
    elif due_on < local_today():
        errors.add("due_on", _l("The due date cannot be in the past."))


def _check_assignee(errors: ErrorCollector, household: Household, user: User | None) -> None:
    if user is not None and not is_team_caseworker(user, household):
        errors.add("assigned_to_id", NOT_A_TEAM_CASEWORKER)


def add_task(
    household: Household,
    title: str,
    due_on: date,
    actor: User,
    assigned_to: User | None = None,
    notes: str | None = None,
) -> Task:
    """A task with nobody named goes to the household's caseworker, if it has one."""
    errors = ErrorCollector()
    _check_details(errors, title, due_on)
    _check_assignee(errors, household, assigned_to)
    errors.raise_if_any()
    task = Task(
        household=household,
        title=title.strip(),
        due_on=due_on,
        notes=(notes or "").strip() or None,
        assigned_to=assigned_to or household.assigned_to,
        created_by=actor,
    )
    db.session.add(task)
    db.session.flush()
    record(
        household,
        "task_created",
        actor,
        task_id=task.id,
        title=task.title,
        due_on=due_on.isoformat(),
    )
    return task


def create_task(household: Household, data: TaskInput, actor: User) -> Task:
    """Add a task from the form, every refusal at once."""
    errors = ErrorCollector()
    assignee = db.session.get(User, data.assigned_to_id) if data.assigned_to_id else None
    if data.assigned_to_id and assignee is None:
        errors.add("assigned_to_id", NOT_A_TEAM_CASEWORKER)
    _check_details(errors, data.title, data.due_on)
    _check_assignee(errors, household, assignee)
    errors.raise_if_any()
    return add_task(household, data.title, data.due_on, actor, assignee, data.notes)


def schedule_follow_up(household: Household, actor: User, days: int) -> Task:
    """The visit after a household returns home."""
    title = str(_l("Follow-up visit after return"))
    return add_task(household, title, local_today() + timedelta(days=days), actor)


def _refuse_if_done(task: Task) -> None:
    if task.done_at is None:
        return
    who = task.done_by.full_name if task.done_by else str(_l("someone"))
    message = _l(
        "This task was already marked done by %(who)s on %(when)s; nothing was changed.",
        who=who,
        when=format_date(task.done_at, "medium"),
    )
    raise ValidationFailed({None: [str(message)]})


def complete_task(task: Task, actor: User) -> Task:
    _refuse_if_done(task)
    # Only an open task is updated, so two people pressing "done" at once record one of them.
    done = db.session.execute(
        sa.update(Task)
        .where(Task.id == task.id, Task.done_at.is_(None))
        .values(done_at=utcnow(), done_by_id=actor.id)
    )
    if done.rowcount != 1:
        db.session.refresh(task)
        _refuse_if_done(task)
    record(task.household, "task_done", actor, task_id=task.id, title=task.title)
    return task
