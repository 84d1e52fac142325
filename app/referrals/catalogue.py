"""The services each agency offers and what each may receive: kept by administrators."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import services as audit
from app.core.validation import ErrorCollector
from app.extensions import db
from app.reference.models import Agency
from app.referrals.models import AgencyService
from app.referrals.vocab import SERVICES

# Groups a service may be allowed to receive with the identity (never vetting).
RECEIVABLE = ("contact", "documents", "vulnerabilities", "protection")


def save_service(
    service: AgencyService | None, agency_id: int | None, code: str, groups: list[str], active: bool
) -> AgencyService:
    errors = ErrorCollector()
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None:
        errors.add("agency_id", _l("Choose an agency."))
    if code not in SERVICES:
        errors.add("service", _l("Choose a service from the list."))
    if set(groups) - set(RECEIVABLE):
        errors.add("groups", _l("Vetting data is never sent with a referral."))
    if agency is not None and code in SERVICES and _taken(agency.id, code, service):
        errors.add("service", _l("This agency already offers this service."))
    errors.raise_if_any()
    before = _values(service) if service else None
    service = service or AgencyService()
    service.agency_id = agency.id  # type: ignore[union-attr]
    service.service = code
    service.allowed_groups = ",".join(["identity", *sorted(set(groups))])
    service.active = active
    db.session.add(service)
    db.session.flush()
    audit.record(
        "reference.agency_service." + ("update" if before else "create"),
        target=f"agency_service:{service.id}",
        change=True,
        before=before,
        after=_values(service),
    )
    return service


def _taken(agency_id: int, code: str, service: AgencyService | None) -> bool:
    found = db.session.scalar(
        sa.select(AgencyService.id).where(
            AgencyService.agency_id == agency_id, AgencyService.service == code
        )
    )
    return found is not None and (service is None or found != service.id)


def _values(service: AgencyService) -> dict:
    return {
        "agency_id": service.agency_id,
        "service": service.service,
        "allowed_groups": service.allowed_groups,
        "active": service.active,
    }
