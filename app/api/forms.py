"""Forms of token management: a new token, and the revoke button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.core.forms import AwdaForm, MultiCheckboxField, WholeNumberField, choices

from .tokens import DEFAULT_DAYS, MAX_DAYS, SCOPES

DAYS_MESSAGE = _l("Enter a whole number of days from 1 to %(max)d.", max=MAX_DAYS)


class TokenForm(AwdaForm):
    name = StringField(
        _l("What the token is for"),
        validators=[DataRequired(_l("Say what the token is for.")), Length(max=80)],
    )
    scopes = MultiCheckboxField(
        _l("What it may do"), validators=[DataRequired(_l("Choose what it may do."))]
    )
    # One message for "1e2", "2.5", "abc" and 400 alike: the field's own limits.
    days = WholeNumberField(
        _l("Days it lasts"),
        default=DEFAULT_DAYS,
        validators=[
            InputRequired(_l("Give how many days it lasts.")),
            NumberRange(1, MAX_DAYS, DAYS_MESSAGE),
        ],
        not_a_number=DAYS_MESSAGE,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = choices(SCOPES)


class RevokeForm(AwdaForm):
    """Only the CSRF token: the revoke button of one token."""
