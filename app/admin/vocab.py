"""Coded values of the reference tables, with translatable labels. Codes are stored; labels are
shown."""

from flask_babel import lazy_gettext as _l

COUNTRIES = {"SY": _l("Syria"), "IQ": _l("Iraq")}

AGENCY_KINDS = {
    "government": _l("Government"),
    "un": _l("United Nations"),
    "ngo": _l("Non-governmental organisation"),
    "commission": _l("Commission"),
    "security": _l("Security body"),
    "judiciary": _l("Court or judiciary"),
}
# Bodies data is disclosed to (with a supervisor's approval and an agreement reference), rather
# than referred to with the family's consent.
DISCLOSURE_AGENCY_KINDS = frozenset({"security", "judiciary"})

ACTIVE_FILTERS = {"yes": _l("Active"), "no": _l("Inactive")}
