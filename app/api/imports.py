"""/api/v1/imports: a partner system imports a transfer list as the import pages do, through
the same services (`app.imports.services`): the upload read and kept, its columns mapped (the
mapping sent, else the source's template, else the headings' names), checked in the
background, its preview read, committed in the background in chunks, watched, cancelled. This
module holds the routes; `import_upload` reads an upload, `import_answers` tells an import.

Who may: exactly who may use the import pages (`Action.IMPORT_LISTS`: a team's supervisors),
and only the lists of their own team (`visible_imports`); another team's list is 404. Commit
and cancel carry `If-Match` with the import's version, which changes with every change of the
import (its status, progress or last heartbeat): without it 428, with an older one 412.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort
from werkzeug.exceptions import Forbidden, NotFound

from app.access import Action
from app.access.policy import import_or_404, visible_imports
from app.audit import services as audit
from app.core.uploads import allow_uploads
from app.core.validation import ValidationFailed
from app.extensions import db
from app.imports import services
from app.imports.models import ImportStatus, ListImport
from app.imports.reading import UnreadableList

from . import import_schemas as schemas
from . import import_upload as upload
from .core import at_version, needs
from .import_answers import Told, detail, problems_told, summary, version_of
from .routes import bp, cursor_after, next_cursor
from .schemas import Problem

UPLOAD = "api.Imports"
_REFUSED = {
    403: _l("Your role does not import lists."),
    404: _l("No list with this number is yours to see."),
}
READ = needs("imports:read", Action.IMPORT_LISTS, refused=_REFUSED[403])
WRITE = needs("imports:write", Action.IMPORT_LISTS, refused=_REFUSED[403])


@bp.record_once
def _allow_list_uploads(state) -> None:
    """The upload takes a list as large as the upload page does (`AWDA_IMPORT_MAX_MB`)."""
    allow_uploads(state.app, frozenset({UPLOAD}), "IMPORT_MAX_MB")


def _as_api(check, *args):
    """`check(*args)` of the access policy, its refusal (audited there) told as the API
    tells it."""
    try:
        return check(*args)
    except (Forbidden, NotFound) as refused:
        abort(refused.code, message=str(_REFUSED[refused.code]))


def _found(import_id: int) -> ListImport:
    return _as_api(import_or_404, current_user, import_id)


def _location(imported: ListImport) -> dict[str, str]:
    return {"Location": url_for("api.OneImport", import_id=imported.id)}


@bp.route("/imports")
class Imports(MethodView):
    @READ
    @bp.arguments(schemas.ImportListArgs, location="query")
    @bp.response(200, schemas.ImportPage)
    def get(self, args):
        """The lists the caller sees (their team's), oldest first, `limit` at a time;
        `status` filters."""
        stmt = visible_imports(current_user).where(ListImport.id > cursor_after(args["cursor"]))
        if args["status"]:
            stmt = stmt.where(ListImport.status == args["status"])
        stmt = stmt.order_by(ListImport.id).limit(args["limit"] + 1)
        found = list(db.session.scalars(stmt.options(sa.orm.selectinload(ListImport.source))))
        page = found[: args["limit"]]
        audit.record("api.imports", rows=len(page))
        return {
            "items": [summary(i) for i in page],
            "next_cursor": next_cursor(page, args["limit"], len(found)),
        }

    @WRITE
    @bp.doc(
        requestBody={
            "required": True,
            "content": {"multipart/form-data": {"schema": schemas.ImportUpload}},
        }
    )
    @bp.response(202, schemas.ImportReceived, headers={"Location": {"schema": {"type": "string"}}})
    @bp.alt_response(413, schema=Problem, description="The file is far too large")
    @bp.alt_response(422, schema=Problem, description="Refused, field by field")
    def post(self):
        """Upload a list (multipart, as the upload page): it is read, kept, its columns mapped
        and checked in the background. Poll `Location` until its status is `checked`."""
        file, asked = upload.posted()
        choices = upload.list_choices(asked)
        try:
            imported, table = services.receive(
                file.read(), file.filename or "", asked["source"], choices, current_user
            )
        except UnreadableList as refused:
            told = str(refused.message)
            abort(422, message=told, errors={"files": {"file": [told]}})
        except ValidationFailed as refused:
            upload.refuse(refused)
        if asked["encoding"]:
            table = upload.reread(imported, asked["encoding"])
        mapping = upload.mapping(asked["mapping"], table.headers, imported)
        kept = table.headers if asked["save_template"] else None
        services.queue_check(imported, mapping, current_user, kept)
        columns = [
            {"heading": heading, "field": mapping.get(index)}
            for index, heading in enumerate(table.headers)
        ]
        return {**detail(imported), "columns": columns}, _location(imported)


@bp.route("/imports/<int:import_id>")
class OneImport(MethodView):
    @READ
    @bp.response(200, schemas.Import)
    def get(self, import_id: int):
        """One list: its status, progress, the preview's counts once checked and the commit's
        once started. Its `version` (also the ETag) goes in `If-Match` to commit or cancel."""
        imported = _found(import_id)
        audit.record("api.import", target=f"import:{imported.id}")
        return detail(imported), {"ETag": f'"{version_of(imported)}"'}


@bp.route("/imports/<int:import_id>/problems")
class ImportProblems(MethodView):
    @READ
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.ImportProblemPage)
    def get(self, args, import_id: int):
        """The list's problems row by row (the check's, then those that kept a household out
        while it was written), in the language of who checked or committed it."""
        imported = _found(import_id)
        told = problems_told(imported)
        after, limit = cursor_after(args["cursor"]), args["limit"]
        found = [Told(n, *p) for n, p in enumerate(told[after : after + limit + 1], after + 1)]
        page = found[:limit]
        audit.record("api.import_problems", target=f"import:{imported.id}", rows=len(page))
        return {"items": page, "next_cursor": next_cursor(page, limit, len(found))}


def _act(import_id: int, act) -> tuple[dict, dict]:
    """`act(import)` if If-Match names the import's version (428 without, 412 if older), 409
    when the import is not in a state for it."""
    imported = _found(import_id)
    missing = str(_l("Send If-Match with the list's version."))
    at_version(imported, version_of, missing, str(_l("This list changed since: read it again.")))
    try:
        act(imported)
    except ValidationFailed as refused:
        abort(409, message=str(next(iter(refused.errors.values()))[0]))
    return detail(imported), _location(imported)


def _commit(imported: ListImport) -> None:
    if imported.status in (ImportStatus.NEW, ImportStatus.CHECKING):
        raise ValidationFailed({None: [str(_l("This list is not checked yet: wait for it."))]})
    services.queue_commit(imported, current_user)


def _change(view):
    """The answers of a change, documented: 202 with the import, or why not."""
    refusals = {
        409: "Not in a state that allows it",
        412: "The version is not the latest",
        428: "If-Match is missing",
    }
    for status, description in refusals.items():
        view = bp.alt_response(status, schema=Problem, description=description)(view)
    return bp.response(202, schemas.Import)(view)


@bp.route("/imports/<int:import_id>/commit")
class ImportCommit(MethodView):
    @WRITE
    @_change
    def post(self, import_id: int):
        """Import the checked list in the background; send `If-Match` with its version. Poll
        `Location` until `progress.finished`."""
        return _act(import_id, _commit)


@bp.route("/imports/<int:import_id>/cancel")
class ImportCancel(MethodView):
    @WRITE
    @_change
    def post(self, import_id: int):
        """Stop the import: at once if it has not started, else after the households being
        written; send `If-Match` with its version."""
        return _act(import_id, lambda imported: services.cancel(imported, current_user))
