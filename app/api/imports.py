"""/api/v1/imports: a partner system imports a transfer list as the import pages do, through
the same services (`app.imports.services`): the upload read and kept, its columns mapped (the
mapping sent, else the source's template, else the headings' names), checked in the
background, its preview read, committed in the background in chunks, watched, cancelled.

Who may: exactly who may use the import pages (`Action.IMPORT_LISTS`: a team's supervisors),
and only the lists of their own team (`visible_imports`); another team's list is 404. Commit
and cancel carry `If-Match` with the import's version, which changes with every change of the
import (its status, progress or last heartbeat): without it 428, with an older one 412.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, request, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import Forbidden, NotFound, RequestEntityTooLarge

from app.access import Action, require
from app.access.policy import import_or_404, visible_imports
from app.audit import services as audit
from app.core.db import as_utc
from app.core.errors import MESSAGES
from app.core.uploads import allow_uploads
from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity.names import fold
from app.imports import reports, services
from app.imports.headers import FIELD_NAMES
from app.imports.models import ImportStatus, ListImport
from app.imports.preview import ListChoices
from app.imports.reading import UnreadableList, too_large
from app.reference.models import Camp, Governorate, ReturnBatch

from . import import_schemas as schemas
from .core import at_version, cleaned, require_scope
from .routes import bp, cursor_after, next_cursor
from .schemas import Problem

UPLOAD = "api.Imports"
# The field no list is imported without (the columns page asks the same:
# `app.imports.forms.mapping_is_whole`).
REQUIRED = "household_ref"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_REFUSED = {
    403: _l("Your role does not import lists."),
    404: _l("No list with this number is yours to see."),
}


@bp.record_once
def _allow_list_uploads(state) -> None:
    """The upload takes a list as large as the upload page does (`AWDA_IMPORT_MAX_MB`)."""
    allow_uploads(state.app, frozenset({UPLOAD}), "IMPORT_MAX_MB")


def version_of(imported: ListImport) -> str:
    """The import's version: its id and a digest of its status, progress and last heartbeat
    (every service that changes an import moves one of them)."""
    beat = as_utc(imported.heartbeat_at)
    micros = (beat - _EPOCH) // timedelta(microseconds=1) if beat else 0
    seed = f"{imported.status}|{imported.households_done}|{micros}"
    return f"{imported.id}.{hashlib.sha256(seed.encode()).hexdigest()[:12]}"


def _summary(imported: ListImport) -> dict:
    return {
        "id": imported.id,
        "filename": imported.filename,
        "source": imported.source.name,
        "status": imported.status,
        "created_at": as_utc(imported.created_at),
        "version": version_of(imported),
    }


def _detail(imported: ListImport) -> dict:
    return {
        **_summary(imported),
        "camp": imported.camp.code,
        "batch": imported.batch.number if imported.batch else None,
        "created_by": imported.created_by.username,
        "progress": reports.progress(imported),
        "preview": _preview(imported),
        "result": _result(imported),
        "failure": imported.failure,
    }


def _preview(imported: ListImport) -> dict | None:
    """The counts of the stored preview, once the list is checked (not while it is again)."""
    stored = imported.summary
    if imported.status in (ImportStatus.NEW, ImportStatus.CHECKING) or "rows" not in stored:
        return None
    return {
        "rows": stored["rows"],
        "households": stored["families"],
        "new": stored["households"],
        "new_members": stored["members"],
        "updated": stored["updates"],
        "unchanged": stored["unchanged"],
        "refused_rows": stored["rows_with_problems"],
        "problems": len(stored["problems"]),
        "possible_duplicates": len(stored["duplicates"]),
    }


def _result(imported: ListImport) -> dict | None:
    if imported.committed_by_id is None:
        return None
    counts = ("created", "updated", "unchanged", "skipped")
    return {name: getattr(imported, name) for name in counts}


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
    @bp.arguments(schemas.ImportListArgs, location="query")
    @bp.response(200, schemas.ImportPage)
    def get(self, args):
        """The lists the caller sees (their team's), oldest first, `limit` at a time;
        `status` filters."""
        require_scope("imports:read")
        _as_api(require, current_user, Action.IMPORT_LISTS)
        stmt = visible_imports(current_user).where(ListImport.id > cursor_after(args["cursor"]))
        if args["status"]:
            stmt = stmt.where(ListImport.status == args["status"])
        stmt = stmt.order_by(ListImport.id).limit(args["limit"] + 1)
        found = list(db.session.scalars(stmt.options(sa.orm.selectinload(ListImport.source))))
        page = found[: args["limit"]]
        audit.record("api.imports", rows=len(page))
        return {
            "items": [_summary(i) for i in page],
            "next_cursor": next_cursor(page, args["limit"], len(found)),
        }

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
        require_scope("imports:write")
        _as_api(require, current_user, Action.IMPORT_LISTS)
        upload, asked = _posted()
        choices = _list_choices(asked)
        try:
            imported, table = services.receive(
                upload.read(), upload.filename or "", asked["source"], choices, current_user
            )
        except UnreadableList as refused:
            told = str(refused.message)
            abort(422, message=told, errors={"files": {"file": [told]}})
        except ValidationFailed as refused:
            _refuse(refused)
        if asked["encoding"]:
            table = _reread(imported, asked["encoding"])
        mapping = _mapping(asked["mapping"], table.headers, imported)
        kept = table.headers if asked["save_template"] else None
        services.queue_check(imported, mapping, current_user, kept)
        columns = [
            {"heading": heading, "field": mapping.get(index)}
            for index, heading in enumerate(table.headers)
        ]
        return {**_detail(imported), "columns": columns}, _location(imported)


_REFUSED_FIELDS = MESSAGES[422]


def _posted() -> tuple[FileStorage, dict]:
    """The upload's file and form fields, or 413/422 with the reasons field by field."""
    try:
        files, form = request.files, request.form
    except RequestEntityTooLarge:
        told = too_large(current_app.config["IMPORT_MAX_MB"])
        abort(413, message=str(told), errors={"files": {"file": [str(told)]}})
    errors: dict[str, dict] = {}
    asked: dict = {}
    try:
        # Cleaned as the JSON API's text is (a NUL reaching PostgreSQL is a server error).
        asked = cleaned(schemas.ImportChoices().load(form.to_dict()), multiline=False)
    except ma.ValidationError as refused:
        errors["form"] = refused.messages  # the translated ones lazy: problem() makes text
    upload = files.get("file")
    if upload is None or not upload.filename:
        errors["files"] = {"file": [str(_l("Choose the file of the list."))]}
    if errors:
        abort(422, message=str(_REFUSED_FIELDS), errors=errors)
    return upload, asked


def _list_choices(asked: dict) -> ListChoices:
    """The camp, convoy and origin named by their codes, or 422."""
    camp = db.session.scalar(sa.select(Camp).where(Camp.code == asked["camp"], Camp.active))
    batch = governorate = None
    errors = {}
    if camp is None:
        errors["camp"] = [str(_l("Awda has no camp with this code."))]
    if asked["batch"]:
        batch = db.session.scalar(
            sa.select(ReturnBatch).where(ReturnBatch.number == asked["batch"])
        )
        if batch is None:
            errors["batch"] = [str(_l("Awda has no return batch with this number."))]
    if asked["origin_governorate"]:
        code = asked["origin_governorate"]
        named = sa.or_(Governorate.iso_code == code, Governorate.pcode == code)
        governorate = db.session.scalar(sa.select(Governorate).where(named))
        if governorate is None:
            errors["origin_governorate"] = [str(_l("Awda has no governorate with this code."))]
    if errors:
        abort(422, message=str(_REFUSED_FIELDS), errors={"form": errors})
    return ListChoices(
        camp.id, batch.id if batch else None, governorate.id if governorate else None
    )


def _refuse(refused: ValidationFailed) -> None:
    """422 for what a service refused: its message about the whole, its fields' messages."""
    whole = refused.errors.get(None) or [str(_REFUSED_FIELDS)]
    fields = {key: [str(m) for m in value] for key, value in refused.errors.items() if key}
    abort(422, message=str(whole[0]), errors={"form": fields} if fields else None)


def _reread(imported: ListImport, encoding: str):
    """The list read again in the encoding the caller chose, as the columns page does."""
    try:
        table = services.table_of(imported, encoding)
    except UnreadableList as refused:
        told = str(refused.message)
        abort(422, message=told, errors={"form": {"encoding": [told]}})
    imported.encoding = table.encoding or None
    return table


def _mapping(asked: dict[str, str] | None, headers: list[str], imported) -> dict[int, str]:
    """{column index: field}: the caller's mapping of headings (a heading matched exactly,
    else as folded), or the one the upload found (the source's template, the headings' own
    names). 422 for an unknown heading or field, a field twice, or a required field missing."""
    if asked is None:
        mapping = services.mapping_of(imported)
        errors: dict[str, list[str]] = {}
    else:
        mapping, errors = _columns_of(asked, headers)
    detail = _REFUSED_FIELDS
    if REQUIRED not in mapping.values():
        told = _l("Choose the column that says which household each person belongs to.")
        errors[REQUIRED] = [str(told)]
        detail = _l("Map a column to %(field)s: no list is imported without it.", field=REQUIRED)
    if errors:
        abort(422, message=str(detail), errors={"form": {"mapping": errors}})
    return mapping


def _columns_of(asked: dict[str, str], headers: list[str]):
    """({column index: field}, {heading: [messages]}) for the caller's mapping."""
    mapping: dict[int, str] = {}
    errors: dict[str, list[str]] = {}
    for heading, field in asked.items():
        index = _column(heading, headers)
        if index is None:
            errors[heading] = [str(_l("The list has no column with this heading."))]
        elif field and field not in FIELD_NAMES:
            known = ", ".join(FIELD_NAMES)
            errors[heading] = [
                str(_l("Awda has no such field. Choose among: %(known)s.", known=known))
            ]
        elif field in mapping.values():
            errors[heading] = [
                str(_l("Another column already holds this. Choose one column for each field."))
            ]
        elif field:
            mapping[index] = field
    return mapping, errors


def _column(heading: str, headers: list[str]) -> int | None:
    for same in (lambda h: h == heading, lambda h: fold(h) == fold(heading)):
        found = next((i for i, h in enumerate(headers) if same(h)), None)
        if found is not None:
            return found
    return None


@bp.route("/imports/<int:import_id>")
class OneImport(MethodView):
    @bp.response(200, schemas.Import)
    def get(self, import_id: int):
        """One list: its status, progress, the preview's counts once checked and the commit's
        once started. Its `version` (also the ETag) goes in `If-Match` to commit or cancel."""
        require_scope("imports:read")
        imported = _found(import_id)
        audit.record("api.import", target=f"import:{imported.id}")
        return _detail(imported), {"ETag": f'"{version_of(imported)}"'}


@bp.route("/imports/<int:import_id>/problems")
class ImportProblems(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.ImportProblemPage)
    def get(self, args, import_id: int):
        """The list's problems row by row (the check's, then those that kept a household out
        while it was written), in the language of who checked or committed it."""
        require_scope("imports:read")
        imported = _found(import_id)
        stored = imported.summary
        told = [(*p, "check") for p in stored.get("problems", [])]
        told += [(*p, "commit") for p in stored.get("skipped", [])]
        after, limit = cursor_after(args["cursor"]), args["limit"]
        found = [_Told(n, *p) for n, p in enumerate(told[after : after + limit + 1], after + 1)]
        page = found[:limit]
        audit.record("api.import_problems", target=f"import:{imported.id}", rows=len(page))
        return {"items": page, "next_cursor": next_cursor(page, limit, len(found))}


class _Told:
    """A problem as listed, with its place in the list as `id` (for the cursor)."""

    def __init__(self, id: int, row: int, column: str, message: str, found: str):
        self.id, self.row, self.column, self.message, self.found = id, row, column, message, found


def _act(import_id: int, act) -> tuple[dict, dict]:
    """`act(import)` if If-Match names the import's version (428 without, 412 if older), 409
    when the import is not in a state for it."""
    require_scope("imports:write")
    imported = _found(import_id)
    missing = str(_l("Send If-Match with the list's version."))
    at_version(imported, version_of, missing, str(_l("This list changed since: read it again.")))
    try:
        act(imported)
    except ValidationFailed as refused:
        abort(409, message=str(next(iter(refused.errors.values()))[0]))
    return _detail(imported), _location(imported)


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
    @_change
    def post(self, import_id: int):
        """Import the checked list in the background; send `If-Match` with its version. Poll
        `Location` until `progress.finished`."""
        return _act(import_id, _commit)


@bp.route("/imports/<int:import_id>/cancel")
class ImportCancel(MethodView):
    @_change
    def post(self, import_id: int):
        """Stop the import: at once if it has not started, else after the households being
        written; send `If-Match` with its version."""
        return _act(import_id, lambda imported: services.cancel(imported, current_user))
