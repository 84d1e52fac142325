"""URL rules of the tasks package. Views load through the access policy, call a service,
render."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import Action, can, household_or_404, require
from app.core.forms import place_errors
from app.core.navigation import count_waiting
from app.core.pagination import page_number
from app.core.validation import ValidationFailed
from app.extensions import db
from app.registry.models import Household
from app.tasks import queries
from app.tasks.forms import TaskDoneForm, TaskForm
from app.tasks.models import Task
from app.tasks.services import complete_task, create_task

bp = Blueprint("tasks", __name__, template_folder="templates")
count_waiting("tasks.due", queries.due_count)


@bp.app_context_processor
def _household_section_helpers() -> dict:
    """What tasks/_household_section.html needs when the household page includes it."""
    return {"household_tasks": _household_tasks, "task_done_form": _done_form}


def _household_tasks(household: Household) -> queries.HouseholdTasks:
    return queries.household_tasks(current_user, household)


def _done_form(task: Task) -> TaskDoneForm:
    # A prefix per task keeps the ids of the page's many CSRF fields unique.
    return TaskDoneForm(prefix=f"task-{task.id}")


def _household_page(household: Household):
    return redirect(url_for("registry.view", household_id=household.id, _anchor="tasks"))


@bp.get("/tasks")
@login_required
def due():
    """What is overdue and due soon; with `show=all`, every open task."""
    require(current_user, Action.TASKS)
    page = page_number(request.args.get("page"))
    whole_team = can(current_user, Action.TEAM_VIEW)
    if request.args.get("show") == "all":
        every = queries.every_open(current_user, page)
        return render_template("tasks/due.html", every=every, whole_team=whole_team)
    return render_template(
        "tasks/due.html",
        overdue=queries.overdue(current_user, page),
        upcoming=queries.upcoming(current_user),
        upcoming_days=queries.UPCOMING_DAYS,
        later=queries.later_count(current_user),
        whole_team=whole_team,
    )


@bp.route("/households/<int:household_id>/tasks/new", methods=["GET", "POST"])
@login_required
def new(household_id: int):
    household = household_or_404(current_user, household_id, Action.TASKS)
    form = TaskForm(household=household)
    if form.validate_on_submit():
        try:
            task = create_task(household, form.to_input(), current_user)
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("Task “%(title)s” added.", title=task.title), "success")
            return _household_page(household)
    # A refused form answers 422, so the request cycle rolls back whatever was begun.
    status = 422 if form.is_submitted() else 200
    return render_template("tasks/form.html", form=form, household=household), status


@bp.post("/households/<int:household_id>/tasks/<int:task_id>/done")
@login_required
def done(household_id: int, task_id: int):
    household = household_or_404(current_user, household_id, Action.TASKS)
    # Looked up within the household, so a task id of another household answers 404.
    task = db.session.scalar(
        sa.select(Task).where(Task.id == task_id, Task.household_id == household.id)
    )
    if task is None:
        abort(404)
    try:
        complete_task(task, current_user)
    except ValidationFailed as refused:
        for messages in refused.errors.values():
            for message in messages:
                flash(message, "error")
    else:
        flash(_("Task “%(title)s” marked done.", title=task.title), "success")
    return _household_page(household)
