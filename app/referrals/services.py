"""Referrals: made by the household's team, answered by the agency's focal point.

Every change goes through `move`, which checks the state table (`states.CHANGES`) and the side
of the person acting, records an event, and writes the household's history and the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.access import Action, FieldGroup, can
from app.access.policy import referral_side
from app.auth.models import User
from app.auth.reauth import require_password
from app.core.dates import local_today
from app.core.db import utcnow
from app.core.formatting import listing
from app.core.validation import ErrorCollector, ValidationFailed
from app.extensions import db
from app.history.services import record
from app.notifications import services as notify
from app.referrals import states
from app.referrals.models import AgencyService, Referral, ReferralEvent
from app.referrals.vocab import CONSENT_METHODS, URGENCIES
from app.registry.models import Household, Member


@dataclass
class ReferralInput:
    service_id: int | None
    member_id: int | None
    reason: str
    urgency: str
    due_on: date | None
    groups: list[str]
    consent_by: str = ""
    consent_as_guardian: bool = False
    consent_on: date | None = None
    consent_method: str = ""


def offered_services() -> list[AgencyService]:
    return list(
        db.session.scalars(
            sa.select(AgencyService)
            .where(AgencyService.active)
            .join(AgencyService.agency)
            .order_by(AgencyService.agency_id, AgencyService.service)
        )
    )


def refer(household: Household, data: ReferralInput, actor: User) -> Referral:
    """Record the referral; it is sent at once when consent is on record, else kept as a draft
    until a supervisor overrides."""
    if not can(actor, Action.REFER, household):
        raise ValidationFailed({None: [str(_l("You may not refer this household."))]})
    errors = ErrorCollector()
    service = _checked_service(data, errors)
    member = _checked_member(household, data.member_id, errors)
    _check_details(data, service, errors)
    _check_consent(data, errors)
    errors.raise_if_any()
    referral = Referral(
        household=household,
        member=member,
        agency_id=service.agency_id,  # type: ignore[union-attr]
        service=service,
        reason=data.reason.strip(),
        urgency=data.urgency,
        due_on=data.due_on,
        groups=",".join(sorted(set(data.groups) | {FieldGroup.IDENTITY.value})),
        created_by=actor,
        consent_by=data.consent_by.strip() or None,
        consent_as_guardian=data.consent_as_guardian,
        consent_on=data.consent_on,
        consent_method=data.consent_method or None,
    )
    db.session.add(referral)
    db.session.flush()
    _event(referral, None, "draft", actor, None)
    if referral.has_consent:
        move(referral, "send", actor)
    return referral


def _checked_service(data: ReferralInput, errors: ErrorCollector) -> AgencyService | None:
    service = db.session.get(AgencyService, data.service_id) if data.service_id else None
    if service is None or not service.active or not service.agency.active:
        errors.add("service_id", _l("Choose a service an agency offers."))
        return None
    return service


def _checked_member(household: Household, member_id: int | None, errors) -> Member | None:
    if member_id is None:
        return None
    member = next((m for m in household.members if m.id == member_id), None)
    if member is None:
        errors.add("member_id", _l("Choose a member of this household."))
    return member


def _check_details(data: ReferralInput, service: AgencyService | None, errors) -> None:
    if not data.reason.strip():
        errors.add("reason", _l("Say why the referral is made."))
    if data.urgency not in URGENCIES:
        errors.add("urgency", _l("Choose the urgency."))
    if data.due_on is None:
        errors.add("due_on", _l("Enter the date a first answer is due."))
    elif data.due_on < local_today():
        errors.add("due_on", _l("The date a first answer is due cannot be in the past."))
    if service is not None:
        beyond = set(data.groups) - set(service.allowed) - {FieldGroup.IDENTITY.value}
        if beyond:
            errors.add(
                "groups",
                _l("This service may not receive: %(groups)s.", groups=listing(sorted(beyond))),
            )


def _check_consent(data: ReferralInput, errors: ErrorCollector) -> None:
    """Consent may be left out (then a supervisor overrides), but not given half."""
    given = [data.consent_by.strip(), data.consent_on, data.consent_method]
    if not any(given):
        return
    if not data.consent_by.strip():
        errors.add("consent_by", _l("Name who consented."))
    if data.consent_on is None:
        errors.add("consent_on", _l("Enter when consent was given."))
    elif data.consent_on > local_today():
        errors.add("consent_on", _l("Consent cannot be given in the future."))
    if data.consent_method not in CONSENT_METHODS:
        errors.add("consent_method", _l("Say how consent was given."))


def override_consent(referral: Referral, actor: User, reason: str, password: str | None) -> None:
    """A supervisor sends a referral without consent on record, giving a reason."""
    errors = ErrorCollector()
    if referral.state != "draft" or referral.has_consent:
        errors.add(None, _l("Only a draft without consent needs an override."))
    elif not can(actor, Action.CONSENT_OVERRIDE, referral.household):
        errors.add(None, _l("Only a supervisor of the household's team may override."))
    errors.raise_if_any()
    if not (reason or "").strip():
        errors.add("reason", _l("Say why the referral goes without consent."))
    require_password(actor, password, "consent_override", errors, "password")
    errors.raise_if_any()
    referral.override_by = actor
    referral.override_reason = reason.strip()
    referral.override_at = utcnow()
    db.session.flush()
    _history(referral, "referral_consent_override", actor)
    move(referral, "send", actor)


def move(referral: Referral, action: str, actor: User, note: str | None = None) -> None:
    change = states.change(action, referral.state)
    if change is None:
        state = states.STATES.get(referral.state, referral.state)
        _refuse(None, _l("Not possible while the referral is %(state)s.", state=state))
    if referral_side(actor, referral) != change.side:  # type: ignore[union-attr]
        _refuse(None, _l("The other side makes this change."))
    if change.note_label is not None and not (note or "").strip():  # type: ignore[union-attr]
        _refuse("note", _l("This needs a note: %(what)s.", what=change.note_label))  # type: ignore[union-attr]
    if action == "send" and not (referral.has_consent or referral.override_at):
        _refuse(None, _l("Record consent, or ask a supervisor to override."))
    before = referral.state
    referral.state = change.target  # type: ignore[union-attr]
    if action == "send":
        referral.sent_at = utcnow()
    _event(referral, before, referral.state, actor, note)
    notify.referral_moved(referral, action, actor)


def _refuse(field: str | None, message) -> None:
    raise ValidationFailed({field: [str(message)]})


def is_overdue(referral: Referral, today: date | None = None) -> bool:
    """Sent and not yet accepted by its due date."""
    return referral.state == "sent" and referral.due_on < (today or local_today())


def _event(referral: Referral, before: str | None, after: str, actor: User, note) -> None:
    db.session.add(
        ReferralEvent(
            referral=referral,
            from_state=before,
            to_state=after,
            actor=actor,
            note=(note or "").strip() or None,
        )
    )
    db.session.flush()
    _history(referral, "referral_" + after if before != after else "referral_progress", actor)


def _history(referral: Referral, kind: str, actor: User) -> None:
    # The household's timeline and the audit trail; notes stay with the referral.
    record(
        referral.household,
        kind,
        actor,
        member_id=referral.member_id,
        referral=referral.id,
        agency=referral.agency.code,
        service=referral.service.service,
        groups=referral.shared,
    )
