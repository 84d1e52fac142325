"""The API's field-level messages in the caller's language.

marshmallow writes its own messages in English ("Not a valid integer."). Awda replaces the
defaults of the field types the API uses with translatable ones, once, before any schema is
defined (a field copies its class's messages when it is made), and gives its validators
messages of its own. Messages are lazy: they are rendered in the language of the request that
is refused (`app.core.errors.problem` makes them plain text for the JSON body).
"""

from __future__ import annotations

from collections.abc import Iterable

import marshmallow as ma
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

FIELD_MESSAGES: dict[type, dict[str, LazyString]] = {
    ma.fields.Field: {
        "required": _l("This value is required."),
        "null": _l("This value cannot be null."),
        "validator_failed": _l("This value is not valid."),
    },
    ma.fields.String: {"invalid": _l("Give text."), "invalid_utf8": _l("Give text.")},
    ma.fields.Number: {
        "invalid": _l("Give a whole number."),
        "too_large": _l("This number is too large."),
    },
    ma.fields.Integer: {"invalid": _l("Give a whole number.")},
    ma.fields.Boolean: {"invalid": _l("Give true or false.")},
    ma.fields.Date: {
        "invalid": _l("Give a date as YYYY-MM-DD."),
        "format": _l("Give a date as YYYY-MM-DD."),
    },
    ma.fields.List: {"invalid": _l("Give a list.")},
    ma.fields.Mapping: {"invalid": _l("Give an object.")},
    ma.fields.Nested: {"type": _l("Give an object.")},
}
SCHEMA_MESSAGES = {
    "type": _l("Give an object."),
    "unknown": _l("Awda has no such field."),
}


def translate_marshmallow() -> None:
    """Replace marshmallow's default messages with Awda's translatable ones. Runs on import,
    before `app.api.schemas` defines any field."""
    for field_class, messages in FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    ma.Schema._default_error_messages = {**ma.Schema._default_error_messages, **SCHEMA_MESSAGES}


def between(low: int, high: int) -> ma.validate.Range:
    """A whole number from `low` to `high`, told so in the caller's language."""
    return ma.validate.Range(
        low, high, error=_l("Give a number from %(low)d to %(high)d.", low=low, high=high)
    )


def at_most(length: int) -> ma.validate.Length:
    """Text of at most `length` characters."""
    return ma.validate.Length(
        max=length, error=_l("Use at most %(length)d characters.", length=length)
    )


def how_many(low: int, high: int) -> ma.validate.Length:
    """A list of `low` to `high` items."""
    return ma.validate.Length(
        low, high, error=_l("Send from %(low)d to %(high)d of these.", low=low, high=high)
    )


def one_of(choices: Iterable[str]) -> ma.validate.OneOf:
    """One of `choices` (codes, listed in the message as they are to be sent)."""
    codes = list(choices)
    listed = ", ".join(codes)
    return ma.validate.OneOf(codes, error=_l("Give one of: %(codes)s.", codes=listed))


translate_marshmallow()
