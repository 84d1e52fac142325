"""Synthetic households, written with bulk inserts so that benchmarks can ask for 250,000."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import get_timezone

from app.access.roles import Role
from app.auth.models import User
from app.core.db import utcnow
from app.core.validation import ValidationFailed
from app.demo.names import FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN, NameEntry
from app.extensions import db
from app.history.models import CaseEvent
from app.identity import linkage
from app.identity.blocking import blocking_keys
from app.identity.identifiers import identifier_key
from app.identity.models import IdentityKey
from app.identity.person import BirthDate, Precision, age_between, years_before
from app.reference.models import Camp, District, Governorate, ReturnBatch
from app.registry.models import Household, Member, MemberDocument, MemberNeed, full_name
from app.registry.services import NAME_FIELDS, allocate_case_numbers, compose_search_text

CHUNK = 2000
# Registrations spread over the last nine months, more of them recent; each step of a journey a
# few days to three weeks after the one before, so that the dashboards show trends and stuck cases.
SPREAD_DAYS = 270
STEP_DAYS = (2.0, 21.0)
# Where returnees come from, roughly: most from Ninewa, Anbar and Salah al-Din.
ORIGIN_WEIGHTS = {"IQ-NI": 35, "IQ-AN": 25, "IQ-SD": 20, "IQ-KI": 8, "IQ-DI": 7, "IQ-BG": 5}


@dataclass
class Pools:
    caseworkers: list[User]
    camps: list[Camp]
    batches: list[ReturnBatch]
    governorates: list[Governorate]
    weights: list[int]
    districts: dict[int, list[int]]


def _pools() -> Pools:
    caseworkers = list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.CASEWORKER, User.team_id.is_not(None))
            .order_by(User.id)
        )
    )
    governorates = list(
        db.session.scalars(
            sa.select(Governorate)
            .where(Governorate.iso_code.in_(ORIGIN_WEIGHTS))
            .order_by(Governorate.id)
        )
    )
    districts: dict[int, list[int]] = {}
    for district in db.session.scalars(sa.select(District)):
        districts.setdefault(district.governorate_id, []).append(district.id)
    governorates = [g for g in governorates if g.id in districts]
    return Pools(
        caseworkers=caseworkers,
        camps=list(db.session.scalars(sa.select(Camp).where(~Camp.is_centre).order_by(Camp.id))),
        batches=list(db.session.scalars(sa.select(ReturnBatch).order_by(ReturnBatch.id))),
        governorates=governorates,
        weights=[ORIGIN_WEIGHTS[g.iso_code] for g in governorates],
        districts=districts,
    )


CHAIN = ("given", "father", "grandfather", "family")


class _Person:
    """Picks names: Arabic as written, and one of its usual Latin spellings."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def name(self, pool: tuple[NameEntry, ...]) -> tuple[str, str]:
        arabic, latin = self.rng.choice(pool)
        return arabic, self.rng.choice(latin)


def _member(rng, names, given, father, grandfather, family, sex, age, relationship, today):
    # A baby of the year is born by today, not later in it: the form refuses a future birth.
    birth = min(date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)), today)
    precision, estimated_on = rng.choices(("day", "year", "age"), (6, 2, 2))[0], None
    if precision == "year":
        birth = date(birth.year, 1, 1)
    elif precision == "age":
        estimated_on = today
        birth = years_before(today, age_between(birth, today))
    return {
        "given_name_ar": given[0],
        "father_name_ar": father[0],
        "grandfather_name_ar": grandfather[0],
        "family_name_ar": family[0],
        "given_name_en": given[1],
        "father_name_en": father[1],
        "grandfather_name_en": grandfather[1],
        "family_name_en": family[1],
        "sex": sex,
        "birth_date": birth,
        "birth_precision": precision,
        "birth_estimated_on": estimated_on,
        "mother_name_ar": None,
        "mother_name_en": None,
        "relationship": relationship,
        "nationality_evidence": rng.choice(
            ("civil_id", "nationality_certificate", "none", "parent_documents", "witness_statement")
        ),
    }


def _family(rng: random.Random, today: date) -> list[tuple[dict, list[str], list[str]]]:
    """A household as al-Hol returnees' households usually are: a mother and her children."""
    person = _Person(rng)
    husband, husbands_father = person.name(MALE_GIVEN), person.name(MALE_GIVEN)
    husbands_family = person.name(FAMILY_NAMES)
    head_age = rng.randint(19, 58)
    head = _member(
        rng,
        person,
        person.name(FEMALE_GIVEN),
        person.name(MALE_GIVEN),
        person.name(MALE_GIVEN),
        person.name(FAMILY_NAMES),
        "F",
        head_age,
        "head",
        today,
    )
    members = [(head, _head_documents(rng), ["WR-FH"] + (["WR-WD"] if rng.random() < 0.3 else []))]
    for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4, 5, 6))):
        sex = rng.choice("FM")
        age = rng.randint(0, max(0, min(head_age - 15, 20)))
        given = person.name(MALE_GIVEN if sex == "M" else FEMALE_GIVEN)
        child = _member(
            rng,
            person,
            given,
            husband,
            husbands_father,
            husbands_family,
            sex,
            age,
            "son" if sex == "M" else "daughter",
            today,
        )
        child["mother_name_ar"] = full_name(*(head[f"{part}_name_ar"] for part in CHAIN))
        child["mother_name_en"] = full_name(*(head[f"{part}_name_en"] for part in CHAIN))
        members.append((child, _child_documents(rng), _child_needs(rng, sex, age)))
    if rng.random() < 0.12:
        grandmother = _member(
            rng,
            person,
            person.name(FEMALE_GIVEN),
            person.name(MALE_GIVEN),
            person.name(MALE_GIVEN),
            husbands_family,
            "F",
            rng.randint(55, 80),
            "in_law",
            today,
        )
        members.append((grandmother, ["civil_id"], ["ER-OP"] if rng.random() < 0.5 else []))
    return members


# Share of demo households that are a family already registered, listed again by another hand:
# the possible duplicates that the queue shows (app.identity).
LISTED_AGAIN = 0.03
_HAMZA_AND_TAA = str.maketrans({"أ": "ا", "إ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و"})


def _listed_again(rng: random.Random, family: list) -> list:
    """The same people as `family`, written as another list would: hamza and taa marbuta
    dropped, the grandfather left out, a year of birth only."""
    again = []
    for member, documents, needs in family:
        copy = dict(member)
        for name in NAME_FIELDS:
            if name.endswith("_ar") and copy[name]:
                copy[name] = copy[name].translate(_HAMZA_AND_TAA)
        if rng.random() < 0.5:
            copy["grandfather_name_ar"] = copy["grandfather_name_en"] = None
        if rng.random() < 0.5 and copy["birth_precision"] == "day":
            copy["birth_date"], copy["birth_precision"] = (
                date(copy["birth_date"].year, 1, 1),
                "year",
            )
        again.append((copy, documents, needs))
    return again


def _head_documents(rng: random.Random) -> list[str]:
    docs = [
        d
        for d, p in (
            ("civil_id", 0.5),
            ("nationality_certificate", 0.3),
            ("marriage_certificate", 0.2),
            ("isis_issued", 0.15),
        )
        if rng.random() < p
    ]
    return docs


def _child_documents(rng: random.Random) -> list[str]:
    if rng.random() < 0.4:
        return ["birth_certificate"]
    return ["isis_issued"] if rng.random() < 0.2 else []


def _child_needs(rng: random.Random, sex: str, age: int) -> list[str]:
    needs = []
    if rng.random() < 0.2:
        needs.append("DC-NB")
    if sex == "M" and age >= 12 and rng.random() < 0.05:
        needs.append("CR-AF")
    if rng.random() < 0.03:
        needs.append("SM-CC")
    return needs


def _next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def generate_households(count: int, seed: int) -> int:
    """Create `count` households spread over the demo caseworkers; returns how many."""
    pools = _pools()
    if not pools.caseworkers or count <= 0:
        return 0
    if not pools.governorates:
        raise ValidationFailed(
            {None: ["The database has no governorates with districts: run `flask db upgrade`."]}
        )
    rng = random.Random(seed)
    now = utcnow()
    registered = sorted(
        now - timedelta(days=rng.triangular(0.5, SPREAD_DAYS, 0.5)) for _ in range(count)
    )
    numbers = _case_numbers(registered)
    household_id, member_id = _next_id(Household), _next_id(Member)
    for start in range(0, count, CHUNK):
        cases = list(zip(numbers, registered, strict=True))[start : start + CHUNK]
        rows = _chunk(rng, pools, cases, household_id, member_id, now)
        household_id += len(rows.households)
        member_id += len(rows.members)
        rows.write()
    _move_sequences_on()
    return count


@dataclass
class _Rows:
    households: list[dict]
    members: list[dict]
    documents: list[dict]
    needs: list[dict]
    events: list[dict]
    keys: list[dict] = field(default_factory=list)

    def link(self, member: dict) -> None:
        """The member's folded name, digest and blocking keys, as registration keeps them."""
        birth = BirthDate(
            member["birth_date"], Precision(member["birth_precision"]), member["birth_estimated_on"]
        )
        record = linkage.record_of_values("", "", SimpleNamespace(**member), birth, {})
        member["name_folded"] = linkage.folded_name(record)
        member["identity_digest"] = linkage.digest(record)
        self.keys += [{"key": k, "member_id": member["id"]} for k in blocking_keys(record)]

    def write(self) -> None:
        for model, rows in (
            (Household, self.households),
            (Member, self.members),
            (IdentityKey, self.keys),
            (MemberDocument, self.documents),
            (MemberNeed, self.needs),
            (CaseEvent, self.events),
        ):
            if rows:
                db.session.execute(sa.insert(model.__table__), rows)


def _case_numbers(registered: list[datetime]) -> list[str]:
    """Case numbers in the order of registration, each of its year on the centre's calendar."""
    years = [moment.astimezone(get_timezone()).year for moment in registered]
    numbers: list[str] = []
    for year in sorted(set(years)):
        numbers += allocate_case_numbers(year, years.count(year))
    return numbers


def _chunk(rng, pools: Pools, cases, household_id: int, member_id: int, now: datetime) -> _Rows:
    rows = _Rows([], [], [], [], [])
    today = date.today()
    earlier: list = []
    for offset, (case_number, registered) in enumerate(cases):
        hid = household_id + offset
        if earlier and rng.random() < LISTED_AGAIN:
            family = _listed_again(rng, rng.choice(earlier))
        else:
            family = _family(rng, today)
            earlier.append(family)
        for position, (member, documents, needs) in enumerate(family):
            rows.members.append(
                {
                    **member,
                    "id": member_id,
                    "household_id": hid,
                    "position": position,
                    "notes": None,
                }
            )
            rows.link(rows.members[-1])
            rows.documents.extend({"member_id": member_id, "kind": d} for d in documents)
            rows.needs.extend({"member_id": member_id, "code": c} for c in needs)
            member_id += 1
        household = _household_row(rng, pools, hid, case_number, family, registered)
        rows.households.append(household)
        rows.events.extend(_journey(rng, household, registered, now))
    return rows


# The first stages of the journey, and how many demo households stop at each: enough to
# show a batch arriving, a screener's list and the stage counts, with no decision made for them.
ROAD = ("registered", "transfer_list", "in_transit", "arrived", "vetting")
ROAD_WEIGHTS = (15, 10, 15, 25, 35)


def _journey(rng, household: dict, registered: datetime, now: datetime) -> list[dict]:
    """Place the household along the road, with a history entry for every step taken, each
    some days after the one before and none after `now`."""
    stop = rng.choices(range(len(ROAD)), weights=ROAD_WEIGHTS)[0]
    moments = _steps(rng, registered, now, stop)
    household["stage"] = ROAD[stop]
    household["stage_changed_at"] = household["updated_at"] = moments[-1]
    actor = household["assigned_to_id"]
    events = [_event(household["id"], actor, registered, "registered", None, ROAD[0])]
    events += [
        _event(household["id"], actor, moments[i + 1], "stage_changed", ROAD[i], ROAD[i + 1])
        for i in range(stop)
    ]
    return events


def _steps(rng, registered: datetime, now: datetime, count: int) -> list[datetime]:
    """The registration and `count` later moments; gaps shrunk to fit when it was recent."""
    gaps = [rng.uniform(*STEP_DAYS) for _ in range(count)]
    room = (now - registered).total_seconds() / 86400
    shrink = min(1.0, 0.95 * room / sum(gaps)) if gaps else 1.0
    moments = [registered]
    for gap in gaps:
        moments.append(moments[-1] + timedelta(days=gap * shrink))
    return moments


def _event(household_id: int, actor_id: int, at, kind: str, source, target) -> dict:
    return {
        "household_id": household_id,
        "member_id": None,
        "actor_id": actor_id,
        "at": at,
        "kind": kind,
        "from_stage": source,
        "to_stage": target,
        "reason": None,
        "detail": {},
    }


def _household_row(rng, pools: Pools, hid: int, case_number: str, family, registered) -> dict:
    caseworker = pools.caseworkers[hid % len(pools.caseworkers)]
    camp = pools.camps[0] if rng.random() < 0.9 or len(pools.camps) == 1 else pools.camps[1]
    governorate = rng.choices(pools.governorates, weights=pools.weights)[0]
    district = rng.choice(pools.districts[governorate.id])
    phone = f"+9647{rng.randint(500000000, 999999999)}" if rng.random() < 0.6 else None
    camp_ref = f"{camp.code[:3]}-{hid:07d}"
    names = (member[name] for member, _, _ in family for name in NAME_FIELDS)
    return {
        "id": hid,
        "case_number": case_number,
        "camp_id": camp.id,
        "camp_ref": camp_ref,
        "camp_ref_key": identifier_key(camp_ref),
        "batch_id": rng.choice(pools.batches).id if pools.batches else None,
        "shelter": f"Block {rng.choice('ABCDEFGH')}, tent {rng.randint(1, 400)}",
        "origin_governorate_id": governorate.id,
        "origin_district_id": district,
        "destination_governorate_id": governorate.id,
        "destination_district_id": district,
        "phone": phone,
        "notes": None,
        "team_id": caseworker.team_id,
        "assigned_to_id": caseworker.id,
        "created_by_id": caseworker.id,
        "updated_by_id": caseworker.id,
        "stage_changed_at": registered,  # until the journey moves it on
        "version": 1,
        "created_at": registered,
        "updated_at": registered,
        "search_text": compose_search_text(case_number, camp_ref, phone, names),
    }


def _move_sequences_on() -> None:
    """Explicit ids were inserted; PostgreSQL's sequences must continue after them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("households", "members"):
        db.session.execute(
            sa.text(
                f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        )
