"""Forms of token management: a new token, and the revoke button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.core.forms import AwdaForm, MultiCheckboxField, choices

from .tokens import DEFAULT_DAYS, MAX_DAYS, SCOPES


class TokenForm(AwdaForm):
    name = StringField(
        _l("What the token is for"),
        validators=[DataRequired(_l("Say what the token is for.")), Length(max=80)],
    )
    scopes = MultiCheckboxField(
        _l("What it may do"), validators=[DataRequired(_l("Choose what it may do."))]
    )
    days = IntegerField(
        _l("Days it lasts"),
        default=DEFAULT_DAYS,
        validators=[
            InputRequired(_l("Give how many days it lasts.")),
            NumberRange(1, MAX_DAYS, _l("From 1 to %(max)s days.", max=MAX_DAYS)),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = choices(SCOPES)


class RevokeForm(AwdaForm):
    """Only the CSRF token: the revoke button of one token."""
