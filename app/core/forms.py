"""Form pieces shared by every part of the app."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    DateTimeField,
    DecimalField,
    Field,
    FieldList,
    FileField,
    FloatField,
    Form,
    FormField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.utils import unset_value
from wtforms.validators import Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from app.core.text import clean, clean_code, whole_number


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
    """Boxes to tick. A value posted that is not among them is named in the reader's language
    (WTForms' own message has no Arabic), unless `validate_choice=False` leaves it to the
    form's own check."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        if not self.validate_choice or self.process_errors or not self.data:
            return
        offered = {self.coerce(choice.value) for choice in self.iter_choices()}
        unknown = sorted({str(value) for value in self.data if value not in offered})
        if unknown:
            raise ValidationError(
                ngettext(
                    "“%(value)s” is not one of the choices offered here.",
                    "“%(value)s” are not among the choices offered here.",
                    len(unknown),
                    value=", ".join(unknown),
                )
            )


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


def with_new_tab_link(message: str, address: str, label: str) -> Markup:
    """`message` (escaped) followed by a link to `address` that opens in a new tab, so that
    what the refused form holds is kept: a save refused because the record changed points to
    the record as it is now."""
    return Markup('{} <a href="{}" target="_blank" rel="noopener">{}</a>').format(
        message, address, label
    )


def place_more_errors(form: FlaskForm, errors: Mapping[str | None, list[str]]) -> None:
    """As `place_errors`, only where the form's own checks said nothing yet: a form refused by
    its fields' checks also shows the service's other findings, every problem in one round,
    never two messages for one mistake."""
    for key, messages in errors.items():
        field = _field_named(form, key)
        if field is None:
            form.form_errors.extend(m for m in messages if m not in form.form_errors)
        elif not field.errors:
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
        index = whole_number(position)
        if index is None or index >= len(rows.entries):
            return None
        return rows.entries[index].form._fields.get(name)
    return next((field for field in _leaves(form) if field.name == key), None)


def _leaves(form) -> Iterator[Field]:
    """Every field, the fields of nested forms included."""
    for item in form:
        if isinstance(item, FormField):
            yield from _leaves(item.form)
        else:
            yield item


# --- reading what was posted -------------------------------------------------------------------

_NUMERIC_FIELDS = (IntegerField, DecimalField, FloatField, DateField, DateTimeField)
_NUMERIC_INPUT_MODES = frozenset({"numeric", "decimal", "tel"})
_ROW_NUMBER = re.compile(r"-\d+(?=-|$)")


class AwdaForm(FlaskForm):
    """The base of every form of the app: what is posted is read through `app.core.text`
    before any field sees it (a test fails on a form that does not derive from this).

    - Every value is cleaned (`clean`); a text area keeps its line breaks.
    - Numbers, dates and codes (fields of a numeric type, with a numeric `inputmode`, or marked
      `digits = True`) have their digits in ASCII, so `٤٥` is 45 and `١٢٣٤٥٦` a login code.
    - Passwords are left exactly as typed.
    - A file part is kept only for a file field: posted in place of text, it is read as nothing.
    - A list of rows (`BoundedFieldList`) refuses more rows than it may hold instead of keeping
      the first ones without a word.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            formdata = super().wrap_formdata(form, formdata)
            if formdata is None or not hasattr(formdata, "getlist"):
                return formdata
            return _read_posted(form, formdata)

        def bind_field(self, form, unbound_field, options):
            return _with_our_messages(super().bind_field(form, unbound_field, options))


class RowForm(Form):
    """A form nested in an `AwdaForm` (a row of a list): what is posted is read by the outer
    form; its messages are translated like the outer form's."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations

        def bind_field(self, form, unbound_field, options):
            return _with_our_messages(super().bind_field(form, unbound_field, options))


# WTForms' Arabic catalog has no plural forms for its length messages: they came out in English
# beside Arabic fields. These are the app's own, in its catalog.
_LENGTH_MESSAGES = {
    (False, True): _l("Use at most %(max)d characters."),
    (True, False): _l("Use at least %(min)d characters."),
    (True, True): _l("Use between %(min)d and %(max)d characters."),
}


def _with_our_messages(field: Field) -> Field:
    for validator in field.validators:
        if isinstance(validator, Length) and validator.message is None:
            bounds = (validator.min != -1, validator.max != -1)
            validator.message = _LENGTH_MESSAGES[bounds]
    return field


def _read_posted(form, formdata) -> MultiDict:
    readers = _readers(form)
    read = MultiDict()
    for key in formdata:
        reader = readers.get(_ROW_NUMBER.sub("-#", key), _clean_line)
        for value in formdata.getlist(key):
            value = reader(value)
            if value is not None:
                read.add(key, value)
    return read


def _clean_line(value):
    return clean(value) if isinstance(value, str) else None


def _readers(form) -> dict[str, object]:
    """Field name (rows as `#`) -> how its posted values are read."""
    return {name: _reader(field_class, options) for name, field_class, options in _declared(form)}


def _reader(field_class: type, options: dict):
    if issubclass(field_class, (FileField, MultipleFileField)):
        return lambda value: value
    if issubclass(field_class, PasswordField):
        return lambda value: value if isinstance(value, str) else None
    if issubclass(field_class, TextAreaField):
        return lambda value: clean(value, multiline=True) if isinstance(value, str) else None
    mode = (options.get("render_kw") or {}).get("inputmode")
    if (
        issubclass(field_class, _NUMERIC_FIELDS)
        or getattr(field_class, "digits", False)
        or mode in _NUMERIC_INPUT_MODES
    ):
        return lambda value: clean_code(value) if isinstance(value, str) else None
    return _clean_line


def _declared(form) -> Iterator[tuple[str, type, dict]]:
    """(full name, field class, options) of every field of a bound form, rows and nested forms
    included; a row's number is `#`."""
    for field in form:
        yield from _declared_field(field.name, type(field), field)


def _declared_field(name: str, field_class: type, source) -> Iterator[tuple[str, type, dict]]:
    options = _options(source)
    if issubclass(field_class, FieldList):
        row = source.unbound_field if isinstance(source, Field) else source.args[0]
        yield from _declared_field(f"{name}-#", row.field_class, row)
    elif issubclass(field_class, FormField):
        form_class = source.form_class if isinstance(source, Field) else source.args[0]
        separator = options.get("separator", "-")
        for attr in dir(form_class):
            unbound = getattr(form_class, attr)
            if isinstance(unbound, UnboundField):
                yield from _declared_field(f"{name}{separator}{attr}", unbound.field_class, unbound)
    else:
        yield name, field_class, options


def _options(source) -> dict:
    if isinstance(source, UnboundField):
        return dict(source.kwargs)
    return {"render_kw": getattr(source, "render_kw", None)}


class WholeNumberField(IntegerField):
    """A whole number typed in a text box with a numeric keyboard: a browser's number input
    silently empties what it cannot read (Arabic-Indic digits among them)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, not_a_number=None, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.not_a_number = not_a_number or _l("Enter a whole number, such as 45.")

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0]:
            # At most nine digits: a longer one is no age or count, and would overflow checks.
            self.data = whole_number(valuelist[0])
            if self.data is None:
                raise ValueError(self.not_a_number)

    def pre_validate(self, form):
        if self.process_errors:  # one message: what was typed is not a number
            raise StopValidation()


class CodeField(StringField):
    """A code, identifier or number kept as text (camp ID, phone, login code): digits in ASCII."""

    digits = True


class BoundedFieldList(FieldList):
    """Rows of a form, refused beyond `max_entries` with a message above the form (WTForms
    itself keeps the first `max_entries` rows and drops the rest without a word)."""

    too_many = False

    def __init__(self, unbound_field, *args, too_many_message=None, **kwargs):
        super().__init__(unbound_field, *args, **kwargs)
        self.too_many_message = too_many_message or _l(
            "At most %(count)d rows can be saved here; nothing was saved."
        )

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data if data is not None else unset_value, extra_filters)
        posted = set(self._extract_indices(self.name, formdata)) if formdata else set()
        self.too_many = bool(self.max_entries) and len(posted) > self.max_entries

    def validate(self, form, extra_validators=()):
        valid = super().validate(form, extra_validators)
        if self.too_many:
            form.form_errors.append(str(self.too_many_message) % {"count": self.max_entries})
            return False
        return valid
