"""Record linkage against the register: a member as a `PersonRecord`, their blocking keys and
digest kept in the database, and the candidates for a person found and scored.

Candidates come from the blocking keys (`app.identity.blocking`), stored one row per key in
`identity_keys` and looked up through its index on both databases. On PostgreSQL the trigram
index on the folded names adds the persons whose names are close by trigrams (typos the keys
miss). Every candidate is then scored (`app.identity.scoring`); only proposed pairs are kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.identity.blocking import blocking_keys
from app.identity.identifiers import identifier_key
from app.identity.models import IdentityKey
from app.identity.names import fold
from app.identity.person import BirthDate, NamePart, PersonRecord, Precision, years_before
from app.identity.scoring import Score, score
from app.registry.models import Household, Member, MemberIdentifier

# Candidates read per person at most: a key shared by more persons than this is too common to
# tell anyone apart, and reading them all would make one registration slow at a million.
CANDIDATE_LIMIT = 200
# Trigram similarity (0..1) of the folded full names for the PostgreSQL pass (pg_trgm).
TRIGRAM_THRESHOLD = 0.6
TRIGRAM_LIMIT = 50
# The trigram pass is the net for records with few blocking keys (no birth date, no mother's
# name: one slip then leaves no key in common). Its cost grows with how common the name's
# trigrams are, 40-100 ms at a million persons (bench/identity_db.py), where the keys take a
# few: a record with this many keys or more is found by them alone.
TRIGRAM_BELOW_KEYS = 4


def person_record(member: Member) -> PersonRecord:
    """`member` as the matcher reads it; its group is its household."""
    return _record(
        f"m{member.id}",
        f"h{member.household_id}" if member.household_id else "",
        member,
        member.birth,
        {(i.kind, i.key) for i in member.identifiers if i.key},
    )


def record_of_values(
    key: str, group: str, values, birth: BirthDate | None, numbers: dict[str, str]
) -> PersonRecord:
    """A person not yet saved (a form's member row, a list's row): `values` has the name
    attributes of `Member`; `numbers` is {kind: number as typed}."""
    documents = {(kind, identifier_key(n)) for kind, n in numbers.items() if identifier_key(n)}
    return _record(key, group, values, birth, documents)


def _record(key: str, group: str, v, birth: BirthDate | None, documents) -> PersonRecord:
    def part(slot: str) -> NamePart:
        return NamePart(
            getattr(v, f"{slot}_name_ar", None) or "", getattr(v, f"{slot}_name_en", None) or ""
        )

    return PersonRecord(
        key=key,
        given=part("given"),
        father=part("father"),
        grandfather=part("grandfather"),
        family=part("family"),
        mother=part("mother"),
        known_as=getattr(v, "known_as", None) or "",
        sex=getattr(v, "sex", None) or "",
        birth=birth,
        documents=frozenset(documents),
        group=group,
    )


def record_of_input(member, key: str, group: str, today: date) -> PersonRecord:
    """A member row as the registry service receives it (`registry.services.MemberInput`)."""
    birth = birth_of_input(
        member.birth_date, member.birth_year, member.birth_month, member.estimated_age, today
    )
    return record_of_values(key, group, member, birth, member.identifiers)


def birth_of_input(
    day: date | None, year: int | None, month: int | None, age: int | None, today: date
) -> BirthDate | None:
    """The birth date a form or a list gives, with its precision; None when it gives none."""
    if day is not None:
        return BirthDate(day, Precision.DAY)
    if year is not None and 1 <= (month or 1) <= 12 and 1 <= year <= 9999:
        return BirthDate(date(year, month or 1, 1), Precision.MONTH if month else Precision.YEAR)
    if age is not None and 0 <= age <= 150:
        return BirthDate(years_before(today, age), Precision.AGE, today)
    return None


def digest(record: PersonRecord) -> str:
    """A short digest (40 hex) of everything the matcher reads of a person, folded: it changes
    when, and only when, their identity as the matcher sees it changes."""
    birth = record.birth
    values = [
        [fold(p.ar), fold(p.en)]
        for p in (record.given, record.father, record.grandfather, record.family, record.mother)
    ]
    values += [
        fold(record.known_as),
        record.sex,
        [birth.value.isoformat(), birth.precision.value] if birth else None,
        sorted(record.documents),
    ]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def folded_name(record: PersonRecord) -> str:
    """The full name folded, Arabic where typed, for the trigram index."""
    parts = (record.given, record.father, record.grandfather, record.family)
    arabic = " ".join(fold(p.ar) for p in parts if p.ar)
    return arabic or " ".join(fold(p.en) for p in parts if p.en)


# --- keeping keys -----------------------------------------------------------------------


def refresh(members: Iterable[Member]) -> None:
    """Recompute the folded name, digest and blocking keys of `members` (flushed, with ids)."""
    saved = [m for m in members if m.id is not None]
    unread = [m.id for m in saved if "identifiers" in sa.inspect(m).unloaded]
    if unread:  # their document numbers in one statement, not one per person
        db.session.scalars(
            sa.select(Member).where(Member.id.in_(unread)).options(selectinload(Member.identifiers))
        ).all()
    _rekey(db.session, saved)


def refresh_all(connection: sa.Connection, batch: int = 2000) -> int:
    """Recompute keys of every member, in batches, through `connection` (a migration, the
    `flask identity rekey` command). Returns how many members were read."""
    from sqlalchemy.orm import Session

    done, last_id = 0, 0
    with Session(bind=connection) as session:
        while True:
            members = session.scalars(
                sa.select(Member)
                .where(Member.id > last_id)
                .order_by(Member.id)
                .limit(batch)
                .options(selectinload(Member.identifiers))
            ).all()
            if not members:
                break
            last_id = members[-1].id
            _rekey(session, members)
            done += len(members)
            session.flush()
            session.expunge_all()
    return done


def _rekey(session, members: Sequence[Member]) -> None:
    """The one place a member's folded name, digest and keys are written (in `session`)."""
    if not members:
        return
    ids = [m.id for m in members]
    session.execute(sa.delete(IdentityKey).where(IdentityKey.member_id.in_(ids)))
    keys = []
    for member in members:
        record = person_record(member)
        member.name_folded = folded_name(record)
        member.identity_digest = digest(record)
        keys += [{"key": k, "member_id": member.id} for k in sorted(blocking_keys(record))]
    if keys:
        session.execute(sa.insert(IdentityKey.__table__), keys)


# --- candidates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A registered person proposed as possibly `record`, with the score that says why."""

    member: Member
    score: Score


def candidate_ids(record: PersonRecord, exclude_household_id: int | None = None) -> list[int]:
    """Ids of registered persons sharing a blocking key with `record` (and, on PostgreSQL,
    close to its name by trigrams), outside `exclude_household_id`, not merged away: at most
    `CANDIDATE_LIMIT` by keys, those sharing the most keys first."""
    keys = sorted(blocking_keys(record))
    found: dict[int, None] = {}
    if keys:
        # The keys' blocks first, through the index led by `key`; only then the persons' rows
        # (left to itself, SQLite would walk every person not merged away and probe the keys).
        blocks = (
            sa.select(IdentityKey.member_id, sa.func.count().label("shared"))
            .where(IdentityKey.key.in_(keys))
            .group_by(IdentityKey.member_id)
            .subquery()
        )
        stmt = (
            sa.select(blocks.c.member_id)
            .join(Member, Member.id == blocks.c.member_id)
            .join(Household, Household.id == Member.household_id)
            .where(*_live(exclude_household_id))
            .order_by(blocks.c.shared.desc(), blocks.c.member_id)
            .limit(CANDIDATE_LIMIT)
        )
        found.update(dict.fromkeys(db.session.scalars(stmt)))
    if len(keys) < TRIGRAM_BELOW_KEYS and db.session.get_bind().dialect.name == "postgresql":
        found.update(dict.fromkeys(trigram_ids(record, exclude_household_id)))
    return list(found)


def _live(exclude_household_id: int | None) -> list[sa.ColumnElement[bool]]:
    """Persons still in the register (not merged away), outside the household being saved."""
    conditions = [Member.merged_into_id.is_(None), Household.merged_into_id.is_(None)]
    if exclude_household_id is not None:
        conditions.append(Member.household_id != exclude_household_id)
    return conditions


def trigram_ids(record: PersonRecord, exclude_household_id: int | None = None) -> list[int]:
    """PostgreSQL only: persons of the same sex whose folded full names are close to
    `record`'s by trigrams (similarity ≥ `TRIGRAM_THRESHOLD`), through the trigram index."""
    name = folded_name(record)
    if len(name) < 6:
        return []
    db.session.execute(
        sa.text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
        {"t": str(TRIGRAM_THRESHOLD)},
    )
    stmt = (
        sa.select(Member.id)
        .join(Household, Household.id == Member.household_id)
        .where(Member.name_folded.op("%")(name), *_live(exclude_household_id))
        .limit(TRIGRAM_LIMIT)
    )
    if record.sex:
        stmt = stmt.where(Member.sex == record.sex)
    return list(db.session.scalars(stmt))


# What the matcher reads of a registered person, read without building ORM objects: a
# registration compares its people with up to a few hundred.
_PERSON_COLUMNS = [
    Member.id,
    Member.household_id,
    *(
        getattr(Member, f"{slot}_name_{script}")
        for slot in ("given", "father", "grandfather", "family", "mother")
        for script in ("ar", "en")
    ),
    Member.known_as,
    Member.sex,
    Member.birth_date,
    Member.birth_precision,
    Member.birth_estimated_on,
]


def _records(ids: list[int]) -> dict[int, PersonRecord]:
    documents: dict[int, set] = {}
    numbers = sa.select(MemberIdentifier.member_id, MemberIdentifier.kind, MemberIdentifier.key)
    for member_id, kind, key in db.session.execute(
        numbers.where(MemberIdentifier.member_id.in_(ids))
    ):
        if key:
            documents.setdefault(member_id, set()).add((kind, key))
    records = {}
    for row in db.session.execute(sa.select(*_PERSON_COLUMNS).where(Member.id.in_(ids))):
        birth = BirthDate(row.birth_date, Precision(row.birth_precision), row.birth_estimated_on)
        records[row.id] = _record(
            f"m{row.id}", f"h{row.household_id}", row, birth, documents.get(row.id, ())
        )
    return records


def candidates(record: PersonRecord, exclude_household_id: int | None = None) -> list[Candidate]:
    """Registered persons the matcher proposes as possibly `record`, best first."""
    ids = candidate_ids(record, exclude_household_id)
    if not ids:
        return []
    scores = {}
    for member_id, other in _records(ids).items():
        result = score(record, other)
        if result is not None and result.proposed:
            scores[member_id] = result
    if not scores:
        return []
    members = db.session.scalars(
        sa.select(Member).where(Member.id.in_(scores)).options(selectinload(Member.identifiers))
    ).all()
    found = [Candidate(member, scores[member.id]) for member in members]
    return sorted(found, key=lambda c: (-c.score.weight, c.member.id))


# Keys and persons read per statement when many records are matched at once (a list's rows).
BATCH = 500


def candidates_for_many(records: Sequence[PersonRecord]) -> list[list[Candidate]]:
    """For each of `records` (a list's rows, or persons just saved), the registered persons the
    matcher proposes, best first: the same answer as `candidates` for each, read in a few
    statements for all of them (keys in batches of `BATCH`) rather than a few per record,
    leaving out the persons of the record's own group (household). Without the PostgreSQL
    trigram pass: a list is matched by its keys."""
    keys_of = [sorted(blocking_keys(record)) for record in records]
    blocks = persons_holding({key for keys in keys_of for key in keys})
    wanted = [_ranked(keys, blocks) for keys in keys_of]
    others = records_of({member_id for ids in wanted for member_id in ids})
    scored: list[dict[int, Score]] = []
    for record, ids in zip(records, wanted, strict=True):
        # A saved person is not their own candidate, nor is anyone of their household.
        kin = {i for i in ids if i in others and record.group and others[i].group == record.group}
        results = {i: score(record, others[i]) for i in ids if i in others and i not in kin}
        scored.append({i: s for i, s in results.items() if s is not None and s.proposed})
    members = _members_in_batches({i for found in scored for i in found})
    return [
        sorted(
            (Candidate(members[i], s) for i, s in found.items() if i in members),
            key=lambda c: (-c.score.weight, c.member.id),
        )
        for found in scored
    ]


def persons_holding(keys: set[str]) -> dict[str, list[int]]:
    """Blocking key -> ids of the live persons holding it, for each of `keys` anyone holds:
    the keys read through their index first, then the persons found checked to be live (in
    one statement SQLite would walk every person)."""
    held = key_holders(IdentityKey.key, IdentityKey.member_id, keys)
    live = _live_ids({member_id for ids in held.values() for member_id in ids})
    return {key: [i for i in ids if i in live] for key, ids in held.items()}


def key_holders(
    key_column: sa.ColumnElement[str], holder_column: sa.ColumnElement[int], keys: set[str]
) -> dict[str, list[int]]:
    """Blocking key -> ids in `holder_column` of the rows of a key table (`identity_keys`,
    `watch_entry_keys`) holding it, for each of `keys` held; read `BATCH` keys at a time
    through the key column's index."""
    held: dict[str, list[int]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), BATCH):
        stmt = sa.select(key_column, holder_column).where(
            key_column.in_(ordered[start : start + BATCH])
        )
        for key, holder in db.session.execute(stmt):
            held.setdefault(key, []).append(holder)
    return held


def _live_ids(ids: set[int]) -> set[int]:
    ordered, found = sorted(ids), set()
    for start in range(0, len(ordered), BATCH):
        stmt = (
            sa.select(Member.id)
            .join(Household, Household.id == Member.household_id)
            .where(Member.id.in_(ordered[start : start + BATCH]), *_live(None))
        )
        found.update(db.session.scalars(stmt))
    return found


def _ranked(keys: list[str], blocks: dict[str, list[int]]) -> list[int]:
    """Ids sharing the most keys first, at most `CANDIDATE_LIMIT` (as `candidate_ids`)."""
    shared: dict[int, int] = {}
    for key in keys:
        for member_id in blocks.get(key, ()):
            shared[member_id] = shared.get(member_id, 0) + 1
    return sorted(shared, key=lambda i: (-shared[i], i))[:CANDIDATE_LIMIT]


def records_of(ids: set[int]) -> dict[int, PersonRecord]:
    """Member id -> the person as the matcher reads them, for `ids`, in batches of `BATCH`."""
    ordered, found = sorted(ids), {}
    for start in range(0, len(ordered), BATCH):
        found.update(_records(ordered[start : start + BATCH]))
    return found


def _members_in_batches(ids: set[int]) -> dict[int, Member]:
    ordered, found = sorted(ids), {}
    for start in range(0, len(ordered), BATCH):
        chunk = sa.select(Member).where(Member.id.in_(ordered[start : start + BATCH]))
        for member in db.session.scalars(chunk.options(selectinload(Member.identifiers))):
            found[member.id] = member
    return found
