"""URL rules of the caseload package. Views load through the access policy, call a service or
a query, render."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import Action, household_or_404, require
from app.auth.models import User
from app.caseload import queries
from app.caseload.forms import AssignForm, assign_values
from app.caseload.services import assign as assign_household
from app.core.forms import place_errors
from app.core.pagination import page_number
from app.core.validation import ValidationFailed
from app.extensions import db
from app.registry import conflicts
from app.registry.list_form import not_offered
from app.registry.models import Household
from app.registry.services import StaleEdit
from app.workflow.stages import Stage

bp = Blueprint("caseload", __name__, template_folder="templates")


@bp.route("/households/<int:household_id>/assign", methods=["GET", "POST"])
@login_required
def assign(household_id: int):
    household = household_or_404(current_user, household_id, Action.HOUSEHOLD_ASSIGN)
    # A posted form stands alone: a field missing from a post is empty, never the stored value.
    form = AssignForm(
        data=None if request.method == "POST" else assign_values(household), household=household
    )
    if form.validate_on_submit():
        caseworker = db.session.get(User, form.assigned_to_id.data)
        try:
            assign_household(household, caseworker, current_user, form.expected_version())
        except StaleEdit as conflict:
            return _conflict(form, conflict.household_id)
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            name = household.assigned_to.full_name  # type: ignore[union-attr]
            flash(
                _("%(case)s assigned to %(name)s.", case=household.case_number, name=name),
                "success",
            )
            return redirect(url_for("registry.view", household_id=household.id))
    return _render_assign(form, household, 422 if form.is_submitted() else 200)


def _conflict(form: AssignForm, household_id: int):
    """Refuse the later choice and say who changed the household in between."""
    db.session.rollback()
    household = db.session.get(Household, household_id)
    who, when = conflicts.last_change(household, current_user)
    if who is None:
        message = _(
            "Not assigned: you changed this household yourself on %(when)s, in another tab or "
            "window, after this page was opened. Check who has it now, then choose again.",
            when=when,
        )
    else:
        message = _(
            "Not assigned: %(who)s changed this household on %(when)s, after you opened it. "
            "Check who has it now, then choose again.",
            who=who,
            when=when,
        )
    form.form_errors.append(conflicts.with_record_link(message, household))
    form.version.data = str(household.version)
    return _render_assign(form, household, 409)


def _render_assign(form: AssignForm, household: Household, status: int):
    return render_template("caseload/assign.html", form=form, household=household), status


@bp.get("/my-cases")
@login_required
def my_cases():
    require(current_user, Action.MY_CASES)
    stage, refused = _stage_asked()
    page = queries.my_cases_page(
        current_user, stage.value if stage else None, page_number(request.args.get("page"))
    )
    return render_template(
        "caseload/my_cases.html",
        counts=queries.stage_counts(queries.my_cases(current_user)),
        page=page,
        stage=stage,
        refused_stage=refused,
        stage_label=_stage_label,
    )


def _stage_label(value: str) -> str:
    try:
        return Stage(value).label
    except ValueError:  # a stage retired from the workflow still shows by its code
        return value


def _stage_asked() -> tuple[Stage | None, str | None]:
    """The stage the list is narrowed to, and if the URL asked for no stage, the message that
    names what it asked (`list_form.not_offered`): the page shows every stage, as the case
    list does."""
    asked = request.args.get("stage", "")
    stage = next((s for s in Stage if s.value == asked), None)
    return stage, not_offered(asked) if stage is None and asked else None


@bp.get("/team")
@login_required
def team():
    require(current_user, Action.TEAM_VIEW)
    return render_template("caseload/team.html", load=queries.team_load(current_user))
