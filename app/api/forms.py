"""Forms of token management: a new token, and the revoke button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from app.core.forms import AwdaForm, MultiCheckboxField, WholeNumberField, choices

from .tokens import DEFAULT_DAYS, MAX_DAYS, SCOPES, scope_refusal, usable_scopes

DAYS_MESSAGE = _l("Enter a whole number of days from 1 to %(max)d.", max=MAX_DAYS)


class TokenForm(AwdaForm):
    """A new token of `user`, offering only the scopes their roles have a use for; any other
    scope posted is refused beside the field (`tokens.scope_refusal`)."""

    name = StringField(
        _l("What the token is for"),
        validators=[DataRequired(_l("Say what the token is for.")), Length(max=80)],
    )
    scopes = MultiCheckboxField(
        _l("What it may do"),
        validate_choice=False,  # `validate_scopes` says which, and why, in the user's words
        validators=[DataRequired(_l("Choose what it may do."))],
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.scopes.choices = choices({scope: SCOPES[scope] for scope in usable_scopes(user)})

    def validate_scopes(self, field) -> None:
        refused = scope_refusal(self.user, field.data)
        if refused:
            raise ValidationError(refused)


class RevokeForm(AwdaForm):
    """Only the CSRF token: the revoke button of one token."""
