"""Handing a household over to another team, and the answer of that team's supervisor.

The household stays with its team until the receiving supervisor accepts; then it belongs to the
receiving team, unassigned, and the sending team loses access unless it was kept on as
collaborator (the access policy reads `Collaboration`).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app.access import Action, can
from app.access.answers import forget_answers
from app.access.policy import receives_transfer, sends_transfer
from app.auth.models import User
from app.core.db import utcnow
from app.core.locks import lock_rows
from app.core.validation import ErrorCollector, ValidationFailed
from app.extensions import db
from app.history.services import record
from app.notifications import services as notify
from app.reference.models import Team
from app.registry.models import Household
from app.transfers.models import (
    ACCEPTED,
    CANCELLED,
    DECLINED,
    PENDING,
    Collaboration,
    Transfer,
)
from app.workflow import approvals

log = logging.getLogger(__name__)


def _refuse(message, field: str | None = None) -> ValidationFailed:
    return ValidationFailed({field: [str(message)]})


# Built once and reused (the household page's reads are; bench/page_costs.py).
_PENDING = sa.select(Transfer).where(
    Transfer.household_id == sa.bindparam("household_id"), Transfer.state == PENDING
)


def pending_transfer(household: Household) -> Transfer | None:
    """The household's hand-over waiting for a decision, if any."""
    return db.session.scalar(_PENDING, {"household_id": household.id})


def request_transfer(
    household: Household, to_team_id: int | None, keep_collaborator: bool, reason: str, actor: User
) -> Transfer:
    if not can(actor, Action.TRANSFER_REQUEST, household):
        raise _refuse(_l("Only a supervisor of the team holding this household may hand it over."))
    errors = ErrorCollector()
    to_team = db.session.get(Team, to_team_id) if to_team_id else None
    if to_team is None or not to_team.active:
        errors.add("to_team_id", _l("Choose an active team."))
    elif to_team.id == household.team_id:
        errors.add("to_team_id", _l("The household is already with this team."))
    elif not approvals.handover_answerers(to_team.id):
        errors.add("to_team_id", approvals.nobody_to_answer_handover(to_team.name))
    if not (reason or "").strip():
        errors.add("reason", _l("Say why the household is handed over."))
    _lock(household)
    if pending_transfer(household) is not None:
        errors.add(None, _l("A hand-over of this household is already waiting for an answer."))
    errors.raise_if_any()
    transfer = Transfer(
        household=household,
        from_team_id=household.team_id,
        to_team=to_team,
        keep_collaborator=keep_collaborator,
        reason=reason.strip(),
        requested_by=actor,
    )
    db.session.add(transfer)
    db.session.flush()
    notify.handover_asked(transfer)
    _history(transfer, "transfer_requested", actor, reason=transfer.reason)
    return transfer


def accept_transfer(transfer: Transfer, actor: User) -> None:
    _check_answer(transfer, actor)
    household = transfer.household
    try:
        _hand_over(transfer, household, actor)
        db.session.flush()
    except StaleDataError:
        raise _refuse(_l("The household changed meanwhile; open the list and try again.")) from None
    notify.handover_decided(transfer)
    _history(transfer, "transferred", actor)
    log.info("%s accepted hand-over %d", actor.username, transfer.id)


def decline_transfer(transfer: Transfer, actor: User, note: str | None) -> None:
    _check_answer(transfer, actor)
    if not (note or "").strip():
        raise _refuse(_l("Say why you decline."), "note")
    transfer.close(DECLINED, actor, note)
    db.session.flush()
    notify.handover_decided(transfer)
    _history(transfer, "transfer_declined", actor, reason=note)


def cancel_transfer(transfer: Transfer, actor: User) -> None:
    if not sends_transfer(actor, transfer):
        raise _refuse(_l("Only a supervisor of the sending team may withdraw this hand-over."))
    if transfer.state != PENDING:
        raise _refuse(_l("This hand-over has already been answered."))
    transfer.close(CANCELLED, actor)
    db.session.flush()
    _history(transfer, "transfer_cancelled", actor)


def _check_answer(transfer: Transfer, actor: User) -> None:
    if not receives_transfer(actor, transfer):
        raise _refuse(_l("Only a supervisor of the receiving team may answer this hand-over."))
    if transfer.state != PENDING:
        raise _refuse(_l("This hand-over has already been answered."))


def _hand_over(transfer: Transfer, household: Household, actor: User) -> None:
    transfer.close(ACCEPTED, actor)
    household.team_id = transfer.to_team_id
    household.assigned_to_id = None  # the receiving supervisor assigns
    household.updated_by = actor
    household.updated_at = utcnow()
    # The receiving team holds it now, so it is no longer a collaborator of it.
    stale = db.session.get(Collaboration, (household.id, transfer.to_team_id))
    if stale is not None:
        db.session.delete(stale)
    if (
        transfer.keep_collaborator
        and db.session.get(Collaboration, (household.id, transfer.from_team_id)) is None
    ):
        db.session.add(
            Collaboration(
                household_id=household.id, team_id=transfer.from_team_id, transfer_id=transfer.id
            )
        )
    forget_answers()  # who may see the household changes with its collaborators


def _lock(household: Household) -> None:
    """Requests for one household take turns, so two cannot both find none pending (the
    household's row on PostgreSQL, the database's write lock on SQLite: `app.core.locks`)."""
    lock_rows(sa.select(Household.id).where(Household.id == household.id))


def _history(transfer: Transfer, kind: str, actor: User, reason: str | None = None) -> None:
    record(
        transfer.household,
        kind,
        actor,
        reason=reason,
        transfer=transfer.id,
        from_team=transfer.from_team.name,
        to_team=transfer.to_team.name,
        keep_collaborator=transfer.keep_collaborator,
    )
