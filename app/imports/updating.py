"""A list imported again: a household it created before is updated from what the list says,
and keeps what the list does not carry (English names, needs, documents held, notes, members the
list leaves out). A list never deletes a person."""

from __future__ import annotations

import dataclasses

from app.identity.names import fold
from app.registry.mapping import stored_household_input
from app.registry.models import Household
from app.registry.services import HouseholdInput, MemberInput

# What a list row says about a person, overwriting what is stored when the row says it.
_LISTED_FIELDS = (
    "given_name_ar",
    "father_name_ar",
    "grandfather_name_ar",
    "family_name_ar",
    "mother_name_ar",
    "sex",
    "relationship",
    "notes",
)
_BIRTH_FIELDS = ("birth_date", "birth_year", "birth_month", "estimated_age")


def updated_input(household: Household, listed: HouseholdInput) -> HouseholdInput:
    """The household as stored, with what `listed` (read from the list) says laid over it.
    A listed person is the stored member with the same given and father's name (folded), or
    a new member; stored members the list does not name are kept as they are."""
    stored = stored_household_input(household)
    unmatched = list(stored.members)
    members = []
    for person in listed.members:
        match = _same_person(person, unmatched)
        if match is not None:
            unmatched.remove(match)
        members.append(_laid_over(match, person) if match else person)
    return dataclasses.replace(
        stored,
        camp_id=listed.camp_id,
        camp_ref=listed.camp_ref,
        batch_id=listed.batch_id or stored.batch_id,
        origin_governorate_id=listed.origin_governorate_id,
        phone=listed.phone or stored.phone,
        members=members + unmatched,
    )


def _name(member: MemberInput) -> tuple[str, str]:
    return fold(member.given_name_ar or ""), fold(member.father_name_ar or "")


def _same_person(person: MemberInput, stored: list[MemberInput]) -> MemberInput | None:
    return next((m for m in stored if _name(m) == _name(person)), None)


def _laid_over(stored: MemberInput, listed: MemberInput) -> MemberInput:
    changes = {name: getattr(listed, name) for name in _LISTED_FIELDS if getattr(listed, name)}
    if any(getattr(listed, name) for name in _BIRTH_FIELDS):
        changes.update({name: getattr(listed, name) for name in _BIRTH_FIELDS})
    return dataclasses.replace(
        stored, **changes, identifiers={**stored.identifiers, **listed.identifiers}
    )
