"""The forms of vetting and the assessments.

The forms check formats (required, lengths, dates, choices); the service checks every value
again against the kind's rules (app.screening.rules), plus the rules across fields. Field names
are the keys of the stored data and of the service's errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    Field,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import DataRequired, Length, Optional

from app.core.formatting import labelled, listing
from app.core.forms import AwdaForm, MultiCheckboxField, RowForm, choices
from app.core.text import whole_number
from app.registry.vocab import SPECIFIC_NEEDS
from app.screening import vocab
from app.screening.rules import local_today

# A field's coded vocabulary and the label of its blank option (None: no blank option).
Vocabularies = Mapping[str, tuple[Mapping[str, object], object | None]]


class PastDateField(DateField):
    """A date that cannot be in the future: the browser's date picker stops at today too."""

    def __init__(self, label=None, validators=None, **kwargs):
        # Fields are built with each form, so "today" is the day of the request.
        super().__init__(label, validators, render_kw={"max": local_today().isoformat()}, **kwargs)


def _fill_choices(form: Form) -> None:
    """Options are built per request, so that their labels follow the reader's language."""
    for name, (vocabulary, blank) in form.vocabularies.items():
        form[name].choices = choices(vocabulary, blank=None if blank is None else str(blank))


def _text(label: object, max_length: int, rows: int | None = None) -> Field:
    validators = [Optional(), Length(max=max_length)]
    if rows is None:
        return StringField(label, validators=validators, render_kw={"dir": "auto"})
    return TextAreaField(label, validators=validators, render_kw={"dir": "auto", "rows": rows})


class AssessmentForm(AwdaForm):
    # The version the form was opened at: a save made from an older one is refused (409).
    based_on = HiddenField()
    vocabularies: ClassVar[Vocabularies] = {}
    hints: ClassVar[Mapping[str, object]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _fill_choices(self)

    def values(self) -> dict[str, Any]:
        """What the service is given: every field but the CSRF token and the version."""
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "based_on")
        }

    def based_on_version(self) -> int:
        value = self.based_on.data or ""
        return whole_number(value, -1)


class VettingForm(AssessmentForm):
    vocabularies: ClassVar[Vocabularies] = {
        "outcome": (vocab.VETTING_OUTCOMES, ""),
        "deciding_body": (vocab.DECIDING_BODIES, ""),
    }

    outcome = SelectField(_l("Outcome"), validators=[DataRequired(_l("Choose the outcome."))])
    decision_date = PastDateField(
        _l("Date of the decision"), validators=[DataRequired(_l("Enter the date of the decision."))]
    )
    deciding_body = SelectField(
        _l("Deciding body"), validators=[DataRequired(_l("Choose the deciding body."))]
    )
    reference = _text(_l("Reference"), 60)
    notes = _text(_l("Notes"), 2000, rows=4)


class ProtectionForm(AssessmentForm):
    vocabularies: ClassVar[Vocabularies] = {
        "specific_needs": (SPECIFIC_NEEDS, None),
        "risk_level": (vocab.RISK_LEVELS, ""),
        "recommended_services": (vocab.PROTECTION_SERVICES, None),
    }

    specific_needs = MultiCheckboxField(_l("Specific needs"))
    risk_level = SelectField(
        _l("Risk level"), validators=[DataRequired(_l("Choose the risk level."))]
    )
    needs = _text(_l("Needs"), 2000, rows=4)
    recommended_services = MultiCheckboxField(_l("Recommended services"))


class DocumentRow(RowForm):
    vocabularies: ClassVar[Vocabularies] = {
        "status": (vocab.DOCUMENT_STATUSES, _l("Not assessed")),
    }

    status = SelectField(_l("Status"), default="")
    blocker = _text(_l("What blocks it"), 200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _fill_choices(self)


# One row per document kind, always all of them: a fixed grid, not rows to add and remove.
DocumentGrid = type(
    "DocumentGrid",
    (RowForm,),
    {code: FormField(DocumentRow, label) for code, label in vocab.ASSESSED_DOCUMENTS.items()},
)


class DocumentationForm(AssessmentForm):
    documents = FormField(DocumentGrid, _l("Documents"))


class PsychosocialForm(AssessmentForm):
    vocabularies: ClassVar[Vocabularies] = {
        "flags": (vocab.PSYCHOSOCIAL_FLAGS, None),
        "referral_needs": (vocab.REFERRAL_NEEDS, None),
    }
    hints: ClassVar[Mapping[str, object]] = {
        "note": _l("Flags and referral needs only: no diagnosis, treatment or medical history."),
    }

    flags = MultiCheckboxField(_l("Flags"))
    referral_needs = MultiCheckboxField(_l("Referral needs"))
    note = _text(_l("Short note"), 500, rows=3)


class AcceptanceForm(AssessmentForm):
    vocabularies: ClassVar[Vocabularies] = {
        "committee_decision": (vocab.COMMITTEE_DECISIONS, ""),
    }

    mukhtar_letter = BooleanField(_l("The mukhtar's letter has been received"))
    letter_date = PastDateField(_l("Date of the letter"), validators=[Optional()])
    committee_decision = SelectField(
        _l("Committee decision"),
        validators=[DataRequired(_l("Choose the committee's decision."))],
    )
    committee_date = PastDateField(_l("Date of the committee's decision"), validators=[Optional()])
    destination_confirmed = BooleanField(_l("The destination is confirmed"))
    concerns = _text(_l("Concerns raised"), 2000, rows=4)


# --- errors and display -------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One stored value as a reader sees it; a grid's rows are shown as parts."""

    label: str
    text: str
    parts: tuple[Shown, ...] = ()


def describe(form: Form) -> list[Shown]:
    """A filled form's values in words, for the list of versions."""
    # The CSRF token is a hidden field too.
    return [_shown(item) for item in form if not isinstance(item, HiddenField)]


def _shown(item: Field) -> Shown:
    if isinstance(item, FormField):
        return Shown(str(item.label.text), "", tuple(_shown(sub) for sub in item))
    return Shown(str(item.label.text), _value_text(item))


def _value_text(item: Field) -> str:
    if isinstance(item, BooleanField):
        return _("Yes") if item.data else _("No")
    if isinstance(item, SelectFieldBase):
        labels = {choice.value: choice.label for choice in item.choices}
        picked = item.data if isinstance(item.data, list) else [item.data]
        return listing(labelled((code for code in picked if code), labels)) or "—"
    if isinstance(item, DateField):
        return format_date(item.data, "medium") if item.data else "—"
    return item.data or "—"
