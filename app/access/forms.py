"""The break-the-glass form."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import AwdaForm


class EmergencyAccessForm(AwdaForm):
    case_number = StringField(
        _l("Case number"),
        validators=[DataRequired(_l("Enter the case number.")), Length(max=24)],
        render_kw={"dir": "ltr", "autocomplete": "off"},
    )
    reason = TextAreaField(
        _l("Why you need it"),
        validators=[DataRequired(_l("Say why you need this household.")), Length(max=2000)],
    )
    password = PasswordField(
        _l("Your own password"),
        validators=[DataRequired(_l("Type the password you log in with."))],
        render_kw={"autocomplete": "current-password"},
    )
