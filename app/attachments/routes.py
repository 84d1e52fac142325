"""URL rules of attachments: add a document or photo to a household's file, download one (never
shown inline: always as a file, with the type Awda checked and nosniff), remove one with a
reason. Households load through the access policy; an attachment is found only by those who
may download it (404 for anyone else, so that probing ids tells nothing)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.access import Action, FieldGroup, can, household_or_404, require, visible_groups
from app.audit import services as audit
from app.core.errors import render_error
from app.core.forms import place_errors
from app.core.text import whole_number
from app.core.uploads import allow_uploads, answer_too_large
from app.core.validation import ValidationFailed
from app.extensions import db
from app.registry.models import Member

from . import services
from .forms import AttachForm, RemoveForm
from .models import Attachment
from .vocab import GROUP_LABELS, KINDS, default_group

bp = Blueprint("attachments", __name__, template_folder="templates")
UPLOADS = frozenset({"attachments.new"})


@bp.record_once
def _allow_attachment_uploads(state) -> None:
    allow_uploads(state.app, UPLOADS, "ATTACHMENT_MAX_MB")


@bp.app_context_processor
def _household_section_helpers() -> dict:
    """What attachments/_household_section.html needs when the household page includes it."""
    return {
        "attachments_of": lambda household: services.shown_to(current_user, household),
        "may_attach": lambda household: services.may_attach(current_user, household),
        "may_download": lambda attachment: services.may_download(current_user, attachment),
        "attachment_kinds": KINDS,
        "attachment_groups": GROUP_LABELS,
    }


def _form(household, formdata=None) -> AttachForm:
    groups = services.groups_to_attach(current_user, household)
    form = AttachForm(formdata=formdata, household=household, groups=groups)
    return form


def _render_new(household, form: AttachForm, status: int = 200):
    return render_template("attachments/new.html", household=household, form=form), status


@bp.route("/households/<int:household_id>/attachments/new", methods=["GET", "POST"])
@login_required
def new(household_id: int):
    household = household_or_404(current_user, household_id, Action.HOUSEHOLD_EDIT)
    if request.method == "GET":
        form = _form(household, formdata=None)
        member_id = whole_number(request.args.get("member_id"), None)
        form.member_id.data = member_id if _member(household, member_id) else None
        form.dated.data = None
        kind = request.args.get("kind", "")
        if kind in KINDS:
            form.kind.data, form.group.data = kind, default_group(kind).value
        return _render_new(household, form)
    form = _form(household, formdata=request.form)
    if not form.validate_on_submit():
        return _render_new(household, form, 422)
    photo = request.files.get("photo")
    used = "photo" if photo is not None and photo.filename else "upload"
    upload = request.files.get(used)
    if upload is None or not upload.filename:
        form.upload.errors = [_("Take a photo or choose a file.")]
        return _render_new(household, form, 422)
    try:
        services.attach(
            household,
            _member(household, form.member_id.data),
            form.kind.data,
            form.group.data,
            form.dated.data,
            upload.read(),
            upload.filename,
            current_user,
        )
    except ValidationFailed as refused:
        db.session.rollback()
        # The file's message goes beside the input it came through: the camera's or the file's.
        errors = {(used if key == "upload" else key): v for key, v in refused.errors.items()}
        place_errors(form, errors)
        return _render_new(household, form, 422)
    db.session.commit()
    flash(_("The document was added to the file."), "success")
    return redirect(url_for("registry.view", household_id=household.id) + "#attachments")


def _upload_too_large():
    household_id = (request.view_args or {}).get("household_id")
    if not household_id:
        return render_error(413)
    household = household_or_404(current_user, household_id, Action.HOUSEHOLD_EDIT)
    form = _form(household, formdata=None)
    form.upload.errors = [str(_TOO_LARGE_TO_READ)]
    return _render_new(household, form, 413)


answer_too_large(bp, UPLOADS, _upload_too_large)


_TOO_LARGE_TO_READ = _l(
    "The file is far larger than Awda accepts, so nothing of the form could be read. Take the"
    " photo again at a lower resolution, or scan at 300 dpi, then fill in the form again."
)


def _member(household, member_id) -> Member | None:
    return next((m for m in household.members if m.id == member_id), None)


def _attachment_or_404(attachment_id: int) -> Attachment:
    """The attachment, if this user may download it: 403 for a role that never reads a file,
    404 otherwise (as if there were none)."""
    if not (can(current_user, Action.HOUSEHOLD_VIEW) or can(current_user, Action.REFERRAL_INBOX)):
        require(current_user, Action.HOUSEHOLD_VIEW)
    found = db.session.get(Attachment, attachment_id)
    if found is None or not services.may_download(current_user, found):
        audit.record("access.refused", attempted="attachments.download", status=404)
        abort(404)
    return found


@bp.get("/attachments/<int:attachment_id>/download")
@login_required
def download(attachment_id: int):
    attachment = _attachment_or_404(attachment_id)
    try:
        content = services.content_of(attachment, current_user)
    except FileNotFoundError:
        abort(404)
    response = current_app.response_class(content, mimetype=attachment.content_type)
    name = f"{attachment.household.case_number}-{attachment.id}.{_extension(attachment)}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _extension(attachment: Attachment) -> str:
    return {"image/jpeg": "jpg", "image/png": "png"}.get(attachment.content_type, "pdf")


@bp.route("/attachments/<int:attachment_id>/remove", methods=["GET", "POST"])
@login_required
def remove(attachment_id: int):
    attachment = _attachment_or_404(attachment_id)
    household = attachment.household
    require(current_user, Action.HOUSEHOLD_EDIT, household)
    if FieldGroup(attachment.group) not in visible_groups(current_user, household):
        abort(404)
    form = RemoveForm()
    if form.validate_on_submit():
        try:
            services.remove(attachment, form.reason.data, current_user)
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            db.session.commit()
            flash(_("The document was removed from the file."), "success")
            return redirect(url_for("registry.view", household_id=household.id) + "#attachments")
    status = 422 if form.is_submitted() else 200
    page = render_template("attachments/remove.html", attachment=attachment, form=form, kinds=KINDS)
    return page, status
