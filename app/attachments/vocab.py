"""Kinds of attachment, with the field group each belongs to unless the uploader chooses
another they may see."""

from flask_babel import lazy_gettext as _l

from app.access import FieldGroup

KINDS = {
    "civil_id": _l("Civil ID or unified ID card"),
    "nationality_certificate": _l("Nationality certificate"),
    "birth_certificate": _l("Birth certificate"),
    "marriage_certificate": _l("Marriage certificate"),
    "death_certificate": _l("Death certificate"),
    "court_document": _l("Court or legal document"),
    "consent_form": _l("Signed consent form"),
    "photo": _l("Photo of the person"),
    "other": _l("Other document"),
}

DEFAULT_GROUPS = {
    "photo": FieldGroup.IDENTITY,
    "consent_form": FieldGroup.IDENTITY,
    "court_document": FieldGroup.PROTECTION,
}  # every other kind: FieldGroup.DOCUMENTS

GROUP_LABELS = {
    FieldGroup.IDENTITY: _l("Identity"),
    FieldGroup.DOCUMENTS: _l("Documents"),
    FieldGroup.VULNERABILITIES: _l("Specific needs and assessments"),
    FieldGroup.PROTECTION: _l("Protection (assigned caseworker and supervisor only)"),
}


def default_group(kind: str) -> FieldGroup:
    return DEFAULT_GROUPS.get(kind, FieldGroup.DOCUMENTS)
