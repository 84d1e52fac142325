"""Forms of the administration pages.

The forms check formats (required, lengths, choices); the services check the rules that need the
database (unique usernames and codes, a team within its agency, a batch arriving at a centre).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from app.access.roles import SECOND_ROLES, Role
from app.admin import vocab
from app.auth.forms import language_choices
from app.auth.models import User
from app.auth.passwords import MIN_LENGTH
from app.auth.services import UserInput
from app.core.forms import AwdaForm, choices, optional_int, options
from app.extensions import db
from app.reference.models import Agency, Camp, Team

LTR = {"dir": "ltr", "autocapitalize": "none", "spellcheck": "false"}


def _usable(model: Any, chosen_id: int | None, order: Any, *options: Any) -> list:
    """Active rows, and the row already chosen even if it has since been deactivated, so that
    opening an old record and saving it does not fail on a choice it cannot show."""
    keep = model.active if chosen_id is None else sa.or_(model.active, model.id == chosen_id)
    return list(db.session.scalars(sa.select(model).where(keep).order_by(order).options(*options)))


def _choose_label() -> str:
    return _("— choose —")


# --- users --------------------------------------------------------------------------------


class UserListForm(AwdaForm):
    """Filters of the user list (a GET form: no CSRF, values in the URL)."""

    class Meta:
        csrf = False

    role = SelectField(_l("Role"))
    active = SelectField(_l("Status"))

    def __init__(self, formdata):
        super().__init__(formdata=formdata)
        self.role.choices = options(((r.value, r.label) for r in Role), blank=_("All"))
        self.active.choices = choices(vocab.ACTIVE_FILTERS, blank=_("All"))


class UserForm(AwdaForm):
    """Editing an account. Field names are the service's error keys."""

    password_hint = _l("Leave blank to keep the current password.")

    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Enter a username.")), Length(max=64)],
        render_kw={**LTR, "autocomplete": "off"},
    )
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the full name.")), Length(max=200)]
    )
    email = StringField(
        _l("Email"),
        validators=[Optional(), Email(_l("Enter an email address.")), Length(max=254)],
        render_kw={**LTR, "autocomplete": "off", "inputmode": "email"},
    )
    locale = SelectField(_l("Language"), choices=language_choices)
    role = SelectField(_l("Role"), validators=[DataRequired(_l("Choose a role."))])
    second_role = SelectField(
        _l("Case role besides administrator"),
        default="",
        description=_l(
            "Only for an administrator who also works on cases; given by another administrator."
        ),
    )
    agency = SelectField(_l("Agency"), validators=[DataRequired(_l("Choose an agency."))])
    team = SelectField(_l("Team"))
    password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
    active = BooleanField(_l("Active: may log in"), default=True)
    # Re-entered for sensitive changes (a role given or changed), ASVS 4.0.3 section 2.
    your_password = PasswordField(
        _l("Your own password"), render_kw={"autocomplete": "current-password"}
    )

    def __init__(self, *args, account: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels follow the reader's language, so choices are built per request.
        self.role.choices = options(((r.value, r.label) for r in Role), blank=_choose_label())
        self.second_role.choices = options(
            ((r.value, r.label) for r in Role if r in SECOND_ROLES), blank=_("— none —")
        )
        agencies = _usable(Agency, account.agency_id if account else None, Agency.code)
        self.agency.choices = options(
            ((a.code, _agency_label(a)) for a in agencies), blank=_choose_label()
        )
        teams = _usable(
            Team, account.team_id if account else None, Team.name, selectinload(Team.agency)
        )
        self.team.choices = options(((t.name, _team_label(t)) for t in teams), blank=_("— none —"))

    def to_input(self) -> UserInput:
        return UserInput(
            username=self.username.data or "",
            full_name=self.full_name.data or "",
            role=self.role.data or "",
            second_role=self.second_role.data or None,
            agency_code=self.agency.data or "",
            team_name=self.team.data or None,
            email=self.email.data or None,
            locale=self.locale.data or "en",
            active=bool(self.active.data),
        )


class NewUserForm(UserForm):
    password_hint = _l("At least %(n)d characters.", n=MIN_LENGTH)

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter a password."))],
        render_kw={"autocomplete": "new-password"},
    )


def user_values(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "locale": user.locale,
        "role": user.role,
        "second_role": user.second_role or "",
        "agency": user.agency.code,
        "team": user.team.name if user.team else "",
        "active": user.active,
    }


def _agency_label(agency: Agency) -> str:
    return f"{agency.code} — {agency.name}"


def _team_label(team: Team) -> str:
    return f"{team.name} ({team.agency.code})"


# --- reference data -----------------------------------------------------------------------

_CODE_PATTERN = Regexp(
    r"^[A-Za-z0-9_-]+$", message=_l("Use only letters, digits, hyphens and underscores.")
)


def _code(label: str, missing: str, max_length: int) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(missing), Length(max=max_length), _CODE_PATTERN],
        render_kw={**LTR, "autocapitalize": "characters"},
    )


def _name(label: str, language: str) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(_l("Enter the name.")), Length(max=120)],
        render_kw={"lang": language, "dir": "rtl" if language == "ar" else "ltr"},
    )


class ReferenceForm(AwdaForm):
    """Field names are the model's attribute names: a row fills the form (`obj=row`), the form the
    row. `row` alone sets the choices, so that a deactivated row already chosen stays listed."""

    def __init__(self, *args, row: Any = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_choices(row)

    def fill_choices(self, row: Any) -> None:
        """Set the options of the select boxes; labels follow the reader's language."""

    def values(self) -> dict[str, Any]:
        return {name: value for name, value in self.data.items() if name != "csrf_token"}


class CampForm(ReferenceForm):
    code = _code(_l("Code"), _l("Enter a code."), 20)
    name_en = _name(_l("Name in English"), "en")
    name_ar = _name(_l("Name in Arabic"), "ar")
    country = SelectField(_l("Country"), validators=[DataRequired(_l("Choose the country."))])
    is_centre = BooleanField(_l("Reception centre in Iraq"))
    active = BooleanField(_l("Active"), default=True)

    def fill_choices(self, row: Any) -> None:
        self.country.choices = choices(vocab.COUNTRIES, blank=_("— choose —"))


class AgencyForm(ReferenceForm):
    code = _code(_l("Code"), _l("Enter a code."), 20)
    kind = SelectField(_l("Kind"), validators=[DataRequired(_l("Choose the kind of agency."))])
    name_en = _name(_l("Name in English"), "en")
    name_ar = _name(_l("Name in Arabic"), "ar")
    active = BooleanField(_l("Active"), default=True)

    def fill_choices(self, row: Any) -> None:
        self.kind.choices = choices(vocab.AGENCY_KINDS, blank=_("— choose —"))


class TeamForm(ReferenceForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the team's name.")), Length(max=120)]
    )
    agency_id = SelectField(
        _l("Agency"), coerce=optional_int, validators=[DataRequired(_l("Choose an agency."))]
    )
    active = BooleanField(_l("Active"), default=True)

    def fill_choices(self, row: Any) -> None:
        agencies = _usable(Agency, row.agency_id if row else None, Agency.code)
        self.agency_id.choices = options(
            ((a.id, _agency_label(a)) for a in agencies), blank=_choose_label()
        )


class BatchForm(ReferenceForm):
    number = _code(_l("Batch number"), _l("Enter the batch number."), 30)
    departure_date = DateField(
        _l("Departure date"), validators=[DataRequired(_l("Enter the departure date."))]
    )
    origin_camp_id = SelectField(
        _l("Camp of origin"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose the camp of origin."))],
    )
    destination_camp_id = SelectField(
        _l("Reception centre"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose the reception centre."))],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    def fill_choices(self, row: Any) -> None:
        origins = _usable(Camp, row.origin_camp_id if row else None, Camp.name_en)
        self.origin_camp_id.choices = options(
            ((c.id, _camp_label(c)) for c in origins), blank=_choose_label()
        )
        # Only reception centres are offered; the service refuses any other destination anyway.
        chosen = row.destination_camp_id if row else None
        centres = [c for c in _usable(Camp, chosen, Camp.name_en) if c.is_centre or c.id == chosen]
        self.destination_camp_id.choices = options(
            ((c.id, _camp_label(c)) for c in centres), blank=_choose_label()
        )


def _camp_label(camp: Camp) -> str:
    return f"{camp.name} ({camp.code})"
