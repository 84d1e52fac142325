"""Registering and editing households. Views, CLI commands and (later) the importer and the API
call these; they check the rules, flush, and leave the commit to the caller."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.exc import StaleDataError

from app.access.policy import Action, FieldGroup, can, visible_groups
from app.access.roles import Role
from app.auth.models import User
from app.core.dates import local_today
from app.core.db import utcnow
from app.core.validation import ErrorCollector, ValidationFailed
from app.extensions import db
from app.history.services import record
from app.identity import linkage
from app.identity import services as duplicates
from app.identity.identifiers import format_case_number, identifier_key
from app.reference.models import Camp, District, Governorate, ReturnBatch
from app.registry import vocab
from app.registry.models import (
    CaseCounter,
    Household,
    Member,
    MemberDocument,
    MemberIdentifier,
    MemberNeed,
)
from app.registry.phone import InvalidPhone, local_form, normalise_phone
from app.registry.search import search_text
from app.watchlist import screening

log = logging.getLogger(__name__)

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# One message for every wrong year of birth, from the form and from the service alike.
BIRTH_YEAR_MESSAGE = _l("Enter a year of birth from 1900 to this year, such as 1985.")
# The household's own fields, as the form and the service both name them.
HOUSEHOLD_FIELDS = (
    "camp_id",
    "camp_ref",
    "batch_id",
    "shelter",
    "origin_governorate_id",
    "origin_district_id",
    "destination_governorate_id",
    "destination_district_id",
    "phone",
    "notes",
)
NAME_FIELDS = (
    "given_name_ar",
    "father_name_ar",
    "grandfather_name_ar",
    "family_name_ar",
    "given_name_en",
    "father_name_en",
    "grandfather_name_en",
    "family_name_en",
)
# Names that identify the member without being part of their own chain of names.
OTHER_NAME_FIELDS = ("mother_name_ar", "mother_name_en", "known_as")


@dataclass
class MemberInput:
    given_name_ar: str
    father_name_ar: str
    sex: str
    relationship: str
    birth_date: date | None = None
    birth_year: int | None = None
    birth_month: int | None = None
    estimated_age: int | None = None
    grandfather_name_ar: str | None = None
    family_name_ar: str | None = None
    given_name_en: str | None = None
    father_name_en: str | None = None
    grandfather_name_en: str | None = None
    family_name_en: str | None = None
    mother_name_ar: str | None = None
    mother_name_en: str | None = None
    known_as: str | None = None
    # {kind: number} for the kinds of vocab.IDENTIFIER_KINDS; blank numbers are left out.
    identifiers: dict[str, str] = field(default_factory=dict)
    nationality_evidence: str | None = None
    documents: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    notes: str | None = None
    id: int | None = None


@dataclass
class HouseholdInput:
    camp_id: int
    camp_ref: str
    origin_governorate_id: int
    members: list[MemberInput]
    batch_id: int | None = None
    shelter: str | None = None
    origin_district_id: int | None = None
    destination_governorate_id: int | None = None
    destination_district_id: int | None = None
    phone: str | None = None
    notes: str | None = None
    assigned_to_id: int | None = None


class StaleEdit(Exception):
    """The household changed since the editor loaded it; their save was not applied.

    The caller rolls the session back and reloads the household to say who saved it, when.
    """

    def __init__(self, household_id: int):
        super().__init__(f"household {household_id} changed")
        self.household_id = household_id


# --- checks -------------------------------------------------------------------------------


def _check_place(
    errors: ErrorCollector, prefix: str, gov_id: int | None, district_id: int | None, required: bool
) -> None:
    governorate = db.session.get(Governorate, gov_id) if gov_id else None
    if (gov_id and governorate is None) or (required and not gov_id):
        errors.add(f"{prefix}_governorate_id", _l("Choose a governorate from the list."))
    if not district_id:
        return
    district = db.session.get(District, district_id)
    if district is None:
        errors.add(f"{prefix}_district_id", _l("Choose a district from the list."))
    elif not gov_id:
        # A district alone would show as no place on the page, and as the district elsewhere.
        errors.add(
            f"{prefix}_governorate_id",
            _l(
                "Choose the governorate of %(district)s, or clear the district too.",
                district=district.name,
            ),
        )
    elif governorate is not None and district.governorate_id != governorate.id:
        errors.add(
            f"{prefix}_district_id",
            _l(
                "%(district)s is not in %(governorate)s.",
                district=district.name,
                governorate=governorate.name,
            ),
        )


def _check_camp(
    errors: ErrorCollector, data: HouseholdInput, household: Household | None, actor: User
) -> None:
    camp = db.session.get(Camp, data.camp_id) if data.camp_id else None
    if camp is None:
        errors.add("camp_id", _l("Choose a camp from the list."))
        return
    key = identifier_key(data.camp_ref)
    if not key:
        errors.add("camp_ref", _l("Enter the household's ID in the camp."))
        return
    taken = sa.select(Household).where(Household.camp_id == camp.id, Household.camp_ref_key == key)
    if household is not None and household.id is not None:
        taken = taken.where(Household.id != household.id)
    other = db.session.scalar(taken)
    if other is not None:
        errors.add("camp_ref", _already_registered(other, actor))


def _already_registered(other: Household, actor: User) -> str:
    """Name the other case only to someone who may open it: its number is identity data."""
    if can(actor, Action.HOUSEHOLD_VIEW, other):
        return str(_l("This camp ID is already registered (%(case)s).", case=other.case_number))
    return str(
        _l(
            "This camp ID is already registered, in a household you cannot open. "
            "Ask your supervisor before registering it again."
        )
    )


def _check_member(errors: ErrorCollector, index: int, member: MemberInput, today: date) -> None:
    prefix = f"members-{index}-"
    if not (member.given_name_ar or "").strip():
        errors.add(prefix + "given_name_ar", _l("This name is required."))
    if not (member.father_name_ar or "").strip():
        errors.add(prefix + "father_name_ar", _l("This name is required."))
    if member.sex not in vocab.SEXES:
        errors.add(prefix + "sex", _l("Choose the sex."))
    if member.relationship not in vocab.RELATIONSHIPS:
        errors.add(prefix + "relationship", _l("Choose the relationship."))
    evidence = member.nationality_evidence
    if evidence and evidence not in vocab.NATIONALITY_EVIDENCE:
        errors.add(prefix + "nationality_evidence", _l("Choose from the list."))
    if set(member.documents) - set(vocab.DOCUMENTS):
        errors.add(prefix + "documents", _l("Unknown document type."))
    if set(member.needs) - set(vocab.SPECIFIC_NEEDS):
        errors.add(prefix + "needs", _l("Unknown specific-needs code."))
    _check_birth(errors, prefix, member, today)
    _check_identifiers(errors, prefix, member)


def _check_birth(errors: ErrorCollector, prefix: str, member: MemberInput, today: date) -> None:
    """One of three ways: a whole date, a year (with its month if known), or an age."""
    given = [
        name
        for name, value in (
            ("birth_date", member.birth_date),
            ("birth_year", member.birth_year),
            ("estimated_age", member.estimated_age),
        )
        if value is not None
    ]
    if member.birth_month is not None and member.birth_year is None:
        errors.add(prefix + "birth_year", _l("Enter the year of that month of birth."))
    elif not given:
        errors.add(
            prefix + "birth_date",
            _l("Enter a date of birth, a year of birth or an estimated age."),
        )
    elif len(given) > 1:
        errors.add(
            prefix + given[1],
            _l("Give only one of the date of birth, the year of birth or the estimated age."),
        )
    elif member.birth_date is not None:
        _check_birth_day(errors, prefix + "birth_date", member.birth_date, today)
    elif member.birth_year is not None:
        _check_birth_year(errors, prefix, member, today)
    elif not 0 <= member.estimated_age <= 120:  # type: ignore[operator]
        errors.add(prefix + "estimated_age", _l("Enter an age from 0 to 120."))


def _check_birth_day(errors: ErrorCollector, name: str, day: date, today: date) -> None:
    if day > today:
        errors.add(name, _l("The date of birth cannot be in the future."))
    elif day < EARLIEST_BIRTH_DATE:
        errors.add(name, _l("The date of birth cannot be before 1900."))


def _check_birth_year(
    errors: ErrorCollector, prefix: str, member: MemberInput, today: date
) -> None:
    year, month = member.birth_year, member.birth_month or 1
    if month not in range(1, 13):
        errors.add(prefix + "birth_month", _l("Choose the month from the list."))
    elif not EARLIEST_BIRTH_DATE.year <= year <= today.year:  # type: ignore[operator]
        errors.add(prefix + "birth_year", BIRTH_YEAR_MESSAGE)
    elif date(year, month, 1) > today:  # type: ignore[arg-type]
        errors.add(prefix + "birth_month", _l("The date of birth cannot be in the future."))


# A document number as documents print it: letters and digits, spaced or joined by - or /.
_DOCUMENT_NUMBER = re.compile(r"[^\W_]+(?:[ \-/][^\W_]+)*")


def _check_identifiers(errors: ErrorCollector, prefix: str, member: MemberInput) -> None:
    for kind, number in member.identifiers.items():
        name = prefix + f"number_{kind}"
        if kind not in vocab.IDENTIFIER_KINDS:
            errors.add(None, _l("Unknown document type."))
        elif not _DOCUMENT_NUMBER.fullmatch(number.strip()):
            errors.add(name, _l("Use only letters and digits, with spaces, dashes or slashes."))
        elif len(identifier_key(number)) < 3:
            errors.add(name, _l("Enter the whole number: at least three letters or digits."))


def _check_members(errors: ErrorCollector, members: list[MemberInput]) -> None:
    if not members:
        errors.add(None, _l("A household needs at least one member."))
        return
    today = local_today()
    for index, member in enumerate(members):
        _check_member(errors, index, member, today)
    heads = [i for i, m in enumerate(members) if m.relationship == "head"]
    if len(heads) != 1:
        errors.add(None, _l("Mark exactly one member as head of household."))


def _check_assignment(errors: ErrorCollector, data: HouseholdInput, actor: User) -> User | None:
    if data.assigned_to_id is None:
        return None
    caseworker = db.session.get(User, data.assigned_to_id)
    if (
        caseworker is None
        or not caseworker.has_role(Role.CASEWORKER)
        or not caseworker.active
        or caseworker.team_id != actor.team_id
    ):
        errors.add("assigned_to_id", _l("Choose a caseworker of your team."))
        return None
    return caseworker


def _checked_phone(errors: ErrorCollector, raw: str | None) -> str | None:
    try:
        return normalise_phone(raw)
    except InvalidPhone:
        errors.add("phone", _l("Enter a phone number such as 0770 123 4567 or +964 770 123 4567."))
        return None


def check_household(data: HouseholdInput, actor: User, household: Household | None = None) -> None:
    """Every rule a new household (or an edit of `household`) must meet, nothing written (the
    list importer's preview). Raises ValidationFailed keyed as the form's fields
    (`members-2-birth_date`)."""
    _check(data, actor, household)


def _check(data: HouseholdInput, actor: User, household: Household | None):
    errors = ErrorCollector()
    _check_camp(errors, data, household, actor)
    if data.batch_id and db.session.get(ReturnBatch, data.batch_id) is None:
        errors.add("batch_id", _l("Choose a batch from the list."))
    _check_place(errors, "origin", data.origin_governorate_id, data.origin_district_id, True)
    _check_place(
        errors, "destination", data.destination_governorate_id, data.destination_district_id, False
    )
    phone = _checked_phone(errors, data.phone)
    caseworker = _check_assignment(errors, data, actor)
    _check_members(errors, data.members)
    errors.raise_if_any()
    return phone, caseworker


# --- writing ------------------------------------------------------------------------------


def allocate_case_numbers(year: int, count: int = 1) -> list[str]:
    """Hand out `count` consecutive case numbers for `year`: ["AWD-2026-000301", ...].

    Safe under concurrent requests on both databases: one statement adds `count` to the year's
    counter (creating it at `count`) and returns the new last value. It takes the database's own
    write lock on the counter (the row on PostgreSQL, the file on SQLite) until the request
    commits, so a concurrent registration waits for it (see `app.core.locks`); a request that
    rolls back gives its numbers back with it. No number twice, no gap.
    """
    counters = CaseCounter.__table__
    upsert = (
        _insert_for_dialect(counters)
        .values(year=year, last_value=count)
        .on_conflict_do_update(
            index_elements=[counters.c.year],
            set_={"last_value": counters.c.last_value + count},
        )
        .returning(counters.c.last_value)
    )
    last = db.session.execute(upsert).scalar_one()
    prefix = current_app.config["CASE_NUMBER_PREFIX"]
    return [format_case_number(prefix, year, n) for n in range(last - count + 1, last + 1)]


def _insert_for_dialect(table: sa.Table):
    """INSERT with ON CONFLICT, which PostgreSQL and SQLite spell alike but SQLAlchemy builds
    per dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _apply_member(member: Member, data: MemberInput, position: int) -> None:
    for name in NAME_FIELDS + OTHER_NAME_FIELDS:
        value = (getattr(data, name) or "").strip() or None
        setattr(member, name, value)
    member.position = position
    member.sex = data.sex
    member.relationship = data.relationship
    member.nationality_evidence = data.nationality_evidence or None
    member.notes = (data.notes or "").strip() or None
    _apply_birth(member, data)
    _sync_identifiers(member, data.identifiers)
    _sync_codes(member.documents, data.documents, lambda code: MemberDocument(kind=code), "kind")
    _sync_codes(member.needs, data.needs, lambda code: MemberNeed(code=code), "code")


def _apply_birth(member: Member, data: MemberInput) -> None:
    """Store the birth date with its precision (see `Member.birth_date`), read as
    `linkage.birth_of_input` reads it. An unchanged estimate keeps the day it was made, so that
    the person's age goes on counting from it."""
    today = local_today()
    estimate_only = data.birth_date is None and data.birth_year is None
    if estimate_only and member.birth_is_estimate and member.age_on(today) == data.estimated_age:
        return
    birth = linkage.birth_of_input(
        data.birth_date, data.birth_year, data.birth_month, data.estimated_age, today
    )
    member.birth_date, member.birth_precision = birth.value, birth.precision.value  # type: ignore[union-attr]
    member.birth_estimated_on = birth.estimated_on  # type: ignore[union-attr]


def _sync_identifiers(member: Member, numbers: dict[str, str]) -> None:
    wanted = {kind: number.strip() for kind, number in numbers.items() if number.strip()}
    for row in [r for r in member.identifiers if r.kind not in wanted]:
        member.identifiers.remove(row)
    present = {r.kind: r for r in member.identifiers}
    for kind, number in wanted.items():
        if kind in present:
            present[kind].value = number
        else:
            member.identifiers.append(MemberIdentifier(kind=kind, value=number))


def _sync_codes(rows: list, wanted: list[str], make, attribute: str) -> None:
    wanted_set = set(wanted)
    for row in [r for r in rows if getattr(r, attribute) not in wanted_set]:
        rows.remove(row)
    present = {getattr(r, attribute) for r in rows}
    rows.extend(make(code) for code in wanted if code not in present)


def _apply_members(household: Household, members: list[MemberInput]) -> None:
    existing = {m.id: m for m in household.members if m.id is not None}
    kept: list[Member] = []
    for position, data in enumerate(members):
        member = existing.pop(data.id, None) if data.id else None
        member = member or Member()
        _apply_member(member, data, position)
        kept.append(member)
    household.members = kept  # members left out are deleted (delete-orphan)


def _apply(household: Household, data: HouseholdInput, phone: str | None) -> None:
    household.camp_id = data.camp_id
    household.camp_ref = data.camp_ref.strip()
    household.batch_id = data.batch_id
    household.shelter = (data.shelter or "").strip() or None
    household.origin_governorate_id = data.origin_governorate_id
    household.origin_district_id = data.origin_district_id
    household.destination_governorate_id = data.destination_governorate_id
    household.destination_district_id = data.destination_district_id
    household.phone = phone
    household.notes = (data.notes or "").strip() or None
    _apply_members(household, data.members)


# Fields whose values are never copied into the history or the audit trail (contact details and
# free text); that they changed is recorded, not what they hold.
RESTRICTED_FIELDS = frozenset({"phone", "shelter", "notes", "members"})


def snapshot(household: Household) -> dict:
    """The household's own fields as plain values, to say what an edit changed."""
    values = {name: getattr(household, name) for name in HOUSEHOLD_FIELDS}
    values["members"] = [
        (
            m.id,
            *(getattr(m, n) for n in NAME_FIELDS + OTHER_NAME_FIELDS),
            m.sex,
            str(m.birth_date),
            m.birth_precision,
            sorted(m.identifier_numbers.items()),
            m.relationship,
            m.nationality_evidence,
            sorted(m.document_codes),
            sorted(m.need_codes),
            m.notes,
        )
        for m in household.members
    ]
    return values


def compose_search_text(
    case_number: str,
    camp_ref: str,
    phone: str | None,
    names: Iterable[str | None],
    former: Iterable[str] = (),
) -> str:
    """What a household can be found by; the demo generator writes it the same way. `former`:
    numbers of households merged into it."""
    return search_text([case_number, camp_ref, phone, local_form(phone), *former], names)


def refresh_search_text(household: Household) -> None:
    """The household's search text, with the case numbers and camp IDs of the households merged
    into it (app.identity.merging), so that an old number on paper finds the kept case."""
    names = (getattr(m, name) for m in household.members for name in NAME_FIELDS)
    merged = []
    if household.id is not None:
        merged = db.session.execute(
            sa.select(Household.case_number, Household.camp_ref).where(
                Household.merged_into_id == household.id
            )
        ).all()
    former = [part for row in merged for part in row]
    household.search_text = compose_search_text(
        household.case_number, household.camp_ref, household.phone, names, former
    )


def _relink(household: Household, digests: dict[int, str | None], actor: User) -> None:
    """Keep the members' keys for record linkage; raise the possible duplicates of those whose
    identity is new or changed (`digests`: member id -> digest before the save) and have them
    screened against the watch lists. Within `relinking_together`, once for all the
    households saved in it."""
    waiting = g.get(_RELINK_LATER)
    if waiting is not None:
        waiting.append((household, digests))
        return
    linkage.refresh(household.members)
    changed = [m for m in household.members if digests.get(m.id) != m.identity_digest]
    duplicates.raise_pairs(changed, "registration", actor)
    screening.screen_on_commit(changed, "registration")


_RELINK_LATER = "registry_relink_later"


@contextmanager
def relinking_together(actor: User, source: str) -> Iterator[None]:
    """Households registered or updated inside are matched together when it ends: their
    members' keys refreshed in one pass, their candidates found in a few statements for all
    (`identity.services.find_candidates_together`), the pairs raised as `source` ("import").
    Persons saved together are also matched with each other: the same person twice in a list
    is found. Used by the list importer for each chunk; nothing is matched if the block
    raises (the caller rolls back)."""
    g.setdefault(_RELINK_LATER, [])
    try:
        yield
        # A household whose savepoint was rolled back is no longer in the session: skipped.
        saved = [(h, d) for h, d in g.pop(_RELINK_LATER) if sa.inspect(h).persistent]
        members = [m for household, _digests in saved for m in household.members]
        linkage.refresh(members)
        changed = [
            m
            for household, digests in saved
            for m in household.members
            if digests.get(m.id) != m.identity_digest
        ]
        duplicates.find_candidates_together(changed)
        duplicates.raise_pairs(changed, source, actor)
        duplicates.forget_candidates()
        screening.screen_on_commit(changed, source)
    finally:
        g.pop(_RELINK_LATER, None)


def register_household(data: HouseholdInput, actor: User, **context: object) -> Household:
    """Check and register a new household in the actor's team; `context` is recorded with
    it in the case history and the audit trail (`import_id` of the list it came from).
    Raises ValidationFailed."""
    phone, caseworker = _check(data, actor, None)
    if caseworker is None and actor.has_role(Role.CASEWORKER):
        caseworker = actor
    if actor.team_id is None:
        raise ValidationFailed({None: [str(_l("You need a team to register households."))]})
    household = Household(team_id=actor.team_id, created_by=actor, updated_by=actor)
    household.assigned_to = caseworker
    household.case_number = allocate_case_numbers(local_today().year)[0]
    _apply(household, data, phone)
    refresh_search_text(household)
    db.session.add(household)
    db.session.flush()
    _relink(household, {}, actor)
    record(household, "registered", actor, to_stage=household.stage, **context)
    log.info("%s registered household %s", actor.username, household.case_number)
    return household


def _keep_protection_needs(household: Household, data: HouseholdInput) -> None:
    """A user outside the protection audience neither sees nor changes those needs: any they
    post are dropped, and each member keeps the ones stored (a member id from another household
    matches nothing here, so it keeps nothing)."""
    stored = {
        m.id: [code for code in m.need_codes if code in vocab.PROTECTION_NEEDS]
        for m in household.members
    }
    for member in data.members:
        visible = [code for code in member.needs if code not in vocab.PROTECTION_NEEDS]
        member.needs = visible + stored.get(member.id, [])


def update_household(
    household: Household,
    data: HouseholdInput,
    expected_version: int,
    actor: User,
    **context: object,
) -> Household:
    """Check and apply an edit of `household` read at `expected_version`; `context` is
    recorded with it (see `register_household`). Raises StaleEdit, ValidationFailed."""
    household_id = household.id
    if household.version != expected_version:
        raise StaleEdit(household_id)
    # Reassignment is not an edit: it goes through caseload.services.assign, which records it.
    data.assigned_to_id = None
    if FieldGroup.PROTECTION not in visible_groups(actor, household):
        _keep_protection_needs(household, data)
    phone, _caseworker = _check(data, actor, household)
    before = snapshot(household)
    digests = {m.id: m.identity_digest for m in household.members}
    try:
        with db.session.no_autoflush:  # one UPDATE, checked against the version we read
            _apply(household, data, phone)
            refresh_search_text(household)
            # Touch the row even when only members changed, so its version moves on.
            household.updated_by = actor
            household.updated_at = utcnow()
        db.session.flush()
    except StaleDataError:
        # Someone saved between our read and our write; the database refused the older version.
        raise StaleEdit(household_id) from None
    _relink(household, digests, actor)
    changed = {k: [before[k], v] for k, v in snapshot(household).items() if before.get(k) != v}
    record(
        household,
        "updated",
        actor,
        fields=sorted(changed),
        changes={k: v for k, v in changed.items() if k not in RESTRICTED_FIELDS},
        **context,
    )
    log.info("%s updated household %s", actor.username, household.case_number)
    return household
