"""Between the household form and the service's input, in both directions."""

from __future__ import annotations

from app.core.dates import local_today
from app.core.text import whole_number
from app.identity.person import Precision
from app.registry import vocab
from app.registry.forms import HouseholdForm, MemberForm, identifier_field
from app.registry.models import Household, Member
from app.registry.services import (
    HOUSEHOLD_FIELDS,
    NAME_FIELDS,
    OTHER_NAME_FIELDS,
    HouseholdInput,
    MemberInput,
)


def member_input(row: MemberForm) -> MemberInput:
    numbers = {kind: getattr(row, identifier_field(kind)).data for kind in vocab.IDENTIFIER_KINDS}
    return MemberInput(
        id=whole_number(row.id.data),
        **{name: getattr(row, name).data for name in NAME_FIELDS + OTHER_NAME_FIELDS},
        sex=row.sex.data or "",
        relationship=row.relationship.data or "",
        birth_date=row.birth_date.data,
        birth_year=row.birth_year.data,
        birth_month=whole_number(row.birth_month.data),
        estimated_age=row.estimated_age.data,
        identifiers={kind: number for kind, number in numbers.items() if number},
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


def _birth_values(member: Member) -> dict:
    precision = Precision(member.birth_precision)
    year_known = precision in (Precision.YEAR, Precision.MONTH)
    return {
        "birth_date": member.birth_date if precision is Precision.DAY else None,
        "birth_year": member.birth_date.year if year_known else None,
        "birth_month": str(member.birth_date.month) if precision is Precision.MONTH else "",
        "estimated_age": member.age_on(local_today()) if precision is Precision.AGE else None,
    }


def member_values(member: Member) -> dict:
    numbers = member.identifier_numbers
    return {
        "id": str(member.id),
        **{name: getattr(member, name) for name in NAME_FIELDS + OTHER_NAME_FIELDS},
        **{identifier_field(kind): numbers.get(kind) for kind in vocab.IDENTIFIER_KINDS},
        "sex": member.sex,
        "relationship": member.relationship,
        **_birth_values(member),
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


def stored_member_input(member: Member) -> MemberInput:
    """A member as stored, as the service's input: an edit that changes only some fields
    (a re-imported list) starts from it."""
    birth = _birth_values(member)
    return MemberInput(
        id=member.id,
        **{name: getattr(member, name) for name in NAME_FIELDS + OTHER_NAME_FIELDS},
        sex=member.sex,
        relationship=member.relationship,
        birth_date=birth["birth_date"],
        birth_year=birth["birth_year"],
        birth_month=whole_number(birth["birth_month"]),
        estimated_age=birth["estimated_age"],
        identifiers=dict(member.identifier_numbers),
        nationality_evidence=member.nationality_evidence,
        documents=list(member.document_codes),
        needs=list(member.need_codes),
        notes=member.notes,
    )


def stored_household_input(household: Household) -> HouseholdInput:
    """A household as stored, as the service's input (see `stored_member_input`)."""
    return HouseholdInput(
        **{name: getattr(household, name) for name in HOUSEHOLD_FIELDS},
        members=[stored_member_input(m) for m in household.members],
    )
