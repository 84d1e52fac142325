"""Forms of referrals; app.referrals.services checks the rules."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.access import FieldGroup
from app.core.forms import AwdaForm, MultiCheckboxField, choices, optional_int, options
from app.referrals.services import ReferralInput, offered_services
from app.referrals.states import STATES
from app.referrals.vocab import CONSENT_METHODS, SERVICES, URGENCIES
from app.registry.models import Household

# What a referral may carry with the identity (vetting never leaves the screeners).
GROUP_LABELS = {
    FieldGroup.CONTACT: _l("Contact details"),
    FieldGroup.DOCUMENTS: _l("Documents held"),
    FieldGroup.VULNERABILITIES: _l("Specific needs"),
    FieldGroup.PROTECTION: _l("Protection-sensitive needs"),
}


def service_label(service) -> str:
    return f"{service.agency.code} — {SERVICES.get(service.service, service.service)}"


class ReferralForm(AwdaForm):
    """Field names are the service's error keys."""

    service_id = SelectField(
        _l("Agency and service"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose a service."))],
    )
    member_id = SelectField(_l("For"), coerce=optional_int, validators=[Optional()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Say why the referral is made.")), Length(max=2000)],
    )
    urgency = SelectField(_l("Urgency"), default="routine")
    due_on = DateField(_l("First answer due by"), validators=[InputRequired(_l("Enter a date."))])
    groups = MultiCheckboxField(_l("Shared besides the identity (the least that is needed)"))
    consent_by = StringField(_l("Consent given by"), validators=[Optional(), Length(max=200)])
    consent_as_guardian = BooleanField(_l("As guardian of a child"))
    consent_on = DateField(_l("Consent given on"), validators=[Optional()])
    consent_method = SelectField(_l("How"), default="")

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_id.choices = options(
            ((s.id, service_label(s)) for s in offered_services()), blank=_("— choose —")
        )
        self.member_id.choices = options(
            ((m.id, m.name_ar) for m in household.members), blank=_("The whole household")
        )
        self.urgency.choices = choices(URGENCIES)
        self.groups.choices = options((g.value, str(label)) for g, label in GROUP_LABELS.items())
        self.consent_method.choices = choices(CONSENT_METHODS, blank=_("— not recorded —"))

    def to_input(self) -> ReferralInput:
        return ReferralInput(
            service_id=self.service_id.data,
            member_id=self.member_id.data,
            reason=self.reason.data or "",
            urgency=self.urgency.data or "",
            due_on=self.due_on.data,
            groups=list(self.groups.data or []),
            consent_by=self.consent_by.data or "",
            consent_as_guardian=bool(self.consent_as_guardian.data),
            consent_on=self.consent_on.data,
            consent_method=self.consent_method.data or "",
        )


class NoteForm(AwdaForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class OverrideForm(AwdaForm):
    reason = TextAreaField(
        _l("Why it goes without consent"), validators=[Optional(), Length(max=2000)]
    )
    password = PasswordField(
        _l("Your own password"), render_kw={"autocomplete": "current-password"}
    )


class ListFilterForm(AwdaForm):
    """Filters of the referral lists (a GET form; the values name no one)."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), validators=[Optional()])
    service = SelectField(_l("Service"), validators=[Optional()])
    overdue = BooleanField(_l("Overdue only"))

    def __init__(self, formdata):
        super().__init__(formdata=formdata)
        self.state.choices = choices(STATES, blank=_("All"))
        self.service.choices = choices(SERVICES, blank=_("All"))


class ServiceForm(AwdaForm):
    agency_id = SelectField(
        _l("Agency"), coerce=optional_int, validators=[DataRequired(_l("Choose an agency."))]
    )
    service = SelectField(_l("Service"), validators=[DataRequired(_l("Choose a service."))])
    groups = MultiCheckboxField(_l("May receive, besides the identity"))
    active = BooleanField(_l("Offered now"), default=True)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_id.choices = options(
            ((a.id, f"{a.code} — {a.name}") for a in agencies), blank=_("— choose —")
        )
        self.service.choices = choices(SERVICES, blank=_("— choose —"))
        self.groups.choices = options((g.value, str(label)) for g, label in GROUP_LABELS.items())
