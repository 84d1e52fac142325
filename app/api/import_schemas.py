"""What /api/v1/imports receives and answers, as marshmallow schemas (and so in the OpenAPI
document). The upload is multipart, as the upload page's form is: the file, where the list comes
from, the list's choices (camp, convoy, origin, by their codes), and, if the caller wants to
set it, the mapping of the list's headings to Awda's fields."""

from __future__ import annotations

import json

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload

from app.imports.headers import FIELD_NAMES
from app.imports.reading import ENCODINGS

from .messages import at_most, between, one_of


class Mapping(ma.fields.String):
    """A JSON object `{"heading": "field"}` sent as one form field (text, so documented as a
    string); `null` or "" for a column that is not imported."""

    def _deserialize(self, value, attr, data, **kwargs) -> dict[str, str]:
        try:
            found = json.loads(super()._deserialize(value, attr, data, **kwargs))
        except (ValueError, RecursionError):  # not JSON, or nested beyond reason
            found = None
        wanted = isinstance(found, dict) and all(
            isinstance(field, str) or field is None for field in found.values()
        )
        if not wanted:
            raise ma.ValidationError(
                str(_l('Send the mapping as a JSON object: {"heading": "field", …}.'))
            )
        return {heading: field or "" for heading, field in found.items()}


class ImportChoices(ma.Schema):
    """The form fields of an upload (the file comes apart: see `ImportUpload`)."""

    class Meta:
        unknown = ma.RAISE

    source = ma.fields.String(
        required=True,
        validate=at_most(120),
        error_messages={"required": _l("Say where the list comes from.")},
        metadata={"description": "where the list comes from; a new name makes a new source"},
    )
    camp = ma.fields.String(
        required=True,
        error_messages={"required": _l("Choose the camp the people come from.")},
        metadata={"description": "code of the camp the people come from (ALHOL)"},
    )
    batch = ma.fields.String(
        load_default=None, metadata={"description": "number of the return batch (convoy)"}
    )
    origin_governorate = ma.fields.String(
        load_default=None,
        metadata={"description": "ISO code or p-code, for everyone; when no column says it"},
    )
    encoding = ma.fields.String(
        load_default=None,
        validate=one_of(ENCODINGS),
        metadata={"description": "a CSV's text encoding, when Awda should not guess it"},
    )
    mapping = Mapping(
        load_default=None,
        metadata={
            "description": "JSON object: heading -> field (one of: "
            + ", ".join(FIELD_NAMES)
            + "); headings left out are not imported. Without it, the source's saved "
            "template, then the headings' own names, decide"
        },
    )
    save_template = ma.fields.Boolean(
        load_default=True,
        metadata={"description": "remember the mapping for the source's next list"},
    )


class ImportUpload(ImportChoices):
    """The whole multipart body, as documented."""

    file = Upload(required=True, metadata={"description": "XLSX, XLS, ODS or CSV"})


class ImportColumn(ma.Schema):
    heading = ma.fields.String(required=True)
    field = ma.fields.String(allow_none=True, required=True, metadata={"description": "or null"})


class ImportProgress(ma.Schema):
    done = ma.fields.Integer(required=True, metadata={"description": "households written"})
    total = ma.fields.Integer(required=True, metadata={"description": "households to write"})
    rows = ma.fields.Integer(required=True, metadata={"description": "rows written"})
    percent = ma.fields.Integer(required=True)
    seconds_left = ma.fields.Integer(allow_none=True, required=True)
    finished = ma.fields.Boolean(required=True)


class ImportPreview(ma.Schema):
    """What the check found, before anything is written."""

    rows = ma.fields.Integer(required=True)
    households = ma.fields.Integer(required=True, metadata={"description": "in the list"})
    new = ma.fields.Integer(required=True, metadata={"description": "households to register"})
    new_members = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True, metadata={"description": "households to update"})
    unchanged = ma.fields.Integer(required=True)
    refused_rows = ma.fields.Integer(required=True, metadata={"description": "rows with problems"})
    problems = ma.fields.Integer(required=True)
    possible_duplicates = ma.fields.Integer(required=True, metadata={"description": "rows"})


class ImportResult(ma.Schema):
    """What the commit has written so far (households)."""

    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    skipped = ma.fields.Integer(required=True)


class ImportSummary(ma.Schema):
    id = ma.fields.Integer(required=True)
    filename = ma.fields.String(required=True)
    source = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True,
        metadata={
            "description": "new, checking, checked, queued, running, cancelling, cancelled, "
            "done, failed"
        },
    )
    created_at = ma.fields.DateTime(required=True)
    version = ma.fields.String(required=True, metadata={"description": "send it as If-Match"})


class Import(ImportSummary):
    camp = ma.fields.String(required=True)
    batch = ma.fields.String(allow_none=True, required=True)
    created_by = ma.fields.String(required=True)
    progress = ma.fields.Nested(ImportProgress, required=True)
    preview = ma.fields.Nested(
        ImportPreview, allow_none=True, required=True, metadata={"description": "once checked"}
    )
    result = ma.fields.Nested(
        ImportResult, allow_none=True, required=True, metadata={"description": "once committed"}
    )
    failure = ma.fields.String(allow_none=True, required=True)


class ImportReceived(Import):
    columns = ma.fields.List(
        ma.fields.Nested(ImportColumn),
        required=True,
        metadata={"description": "each heading of the list and the field it is read as"},
    )


class ImportProblem(ma.Schema):
    row = ma.fields.Integer(required=True, metadata={"description": "as the spreadsheet shows"})
    column = ma.fields.String(required=True, metadata={"description": "heading; '' for the row"})
    message = ma.fields.String(required=True)
    found = ma.fields.String(
        required=True, metadata={"description": "check, or commit (a household left out)"}
    )


def _page(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of `item`s as every list of the API gives it."""
    fields = {
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "next_cursor": ma.fields.String(allow_none=True, required=True),
    }
    return ma.Schema.from_dict(fields, name=name)


ImportPage = _page(ImportSummary, "ImportPage")
ImportProblemPage = _page(ImportProblem, "ImportProblemPage")


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=between(1, 100))
    cursor = ma.fields.String(load_default=None)


class ImportListArgs(PageArgs):
    status = ma.fields.String(load_default=None)
