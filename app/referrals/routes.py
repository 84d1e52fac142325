"""URL rules of referrals. Views load through the access policy, call a service, render."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.access import Action, can, household_or_404, require
from app.access.policy import referral_or_404, referral_side, visible_referrals
from app.attachments import services as attachments
from app.audit import services as audit
from app.core.forms import place_errors
from app.core.navigation import count_waiting
from app.core.pagination import page_number
from app.core.validation import ValidationFailed
from app.extensions import db
from app.reference.models import Agency
from app.referrals import catalogue, queries, services, states
from app.referrals.forms import (
    GROUP_LABELS,
    ListFilterForm,
    NoteForm,
    OverrideForm,
    ReferralForm,
    ServiceForm,
    service_label,
)
from app.referrals.models import AgencyService, Referral
from app.referrals.vocab import CONSENT_METHODS, SERVICES, URGENCIES
from app.registry import vocab
from app.registry.extract import extract
from app.registry.models import Household

bp = Blueprint("referrals", __name__, template_folder="templates")
count_waiting("referrals.inbox", queries.waiting_for_answer)


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "household_referrals": _household_referrals,
        "referral_states": states.STATES,
        "open_states": states.OPEN,
        "is_overdue": services.is_overdue,
        "service_label": service_label,
    }


def _household_referrals(household: Household) -> list[Referral]:
    found = visible_referrals(current_user).where(Referral.household_id == household.id)
    # Each one's service and agency named, in the same statement.
    named = joinedload(Referral.service).joinedload(AgencyService.agency)
    return list(db.session.scalars(found.order_by(Referral.id.desc()).options(named)))


@bp.route("/households/<int:household_id>/refer", methods=["GET", "POST"])
@login_required
def refer(household_id: int):
    household = household_or_404(current_user, household_id, Action.REFER)
    form = ReferralForm(household=household)
    if form.validate_on_submit():
        try:
            referral = services.refer(household, form.to_input(), current_user)
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            if referral.state == "sent":
                flash(_("Referral sent to %(agency)s.", agency=referral.agency.code), "success")
            else:
                flash(
                    _("Saved as a draft: record consent, or ask a supervisor to override."), "info"
                )
            return redirect(url_for("referrals.show", referral_id=referral.id))
    page = render_template("referrals/refer.html", form=form, household=household)
    return page, 422 if form.is_submitted() else 200


@bp.get("/referrals/<int:referral_id>")
@login_required
def show(referral_id: int):
    referral = referral_or_404(current_user, referral_id)
    return _page(referral, NoteForm(), OverrideForm(), 200)


@bp.post("/referrals/<int:referral_id>/override")
@login_required
def override(referral_id: int):
    referral = referral_or_404(current_user, referral_id)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            services.override_consent(
                referral, current_user, form.reason.data or "", form.password.data
            )
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("Consent overridden; the referral is sent."), "success")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    return _page(referral, NoteForm(formdata=None), form, 422)


@bp.post("/referrals/<int:referral_id>/<action>")
@login_required
def change(referral_id: int, action: str):
    referral = referral_or_404(current_user, referral_id)
    if action not in {c.action for c in states.CHANGES}:
        abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.move(referral, action, current_user, form.note.data)
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("Referral: %(state)s.", state=states.STATES[referral.state]), "success")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    return _page(referral, form, OverrideForm(formdata=None), 422)


def _page(referral: Referral, note_form: NoteForm, override_form: OverrideForm, status: int):
    side = referral_side(current_user, referral)
    shared = None
    shared_attachments = []
    if side == states.RECEIVER and referral.state in states.OPEN:
        shared = extract(referral.household, referral.shared, referral.member)
        shared_attachments = attachments.shared_with(referral)
        audit.record("referral.view", household_id=referral.household_id, referral=referral.id)
    page = render_template(
        "referrals/referral.html",
        referral=referral,
        side=side,
        changes=states.open_to(referral.state, side) if side else [],
        shared=shared,
        shared_attachments=shared_attachments,
        may_override=side == states.SENDER
        and referral.state == "draft"
        and not referral.has_consent
        and can(current_user, Action.CONSENT_OVERRIDE, referral.household),
        note_form=note_form,
        override_form=override_form,
        vocab=vocab,
        services=SERVICES,
        urgencies=URGENCIES,
        consent_methods=CONSENT_METHODS,
        group_labels=GROUP_LABELS,
    )
    return page, status


@bp.get("/referrals/shared-by-me")
@login_required
def shared_by_me():
    require(current_user, Action.REFER)
    return _list(states.SENDER, title=_("Shared by me"))


@bp.get("/referrals/inbox")
@login_required
def inbox():
    require(current_user, Action.REFERRAL_INBOX)
    return _list(states.RECEIVER, title=_("Shared with my agency"))


def _list(side: str, title: str):
    form = ListFilterForm(request.args)
    form.validate()
    page = queries.referral_page(
        current_user,
        form.state.data if not form.state.errors else "",
        form.service.data if not form.service.errors else "",
        bool(form.overdue.data),
        page_number(request.args.get("page")),
        mine=side == states.SENDER,
    )
    if side == states.RECEIVER:
        _audit_names_read(page.items)
    return render_template(
        "referrals/list.html", form=form, page=page, title=title, services=SERVICES, side=side
    )


def _audit_names_read(referrals: list[Referral]) -> None:
    """The agency's list names the member of each open referral: a reading, audited as such."""
    for referral in referrals:
        if referral.member_id is not None and referral.state in states.OPEN:
            audit.record("referral.view", household_id=referral.household_id, referral=referral.id)


# --- the services agencies offer (administrators) -----------------------------------------------


@bp.get("/admin/services")
@login_required
def services_list():
    require(current_user, Action.MANAGE_REFERENCE)
    offered = db.session.scalars(
        sa.select(AgencyService)
        .join(AgencyService.agency)
        .order_by(Agency.code, AgencyService.service)
    )
    return render_template(
        "referrals/services.html",
        offered=list(offered),
        services=SERVICES,
        group_labels=GROUP_LABELS,
    )


@bp.route("/admin/services/new", methods=["GET", "POST"])
@bp.route("/admin/services/<int:service_id>", methods=["GET", "POST"])
@login_required
def service_form(service_id: int | None = None):
    require(current_user, Action.MANAGE_REFERENCE)
    service = db.get_or_404(AgencyService, service_id) if service_id else None
    values = None
    if service is not None and request.method == "GET":
        values = {
            "agency_id": service.agency_id,
            "service": service.service,
            "groups": [g for g in service.allowed if g != "identity"],
            "active": service.active,
        }
    agencies = db.session.scalars(sa.select(Agency).where(Agency.active).order_by(Agency.code))
    form = ServiceForm(data=values, agencies=list(agencies))
    if form.validate_on_submit():
        try:
            catalogue.save_service(
                service,
                form.agency_id.data,
                form.service.data or "",
                list(form.groups.data or []),
                bool(form.active.data),
            )
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("Service saved."), "success")
            return redirect(url_for("referrals.services_list"))
    page = render_template("referrals/service_form.html", form=form, service=service)
    return page, 422 if form.is_submitted() else 200
