"""Login and account forms."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.core.forms import AwdaForm
from app.core.i18n import language_name


class LoginForm(AwdaForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Enter your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


def language_choices() -> list[SelectChoice]:
    """Every language with a catalog, each named in itself."""
    return [SelectChoice(code, language_name(code)) for code in current_app.config["LANGUAGES"]]


class LanguageForm(AwdaForm):
    locale = SelectField(_l("Language"), choices=language_choices)


class EmailChoiceForm(AwdaForm):
    """On the account page, beside the language form: a prefix keeps the two apart."""

    email_notifications = BooleanField(_l("E-mail me when work is waiting for me"))


class SecondFactorForm(AwdaForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"},
    )
