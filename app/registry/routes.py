"""URL rules of the registry. Views load through the access policy, call a service, render."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import (
    Action,
    FieldGroup,
    can,
    household_or_404,
    household_or_none,
    refuse_household,
    require,
    visible_groups,
)
from app.audit import services as audit
from app.core.attempt import Attempt
from app.core.forms import place_errors, place_more_errors
from app.core.pdf import pdf_response
from app.core.text import whole_number
from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity import services as duplicates
from app.identity.labels import FEATURE_LABELS, level_label
from app.registry import choices, conflicts, saved_search, vocab
from app.registry.forms import MAX_MEMBERS, HouseholdForm, blank_member_row
from app.registry.list_form import LIST_FILTERS, CaseListForm
from app.registry.mapping import form_values, household_input
from app.registry.models import Household
from app.registry.queries import PAGE_LOADS, search_cases
from app.registry.services import (
    StaleEdit,
    check_household,
    register_household,
    update_household,
)

bp = Blueprint("registry", __name__, template_folder="templates", url_prefix="/households")


@bp.get("/")
@login_required
def case_list():
    require(current_user, Action.HOUSEHOLD_LIST)
    args, expired = saved_search.list_arguments(request.args)
    form = CaseListForm(args, user=current_user)
    page = search_cases(current_user, form.filters())
    list_args = {k: v for k, v in args.items() if k != "q"}
    return render_template(
        "registry/list.html", form=form, page=page, expired=expired, list_args=list_args
    )


@bp.post("/search")
@login_required
def search():
    """The search box posts here; the list is shown at a URL that carries no name. A search
    too long to keep is refused beside the box, which keeps it; the list is shown unsearched."""
    require(current_user, Action.HOUSEHOLD_LIST)
    filters = {name: request.form[name] for name in LIST_FILTERS if request.form.get(name)}
    form = CaseListForm(request.form, user=current_user)
    if not form.q.validate(form):
        page = search_cases(current_user, replace(form.filters(), q=""))
        html = render_template(
            "registry/list.html", form=form, page=page, expired=False, list_args=filters
        )
        return html, 422
    if form.q.data:
        filters["search"] = saved_search.remember(form.q.data)
    return redirect(url_for("registry.case_list", **filters), 303)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def register():
    require(current_user, Action.HOUSEHOLD_CREATE)
    form = HouseholdForm()
    choices.fill_household_form(form, current_user)
    if _row_button_pressed(form):
        return _render_form(form, None)
    if not form.validate_on_submit():
        _with_service_findings(form, None)
    else:
        attempt = Attempt()
        try:
            household = register_household(household_input(form), current_user)
            findings = _unseen_duplicates(household, {})
        except ValidationFailed as refused:
            attempt.rollback()
            place_errors(form, refused.errors)
        else:
            if findings:
                attempt.rollback()  # nothing saved until the person has seen them
                return _render_form(form, None, findings=findings)
            attempt.commit()
            flash(_("Household %(case)s registered.", case=household.case_number), "success")
            return redirect(url_for("registry.view", household_id=household.id))
    return _render_form(form, None, status=422 if form.is_submitted() else 200)


@bp.get("/<int:household_id>")
@login_required
def view(household_id: int):
    household = household_or_none(current_user, household_id, Action.HOUSEHOLD_VIEW, PAGE_LOADS)
    if household is None:
        kept = _kept_instead(household_id)
        if kept is not None:
            flash(_("That household was merged into %(case)s.", case=kept.case_number), "info")
            return redirect(url_for("registry.view", household_id=kept.id))
        refuse_household(Action.HOUSEHOLD_VIEW, household_id)
    audit.record("household.view", household_id=household.id)
    return render_template("registry/view.html", household=household, vocab=vocab)


def _kept_instead(household_id: int) -> Household | None:
    """The household a merged one lives on in, if the reader may open it (app.identity)."""
    merged_into = db.session.scalar(
        db.select(Household.merged_into_id).where(Household.id == household_id)
    )
    kept = db.session.get(Household, merged_into) if merged_into else None
    if kept is not None and can(current_user, Action.HOUSEHOLD_VIEW, kept):
        return kept
    return None


@bp.get("/<int:household_id>/file.pdf")
@login_required
def print_file(household_id: int):
    """The household's file as a PDF, cut to the reader's field groups like the page itself."""
    household = household_or_404(current_user, household_id, Action.HOUSEHOLD_VIEW)
    audit.record("household.print", household_id=household.id)
    return pdf_response(
        "registry/file_print.html",
        f"{household.case_number}.pdf",
        household=household,
        vocab=vocab,
    )


@bp.route("/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def edit(household_id: int):
    household = household_or_404(current_user, household_id, Action.HOUSEHOLD_EDIT)
    # A posted form stands alone: a field missing from a post is empty, never the stored value.
    form = HouseholdForm(data=None if request.method == "POST" else form_values(household))
    if request.method != "POST":
        form.base.data = conflicts.base_of(household)
    del form.assigned_to_id  # reassigning has its own page (caseload.assign)
    choices.fill_household_form(form, current_user)
    if _row_button_pressed(form):
        return _render_form(form, household)
    if not form.validate_on_submit():
        _with_service_findings(form, household)
    else:
        digests = {m.id: m.identity_digest for m in household.members}
        attempt = Attempt()
        try:
            update_household(household, household_input(form), _version(form), current_user)
            findings = _unseen_duplicates(household, digests)
        except StaleEdit as conflict:
            attempt.rollback()
            return _conflict(form, conflict.household_id)
        except ValidationFailed as refused:
            attempt.rollback()
            place_errors(form, refused.errors)
        else:
            if findings:
                attempt.rollback()
                return _render_form(form, household, findings=findings)
            attempt.commit()
            flash(_("Household %(case)s saved.", case=household.case_number), "success")
            return redirect(url_for("registry.view", household_id=household.id))
    return _render_form(form, household, status=422 if form.is_submitted() else 200)


def _with_service_findings(form: HouseholdForm, household: Household | None) -> None:
    """A posted form its fields' own checks refused is also checked by the service (phone,
    places, members, camp ID), so that every problem shows in one round, beside the fields
    not already marked (`place_more_errors`). Not for a form whose CSRF token failed."""
    if not form.is_submitted() or "csrf_token" in form.errors:
        return
    try:
        check_household(household_input(form), current_user, household)
    except ValidationFailed as refused:
        place_more_errors(form, refused.errors)


def _unseen_duplicates(household: Household, digests: dict[int, str | None]) -> list:
    """`identity.services.unseen_duplicates`, seen being what the page that showed them
    posted back (`duplicates_seen`)."""
    seen = {whole_number(v) for v in request.form.get("duplicates_seen", "").split(",")}
    return duplicates.unseen_duplicates(household, digests, seen, current_user)


def _version(form: HouseholdForm) -> int:
    value = form.version.data or ""
    return whole_number(value, -1)


def _conflict(form: HouseholdForm, household_id: int):
    """Refuse the later save, keep what was typed, and say who saved in between."""
    db.session.rollback()
    household = db.session.get(Household, household_id)
    who, when = conflicts.last_change(household, current_user)
    if who is None:
        message = _(
            "Not saved: you changed this household yourself on %(when)s, in another tab or "
            "window, after this page was opened. What you typed here is still in the form "
            "below. Check the current record, then save again to replace that version with "
            "this one.",
            when=when,
        )
    else:
        message = _(
            "Not saved: %(who)s changed this household on %(when)s, after you opened it. "
            "Your changes are still in the form below. Check the current record, then save "
            "again to replace their version with yours.",
            who=who,
            when=when,
        )
    form.form_errors.append(conflicts.with_record_link(message, household))
    conflicts.mark_changed_meanwhile(form, household)
    form.version.data = str(household.version)
    return _render_form(form, household, status=409)


def _row_button_pressed(form: HouseholdForm) -> bool:
    """The add- and remove-row buttons work without the page's script: redraw, save nothing."""
    if request.method != "POST":
        return False
    if "add_member" in request.form:
        if len(form.members.entries) < MAX_MEMBERS:
            form.members.append_entry()
        else:
            form.form_errors.append(
                _("A household can have at most %(count)d members.", count=MAX_MEMBERS)
            )
        return True
    remove = request.form.get("remove_member")
    if remove is not None:
        prefix = f"members-{remove}"
        form.members.entries = [e for e in form.members.entries if e.name != prefix]
        return True
    return False


def _render_form(form: HouseholdForm, household, status: int = 200, findings=()):
    blank_row = blank_member_row()
    if household is not None and FieldGroup.PROTECTION not in visible_groups(
        current_user, household
    ):
        choices.hide_protection_needs([*(e.form for e in form.members.entries), blank_row])
    return render_template(
        "registry/form.html",
        form=form,
        household=household,
        blank_row=blank_row,
        findings=findings,
        feature_labels=FEATURE_LABELS,
        level_label=level_label,
        vocab=vocab,
    ), status
