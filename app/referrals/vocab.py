"""Services agencies offer, urgencies and consent, with translatable labels."""

from flask_babel import lazy_gettext as _l

SERVICES = {
    "civil_documentation": _l("Civil documentation"),
    "legal_aid": _l("Legal aid"),
    "psychosocial": _l("Psychosocial support"),
    "health": _l("Health"),
    "education": _l("Education"),
    "livelihoods": _l("Livelihoods"),
    "child_protection": _l("Child protection"),
    "shelter": _l("Shelter"),
    "security_vetting": _l("Security vetting"),
}

URGENCIES = {
    "routine": _l("Routine"),
    "priority": _l("Priority"),
    "emergency": _l("Emergency"),
}

CONSENT_METHODS = {"verbal": _l("Verbal"), "written": _l("Written")}
