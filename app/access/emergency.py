"""Break-the-glass: a supervisor opens a household outside their scope, stating why and
re-entering their password. The access lasts four hours, shows on every page, and is listed for
auditors to review."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.access.answers import forget_answers
from app.access.models import EmergencyAccess
from app.access.policy import Action, can
from app.audit import services as audit
from app.auth.models import User
from app.auth.reauth import require_password
from app.core.db import utcnow
from app.core.validation import ErrorCollector
from app.extensions import db
from app.identity.identifiers import case_number_key
from app.registry.models import Household

DURATION = timedelta(hours=4)
MIN_REASON = 10


def open_access(user: User, case_number: str, reason: str, password: str) -> EmergencyAccess:
    errors = ErrorCollector()
    if not can(user, Action.BREAK_GLASS):
        errors.add(None, _l("Your role may not open households outside your scope."))
        errors.raise_if_any()
    canonical = case_number_key(case_number, current_app.config["CASE_NUMBER_PREFIX"])
    household = canonical and db.session.scalar(
        sa.select(Household).where(Household.case_number == canonical)
    )
    if household is None:
        errors.add("case_number", _l("No household has this case number."))
    elif can(user, Action.HOUSEHOLD_VIEW, household):
        errors.add("case_number", _l("You can already open this household."))
    if len((reason or "").strip()) < MIN_REASON:
        errors.add("reason", _l("Say why you need this household (a sentence at least)."))
    require_password(user, password, "break_glass", errors, "password")
    errors.raise_if_any()
    now = utcnow()
    grant = EmergencyAccess(
        user=user,
        household=household,
        reason=reason.strip(),
        started_at=now,
        expires_at=now + DURATION,
    )
    db.session.add(grant)
    db.session.flush()
    forget_answers()
    audit.record(
        "break_glass.open",
        household_id=household.id,
        change=True,
        user=user,
        grant=grant.id,
        hours=int(DURATION.total_seconds() // 3600),
        reason=grant.reason,
    )
    return grant


def active_for(user: User) -> list[EmergencyAccess]:
    if not can(user, Action.BREAK_GLASS):
        return []
    return list(
        db.session.scalars(
            sa.select(EmergencyAccess)
            .where(EmergencyAccess.user_id == user.id, EmergencyAccess.expires_at > utcnow())
            .options(selectinload(EmergencyAccess.household))
            .order_by(EmergencyAccess.expires_at)
        )
    )


def for_review(limit: int = 200) -> list[EmergencyAccess]:
    return list(
        db.session.scalars(
            sa.select(EmergencyAccess)
            .options(selectinload(EmergencyAccess.user), selectinload(EmergencyAccess.household))
            .order_by(EmergencyAccess.started_at.desc())
            .limit(limit)
        )
    )
