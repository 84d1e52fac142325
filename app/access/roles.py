"""Roles a user can hold."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    CASEWORKER = "caseworker"
    SCREENER = "screener"
    AGENCY_FOCAL = "agency_focal"
    REPORTING_OFFICER = "reporting_officer"
    AUDITOR = "auditor"
    # Judges possible duplicates across teams and agencies, seeing only the persons' identity.
    RECORDS_OFFICER = "records_officer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.CASEWORKER: _l("Caseworker"),
    Role.SCREENER: _l("Security screener"),
    Role.AGENCY_FOCAL: _l("Agency focal point"),
    Role.REPORTING_OFFICER: _l("Reporting officer"),
    Role.AUDITOR: _l("Auditor"),
    Role.RECORDS_OFFICER: _l("Records officer"),
}

# Roles an administrator may hold besides their own, for case access (separation of duties: never
# auditor, whose work includes watching what administrators do).
SECOND_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.SCREENER})
