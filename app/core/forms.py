"""Form pieces shared by every part of the app."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


def optional_int(value: object) -> int | None:
    """Coerce a select's value to an id; the blank option is None."""
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[call-overload]


def choices(vocabulary: Mapping[str, object], blank: str | None = None) -> list[SelectChoice]:
    """Select options from a coded vocabulary (code -> translatable label)."""
    items = [SelectChoice(code, str(label)) for code, label in vocabulary.items()]
    return [SelectChoice("", blank), *items] if blank is not None else items


def options(pairs: Iterable[tuple[object, str]], blank: str | None = None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, such as rows of a reference table."""
    items = [SelectChoice(value, label) for value, label in pairs]
    return [SelectChoice("", blank), *items] if blank is not None else items


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def place_errors(form: FlaskForm, errors: Mapping[str | None, list[str]]) -> None:
    """Put each service error beside its field, those about the whole record above the form.

    Keys name a field (`phone`), a field of a row of a list (`members-2-birth_date`, the third
    row as the service received them, whatever numbers the browser gave the rows), or a field
    inside a nested form by its full name (`documents-civil_id-status`).
    """
    for key, messages in errors.items():
        field = _field_named(form, key)
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]


def _field_named(form, key: str | None):
    if not key:
        return None
    if key in form:
        return form[key]
    list_name, _, rest = key.partition("-")
    rows = form._fields.get(list_name)
    if isinstance(rows, FieldList):
        # Rows by position, not by the name the browser gave them (see above).
        position, _, name = rest.partition("-")
        if not position.isdigit() or int(position) >= len(rows.entries):
            return None
        return rows.entries[int(position)].form._fields.get(name)
    return next((field for field in _leaves(form) if field.name == key), None)


def _leaves(form) -> Iterator[Field]:
    """Every field, the fields of nested forms included."""
    for item in form:
        if isinstance(item, FormField):
            yield from _leaves(item.form)
        else:
            yield item
