"""The household form, with its member rows.

The form checks formats (required, lengths, dates, numbers); the registry service checks the rules
that need the database or several fields (unique camp ID, district within governorate, one head).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import (
    AwdaForm,
    BoundedFieldList,
    CodeField,
    MultiCheckboxField,
    RowForm,
    WholeNumberField,
    choices,
    optional_int,
)
from app.registry import vocab
from app.registry.services import BIRTH_YEAR_MESSAGE

MAX_MEMBERS = 40


def _name(
    label: str, required: bool = False, script: str = "en", max_length: int = 80
) -> StringField:
    validators = [DataRequired(_l("This name is required."))] if required else [Optional()]
    # Arabic names are typed right to left whatever the page's language.
    direction = {"dir": "rtl", "lang": "ar"} if script == "ar" else {"dir": "auto"}
    return StringField(
        label,
        validators=[*validators, Length(max=max_length)],
        render_kw={**direction, "autocomplete": "off", "spellcheck": "false"},
    )


class MemberForm(RowForm):
    id = HiddenField()
    given_name_ar = _name(_l("Given name (Arabic)"), required=True, script="ar")
    father_name_ar = _name(_l("Father's name (Arabic)"), required=True, script="ar")
    grandfather_name_ar = _name(_l("Grandfather's name (Arabic)"), script="ar")
    family_name_ar = _name(_l("Family or tribe (Arabic)"), script="ar")
    given_name_en = _name(_l("Given name (Latin letters)"))
    father_name_en = _name(_l("Father's name (Latin letters)"))
    grandfather_name_en = _name(_l("Grandfather's name (Latin letters)"))
    family_name_en = _name(_l("Family or tribe (Latin letters)"))
    mother_name_ar = _name(_l("Mother's full name (Arabic)"), script="ar", max_length=160)
    mother_name_en = _name(_l("Mother's full name (Latin letters)"), max_length=160)
    known_as = _name(_l("Known as (such as Abu Ali)"))
    sex = SelectField(
        _l("Sex"),
        choices=choices(vocab.SEXES, blank=""),
        validators=[DataRequired(_l("Choose the sex."))],
    )
    birth_date = DateField(
        _l("Date of birth"),
        validators=[Optional()],
        render_kw={"max": "2100-12-31"},
    )
    birth_year = WholeNumberField(
        _l("Or year of birth"),
        validators=[Optional(), NumberRange(1900, 2100, BIRTH_YEAR_MESSAGE)],
        not_a_number=BIRTH_YEAR_MESSAGE,
    )
    birth_month = SelectField(
        _l("Month of birth, if known"), choices=choices(vocab.BIRTH_MONTHS, blank=""), default=""
    )
    estimated_age = WholeNumberField(
        _l("Or estimated age in years"),
        validators=[Optional(), NumberRange(0, 120, _l("Enter an age from 0 to 120."))],
    )
    relationship = SelectField(
        _l("Relationship to the head"),
        choices=choices(vocab.RELATIONSHIPS, blank=""),
        validators=[DataRequired(_l("Choose the relationship."))],
    )
    nationality_evidence = SelectField(
        _l("Nationality evidence"),
        choices=choices(vocab.NATIONALITY_EVIDENCE, blank=""),
        default="",  # optional: a row posted without it is valid
    )
    documents = MultiCheckboxField(_l("Documents held"), choices=choices(vocab.DOCUMENTS))
    needs = MultiCheckboxField(_l("Specific needs"), choices=choices(vocab.SPECIFIC_NEEDS))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are lazy strings; choices are rebuilt per request so they follow the language.
        self.sex.choices = choices(vocab.SEXES, blank="")
        self.relationship.choices = choices(vocab.RELATIONSHIPS, blank="")
        self.nationality_evidence.choices = choices(vocab.NATIONALITY_EVIDENCE, blank="")
        self.documents.choices = choices(vocab.DOCUMENTS)
        self.needs.choices = choices(vocab.SPECIFIC_NEEDS)
        self.birth_month.choices = choices(vocab.BIRTH_MONTHS, blank="")

    def number_fields(self) -> list:
        """The row's document-number fields, in the order of vocab.IDENTIFIER_KINDS."""
        return [self[identifier_field(kind)] for kind in vocab.IDENTIFIER_KINDS]


def identifier_field(kind: str) -> str:
    """The member row's field holding the number of an identifying document `kind`."""
    return f"number_{kind}"


for _kind, _label in vocab.IDENTIFIER_KINDS.items():
    setattr(
        MemberForm,
        identifier_field(_kind),
        CodeField(
            _label,
            validators=[Optional(), Length(max=40)],
            render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"},
        ),
    )


class HouseholdForm(AwdaForm):
    version = HiddenField()
    # The record the page was opened on (`conflicts.base_of`): a refused save says what changed.
    base = HiddenField()
    camp_id = SelectField(
        _l("Camp of origin"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose the camp of origin."))],
    )
    camp_ref = CodeField(
        _l("Camp household ID"),
        validators=[DataRequired(_l("Enter the household's ID in the camp.")), Length(max=40)],
    )
    batch_id = SelectField(_l("Return batch"), coerce=optional_int, validators=[Optional()])
    shelter = StringField(_l("Shelter at the centre"), validators=[Optional(), Length(max=100)])
    origin_governorate_id = SelectField(
        _l("Governorate of origin"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose the governorate of origin."))],
    )
    origin_district_id = SelectField(
        _l("District of origin"), coerce=optional_int, validators=[Optional()]
    )
    destination_governorate_id = SelectField(
        _l("Intended destination: governorate"), coerce=optional_int, validators=[Optional()]
    )
    destination_district_id = SelectField(
        _l("Intended destination: district"), coerce=optional_int, validators=[Optional()]
    )
    phone = CodeField(
        _l("Phone"),
        validators=[Optional(), Length(max=30)],
        render_kw={"inputmode": "tel", "autocomplete": "off", "dir": "ltr"},
    )
    assigned_to_id = SelectField(_l("Caseworker"), coerce=optional_int, validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    members = BoundedFieldList(
        FormField(MemberForm),
        min_entries=1,
        max_entries=MAX_MEMBERS,
        too_many_message=_l(
            "A household can have at most %(count)d members; nothing was saved. Register a "
            "larger family as two households."
        ),
    )


def blank_member_row() -> MemberForm:
    """An unbound member row; the page's script copies it when a row is added."""
    return MemberForm(prefix="members-__index__-")
