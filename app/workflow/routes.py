"""URL rules of the workflow: moves and requests, the review queue, batch arrival, help."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import (
    Action,
    can,
    household_or_404,
    require,
    visible_groups,
)
from app.core.forms import options
from app.core.navigation import count_waiting
from app.core.text import whole_number
from app.core.validation import ValidationFailed
from app.extensions import db
from app.history import services as history
from app.history.presenter import entries
from app.history.services import timeline
from app.registry import vocab
from app.registry.models import Household
from app.workflow import approvals, batches, describe, queries, services
from app.workflow.forms import BatchArrivalForm, DecisionForm, MoveForm, NoteForm, RouteForm
from app.workflow.models import ApprovalRequest
from app.workflow.stages import Stage

bp = Blueprint("workflow", __name__, template_folder="templates")
count_waiting("workflow.review_queue", queries.waiting_for_review)


@bp.app_context_processor
def _household_panel_helpers() -> dict:
    """What the household page's workflow panel and timeline need."""

    def household_timeline(household: Household):
        return entries(timeline(household), visible_groups(current_user, household))

    return {
        "move_options": lambda household: services.options_for(current_user, household),
        "pending_request": services.pending_request,
        "request_deciders": approvals.deciders_of,
        "nobody_to_decide": approvals.NOBODY_TO_DECIDE,
        "nobody_decides_now": approvals.NOBODY_NOW,
        "household_timeline": household_timeline,
        "stage_label": lambda value: Stage(value).label,
        "move_form": _move_form,
        "note_form": NoteForm,
        "may_route": lambda household: (
            any(current_user.has_role(*roles) for roles in services.ROUTING_ROLES.values())
            and can(current_user, Action.HOUSEHOLD_MOVE, household)
        ),
    }


def _move_form(household: Household, option: services.MoveOption) -> MoveForm:
    """A form for one move; its fields get ids of their own, as several share a page."""
    form = MoveForm(
        formdata=None, target=option.target.value, mode=option.mode, version=household.version
    )
    for item in form:
        item.id = f"{item.id}-{option.target.value}"
        item.label.field_id = item.id  # the label follows its field, or it labels nothing
    return form


def route_choices(user) -> list:
    """Only the routes this user's role may record."""
    allowed = [r for r, roles in services.ROUTING_ROLES.items() if user.has_role(*roles)]
    labels = {None: _("With the household"), **vocab.MEMBER_ROUTES}
    return options((r or "", str(labels[r])) for r in allowed)


def render_household(household: Household, status: int = 200, problems=()):
    """The household page, with what went wrong with a move at the top."""
    page = render_template(
        "registry/view.html", household=household, vocab=vocab, move_problems=list(problems)
    )
    return page, status


def _refused(household_id: int, refusal: services.MoveRefused):
    db.session.rollback()  # nothing of a refused move may be kept
    household = db.session.get(Household, household_id)
    status = 409 if isinstance(refusal, services.StaleMove) else 422
    return render_household(household, status, refusal.messages)


@bp.post("/households/<int:household_id>/move")
@login_required
def move(household_id: int):
    household = household_or_404(current_user, household_id, Action.HOUSEHOLD_MOVE)
    form = MoveForm()
    if not form.validate_on_submit():
        return render_household(household, 422, [_("The move could not be read; try again.")])
    version = whole_number(form.version.data)
    try:
        if form.mode.data == "request":
            services.request_move(
                household, form.target.data, current_user, form.reason.data, version
            )
            flash(_("Your request was sent to a supervisor."), "success")
        else:
            services.move(household, form.target.data, current_user, form.reason.data, version)
            flash(_("Moved to: %(stage)s.", stage=Stage(household.stage).label), "success")
    except services.MoveRefused as refusal:
        return _refused(household_id, refusal)
    return redirect(url_for("registry.view", household_id=household_id))


@bp.get("/review")
@login_required
def review_queue():
    require(current_user, Action.REVIEW_QUEUE)
    return _queue()


def _queue(status: int = 200):
    requests = db.session.scalars(queries.review_requests(current_user))
    page = render_template("workflow/review.html", requests=list(requests), form=DecisionForm())
    return page, status


@bp.post("/review/<int:request_id>")
@login_required
def decide(request_id: int):
    require(current_user, Action.REVIEW_QUEUE)
    approval = db.session.get(ApprovalRequest, request_id)
    if approval is None or not can(current_user, Action.APPROVE, approval.household):
        abort(404)
    decision = request.form.get("decision")
    form = DecisionForm()
    if not form.validate_on_submit() or decision not in ("approve", "return"):
        flash(_("The decision could not be read; try again."), "error")
        return _queue(422)
    household_id = approval.household_id
    try:
        services.decide(approval, current_user, decision == "approve", form.comment.data)
    except services.MoveRefused as refusal:
        db.session.rollback()
        flash(" ".join(refusal.messages), "error")
        return _queue(422)
    flash(_("Approved.") if decision == "approve" else _("Returned with your comment."), "success")
    return redirect(url_for("registry.view", household_id=household_id))


@bp.post("/review/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    require(current_user, Action.HOUSEHOLD_MOVE)
    approval = db.session.get(ApprovalRequest, request_id)
    if approval is None or not can(current_user, Action.HOUSEHOLD_VIEW, approval.household):
        abort(404)
    if not DecisionForm().validate_on_submit():
        abort(400)
    household_id = approval.household_id
    try:
        services.withdraw(approval, current_user)
    except services.MoveRefused as refusal:
        return _refused(household_id, refusal)
    flash(_("Your request was withdrawn."), "success")
    return redirect(url_for("registry.view", household_id=household_id))


def _messages(errors) -> list[str]:
    return [str(message) for messages in errors.values() for message in messages]


@bp.post("/households/<int:household_id>/notes")
@login_required
def add_note(household_id: int):
    household = household_or_404(current_user, household_id, Action.ASSESS)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_household(household, 422, _messages(form.errors))
    try:
        history.add_note(household, form.text.data, current_user, form.protection.data)
    except ValidationFailed as refused:
        return render_household(household, 422, _messages(refused.errors))
    flash(_("Note added."), "success")
    return redirect(url_for("registry.view", household_id=household_id, _anchor="history"))


@bp.route("/households/<int:household_id>/members/<int:member_id>/route", methods=["GET", "POST"])
@login_required
def route_member(household_id: int, member_id: int):
    household = household_or_404(current_user, household_id, Action.HOUSEHOLD_MOVE)
    member = next((m for m in household.members if m.id == member_id), None)
    if member is None:
        abort(404)
    if not route_choices(current_user):
        abort(403)
    form = RouteForm(
        data=None
        if request.method == "POST"
        else {"version": household.version, "route": member.route or ""}
    )
    form.route.choices = route_choices(current_user)
    status = 200
    if form.validate_on_submit():
        version = whole_number(form.version.data)
        try:
            services.route_member(
                household,
                member.id,
                form.route.data or None,
                current_user,
                form.reason.data,
                version,
            )
        except services.MoveRefused as refusal:
            db.session.rollback()
            form.form_errors.extend(refusal.messages)
            status = 409 if isinstance(refusal, services.StaleMove) else 422
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("registry.view", household_id=household_id))
    elif form.is_submitted():
        status = 422
    page = render_template(
        "workflow/route_member.html", form=form, household=household, member=member
    )
    return page, status


@bp.route("/batches/<int:batch_id>/arrival", methods=["GET", "POST"])
@login_required
def batch_arrival(batch_id: int):
    require(current_user, Action.BATCH_ARRIVAL)
    batch = batches.batch_or_none(batch_id)
    if batch is None:
        abort(404)
    form = BatchArrivalForm()
    if form.validate_on_submit():
        try:
            plan = batches.mark_arrived(current_user, batch)
        except services.MoveRefused as refusal:
            db.session.rollback()
            flash(" ".join(refusal.messages), "error")
            plan = batches.plan_arrival(current_user, batch)
            return render_template(
                "workflow/batch_arrival.html", batch=batch, plan=plan, form=form, done=False
            ), 409
        return render_template(
            "workflow/batch_arrival.html", batch=batch, plan=plan, form=form, done=True
        )
    plan = batches.plan_arrival(current_user, batch)
    return render_template(
        "workflow/batch_arrival.html", batch=batch, plan=plan, form=form, done=False
    )


@bp.get("/workflow")
@login_required
def help_page():
    require(current_user, Action.WORKFLOW_HELP)
    return render_template("workflow/help.html", rows=describe.rows(), stages=describe.stages())
