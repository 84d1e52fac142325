"""Disclosing a household's data to a security body or a court.

Unlike a referral, a disclosure does not rest on the family's consent: it rests on a data-sharing
agreement, named by its reference, and on a supervisor's approval (never the requester's own,
with their password re-entered; a request no one could approve is refused, and each says who
may approve it: `app.workflow.approvals.disclosure_deciders`). Only identity, contact and
documents may go; protection and vetting data never do. What was handed over is fixed at
approval (`snapshot`), and every step is in the household's history and the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.access import Action, FieldGroup, can
from app.admin.vocab import DISCLOSURE_AGENCY_KINDS
from app.audit import services as audit
from app.auth.models import User
from app.auth.reauth import require_password
from app.core.validation import ErrorCollector, ValidationFailed
from app.extensions import db
from app.history.services import record
from app.reference.models import Agency
from app.registry.extract import extract
from app.registry.models import Household, Member
from app.transfers.models import APPROVED, REFUSED, REQUESTED, WITHDRAWN, Disclosure
from app.workflow import approvals

# The only groups that may be disclosed, with what each holds.
DISCLOSABLE = {
    FieldGroup.IDENTITY: _l("Identity: names, sex, birth date, relationship, camp ID"),
    FieldGroup.CONTACT: _l("Contact: phone, shelter, intended destination"),
    FieldGroup.DOCUMENTS: _l("Documents held"),
}


def disclosure_bodies() -> list[Agency]:
    return list(
        db.session.scalars(
            sa.select(Agency)
            .where(Agency.active, Agency.kind.in_(DISCLOSURE_AGENCY_KINDS))
            .order_by(Agency.code)
        )
    )


def request_disclosure(
    household: Household,
    member: Member | None,
    agency_id: int | None,
    groups: Iterable[str],
    agreement_reference: str,
    purpose: str,
    actor: User,
) -> Disclosure:
    if not can(actor, Action.DISCLOSURE_REQUEST, household):
        raise ValidationFailed(
            {None: [str(_l("Only the team holding this household may disclose it."))]}
        )
    errors = ErrorCollector()
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None or agency not in disclosure_bodies():
        errors.add("agency_id", _l("Choose a security body or a court."))
    if member is not None and member.household_id != household.id:
        errors.add("member_id", _l("Choose a member of this household."))
    chosen = set(groups) | {FieldGroup.IDENTITY.value}
    if chosen - {g.value for g in DISCLOSABLE}:
        errors.add("groups", _l("Only identity, contact details and documents may be disclosed."))
    if not (agreement_reference or "").strip():
        errors.add("agreement_reference", _l("Give the reference of the data-sharing agreement."))
    if not (purpose or "").strip():
        errors.add("purpose", _l("Say what the data is disclosed for."))
    if not approvals.disclosure_deciders(household, actor.id):
        errors.add(None, approvals.NOBODY_TO_APPROVE_DISCLOSURE)
    errors.raise_if_any()
    disclosure = Disclosure(
        household=household,
        member=member,
        agency=agency,
        agreement_reference=agreement_reference.strip(),
        purpose=purpose.strip(),
        groups=",".join(sorted(chosen)),
        requested_by=actor,
    )
    db.session.add(disclosure)
    db.session.flush()
    _history(disclosure, "disclosure_requested", actor, disclosure.purpose)
    return disclosure


def approve_disclosure(disclosure: Disclosure, actor: User, password: str | None) -> None:
    errors = _decision_errors(disclosure, actor)
    require_password(actor, password, "disclosure", errors, "password")
    errors.raise_if_any()
    disclosure.close(APPROVED, actor)
    disclosure.snapshot = extract(disclosure.household, disclosure.group_list, disclosure.member)
    db.session.flush()
    _history(disclosure, "disclosed", actor, None)


def refuse_disclosure(disclosure: Disclosure, actor: User, note: str | None) -> None:
    errors = _decision_errors(disclosure, actor)
    if not (note or "").strip():
        errors.add("note", _l("Say why you refuse."))
    errors.raise_if_any()
    disclosure.close(REFUSED, actor, note)
    db.session.flush()
    _history(disclosure, "disclosure_refused", actor, note)


def withdraw_disclosure(disclosure: Disclosure, actor: User) -> None:
    if disclosure.requested_by_id != actor.id or disclosure.state != REQUESTED:
        raise ValidationFailed(
            {None: [str(_l("Only the person who asked may withdraw it, before the answer."))]}
        )
    disclosure.close(WITHDRAWN, actor)
    db.session.flush()
    _history(disclosure, "disclosure_withdrawn", actor, None)


def may_decide(user: User, disclosure: Disclosure) -> bool:
    return (
        disclosure.state == REQUESTED
        and disclosure.requested_by_id != user.id
        and can(user, Action.DISCLOSURE_APPROVE, disclosure.household)
    )


def _decision_errors(disclosure: Disclosure, actor: User) -> ErrorCollector:
    errors = ErrorCollector()
    if disclosure.state != REQUESTED:
        errors.add(None, _l("This disclosure has already been answered."))
    elif disclosure.requested_by_id == actor.id:
        errors.add(None, _l("You cannot approve or refuse your own request."))
    elif not can(actor, Action.DISCLOSURE_APPROVE, disclosure.household):
        errors.add(None, _l("Only a supervisor of the team holding the household may decide."))
    errors.raise_if_any()
    return errors


def _history(disclosure: Disclosure, kind: str, actor: User, reason: str | None) -> None:
    # Always in the audit trail (history.record writes it there): to whom, under which
    # agreement, which groups, about whom. The purpose and notes stay in the case file.
    record(
        disclosure.household,
        kind,
        actor,
        member_id=disclosure.member_id,
        reason=reason,
        disclosure=disclosure.id,
        agency=disclosure.agency.code,
        agreement=disclosure.agreement_reference,
        groups=disclosure.group_list,
    )


def record_view(disclosure: Disclosure) -> None:
    """The receiving body reading what was disclosed is itself audited."""
    audit.record("disclosure.view", household_id=disclosure.household_id, disclosure=disclosure.id)
