"""Forms of the caseload pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from app.caseload.services import team_caseworkers
from app.core.forms import AwdaForm, optional_int, options
from app.core.text import whole_number
from app.registry.models import Household


class AssignForm(AwdaForm):
    """Field names are the service's error keys; the version settles two people at once."""

    version = HiddenField()
    assigned_to_id = SelectField(
        _l("Caseworker"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose a caseworker."))],
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        people = ((u.id, u.full_name) for u in team_caseworkers(household))
        self.assigned_to_id.choices = options(people, blank=_("— choose —"))

    def expected_version(self) -> int:
        value = self.version.data or ""
        return whole_number(value, -1)


def assign_values(household: Household) -> dict:
    return {"assigned_to_id": household.assigned_to_id, "version": str(household.version)}
