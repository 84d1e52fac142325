"""Filters of the audit trail (a GET form: no CSRF, values in the URL)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.audit import services
from app.audit.labels import action_label
from app.audit.services import AuditFilters
from app.core.forms import AwdaForm, options
from app.core.pagination import page_number

LTR = {"dir": "ltr", "autocapitalize": "none", "spellcheck": "false"}


class AuditFilterForm(AwdaForm):
    class Meta:
        csrf = False

    username = StringField(_l("User"), [Optional(), Length(max=64)], render_kw=LTR)
    case_number = StringField(_l("Case number"), [Optional(), Length(max=40)], render_kw=LTR)
    action = SelectField(_l("Action"), [Optional()])
    date_from = DateField(_l("From"), [Optional()])
    date_to = DateField(_l("To"), [Optional()])

    def __init__(self, formdata):
        super().__init__(formdata=formdata)
        self._args = formdata
        self.action.choices = options(
            ((action, action_label(action)) for action in services.known_actions()),
            blank=str(_l("All")),
        )
        self._household_id: int | None = None

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end date is before the start date."))

    def validate_case_number(self, field) -> None:
        if not field.data:
            return
        self._household_id = services.household_id_for(field.data)
        if self._household_id is None:
            raise ValidationError(_("No household has this case number."))

    def filters(self) -> AuditFilters:
        page = self._args.get("page", "1") if self._args else "1"
        return AuditFilters(
            username=self.username.data or None,
            household_id=self._household_id,
            action=self.action.data or None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            page=page_number(page),
        )
