"""Login and account forms."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.auth.password_change import PasswordChange
from app.auth.passwords import MAX_LENGTH
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


class PasswordChangeForm(AwdaForm):
    """The user's own password. The rules (strength, the two new ones alike, the current one
    right) are the service's (app.auth.password_change), which places its messages here by
    these field names."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    new_password_again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(_l("Enter the new password again."))],
        render_kw={"autocomplete": "new-password"},
    )

    def to_change(self) -> PasswordChange:
        return PasswordChange(
            current_password=self.current_password.data or "",
            new_password=self.new_password.data or "",
            new_password_again=self.new_password_again.data or "",
        )
