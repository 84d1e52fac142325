"""Coded vocabularies of the registry, with translatable labels.

Codes are stored; labels are shown. Specific-needs codes follow UNHCR's list, plus needs that are
common among returnees from al-Hol.
"""

from flask_babel import lazy_gettext as _l

SEXES = {"F": _l("Female"), "M": _l("Male")}

RELATIONSHIPS = {
    "head": _l("Head of household"),
    "spouse": _l("Spouse"),
    "son": _l("Son"),
    "daughter": _l("Daughter"),
    "mother": _l("Mother"),
    "father": _l("Father"),
    "sibling": _l("Brother or sister"),
    "grandchild": _l("Grandchild"),
    "in_law": _l("In-law"),
    "other_relative": _l("Other relative"),
    "not_related": _l("Not related"),
}

NATIONALITY_EVIDENCE = {
    "civil_id": _l("Iraqi civil ID"),
    "nationality_certificate": _l("Nationality certificate"),
    "unified_id": _l("Unified ID card"),
    "parent_documents": _l("A parent's Iraqi documents"),
    "witness_statement": _l("Witness statement"),
    "none": _l("No evidence yet"),
}

DOCUMENTS = {
    "civil_id": _l("Civil ID"),
    "nationality_certificate": _l("Nationality certificate"),
    "unified_id": _l("Unified ID card"),
    "birth_certificate": _l("Birth certificate"),
    "marriage_certificate": _l("Marriage certificate"),
    "spouse_death_certificate": _l("Spouse's death certificate"),
    # Flagged: documents issued by ISIS are not recognised and need replacing.
    "isis_issued": _l("Document issued by ISIS"),
}

# Numbers of the documents that identify a person; record linkage compares them by their keys.
IDENTIFIER_KINDS = {
    "unified_id": _l("Unified ID card number"),
    "civil_id": _l("Civil ID number"),
    "nationality_certificate": _l("Nationality certificate number"),
    "passport": _l("Passport number"),
    "camp_person_id": _l("Personal camp ID"),
}

BIRTH_MONTHS = {
    str(number): label
    for number, label in enumerate(
        (
            _l("January"),
            _l("February"),
            _l("March"),
            _l("April"),
            _l("May"),
            _l("June"),
            _l("July"),
            _l("August"),
            _l("September"),
            _l("October"),
            _l("November"),
            _l("December"),
        ),
        start=1,
    )
}

SPECIFIC_NEEDS = {
    "SC-UC": _l("SC-UC Unaccompanied child"),
    "SC-SC": _l("SC-SC Separated child"),
    "CR-CH": _l("CR-CH Child-headed household"),
    "CR-AF": _l("CR-AF Child associated with armed forces or groups"),
    "CR-CS": _l("CR-CS Child spouse"),
    "CR-LO": _l("CR-LO Child labour"),
    "LP-AN": _l("LP-AN Abuse or neglect"),
    "SV-VA": _l("SV-VA Sexual violence risk"),
    "DS-PM": _l("DS-PM Physical disability"),
    "DS-MM": _l("DS-MM Mental disability"),
    "SM-CC": _l("SM-CC Serious medical condition"),
    "WR-FH": _l("Female-headed household"),
    "WR-WD": _l("Widow without a death certificate"),
    "DC-NB": _l("Child without a birth certificate"),
    "ER-OP": _l("Older person at risk"),
}

# Needs whose mere mention can endanger the person: part of the protection field group, read by
# the assigned caseworker and their supervisor only (app.access.policy.protection_audience).
PROTECTION_NEEDS = frozenset({"SV-VA", "CR-AF", "LP-AN", "CR-CS"})

# Where a member routed apart from the household is (None: with the household).
MEMBER_ROUTES = {
    "judiciary": _l("Referred to the judiciary"),
    "detention": _l("In detention"),
    "medical": _l("In hospital or medical care"),
    "separated": _l("Separated from the household"),
}
