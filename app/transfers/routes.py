"""URL rules of hand-overs. Views load through the access policy, call a service, render."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from app.access import Action, can, household_or_404, require
from app.access.policy import transfer_or_404, visible_disclosures, visible_transfers
from app.core.forms import place_errors
from app.core.navigation import count_waiting
from app.core.validation import ValidationFailed
from app.extensions import db
from app.registry.models import Household
from app.transfers import disclosures, queries, services
from app.transfers.forms import CancelForm, DecisionForm, TransferForm
from app.transfers.models import (
    PENDING,
    REQUESTED,
    STATE_LABELS,
    Collaboration,
    Disclosure,
    Transfer,
)
from app.workflow import approvals

bp = Blueprint("transfers", __name__, template_folder="templates")
count_waiting("transfers.inbox", queries.waiting_for_team)


@bp.app_context_processor
def _household_helpers() -> dict:
    """What the hand-over templates need, on the household page and their own."""
    return {"household_handover": _household_handover, "handover_states": STATE_LABELS}


# Built once and reused (the household page's reads are; bench/page_costs.py).
_COLLABORATORS = (
    sa.select(Collaboration)
    .where(Collaboration.household_id == sa.bindparam("household_id"))
    .options(joinedload(Collaboration.team))
)


def _household_handover(household: Household) -> dict:
    collaborators = db.session.scalars(_COLLABORATORS, {"household_id": household.id})
    pending = services.pending_transfer(household)
    return {
        "pending": pending,
        "collaborators": [c.team for c in collaborators],
        "may_request": can(current_user, Action.TRANSFER_REQUEST, household),
        # Who answers the hand-over waiting (app.workflow.approvals), or why no one can.
        "answerers": approvals.handover_answerers(pending.to_team_id) if pending else [],
        "nobody": approvals.nobody_to_answer_handover(pending.to_team.name) if pending else "",
    }


@bp.route("/households/<int:household_id>/transfer", methods=["GET", "POST"])
@login_required
def request_form(household_id: int):
    household = household_or_404(current_user, household_id, Action.TRANSFER_REQUEST)
    form = TransferForm(household=household)
    if form.validate_on_submit():
        try:
            services.request_transfer(
                household,
                form.to_team_id.data,
                bool(form.keep_collaborator.data),
                form.reason.data or "",
                current_user,
            )
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("Hand-over sent; the receiving supervisor will answer it."), "success")
            return redirect(url_for("registry.view", household_id=household.id))
    page = render_template(
        "transfers/request.html",
        form=form,
        household=household,
        pending=services.pending_transfer(household),
        cancel_form=CancelForm(),
    )
    return page, 422 if form.is_submitted() else 200


@bp.get("/transfers")
@login_required
def inbox():
    require(current_user, Action.TRANSFER_INBOX)
    transfers = visible_transfers(current_user).options(
        selectinload(Transfer.household).selectinload(Household.members),
        selectinload(Transfer.from_team),
        selectinload(Transfer.to_team),
        selectinload(Transfer.requested_by),
    )
    rows = list(db.session.scalars(transfers.order_by(Transfer.requested_at.desc()).limit(200)))
    incoming = [t for t in rows if t.state == PENDING and t.to_team_id == current_user.team_id]
    return render_template(
        "transfers/inbox.html",
        incoming=incoming,
        others=[t for t in rows if t not in incoming],
        decision_form=DecisionForm(),
        disclosures=_disclosures_to_decide(),
    )


def _disclosures_to_decide() -> list[Disclosure]:
    waiting = visible_disclosures(current_user).where(Disclosure.state == REQUESTED)
    found = db.session.scalars(waiting.order_by(Disclosure.requested_at))
    return [d for d in found if disclosures.may_decide(current_user, d)]


@bp.post("/transfers/<int:transfer_id>/accept")
@login_required
def accept(transfer_id: int):
    transfer = transfer_or_404(current_user, transfer_id)
    return _answer(transfer, lambda: services.accept_transfer(transfer, current_user))


@bp.post("/transfers/<int:transfer_id>/decline")
@login_required
def decline(transfer_id: int):
    transfer = transfer_or_404(current_user, transfer_id)
    form = DecisionForm()
    return _answer(
        transfer, lambda: services.decline_transfer(transfer, current_user, form.note.data), form
    )


@bp.post("/transfers/<int:transfer_id>/cancel")
@login_required
def cancel(transfer_id: int):
    transfer = transfer_or_404(current_user, transfer_id)
    return _answer(transfer, lambda: services.cancel_transfer(transfer, current_user))


def _answer(transfer: Transfer, action, form: DecisionForm | None = None):
    form = form or DecisionForm()
    if form.validate_on_submit():
        try:
            action()
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            state = STATE_LABELS[transfer.state]
            case = transfer.household.case_number
            flash(_("Hand-over of %(case)s: %(state)s.", case=case, state=state), "success")
            return redirect(url_for("transfers.inbox"))
    page = render_template("transfers/answer.html", transfer=transfer, form=form)
    return page, 422
