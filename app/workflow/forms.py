"""Forms of the workflow: a move (or a request for one), and a supervisor's decision."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import AwdaForm


class MoveForm(AwdaForm):
    target = HiddenField(validators=[DataRequired()])
    mode = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class DecisionForm(AwdaForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class BatchArrivalForm(AwdaForm):
    """Only the CSRF token: the households are worked out again on the server when posted."""


class NoteForm(AwdaForm):
    text = TextAreaField(
        _l("Add a note"),
        validators=[DataRequired(_l("Write the note first.")), Length(max=4000)],
    )
    protection = BooleanField(
        _l("Protection-sensitive: only the assigned caseworker and their supervisor may read it")
    )


class RouteForm(AwdaForm):
    version = HiddenField()
    route = SelectField(_l("Where the member goes"))
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=2000)]
    )
