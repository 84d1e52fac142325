"""A household's file cut down to some field groups, as plain values.

What leaves the household's own team (a disclosure, and what a referral shares) is built here,
so that "the documents group" means the same thing everywhere. Identity is always part of it:
whoever receives data must know whom it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.access.policy import FieldGroup
from app.registry import vocab
from app.registry.models import Household, Member

IDENTITY, CONTACT, DOCUMENTS = FieldGroup.IDENTITY, FieldGroup.CONTACT, FieldGroup.DOCUMENTS
VULNERABILITIES, PROTECTION = FieldGroup.VULNERABILITIES, FieldGroup.PROTECTION


def extract(
    household: Household, groups: Iterable[FieldGroup | str], member: Member | None = None
) -> dict[str, Any]:
    """The household (or one member of it) as `groups` let it be seen."""
    wanted = {FieldGroup(g) for g in groups} | {IDENTITY}
    data: dict[str, Any] = {
        "case_number": household.case_number,
        "camp_ref": household.camp_ref,
        "groups": sorted(g.value for g in wanted),
        "members": [_member(m, wanted) for m in ([member] if member else household.members)],
    }
    if CONTACT in wanted:
        data["contact"] = {
            "phone": household.phone,
            "shelter": household.shelter,
            "destination": _place(household),
        }
    return data


def _member(member: Member, wanted: set[FieldGroup]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": member.id,
        "name_ar": member.name_ar,
        "name_en": member.name_en,
        "sex": member.sex,
        "birth_date": member.birth_date.isoformat(),
        "birth_precision": member.birth_precision,
        "relationship": member.relationship,
    }
    if DOCUMENTS in wanted:
        values["documents"] = sorted(member.document_codes)
    if VULNERABILITIES in wanted:
        values["needs"] = sorted(c for c in member.need_codes if c not in vocab.PROTECTION_NEEDS)
    if PROTECTION in wanted:
        values["protection_needs"] = sorted(
            c for c in member.need_codes if c in vocab.PROTECTION_NEEDS
        )
    return values


def _place(household: Household) -> dict[str, str] | None:
    """Both languages: a snapshot is read later, in either."""
    parts = [household.destination_governorate, household.destination_district]
    named = [p for p in parts if p is not None]
    if not named:
        return None
    return {
        "en": " · ".join(p.name_en for p in named),
        "ar": " · ".join(p.name_ar for p in named),
    }
