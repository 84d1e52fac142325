"""Coded values of the reference tables, with translatable labels. Codes are stored; labels are
shown."""

from flask_babel import lazy_gettext as _l

COUNTRIES = {"SY": _l("Syria"), "IQ": _l("Iraq")}

AGENCY_KINDS = {
    "government": _l("Government"),
    "un": _l("United Nations"),
    "ngo": _l("Non-governmental organisation"),
    "commission": _l("Commission"),
}

ACTIVE_FILTERS = {"yes": _l("Active"), "no": _l("Inactive")}
