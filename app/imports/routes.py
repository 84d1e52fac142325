"""URL rules of the intake of transfer lists: upload, map the columns, read the preview,
commit in the background, watch, cancel or resume it, and download the problems or the list
with its case numbers. Every import is loaded through the access policy (`visible_imports`):
a supervisor sees the lists of their own team, nobody else does."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.access import Action, require
from app.access.policy import import_or_404, visible_imports
from app.audit import services as audit
from app.core.forms import place_errors
from app.core.i18n import is_right_to_left
from app.core.uploads import allow_uploads, answer_too_large
from app.core.validation import ValidationFailed
from app.extensions import db
from app.imports import reports, services
from app.imports.forms import (
    ConfirmForm,
    UploadForm,
    mapping_form,
    mapping_is_whole,
    posted_mapping,
)
from app.imports.models import ImportStatus, ListImport
from app.imports.preview import ListChoices
from app.imports.reading import UnreadableList, too_large

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/imports")
STATUS_LABELS = {
    ImportStatus.NEW: _l("Columns to confirm"),
    ImportStatus.CHECKING: _l("Being checked"),
    ImportStatus.CHECKED: _l("Checked, not imported"),
    ImportStatus.QUEUED: _l("Waiting to start"),
    ImportStatus.RUNNING: _l("Importing"),
    ImportStatus.CANCELLING: _l("Stopping"),
    ImportStatus.CANCELLED: _l("Cancelled"),
    ImportStatus.DONE: _l("Imported"),
    ImportStatus.FAILED: _l("Stopped on an error"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_PROBLEMS = 200  # on the page; the download has them all
# The pages that receive a list: a transfer list, a version of a watch list (app.watchlist).
LIST_UPLOADS = frozenset({"imports.upload", "watchlist.load"})


@bp.app_template_global()
def import_status(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


@bp.record_once
def _allow_list_uploads(state) -> None:
    """The pages that receive a list accept its size (`AWDA_IMPORT_MAX_MB`)."""
    allow_uploads(state.app, LIST_UPLOADS, "IMPORT_MAX_MB")


@bp.get("/")
@login_required
def index():
    require(current_user, Action.IMPORT_LISTS)
    imports = db.session.scalars(
        visible_imports(current_user).order_by(ListImport.id.desc()).limit(50)
    ).all()
    audit.record("imports.list")
    return render_template("imports/index.html", imports=imports)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def upload():
    require(current_user, Action.IMPORT_LISTS)
    form = UploadForm()
    form.fill()
    if form.validate_on_submit():
        received = _receive(form)
        if received is not None:
            return redirect(url_for("imports.columns", import_id=received.id))
    sources = [s.name for s in services.sources_of(current_user)]
    status = 422 if form.is_submitted() else 200
    return render_template("imports/upload.html", form=form, sources=sources), status


def _upload_too_large():
    form = UploadForm(formdata=None)
    form.fill()
    form.list_file.errors = [str(too_large(current_app.config["IMPORT_MAX_MB"]))]
    sources = [s.name for s in services.sources_of(current_user)]
    return render_template("imports/upload.html", form=form, sources=sources), 413


answer_too_large(bp, {"imports.upload"}, _upload_too_large)


def _receive(form: UploadForm) -> ListImport | None:
    upload = request.files.get(form.list_file.name)
    if upload is None or not upload.filename:
        form.list_file.errors = [_("Choose the file of the list.")]
        return None
    choices = ListChoices(form.camp_id.data, form.batch_id.data, form.origin_governorate_id.data)
    try:
        imported, _table = services.receive(
            upload.read(), upload.filename, form.source.data, choices, current_user
        )
    except UnreadableList as refused:
        form.list_file.errors = [str(refused.message)]
        return None
    except ValidationFailed as refused:
        place_errors(form, refused.errors)
        return None
    return imported


@bp.route("/<int:import_id>/columns", methods=["GET", "POST"])
@login_required
def columns(import_id: int):
    imported = import_or_404(current_user, import_id)
    if imported.status not in ImportStatus.EDITABLE:
        return redirect(url_for("imports.view", import_id=imported.id))
    chosen = request.form.get("encoding") or imported.encoding
    rereading = request.method == "POST" and (
        "reread" in request.form or (chosen or "") != (imported.encoding or "")
    )
    try:
        table = services.table_of(imported, chosen if rereading else None)
    except FileNotFoundError:
        return _file_gone(imported)
    except UnreadableList as refused:
        table = services.table_of(imported)
        form = mapping_form(table.headers, services.mapping_of(imported), table.encoding)
        form.encoding.errors = [str(refused.message)]
        return _render_columns(imported, form, table, 422)
    form = mapping_form(table.headers, services.mapping_of(imported), table.encoding)
    if rereading:
        # Read again in the encoding chosen: the person looks at the rows before checking.
        imported.encoding = table.encoding or None
        form.encoding.data = table.encoding
    elif form.validate_on_submit() and mapping_is_whole(form, table.headers):
        mapping = posted_mapping(form, table.headers)
        headers = table.headers if form.save_template.data else None
        services.queue_check(imported, mapping, current_user, headers)
        return redirect(url_for("imports.view", import_id=imported.id))
    audit.record("imports.view", target=f"import:{imported.id}")
    status = 422 if form.errors or form.form_errors else 200
    return _render_columns(imported, form, table, status)


def _render_columns(imported: ListImport, form, table, status: int = 200):
    page = render_template(
        "imports/columns.html", imported=imported, form=form, table=table, sample=table.sample(5)
    )
    return page, status


def _file_gone(imported: ListImport):
    flash(_("The file of this list was deleted as the retention rule says."), "warning")
    return redirect(url_for("imports.view", import_id=imported.id))


@bp.get("/<int:import_id>")
@login_required
def view(import_id: int):
    imported = import_or_404(current_user, import_id)
    if imported.status == ImportStatus.NEW:
        return redirect(url_for("imports.columns", import_id=imported.id))
    audit.record("imports.view", target=f"import:{imported.id}")
    summary = imported.summary
    return render_template(
        "imports/view.html",
        imported=imported,
        summary=summary,
        problems=summary.get("problems", [])[:SHOWN_PROBLEMS],
        skipped=summary.get("skipped", [])[:SHOWN_PROBLEMS],
        problem_count=len(summary.get("problems", [])) + len(summary.get("skipped", [])),
        duplicates=reports.duplicates_shown(imported, current_user),
        progress=reports.progress(imported),
        stalled=services.stalled(imported),
        resumable=services.resumable(imported),
        form=ConfirmForm(),
    )


@bp.get("/<int:import_id>/progress")
@login_required
def progress(import_id: int):
    imported = import_or_404(current_user, import_id)
    return jsonify(reports.progress(imported))


def _act(import_id: int, act, done: str):
    imported = import_or_404(current_user, import_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            act(imported, current_user)
            flash(done, "success")
        except ValidationFailed as refused:
            for messages in refused.errors.values():
                for message in messages:
                    flash(message, "error")
    return redirect(url_for("imports.view", import_id=imported.id))


@bp.post("/<int:import_id>/commit")
@login_required
def commit(import_id: int):
    return _act(import_id, services.queue_commit, _("The list is being imported."))


@bp.post("/<int:import_id>/cancel")
@login_required
def cancel(import_id: int):
    message = _("The import stops after the households being written now.")
    return _act(import_id, services.cancel, message)


@bp.post("/<int:import_id>/resume")
@login_required
def resume(import_id: int):
    return _act(import_id, services.resume, _("The import goes on from where it stopped."))


@bp.get("/<int:import_id>/problems.xlsx")
@login_required
def problems_download(import_id: int):
    return _download(
        import_id,
        "problems",
        "problems",
        lambda imported: reports.problems_sheet(imported, is_right_to_left()),
    )


@bp.get("/<int:import_id>/result.xlsx")
@login_required
def result_download(import_id: int):
    return _download(
        import_id,
        "result",
        "case-numbers",
        lambda imported: reports.result_sheet(imported, current_user, is_right_to_left()),
    )


def _download(import_id: int, what: str, named: str, sheet):
    """The list given back as `sheet(imported)` makes it, audited as `what`, its file
    named after `named`."""
    imported = import_or_404(current_user, import_id)
    try:
        data = sheet(imported)
    except FileNotFoundError:
        return _file_gone(imported)
    audit.record("imports.download", target=f"import:{imported.id}", what=what)
    return _xlsx(data, f"awda-list-{imported.id}-{named}.xlsx")


def _xlsx(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
