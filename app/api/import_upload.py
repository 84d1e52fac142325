"""Reading an upload of /api/v1/imports as the upload and columns pages read theirs: the file and
form fields (413 or 422, field by field), the camp, convoy and origin named by their codes, the
encoding chosen, and the mapping of the list's headings to Awda's fields."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.errors import MESSAGES
from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity.names import fold
from app.imports import services
from app.imports.headers import FIELD_NAMES
from app.imports.models import ListImport
from app.imports.preview import ListChoices
from app.imports.reading import UnreadableList, too_large
from app.reference.codes import governorate_coded
from app.reference.models import Camp, ReturnBatch

from . import import_schemas as schemas
from .core import cleaned, repeated

# The field no list is imported without (the columns page asks the same:
# `app.imports.forms.mapping_is_whole`).
REQUIRED = "household_ref"
_REFUSED_FIELDS = MESSAGES[422]


def posted() -> tuple[FileStorage, dict]:
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
    twice = repeated(form, schemas.ImportChoices(), set())  # to_dict() kept the first
    if twice:
        errors["form"] = {**errors.get("form", {}), **twice}
    upload = files.get("file")
    if upload is None or not upload.filename:
        errors["files"] = {"file": [str(_l("Choose the file of the list."))]}
    if errors:
        abort(422, message=str(_REFUSED_FIELDS), errors=errors)
    return upload, asked


def list_choices(asked: dict) -> ListChoices:
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
        governorate = governorate_coded(asked["origin_governorate"])
        if governorate is None:
            errors["origin_governorate"] = [str(_l("Awda has no governorate with this code."))]
    if errors:
        abort(422, message=str(_REFUSED_FIELDS), errors={"form": errors})
    return ListChoices(camp.id, batch.id if batch else None, governorate)


def refuse(refused: ValidationFailed) -> None:
    """422 for what a service refused: its message about the whole, its fields' messages."""
    whole = refused.errors.get(None) or [str(_REFUSED_FIELDS)]
    fields = {key: [str(m) for m in value] for key, value in refused.errors.items() if key}
    abort(422, message=str(whole[0]), errors={"form": fields} if fields else None)


def reread(imported: ListImport, encoding: str):
    """The list read again in the encoding the caller chose, as the columns page does; 422
    when it cannot be."""
    try:
        table = services.table_of(imported, encoding)
    except UnreadableList as refused:
        told = str(refused.message)
        abort(422, message=told, errors={"form": {"encoding": [told]}})
    imported.encoding = table.encoding or None
    return table


def mapping(asked: dict[str, str] | None, headers: list[str], imported) -> dict[int, str]:
    """{column index: field}: the caller's mapping of headings (a heading matched exactly,
    else as folded), or the one the upload found (the source's template, the headings' own
    names). 422 for an unknown heading or field, a field twice, or a required field missing."""
    if asked is None:
        found = services.mapping_of(imported)
        errors: dict[str, list[str]] = {}
    else:
        found, errors = _columns_of(asked, headers)
    detail = _REFUSED_FIELDS
    if REQUIRED not in found.values():
        told = _l("Choose the column that says which household each person belongs to.")
        errors[REQUIRED] = [str(told)]
        detail = _l("Map a column to %(field)s: no list is imported without it.", field=REQUIRED)
    if errors:
        abort(422, message=str(detail), errors={"form": {"mapping": errors}})
    return found


def _columns_of(asked: dict[str, str], headers: list[str]):
    """({column index: field}, {heading: [messages]}) for the caller's mapping."""
    found: dict[int, str] = {}
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
        elif field in found.values():
            errors[heading] = [
                str(_l("Another column already holds this. Choose one column for each field."))
            ]
        elif field:
            found[index] = field
    return found, errors


def _column(heading: str, headers: list[str]) -> int | None:
    for same in (lambda h: h == heading, lambda h: fold(h) == fold(heading)):
        found = next((i for i, h in enumerate(headers) if same(h)), None)
        if found is not None:
            return found
    return None
