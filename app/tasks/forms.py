"""Forms of the tasks pages. The form checks formats; app.tasks.services checks the rules (a due
date not in the past, a caseworker of the household's team)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.caseload.services import team_caseworkers
from app.core.dates import local_today
from app.core.forms import AwdaForm, optional_int, options
from app.registry.models import Household
from app.tasks.services import TITLE_MAX, TaskInput


class TaskForm(AwdaForm):
    """Field names are the service's error keys."""

    title = StringField(
        _l("What is to be done"),
        validators=[DataRequired(_l("Say what is to be done.")), Length(max=TITLE_MAX)],
    )
    # InputRequired, not DataRequired: a malformed date keeps its own message.
    due_on = DateField(
        _l("Due on"), validators=[InputRequired(_l("Enter the date the task is due."))]
    )
    assigned_to_id = SelectField(_l("Caseworker"), coerce=optional_int, validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.due_on.render_kw = {"min": local_today().isoformat()}
        people = ((u.id, u.full_name) for u in team_caseworkers(household))
        self.assigned_to_id.choices = options(people, blank=_blank_assignee(household))

    def to_input(self) -> TaskInput:
        return TaskInput(
            title=self.title.data or "",
            due_on=self.due_on.data,
            assigned_to_id=self.assigned_to_id.data,
            notes=self.notes.data,
        )


def _blank_assignee(household: Household) -> str:
    """Say where a task given to nobody goes (see services.add_task)."""
    if household.assigned_to is None:
        return _("— nobody yet —")
    return _("— the household's caseworker (%(name)s) —", name=household.assigned_to.full_name)


class TaskDoneForm(AwdaForm):
    """The "done" button: nothing to fill in but the CSRF token."""
