"""The report's choices (a GET form: no CSRF; the values name no one)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.core.forms import AwdaForm, MultiCheckboxField, options
from app.reports.aggregates import Request
from app.reports.case_export import COLUMNS
from app.reports.dimensions import DIMENSIONS
from app.reports.periods import Period

UNIT_LABELS = {"households": _l("Households"), "persons": _l("Persons")}
PERIOD_GROUPS = {"month": _l("Months"), "quarter": _l("Quarters"), "year": _l("Years")}


class ReportForm(AwdaForm):
    class Meta:
        csrf = False

    unit = SelectField(_l("Count"), [InputRequired(_l("Choose what to count."))])
    rows = SelectField(_l("Rows"), [InputRequired(_l("Choose what the rows show."))])
    columns = SelectField(_l("Columns"), [Optional()])
    # Whole months, quarters and years that have ended: never a range of days (`periods.py`).
    period = SelectField(_l("Registered in"), [InputRequired(_l("Choose a period."))])

    def __init__(self, formdata, periods: Sequence[Period]):
        super().__init__(formdata=formdata)
        self.unit.choices = options((k, str(v)) for k, v in UNIT_LABELS.items())
        dimensions = [(d.key, str(d.label)) for d in DIMENSIONS.values()]
        self.rows.choices = options(dimensions)
        self.columns.choices = options(dimensions, blank=_("— none —"))
        self.period.choices = [
            SelectChoice(p.key, p.label(), optgroup=str(PERIOD_GROUPS[p.kind])) for p in periods
        ]

    def validate_columns(self, field) -> None:
        if field.data and field.data == self.rows.data:
            raise ValidationError(_("Choose something other than the rows."))

    def request(self) -> Request:
        return Request(
            unit=self.unit.data,
            rows=self.rows.data,
            columns=self.columns.data or None,
            period=Period.parse(self.period.data),
        )

    def described(self) -> dict[str, str | None]:
        """The choices as the audit trail records them."""
        chosen = self.request()
        return {
            "unit": chosen.unit,
            "rows": chosen.rows,
            "columns": chosen.columns,
            "period": chosen.period.key if chosen.period else None,
        }


class CaseExportForm(AwdaForm):
    """Posted (with CSRF); the list's filters come along in the URL, the search as its token."""

    columns = MultiCheckboxField(_l("Columns"))
    format = SelectField(_l("File"), choices=[])
    identifiable = BooleanField(_l("Identifiable: with names, phone numbers and IDs"))
    purpose = TextAreaField(_l("Purpose of the identifiable list"), [Optional(), Length(max=500)])
    password = PasswordField(
        _l("Your own password"), render_kw={"autocomplete": "current-password"}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns.choices = options((c.key, str(c.label)) for c in COLUMNS.values())
        self.format.choices = options((("csv", "CSV"), ("xlsx", "XLSX")))
