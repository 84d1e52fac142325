"""Forms of the workflow: a move (or a request for one), and a supervisor's decision."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class MoveForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    mode = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class DecisionForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class BatchArrivalForm(FlaskForm):
    """Only the CSRF token: the households are worked out again on the server when posted."""
