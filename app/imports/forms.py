"""Forms of the intake of transfer lists: the upload with the list's choices, the mapping of
its columns, and the buttons that commit, cancel or resume."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FileField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import AwdaForm, optional_int, options
from app.imports.headers import FIELD_NAMES
from app.imports.reading import ENCODINGS
from app.registry import choices

# Each field a column can hold, as the mapping page names it.
FIELD_LABELS = {
    "household_ref": _l("Household (family or tent number)"),
    "serial": _l("Serial number (not imported)"),
    "person_ref": _l("Person's number in the list (not imported)"),
    "full_name": _l("Full name (given, father, grandfather, family)"),
    "name_en": _l("Name in Latin letters (not imported)"),
    "given_name": _l("Given name"),
    "father_name": _l("Father's name"),
    "grandfather_name": _l("Grandfather's name"),
    "family_name": _l("Family or tribe name"),
    "mother_name": _l("Mother's name"),
    "birth": _l("Date or year of birth"),
    "age": _l("Age in years"),
    "sex": _l("Sex"),
    "relationship": _l("Relationship to the head of household"),
    "camp_ref": _l("Household ID in the camp"),
    "governorate": _l("Governorate of origin"),
    "civil_id": _l("Civil ID number"),
    "unified_id": _l("Unified ID card number"),
    "nationality_certificate": _l("Nationality certificate number"),
    "passport": _l("Passport number"),
    "phone": _l("Phone"),
    "notes": _l("Notes"),
}
assert set(FIELD_LABELS) == set(FIELD_NAMES), "every field a header can name has a label"


ENCODING_LABELS = {
    "utf-8": _l("UTF-8"),
    "utf-8-sig": _l("UTF-8 with a byte-order mark"),
    "utf-16": _l("UTF-16 (Excel's Unicode text)"),
    "utf-16-le": _l("UTF-16, little-endian"),
    "utf-16-be": _l("UTF-16, big-endian"),
    "windows-1256": _l("Windows-1256 (Arabic Windows)"),
    "iso-8859-6": _l("ISO-8859-6 (Arabic)"),
    "windows-1252": _l("Windows-1252 (Western Windows)"),
}


class UploadForm(AwdaForm):
    list_file = FileField(_l("The list (XLSX, XLS, ODS or CSV)"))
    source = StringField(
        _l("Where the list comes from"),
        validators=[DataRequired(_l("Say where the list comes from.")), Length(max=120)],
        render_kw={"list": "import-sources", "autocomplete": "off"},
        description=_l(
            "For example al-Hol camp administration. A list from the same source maps its "
            "columns as the last one did, and importing it again updates what it created."
        ),
    )
    camp_id = SelectField(
        _l("Camp the people come from"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose the camp the people come from."))],
    )
    batch_id = SelectField(
        _l("Return batch (convoy)"), coerce=optional_int, validators=[Optional()]
    )
    origin_governorate_id = SelectField(
        _l("Governorate of origin, for everyone"),
        coerce=optional_int,
        validators=[Optional()],
        description=_l("Only needed when the list has no governorate column."),
    )

    def fill(self) -> None:
        self.camp_id.choices = choices.camps()
        self.batch_id.choices = choices.batches()
        self.origin_governorate_id.choices = choices.governorates(str(_l("— from the list —")))


class MappingForm(AwdaForm):
    """One select per column (`column_0`, `column_1`, ... added by `mapping_form`)."""

    encoding = SelectField(_l("Text encoding of the file"), validators=[Optional()])
    save_template = BooleanField(_l("Remember this mapping for the next list of this source"))


def mapping_form(headers: list[str], mapping: dict[int, str], encoding: str | None, **kwargs):
    """A MappingForm with a select for each of `headers`, set to `mapping` unless posted."""

    class ColumnsForm(MappingForm):
        pass

    fields = options([(k, str(v)) for k, v in FIELD_LABELS.items()], str(_l("— not used —")))
    for index, header in enumerate(headers):
        label = header or str(_l("Column %(number)d", number=index + 1))
        setattr(ColumnsForm, f"column_{index}", SelectField(label, choices=fields, default=""))
    data = {f"column_{i}": field for i, field in mapping.items()}
    form = ColumnsForm(data={**data, "encoding": encoding or "", "save_template": True}, **kwargs)
    form.encoding.choices = options([(e, str(ENCODING_LABELS.get(e, e))) for e in ENCODINGS], "")
    form.headers = headers
    return form


def posted_mapping(form, headers: list[str]) -> dict[int, str]:
    """{column index: field} as the person set the selects."""
    chosen = {i: getattr(form, f"column_{i}").data for i in range(len(headers))}
    return {i: field for i, field in chosen.items() if field in FIELD_NAMES}


def mapping_is_whole(form, headers: list[str]) -> bool:
    """Each field chosen for one column at most, and a column for the household: otherwise
    the message goes beside the selects concerned (or above them) and False."""
    chosen: dict[str, list[int]] = {}
    for index in range(len(headers)):
        field = getattr(form, f"column_{index}").data
        if field:
            chosen.setdefault(field, []).append(index)
    for columns in chosen.values():
        for index in columns[1:]:
            getattr(form, f"column_{index}").errors = [
                str(_l("Another column already holds this. Choose one column for each field."))
            ]
    if "household_ref" not in chosen:
        form.form_errors.append(
            str(_l("Choose the column that says which household each person belongs to."))
        )
    return "household_ref" in chosen and all(len(c) == 1 for c in chosen.values())


class ConfirmForm(AwdaForm):
    """A button that does one thing to an import (commit, cancel, resume)."""
