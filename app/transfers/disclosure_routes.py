"""URL rules of disclosures to security bodies and courts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.access import Action, can, household_or_404
from app.access.policy import disclosure_or_404, visible_disclosures
from app.attachments import services as attachments
from app.core.forms import place_errors
from app.core.validation import ValidationFailed
from app.extensions import db
from app.registry import vocab
from app.registry.models import Household
from app.transfers import disclosures as services
from app.transfers.forms import (
    ApproveDisclosureForm,
    CancelForm,
    DisclosureForm,
    RefuseDisclosureForm,
)
from app.transfers.models import APPROVED, DISCLOSURE_STATES, REQUESTED, Disclosure
from app.workflow import approvals

bp = Blueprint("disclosures", __name__, template_folder="templates")


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "household_disclosures": _household_disclosures,
        "disclosure_states": DISCLOSURE_STATES,
        # Who would approve one the reader asks, and who may approve one waiting.
        "may_be_approved": lambda household: bool(
            approvals.disclosure_deciders(household, current_user.id)
        ),
        "disclosure_deciders": lambda d: approvals.disclosure_deciders(
            d.household, d.requested_by_id
        ),
        "nobody_to_approve_disclosure": approvals.NOBODY_TO_APPROVE_DISCLOSURE,
    }


def _household_disclosures(household: Household) -> list[Disclosure]:
    found = visible_disclosures(current_user).where(Disclosure.household_id == household.id)
    return list(db.session.scalars(found.order_by(Disclosure.requested_at.desc())))


@bp.route("/households/<int:household_id>/disclose", methods=["GET", "POST"])
@login_required
def request_form(household_id: int):
    household = household_or_404(current_user, household_id, Action.DISCLOSURE_REQUEST)
    form = DisclosureForm(household=household, bodies=services.disclosure_bodies())
    if form.validate_on_submit():
        member = next((m for m in household.members if m.id == form.member_id.data), None)
        try:
            disclosure = services.request_disclosure(
                household,
                member,
                form.agency_id.data,
                form.groups.data or [],
                form.agreement_reference.data or "",
                form.purpose.data or "",
                current_user,
            )
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("Disclosure asked; a supervisor of the team must approve it."), "success")
            return redirect(url_for("disclosures.show", disclosure_id=disclosure.id))
    page = render_template("transfers/disclose.html", form=form, household=household)
    return page, 422 if form.is_submitted() else 200


@bp.get("/disclosures")
@login_required
def received():
    """For a focal point: what was disclosed to their body."""
    if not can(current_user, Action.DISCLOSURES_RECEIVED):
        abort(403)
    rows = db.session.scalars(
        visible_disclosures(current_user)
        .options(selectinload(Disclosure.household), selectinload(Disclosure.decided_by))
        .order_by(Disclosure.decided_at.desc())
        .limit(200)
    )
    return render_template("transfers/disclosures.html", disclosures=list(rows))


@bp.get("/disclosures/<int:disclosure_id>")
@login_required
def show(disclosure_id: int):
    disclosure = disclosure_or_404(current_user, disclosure_id)
    if disclosure.state == APPROVED:
        services.record_view(disclosure)
    return _page(disclosure, ApproveDisclosureForm(), RefuseDisclosureForm(), 200)


@bp.post("/disclosures/<int:disclosure_id>/approve")
@login_required
def approve(disclosure_id: int):
    disclosure = disclosure_or_404(current_user, disclosure_id)
    form = ApproveDisclosureForm()
    return _decide(
        disclosure,
        form,
        lambda: services.approve_disclosure(disclosure, current_user, form.password.data),
        approve_form=form,
    )


@bp.post("/disclosures/<int:disclosure_id>/refuse")
@login_required
def refuse(disclosure_id: int):
    disclosure = disclosure_or_404(current_user, disclosure_id)
    form = RefuseDisclosureForm()
    return _decide(
        disclosure,
        form,
        lambda: services.refuse_disclosure(disclosure, current_user, form.note.data),
        refuse_form=form,
    )


@bp.post("/disclosures/<int:disclosure_id>/withdraw")
@login_required
def withdraw(disclosure_id: int):
    disclosure = disclosure_or_404(current_user, disclosure_id)
    form = CancelForm()
    return _decide(disclosure, form, lambda: services.withdraw_disclosure(disclosure, current_user))


def _decide(disclosure: Disclosure, form, action, approve_form=None, refuse_form=None):
    if form.validate_on_submit():
        try:
            action()
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("Disclosure: %(state)s.", state=DISCLOSURE_STATES[disclosure.state]), "success")
            return redirect(url_for("disclosures.show", disclosure_id=disclosure.id))
    approve_form = approve_form or ApproveDisclosureForm(formdata=None)
    refuse_form = refuse_form or RefuseDisclosureForm(formdata=None)
    return _page(disclosure, approve_form, refuse_form, 422, errors=form)


def _page(disclosure: Disclosure, approve_form, refuse_form, status: int, errors=None):
    receiving = can(current_user, Action.DISCLOSURES_RECEIVED)
    page = render_template(
        "transfers/disclosure.html",
        disclosure=disclosure,
        receiving=receiving,
        may_decide=not receiving and services.may_decide(current_user, disclosure),
        may_withdraw=disclosure.state == REQUESTED
        and disclosure.requested_by_id == current_user.id,
        approve_form=approve_form,
        refuse_form=refuse_form,
        withdraw_form=CancelForm(),
        disclosed_attachments=attachments.disclosed_with(disclosure) if receiving else [],
        errors=errors,
        vocab=vocab,
    )
    return page, status
