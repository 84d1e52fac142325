"""Between the household form and the service's input, in both directions."""

from __future__ import annotations

from app.core.dates import local_today
from app.core.text import whole_number
from app.registry.forms import HouseholdForm, MemberForm
from app.registry.models import Household, Member
from app.registry.services import HOUSEHOLD_FIELDS, NAME_FIELDS, HouseholdInput, MemberInput


def member_input(row: MemberForm) -> MemberInput:
    return MemberInput(
        id=whole_number(row.id.data),
        **{name: getattr(row, name).data for name in NAME_FIELDS},
        sex=row.sex.data or "",
        relationship=row.relationship.data or "",
        birth_date=row.birth_date.data,
        estimated_age=row.estimated_age.data,
        nationality_evidence=row.nationality_evidence.data or None,
        documents=list(row.documents.data or []),
        needs=list(row.needs.data or []),
        notes=row.notes.data,
    )


def household_input(form: HouseholdForm) -> HouseholdInput:
    values = {name: getattr(form, name).data for name in HOUSEHOLD_FIELDS}
    return HouseholdInput(
        **values,
        assigned_to_id=form.assigned_to_id.data if "assigned_to_id" in form else None,
        members=[member_input(entry.form) for entry in form.members.entries],
    )


def member_values(member: Member) -> dict:
    estimated = member.birth_date_estimated
    return {
        "id": str(member.id),
        **{name: getattr(member, name) for name in NAME_FIELDS},
        "sex": member.sex,
        "relationship": member.relationship,
        "birth_date": None if estimated else member.birth_date,
        "estimated_age": member.age_on(local_today()) if estimated else None,
        "nationality_evidence": member.nationality_evidence or "",
        "documents": member.document_codes,
        "needs": member.need_codes,
        "notes": member.notes,
    }


def form_values(household: Household) -> dict:
    return {
        **{name: getattr(household, name) for name in HOUSEHOLD_FIELDS},
        "version": str(household.version),
        "members": [member_values(m) for m in household.members],
    }
