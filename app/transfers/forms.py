"""Forms of the hand-over pages; app.transfers.services checks the rules."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.access import FieldGroup
from app.core.forms import AwdaForm, MultiCheckboxField, optional_int, options
from app.extensions import db
from app.reference.models import Team
from app.registry.models import Household
from app.transfers.disclosures import DISCLOSABLE
from app.workflow.approvals import answered_by_someone


class TransferForm(AwdaForm):
    """Field names are the service's error keys."""

    to_team_id = SelectField(
        _l("Hand over to"), coerce=optional_int, validators=[DataRequired(_l("Choose a team."))]
    )
    keep_collaborator = BooleanField(
        _l("Keep my team on as collaborator (we go on reading and working on the case)")
    )
    reason = TextAreaField(
        _l("Why"),
        validators=[DataRequired(_l("Say why the household is handed over.")), Length(max=2000)],
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        # Only teams with a supervisor to answer (app.workflow.approvals): none is offered
        # that no one could answer for.
        teams = db.session.scalars(
            sa.select(Team)
            .where(Team.active, Team.id != household.team_id, answered_by_someone(Team))
            .options(selectinload(Team.agency))
            .order_by(Team.name)
        )
        pairs = ((t.id, f"{t.name} ({t.agency.code})") for t in teams)
        self.to_team_id.choices = options(pairs, blank=_("— choose —"))


class DecisionForm(AwdaForm):
    note = TextAreaField(_l("Why you decline"), validators=[Optional(), Length(max=2000)])


class CancelForm(AwdaForm):
    """Only the CSRF token."""


class DisclosureForm(AwdaForm):
    """Field names are the service's error keys."""

    agency_id = SelectField(
        _l("Disclose to"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose a security body or a court."))],
    )
    member_id = SelectField(_l("About"), coerce=optional_int, validators=[Optional()])
    groups = MultiCheckboxField(_l("What goes with the identity"))
    agreement_reference = StringField(
        _l("Data-sharing agreement reference"),
        validators=[
            DataRequired(_l("Give the reference of the data-sharing agreement.")),
            Length(max=80),
        ],
    )
    purpose = TextAreaField(
        _l("Purpose"),
        validators=[DataRequired(_l("Say what the data is disclosed for.")), Length(max=2000)],
    )

    def __init__(self, *args, household: Household, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_id.choices = options(
            ((a.id, f"{a.code} — {a.name}") for a in bodies), blank=_("— choose —")
        )
        self.member_id.choices = options(
            ((m.id, m.name_ar) for m in household.members), blank=_("The whole household")
        )
        self.groups.choices = options(
            (g.value, label) for g, label in DISCLOSABLE.items() if g != FieldGroup.IDENTITY
        )


class ApproveDisclosureForm(AwdaForm):
    password = PasswordField(
        _l("Your own password"),
        validators=[DataRequired(_l("Type the password you log in with."))],
        render_kw={"autocomplete": "current-password"},
    )


class RefuseDisclosureForm(AwdaForm):
    note = TextAreaField(_l("Why you refuse"), validators=[Optional(), Length(max=2000)])
