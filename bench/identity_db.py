"""Record linkage in the database: candidates for one new person at scale, on SQLite and
PostgreSQL, beside the raw SQL that reads the same blocks (the floor).

    python bench/identity_db.py [--households 250000] [--runs 200] [--database URL] [--reuse]

The register is filled through `flask demo-data` (about four persons per household, so 250,000
households are about a million persons, each with its blocking keys). A "new person" is a
registered one written as another list would write them: hamza and taa marbuta dropped, the
grandfather left out, the year of birth only. The app's figure is `linkage.candidates`: the
blocking-key look-up, on PostgreSQL the trigram look-up of the folded name, reading the
candidates and scoring each. The floor is the key look-up and the read of those persons' rows
in plain SQL, without scoring.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.extensions import db
from app.identity import linkage
from app.identity.blocking import blocking_keys
from app.identity.person import BirthDate, NamePart, PersonRecord, Precision
from app.registry.models import Member
from bench.identity_data import ARABIC_VARIANTS
from bench.registry import RESULTS, build_app, database_url, fill, timed


def as_listed_again(record: PersonRecord) -> PersonRecord:
    """`record` as a transfer list would give it: a new person to the register."""

    def plain(part: NamePart) -> NamePart:
        return NamePart(part.ar.translate(ARABIC_VARIANTS), "")

    birth = record.birth
    if birth is not None:
        birth = BirthDate(birth.value.replace(month=1, day=1), Precision.YEAR)
    return dataclasses.replace(
        record,
        key="new",
        group="new",
        given=plain(record.given),
        father=plain(record.father),
        grandfather=NamePart(),
        family=plain(record.family),
        mother=NamePart(),
        birth=birth,
    )


def without_birth(record: PersonRecord) -> PersonRecord:
    """The sparse case: no birth date either, so few blocking keys (the trigram pass runs)."""
    return dataclasses.replace(record, birth=None)


def sample(count: int, seed: int) -> list[PersonRecord]:
    """`count` registered persons, drawn at random, as new persons."""
    highest = db.session.scalar(sa.select(sa.func.max(Member.id))) or 0
    rng = random.Random(seed)
    records = []
    while len(records) < count:
        member = db.session.get(Member, rng.randint(1, highest))
        if member is not None:
            records.append(as_listed_again(linkage.person_record(member)))
    return records


def floor(connection, record: PersonRecord) -> None:
    """The blocks of `record` read by hand: the key look-up, then the persons' rows."""
    keys = sorted(blocking_keys(record))
    ids = (
        connection.execute(
            sa.text(
                "SELECT DISTINCT member_id FROM identity_keys WHERE key IN :keys LIMIT :limit"
            ).bindparams(sa.bindparam("keys", expanding=True)),
            {"keys": keys, "limit": linkage.CANDIDATE_LIMIT},
        )
        .scalars()
        .all()
    )
    if ids:
        connection.execute(
            sa.text("SELECT * FROM members WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": list(ids)},
        ).all()


def _each(call, records: list[PersonRecord]):
    """A function that calls `call` on the next record at each call, round and round."""
    turn = iter(records * 3)
    return lambda: call(next(turn))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database")
    parser.add_argument("--reuse", action="store_true", help="measure a filled database again")
    args = parser.parse_args()
    if args.reuse:
        url = args.database or f"sqlite:///{RESULTS / f'bench-{args.households}.sqlite3'}"
        app, seconds = build_app(url), 0.0
    else:
        url = database_url(args.database, args.households)
        app = build_app(url)
        seconds = fill(app, args.households)
    with app.app_context():
        persons = db.session.scalar(sa.select(sa.func.count()).select_from(Member))
        keys = db.session.scalar(sa.text("SELECT count(*) FROM identity_keys"))
        records = sample(args.runs * 2 + 2, seed=11)
        dialect = db.engine.dialect.name
        print(
            f"database: {dialect}; {args.households:,} households, {persons:,} persons, "
            f"{keys:,} blocking keys (loaded by demo-data in {seconds:.1f} s)"
        )
        found = [len(linkage.candidates(r)) for r in records[: args.runs]]
        sparse = [without_birth(r) for r in records]
        rows = [
            ("candidates for one new person (app)", lambda r: linkage.candidates(r), records),
            ("  the same, no birth date (app)", lambda r: linkage.candidates(r), sparse),
        ]
        if dialect == "postgresql":
            rows.append(("  its trigram pass alone", linkage.trigram_ids, sparse))
        figures = [(label, *timed(_each(call, chosen), args.runs)) for label, call, chosen in rows]
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            each = _each(lambda r: floor(connection, r), records)
            figures.append(("its blocks read in raw SQL (floor)", *timed(each, args.runs)))
        engine.dispose()
    proposed = sum(1 for n in found if n)
    print(f"{'measure':<44}{'median':>10}{'p95':>10}")
    for label, median, p95 in figures:
        print(f"{label:<44}{median:>8.1f}ms{p95:>8.1f}ms")
    print(
        f"{proposed} of {len(found)} new persons had a registered person proposed "
        f"(each is a registered person written again, so this is the recall of the look-up)"
    )


if __name__ == "__main__":
    main()
