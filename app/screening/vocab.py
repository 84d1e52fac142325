"""Coded vocabularies of vetting and the assessments, with translatable labels.

Codes are stored in the assessments' data; labels are shown.
"""

from flask_babel import lazy_gettext as _l

from app.registry.vocab import DOCUMENTS

VETTING_OUTCOMES = {
    "cleared": _l("Cleared"),
    "hold": _l("On hold"),
    "judiciary": _l("Referred to the judiciary"),
}

DECIDING_BODIES = {
    "nss": _l("National Security Service"),
    "moi": _l("Ministry of Interior"),
    "judiciary": _l("Judiciary"),
    "joint_committee": _l("Joint security committee"),
}

RISK_LEVELS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}

PROTECTION_SERVICES = {
    "legal_aid": _l("Legal aid"),
    "psychosocial": _l("Psychosocial support"),
    "health": _l("Health"),
    "education": _l("Education"),
    "livelihoods": _l("Livelihoods"),
    "child_protection": _l("Child protection"),
    "shelter": _l("Shelter"),
    "civil_documentation": _l("Civil documentation"),
}

# Documents issued by ISIS are not obtained but replaced, so they have no row of their own.
ASSESSED_DOCUMENTS = {code: label for code, label in DOCUMENTS.items() if code != "isis_issued"}

DOCUMENT_STATUSES = {
    "held": _l("Held"),
    "missing": _l("Missing, not applied"),
    "applied": _l("Applied"),
    "in_progress": _l("In progress"),
    "issued": _l("Issued"),
    "refused": _l("Refused"),
}

# Flags and referral needs only: Awda is not a medical record.
PSYCHOSOCIAL_FLAGS = {
    "distress": _l("Signs of distress"),
    "trauma": _l("Trauma exposure"),
    "substance_use": _l("Substance use"),
    "self_harm": _l("Self-harm risk"),
    "chronic_illness": _l("Chronic illness"),
    "disability": _l("Disability"),
    "pregnancy": _l("Pregnancy"),
    "malnutrition": _l("Malnutrition"),
}

REFERRAL_NEEDS = {
    "psychosocial": _l("Psychosocial support"),
    "mental_health": _l("Specialised mental health care"),
    "medical": _l("Medical care"),
    "nutrition": _l("Nutrition"),
    "disability": _l("Disability support"),
}

COMMITTEE_DECISIONS = {
    "pending": _l("Pending"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
}
