"""From a partner's JSON to the registry's own input (`registry.services.HouseholdInput`),
and from the registry's refusals back to the JSON's field paths.

Registering and changing go through `register_household` and `update_household`, the services
of the household form, so every rule of the form holds for the API too. A change starts from
the household as stored (`registry.mapping.stored_household_input`): fields not sent are kept,
members not named are kept, and a member named by id has only the values sent replaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort

from app.core.attempt import Attempt
from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity import services as duplicates
from app.reference.codes import Place, district_coded, governorate_coded, places_by_code
from app.reference.models import Camp
from app.registry.mapping import stored_household_input
from app.registry.models import Household
from app.registry.services import (
    HouseholdInput,
    MemberInput,
    StaleEdit,
    register_household,
    update_household,
)

# JSON name -> HouseholdInput attribute. A camp is named by its code; a governorate or a
# district as the importer reads them (`app.reference.codes`).
PLACES = {
    "camp": "camp_id",
    "origin_governorate": "origin_governorate_id",
    "origin_district": "origin_district_id",
    "destination_governorate": "destination_governorate_id",
    "destination_district": "destination_district_id",
}
PLAIN = ("camp_ref", "shelter", "phone", "notes")  # phone and shelter in `contact` too
BIRTH = ("birth_date", "birth_year", "birth_month", "estimated_age")
MEMBER_VALUES = {f.name for f in fields(MemberInput)} - {"id"}
# The form's field names in the service's messages: "members-2-number_civil_id".
_MEMBER_KEY = re.compile(r"members-(\d+)-(.+)")


ALREADY_REGISTERED = _l(
    "These persons may already be registered. Check them; if they are other people, send "
    "again with their ids in duplicates_seen."
)


class Refused(Exception):
    """The request's values were refused; `errors` as the problem details' `errors.json`."""

    def __init__(self, errors: dict):
        super().__init__("refused")
        self.errors = errors


def new_household_input(data: dict) -> HouseholdInput:
    """The input of a new household from the `NewHousehold` JSON. Raises Refused (unknown
    codes)."""
    places, errors = _place_ids(data)
    if errors:
        raise Refused(errors)
    members = [MemberInput(**_member_values(m)) for m in data["members"]]
    return HouseholdInput(members=members, **places, **{**dict.fromkeys(PLAIN), **_plain(data)})


def register(data: dict) -> Household:
    """A household registered in the caller's team from the `NewHousehold` JSON. Raises
    Refused (its paths those of the JSON sent)."""
    try:
        return register_household(new_household_input(data), current_user)
    except ValidationFailed as refused:
        raise Refused(json_errors(refused, contact=_in_contact(data))) from None


def changed_household_input(household: Household, data: dict) -> tuple[HouseholdInput, list]:
    """The input of `household` changed by the `HouseholdChange` JSON, and where each member
    came from (the key of its row in the request's `members`, or `"id:<id>"` for a member
    kept as it was). Raises Refused (unknown codes or member ids)."""
    stored = stored_household_input(household)
    places, errors = _place_ids(data)
    changed = replace(stored, **places, **_plain(data))
    members, origins = _changed_members(stored.members, data, errors)
    if errors:
        raise Refused(errors)
    return replace(changed, members=members), origins


def _plain(data: dict) -> dict[str, Any]:
    """The values of `PLAIN` that `data` sends, beside the others or in `contact`."""
    return {**{k: data[k] for k in PLAIN if k in data}, **(data.get("contact") or {})}


def _in_contact(data: dict) -> frozenset[str]:
    return frozenset(data.get("contact") or {})


def _place_ids(data: dict) -> tuple[dict[str, int | None], dict]:
    """Ids for the codes `data` names (a code sent as null or "" clears the place)."""
    ids: dict[str, int | None] = {}
    errors: dict[str, list[str]] = {}
    known: dict[str, Place] = {}
    for name, attribute in PLACES.items():
        if name not in data:
            continue
        code = (data[name] or "").strip()
        if code and name != "camp" and not known:
            known = places_by_code()  # read once, for the places sent
        found = _coded(name, code, known) if code else None
        if code and found is None:
            errors[name] = [str(_l("Awda knows no place or camp with this code."))]
        ids[attribute] = found
    return ids, errors


def _coded(name: str, code: str, known: dict[str, Place]) -> int | None:
    """The id of the camp, governorate or district that `code` names in the field `name`."""
    if name == "camp":
        return db.session.scalar(sa.select(Camp.id).where(Camp.code == code))
    if name.endswith("_governorate"):
        return governorate_coded(code, known)
    district = district_coded(code, known)
    return district.district_id if district else None


def _member_values(sent: dict) -> dict[str, Any]:
    values = {k: v for k, v in sent.items() if k in MEMBER_VALUES}
    values["identifiers"] = {k: v for k, v in (values.get("identifiers") or {}).items() if v}
    for listed in ("documents", "needs"):
        values[listed] = list(values.get(listed) or [])
    return values


def _changed_members(
    stored: list[MemberInput], data: dict, errors: dict
) -> tuple[list[MemberInput], list]:
    removed = set(data.get("remove_members") or [])
    by_id = {m.id: m for m in stored}
    unknown = removed - set(by_id)
    if unknown:
        errors["remove_members"] = [str(_l("This household has no member with this id."))]
    sent = {m["id"]: (index, m) for index, m in enumerate(data.get("members") or []) if "id" in m}
    members, origins = [], []
    for member in stored:
        if member.id in removed:
            continue
        index, change = sent.pop(member.id, (None, None))
        members.append(_changed_member(member, change) if change else member)
        origins.append(str(index) if change else f"id:{member.id}")
    for index, _member in sent.values():
        errors.setdefault("members", {})[str(index)] = {
            "id": [str(_l("This household has no member with this id."))]
        }
    for index, new in enumerate(data.get("members") or []):
        if "id" not in new:
            members.append(MemberInput(**_new_member_values(new)))
            origins.append(str(index))
    return members, origins


def _new_member_values(sent: dict) -> dict[str, Any]:
    """A member added in a change has the same required values as in a new household (the
    service tells which are missing)."""
    values = _member_values(sent)
    for required in ("given_name_ar", "father_name_ar", "sex", "relationship"):
        values.setdefault(required, "")
    return values


def _changed_member(stored: MemberInput, change: dict) -> MemberInput:
    values = _member_values(change)
    if any(name in change for name in BIRTH):  # a birth given one way replaces the other ways
        values = {**dict.fromkeys(BIRTH), **values}
    if "identifiers" not in change:
        values.pop("identifiers")
    for listed in ("documents", "needs"):
        if listed not in change:
            values.pop(listed)
    return replace(stored, **values)


def json_errors(
    refused: ValidationFailed, origins: list | None = None, contact: frozenset[str] = frozenset()
) -> dict:
    """The service's messages (keyed by the form's field names) at the JSON's paths:
    {"camp": [...], "members": {"0": {"birth_date": [...]}}, "_schema": [...]}. `origins`
    gives the request's key of each member (by default, its position); `contact` the values
    sent in `contact` (told there: {"contact": {"phone": [...]}})."""
    errors: dict[str, Any] = {}
    for key, messages in refused.errors.items():
        found = _MEMBER_KEY.fullmatch(key or "")
        if key in contact:
            errors.setdefault("contact", {}).setdefault(key, []).extend(messages)
        elif found:
            position, name = int(found.group(1)), found.group(2)
            row = origins[position] if origins else str(position)
            target = errors.setdefault("members", {}).setdefault(row, {})
            target.setdefault(_member_field(name), []).extend(messages)
        else:
            errors.setdefault(_household_field(key), []).extend(messages)
    return errors


def _member_field(name: str) -> str:
    return f"identifiers.{name.removeprefix('number_')}" if name.startswith("number_") else name


def _household_field(key: str | None) -> str:
    if key is None:
        return "_schema"
    by_attribute = {attribute: name for name, attribute in PLACES.items()}
    return by_attribute.get(key, key)


def saved(write: Callable[[], Household], seen: list[int], digests: dict | None = None):
    """Run `write` (a register or an update) in a savepoint and keep it, or take it back and
    answer with problem details: 422 for refused values, 409 (with `duplicates`) when members
    whose identity is new or changed (`digests`: member id -> digest before) may already be
    registered as persons the caller may open and whose ids `seen` does not hold, 409 too when
    someone saved the household meanwhile."""
    seen_ids = set(seen)
    attempt = Attempt()
    try:
        household = write()
        findings = duplicates.unseen_duplicates(household, digests or {}, seen_ids, current_user)
    except Refused as refused:
        attempt.rollback()
        abort(422, message=None, errors={"json": refused.errors})
    except ValidationFailed as refused:
        attempt.rollback()
        abort(422, message=None, errors={"json": json_errors(refused)})
    except StaleEdit:
        attempt.rollback()
        abort(412, message=str(_l("Someone changed this household since: read it again.")))
    unseen = [
        {
            "member": f.position,
            "candidate_id": c.member.id,
            "case_number": c.member.household.case_number,
            "probability": round(c.score.probability, 3),
        }
        for f in findings
        for c in f.candidates
        if c.member.id not in seen_ids
    ]
    if unseen:
        attempt.rollback()
        abort(409, message=str(ALREADY_REGISTERED), extensions={"duplicates": unseen})
    attempt.commit()
    return household


def update(household: Household, sent: dict) -> Household:
    """`household` changed by the `HouseholdChange` JSON `sent`, at the version read (left as
    it is when `sent` changes nothing). Raises Refused, StaleEdit."""
    data, origins = changed_household_input(household, sent)
    if data == stored_household_input(household):
        return household  # nothing changes: no write, no new version, nothing in the history
    try:
        return update_household(household, data, household.version, current_user)
    except ValidationFailed as refused:
        raise Refused(json_errors(refused, origins, _in_contact(sent))) from None
