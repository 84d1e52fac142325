"""Tasks: creating, completing, and the lists of what is due."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.extensions import db
from app.history.services import record
from app.registry.models import Household
from app.tasks.models import Task


def add_task(
    household: Household,
    title: str,
    due_on: date,
    actor: User,
    assigned_to: User | None = None,
    notes: str | None = None,
) -> Task:
    task = Task(
        household=household,
        title=title.strip(),
        due_on=due_on,
        notes=notes,
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


def schedule_follow_up(household: Household, actor: User, days: int) -> Task:
    """The visit after a household returns home."""
    title = str(_l("Follow-up visit after return"))
    return add_task(household, title, date.today() + timedelta(days=days), actor)
