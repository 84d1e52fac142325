"""URL rules of vetting and the assessments. Views load through the access policy, call a
service, render; one set of views serves every kind (app.screening.kinds)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.access import Action, household_or_404, require
from app.core.forms import place_errors, with_new_tab_link
from app.core.validation import ValidationFailed
from app.registry.models import Household, Member
from app.screening.forms import AssessmentForm, describe
from app.screening.kinds import Kind, kind_or_404
from app.screening.services import (
    StaleAssessment,
    current,
    may_read,
    save_assessment,
    summary_for,
    versions,
)

bp = Blueprint("screening", __name__, template_folder="templates")

HOUSEHOLD_URL = "/households/<int:household_id>/assessments/<kind>"
MEMBER_URL = "/households/<int:household_id>/members/<int:member_id>/assessments/<kind>"


@bp.app_context_processor
def _summary_helper() -> dict:
    """The household page draws its screening section with `screening_summary(household)`."""
    return {"screening_summary": lambda household: summary_for(current_user, household)}


@bp.route(HOUSEHOLD_URL, methods=["GET", "POST"])
@login_required
def household_form(household_id: int, kind: str):
    household, definition = _load(household_id, kind, per_member=False)
    require(current_user, definition.action, household)
    return _assessment_form(definition, household, None)


@bp.route(MEMBER_URL, methods=["GET", "POST"])
@login_required
def member_form(household_id: int, member_id: int, kind: str):
    household, definition = _load(household_id, kind, per_member=True)
    require(current_user, definition.action, household)
    return _assessment_form(definition, household, _member_or_404(household, member_id))


@bp.get(HOUSEHOLD_URL + "/versions")
@login_required
def household_versions(household_id: int, kind: str):
    household, definition = _load(household_id, kind, per_member=False)
    return _versions_page(definition, household, None)


@bp.get(MEMBER_URL + "/versions")
@login_required
def member_versions(household_id: int, member_id: int, kind: str):
    household, definition = _load(household_id, kind, per_member=True)
    return _versions_page(definition, household, _member_or_404(household, member_id))


def _load(household_id: int, kind: str, per_member: bool) -> tuple[Household, Kind]:
    household = household_or_404(current_user, household_id, Action.HOUSEHOLD_VIEW)
    return household, kind_or_404(kind, per_member)


def _member_or_404(household: Household, member_id: int) -> Member:
    """Only a member of this household: another household's member id answers 404."""
    member = next((m for m in household.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


def _require_read(kind: Kind, household: Household) -> None:
    if not may_read(current_user, kind, household):
        abort(403)


def _assessment_form(kind: Kind, household: Household, member: Member | None):
    # Recording means seeing the current version in the form, so it needs both.
    _require_read(kind, household)
    stored = current(household, kind.key, member.id if member else None)
    # A posted form stands alone: a field missing from a post is empty, never the stored value.
    form = kind.form(data=None if request.method == "POST" else _form_values(kind, stored))
    if form.validate_on_submit():
        try:
            save_assessment(
                kind.key,
                household,
                member,
                form.values(),
                current_user,
                expected_version=form.based_on_version(),
            )
        except StaleAssessment as conflict:
            return _conflict(form, kind, household, member, conflict)
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("%(kind)s saved.", kind=kind.label), "success")
            return redirect(url_for("registry.view", household_id=household.id))
    status = 422 if form.is_submitted() else 200
    return _render_form(form, kind, household, member, status)


def _form_values(kind: Kind, stored) -> dict:
    values = kind.form_values(stored.data if stored else {})
    values["based_on"] = str(stored.version if stored else 0)
    return values


def _conflict(form: AssessmentForm, kind, household, member, conflict: StaleAssessment):
    """Refuse the later save, keep what was typed, say who saved in between (the reader, in
    another tab, or someone else) and link to the versions, in a new tab to keep the form."""
    when = format_datetime(conflict.recorded_at, "medium")
    if conflict.author_id == current_user.id:
        message = _(
            "Not saved: you recorded version %(version)d of this assessment yourself on "
            "%(when)s, in another tab or window, after this page was opened. Your input is "
            "still in the form below. Check that version, then save again to replace it with "
            "this one.",
            version=conflict.version,
            when=when,
        )
    else:
        message = _(
            "Not saved: %(who)s recorded version %(version)d of this assessment on %(when)s, "
            "after you opened it. Your input is still in the form below. Check their version, "
            "then save again to replace it with yours.",
            who=conflict.author,
            version=conflict.version,
            when=when,
        )
    form.form_errors.append(_with_versions_link(message, kind, household, member))
    form.based_on.data = str(conflict.version)
    return _render_form(form, kind, household, member, 409)


def _with_versions_link(message: str, kind: Kind, household, member) -> Markup:
    """`message` (escaped) and a link to the assessment's versions, opening in a new tab."""
    if member is None:
        address = url_for("screening.household_versions", household_id=household.id, kind=kind.key)
    else:
        address = url_for(
            "screening.member_versions",
            household_id=household.id,
            member_id=member.id,
            kind=kind.key,
        )
    return with_new_tab_link(message, address, _("Open the versions in a new tab"))


def _render_form(form, kind: Kind, household: Household, member: Member | None, status: int):
    page = render_template(
        "screening/form.html", form=form, kind=kind, household=household, member=member
    )
    return page, status


def _filled(kind: Kind, data: dict) -> AssessmentForm:
    """A stored version in its form, only to be described in words (never posted)."""
    return kind.form(formdata=None, data=kind.form_values(data), meta={"csrf": False})


def _versions_page(kind: Kind, household: Household, member: Member | None):
    _require_read(kind, household)
    shown = [
        (version, describe(_filled(kind, version.data)))
        for version in versions(household, kind.key, member.id if member else None)
    ]
    return render_template(
        "screening/versions.html", kind=kind, household=household, member=member, shown=shown
    )
