"""Forms of the hand-over pages; app.transfers.services checks the rules."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import optional_int, options
from app.extensions import db
from app.reference.models import Team
from app.registry.models import Household


class TransferForm(FlaskForm):
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
        teams = db.session.scalars(
            sa.select(Team)
            .where(Team.active, Team.id != household.team_id)
            .options(selectinload(Team.agency))
            .order_by(Team.name)
        )
        pairs = ((t.id, f"{t.name} ({t.agency.code})") for t in teams)
        self.to_team_id.choices = options(pairs, blank=_("— choose —"))


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Why you decline"), validators=[Optional(), Length(max=2000)])


class CancelForm(FlaskForm):
    """Only the CSRF token."""
