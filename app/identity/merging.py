"""Merging two records judged the same person, and undoing it. Never automatic: a person asks,
with a reason, for a pair already judged the same (`app.identity.services.decide`).

A merge deletes nothing. The retired member stays in `members` with `merged_into_id` set (out
of the household, every list and every search); everything that pointed at them points at the
kept member. With `households=True` (and two households), the retired household likewise gets
`merged_into_id`, everything that pointed at it points at the kept household, and its other
members join the kept household.

What points at a member or a household is read from the metadata: every foreign key to
`members.id` or `households.id` in `db.metadata`, so a table added later is moved too. Left
alone: `members.household_id` (moved here only for a household's other members),
`members.merged_into_id`, `households.merged_into_id` and record linkage's own tables.

Where a unique rule includes the pointer (a primary key such as `member_documents (member_id,
kind)`, or a UNIQUE constraint), the kept record may already hold the same row: such a row is
left where it is (it says the same thing) and only the rows the kept record lacks move. A
partial unique index (one pending hand-over per household) cannot be settled so: the merge is
refused until a person settles one of the two.

Every row changed is written to `Merge.moved`, in order, one entry per table and column:

    {"table": "referrals", "column": "household_id", "key_columns": ["id"],
     "keys": [[12], [15]], "from": 7, "to": 3}

`key_columns` are the row's primary-key columns other than `column` (the moved value itself is
`from` before and `to` after); `keys` their JSON-safe values, one list per row moved. The
`merged_into_id` changes are entries like any other (`from` None). Undoing runs the entries
backwards: ``UPDATE table SET column = from WHERE column = to AND key_columns IN keys``; a row
changed since by someone else, or deleted, is left as it is.

These functions flush and leave the commit to the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import services as audit
from app.auth.models import User
from app.core.db import utcnow
from app.core.validation import ValidationFailed
from app.extensions import db
from app.history import services as history
from app.identity import linkage
from app.identity.models import DuplicatePair, IdentityKey, Merge, PairStatus
from app.registry.models import Household, Member

# Record linkage's own tables: keys are recomputed, pairs and merges are the bookkeeping itself.
IDENTITY_TABLES = frozenset(
    {IdentityKey.__tablename__, DuplicatePair.__tablename__, Merge.__tablename__}
)
# Pointers handled by the merge itself, never moved as "something that points at".
OWN_COLUMNS = frozenset(
    {("members", "household_id"), ("members", "merged_into_id"), ("households", "merged_into_id")}
)
# Rows per UPDATE … WHERE key IN (…), well under every database's limit on parameters.
CHUNK = 400
HEAD = "head"

# What a partial unique index stands for, when two households both hold such a row.
ONE_AT_A_TIME = {
    "transfers": _l(
        "Both households have a hand-over waiting. Answer or withdraw one of them first."
    ),
}


@dataclass(frozen=True)
class Pointer:
    """One column that points at `members.id` or `households.id`.

    `keys`: the primary-key columns other than `column`, which name a row moved. `same`: for
    each UNIQUE rule (primary key, constraint) that includes `column`, its other columns: a row
    whose values there the kept record already holds is left behind. `once`: the partial
    unique indexes that include `column`, as (other columns, condition).
    """

    table: sa.Table
    column: sa.Column
    keys: tuple[sa.Column, ...]
    same: tuple[tuple[sa.Column, ...], ...]
    once: tuple[tuple[tuple[sa.Column, ...], Any], ...]


def pointers(target: str, dialect: str) -> list[Pointer]:
    """Every column in `db.metadata` with a foreign key to `target`'s id ("members" or
    "households"), except those the merge handles itself and record linkage's tables; in a
    stable order (tables as sorted by their dependencies, then column names)."""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in IDENTITY_TABLES:
            continue
        columns = sorted(
            {
                fk.parent
                for fk in table.foreign_keys
                if fk.column.table.name == target and fk.column.name == "id"
            },
            key=lambda c: c.name,
        )
        for column in columns:
            if (table.name, column.name) not in OWN_COLUMNS:
                found.append(_pointer(table, column, dialect))
    return found


def _pointer(table: sa.Table, column: sa.Column, dialect: str) -> Pointer:
    primary = list(table.primary_key.columns)
    keys = [c for c in (primary or table.columns) if c is not column]
    same, once = [], []
    rules = [primary] if primary else []
    rules += [list(c.columns) for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
    for index in table.indexes:
        if not index.unique or not any(c is column for c in index.columns):
            continue
        where = (
            index.dialect_options[dialect].get("where")
            if dialect in ("sqlite", "postgresql")
            else None
        )
        others = tuple(c for c in index.columns if c is not column)
        if where is not None:
            once.append((others, where))
        else:
            rules.append(list(index.columns))
    for rule in rules:
        if any(c is column for c in rule):
            same.append(tuple(c for c in rule if c is not column))
    return Pointer(table, column, tuple(keys), tuple(same), tuple(once))


# --- merging ---------------------------------------------------------------------------------


def merge(
    pair: DuplicatePair, actor: User, kept_member_id: int, reason: str, households: bool = False
) -> Merge:
    """Merge the pair's other member into the member `kept_member_id`; with `households`, and
    when the two live in different households, the other's whole household into the kept one's.

    Returns the new `Merge` (flushed) with its manifest in `moved`. The pair becomes MERGED,
    both households' `version` goes up (an edit made from a page read before is refused as
    stale), both timelines get a "merged" entry, the audit trail an "identity.merged".

    Raises ValidationFailed, nothing changed, when: the pair is not judged the same (field
    None); `kept_member_id` is not one of the pair ("kept_member_id"); the reason is blank
    ("reason"); either member or household was merged away already (None); the retired member
    heads a household other than the kept one's and `households` is False ("households"); or
    both households hold a row that may exist only once, such as a waiting hand-over (None).
    """
    errors: dict[str | None, list[str]] = {}
    if pair.status == PairStatus.MERGED:
        errors[None] = [str(_l("These records are merged already."))]
    elif pair.status != PairStatus.SAME:
        errors[None] = [
            str(_l("Only records judged to be the same person may be merged. Judge them first."))
        ]
    if kept_member_id not in (pair.first_member_id, pair.second_member_id):
        errors["kept_member_id"] = [str(_l("Choose which of the two records to keep."))]
    if not (reason or "").strip():
        errors["reason"] = [str(_l("Say why these records are merged."))]
    if errors:
        raise ValidationFailed(errors)

    kept, retired = pair.members if pair.first_member_id == kept_member_id else pair.members[::-1]
    kept_home, retired_home = kept.household, retired.household
    if any(x.merged_into_id is not None for x in (kept, retired, kept_home, retired_home)):
        raise ValidationFailed(
            {None: [str(_l("One of these records was merged into another already."))]}
        )
    two_homes = kept_home.id != retired_home.id
    _check_same_team(kept_home, retired_home)
    heads = kept.relationship == HEAD and retired.relationship == HEAD
    if households and two_homes and not heads:
        raise ValidationFailed(
            {
                "households": [
                    str(
                        _l(
                            "Households are merged from the pair of their two heads (one family "
                            "registered twice). Merge the heads' pair with this box ticked, "
                            "then this pair without it."
                        )
                    )
                ]
            }
        )
    if retired.relationship == HEAD and two_homes and not households:
        raise ValidationFailed(
            {
                "households": [
                    str(
                        _l(
                            "The record to retire is the head of household %(case)s: merge the "
                            "households too, or first make another member head.",
                            case=retired_home.case_number,
                        )
                    )
                ]
            }
        )
    households_merged = bool(households and two_homes)

    db.session.flush()
    execute = db.session.execute
    dialect = db.session.get_bind().dialect.name
    _check_once(execute, pointers("members", dialect), retired.id, kept.id)
    if households_merged:
        _check_once(execute, pointers("households", dialect), retired_home.id, kept_home.id)

    moved: list[dict[str, Any]] = []
    for pointer in pointers("members", dialect):
        moved += _move(execute, pointer, retired.id, kept.id)
    moved.append(_set(execute, Member.__table__, "merged_into_id", retired.id, None, kept.id))
    if households_merged:
        for pointer in pointers("households", dialect):
            moved += _move(execute, pointer, retired_home.id, kept_home.id)
        moved += _move_members(execute, retired_home.id, kept_home.id)
        moved.append(
            _set(
                execute, Household.__table__, "merged_into_id", retired_home.id, None, kept_home.id
            )
        )

    record = Merge(
        pair_id=pair.id,
        kept_member_id=kept.id,
        retired_member_id=retired.id,
        kept_household_id=kept_home.id,
        retired_household_id=retired_home.id,
        households_merged=households_merged,
        moved=moved,
        reason=reason.strip(),
        merged_by_id=actor.id,
    )
    db.session.add(record)
    pair.status = PairStatus.MERGED
    db.session.flush()
    db.session.expire_all()  # the Core updates above changed what the session holds

    _touch(actor, kept_home, retired_home)
    linkage.refresh([kept])
    _tell(record, "merged", actor, record.reason)
    audit.record(
        "identity.merged",
        household_id=kept_home.id,
        change=True,
        user=actor,
        merge=record.id,
        pair=pair.id,
        kept_member=kept.id,
        retired_member=retired.id,
        retired_household=retired_home.id,
        households=households_merged,
        rows=sum(len(e["keys"]) for e in moved),
    )
    db.session.flush()
    return record


def _check_same_team(kept_home: Household, retired_home: Household) -> None:
    """Both households held by one team: a merge moves assessments, notes and referrals, and
    across teams that would hand a file over without the hand-over's decision and its record.
    ValidationFailed (None) otherwise, saying what to do."""
    if kept_home.team_id == retired_home.team_id:
        return
    raise ValidationFailed(
        {
            None: [
                str(
                    _l(
                        "%(first)s is held by %(first_team)s and %(second)s by %(second_team)s. "
                        "A merge would move one team's file to the other: hand one household "
                        "over to the other team first (Hand over, on its page), then merge.",
                        first=kept_home.case_number,
                        first_team=kept_home.team.name,
                        second=retired_home.case_number,
                        second_team=retired_home.team.name,
                    )
                )
            ]
        }
    )


def _check_once(execute, found: Iterable[Pointer], source: int, target: int) -> None:
    """Refuse when both households hold a row that a partial unique index allows once."""
    for pointer in found:
        for others, where in pointer.once:
            values = {}
            for owner in (source, target):
                stmt = sa.select(*(others or [sa.literal(1)])).where(pointer.column == owner, where)
                values[owner] = {tuple(r) for r in execute(stmt)}
            if values[source] & values[target]:
                message = ONE_AT_A_TIME.get(
                    pointer.table.name,
                    _l("Both records hold something that may exist only once (%(what)s).")
                    % {"what": pointer.table.name},
                )
                raise ValidationFailed({None: [str(message)]})


def _move(execute, pointer: Pointer, source: int, target: int) -> list[dict[str, Any]]:
    """Point the rows of `pointer` at `target` instead of `source`, but those whose unique
    values `target` already holds. Returns the manifest entry (none when nothing moved)."""
    table, column = pointer.table, pointer.column
    wanted = list(dict.fromkeys([*pointer.keys, *(c for rule in pointer.same for c in rule)]))
    rows = execute(sa.select(*wanted).where(column == source)).mappings().all()
    if not rows:
        return []
    held = []
    for rule in pointer.same:
        if rule:
            stmt = sa.select(*rule).where(column == target)
            held.append((rule, {tuple(r) for r in execute(stmt)}))
        else:  # the pointer alone is unique: the target's own row, if any, stands
            exists = execute(sa.select(sa.literal(1)).where(column == target).limit(1)).first()
            held.append((rule, {()} if exists else set()))
    keys = []
    for row in rows:
        clash = False
        for rule, values in held:
            mine = tuple(row[c.name] for c in rule)
            if None not in mine and mine in values:
                clash = True
                break
        if not clash:
            keys.append([row[c.name] for c in pointer.keys])
    if not keys:
        return []
    keys.sort(key=_sort_key)
    _update(execute, table, column.name, [c.name for c in pointer.keys], keys, source, target)
    return [_entry(table.name, column.name, [c.name for c in pointer.keys], keys, source, target)]


def _move_members(execute, source: int, target: int) -> list[dict[str, Any]]:
    """The source household's members (not merged away) join the target household, after its
    own members: their household and their positions."""
    members = Member.__table__
    live = members.c.merged_into_id.is_(None)
    last = execute(
        sa.select(sa.func.max(members.c.position)).where(members.c.household_id == target, live)
    ).scalar()
    rows = execute(
        sa.select(members.c.id, members.c.position)
        .where(members.c.household_id == source, live)
        .order_by(members.c.position, members.c.id)
    ).all()
    if not rows:
        return []
    ids = [[r.id] for r in rows]
    _update(execute, members, "household_id", ["id"], ids, source, target)
    entries = [_entry("members", "household_id", ["id"], ids, source, target)]
    start = -1 if last is None else last
    for offset, row in enumerate(rows, start=1):
        position = start + offset
        if position != row.position:
            _update(execute, members, "position", ["id"], [[row.id]], row.position, position)
            entries.append(
                _entry("members", "position", ["id"], [[row.id]], row.position, position)
            )
    return entries


def _set(execute, table: sa.Table, column: str, row_id: int, before: Any, after: Any) -> dict:
    _update(execute, table, column, ["id"], [[row_id]], before, after)
    return _entry(table.name, column, ["id"], [[row_id]], before, after)


def _entry(table: str, column: str, key_columns: list[str], keys, before, after) -> dict:
    return {
        "table": table,
        "column": column,
        "key_columns": key_columns,
        "keys": [[_json_value(v) for v in key] for key in keys],
        "from": _json_value(before),
        "to": _json_value(after),
    }


def _update(execute, table, column: str, key_columns: Sequence[str], keys, before, after) -> int:
    """UPDATE table SET column = after WHERE column = before AND key_columns IN keys, in chunks.
    Returns the rows changed."""
    target = table.c[column]
    changed = 0
    for start in range(0, max(len(keys), 1), CHUNK):
        chunk = keys[start : start + CHUNK]
        if not chunk:
            break
        stmt = sa.update(table).values({column: after})
        stmt = stmt.where(target.is_(None) if before is None else target == before)
        if key_columns:
            cols = [table.c[name] for name in key_columns]
            if len(cols) == 1:
                stmt = stmt.where(cols[0].in_([k[0] for k in chunk]))
            else:
                stmt = stmt.where(sa.tuple_(*cols).in_([tuple(k) for k in chunk]))
        changed += execute(stmt.execution_options(synchronize_session=False)).rowcount or 0
    return changed


def _touch(actor: User | None, *homes: Household) -> None:
    """Bump each household's version (through the ORM, so that an editor holding the page read
    before gets the stale-edit message) and recompute its search text."""
    from app.registry.services import refresh_search_text

    for home in dict.fromkeys(homes):
        home.updated_at = utcnow()
        if actor is not None:
            home.updated_by_id = actor.id
        refresh_search_text(home)
    db.session.flush()


def _tell(record: Merge, kind: str, actor: User, reason: str) -> None:
    """The timeline entry of both households (one when the two were one household)."""
    kept_home, retired_home = record.kept_household, record.retired_household
    sides = [(kept_home, retired_home, record.kept_member_id, "kept")]
    if retired_home.id != kept_home.id:
        sides.append((retired_home, kept_home, record.retired_member_id, "retired"))
    for home, other, member_id, side in sides:
        history.record(
            home,
            kind,
            actor,
            member_id=member_id,
            reason=reason,
            other_case=other.case_number,
            merge=record.id,
            households=record.households_merged,
            side=side,
        )


# --- undoing ---------------------------------------------------------------------------------


def undo(record: Merge, actor: User, reason: str) -> Merge:
    """Undo `record`: every row it moved goes back (unless changed since), the retired member
    and household come back, the pair is again judged the same (SAME), and both timelines get
    an "unmerged" entry, the audit trail an "identity.unmerged". Returns `record`, flushed,
    with `undone_at`, `undone_by_id` and `undo_reason` set.

    Raises ValidationFailed, nothing changed, when: it is undone already (None); the reason is
    blank ("reason"); a later merge, not undone, touched the same members or households (None:
    undo that one first, newest first).
    """
    if record.undone_at is not None:
        raise ValidationFailed({None: [str(_l("This merge was undone already."))]})
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [str(_l("Say why this merge is undone."))]})
    later = db.session.scalar(_later_merges(record).limit(1))
    if later is not None:
        raise ValidationFailed(
            {
                None: [
                    str(
                        _l(
                            "A later merge (number %(number)s) changed these records. "
                            "Undo it first.",
                            number=later.id,
                        )
                    )
                ]
            }
        )

    db.session.flush()
    _put_back(db.session.execute, record.moved)
    record.undone_at, record.undone_by_id = utcnow(), actor.id
    record.undo_reason = reason.strip()
    if record.pair.status == PairStatus.MERGED:
        record.pair.status = PairStatus.SAME
    db.session.flush()
    db.session.expire_all()

    _touch(actor, record.kept_household, record.retired_household)
    kept = db.session.get(Member, record.kept_member_id)
    retired = db.session.get(Member, record.retired_member_id)
    linkage.refresh([m for m in (kept, retired) if m is not None])
    _tell(record, "unmerged", actor, record.undo_reason)
    audit.record(
        "identity.unmerged",
        household_id=record.kept_household_id,
        change=True,
        user=actor,
        merge=record.id,
        pair=record.pair_id,
        kept_member=record.kept_member_id,
        retired_member=record.retired_member_id,
        retired_household=record.retired_household_id,
    )
    db.session.flush()
    return record


def _later_merges(record: Merge) -> sa.Select:
    """Merges after `record`, not undone, sharing a member or a household with it."""
    members = {record.kept_member_id, record.retired_member_id}
    homes = {record.kept_household_id, record.retired_household_id}
    return (
        sa.select(Merge)
        .where(
            Merge.id > record.id,
            Merge.undone_at.is_(None),
            sa.or_(
                Merge.kept_member_id.in_(members),
                Merge.retired_member_id.in_(members),
                Merge.kept_household_id.in_(homes),
                Merge.retired_household_id.in_(homes),
            ),
        )
        .order_by(Merge.id.desc())
    )


def _put_back(execute: Callable, moved: Sequence[dict[str, Any]]) -> None:
    """Run a manifest backwards: each row back from `to` to `from`."""
    for entry in reversed(moved):
        table = _table(entry["table"], [entry["column"], *entry.get("key_columns", ["id"])])
        key_columns = entry.get("key_columns", ["id"])
        columns = [table.c[name] for name in key_columns]
        keys = [
            [_python_value(c, v) for c, v in zip(columns, key, strict=True)]
            for key in entry["keys"]
        ]
        target = table.c[entry["column"]]
        _update(
            execute,
            table,
            entry["column"],
            key_columns,
            keys,
            _python_value(target, entry["to"]),
            _python_value(target, entry["from"]),
        )


def _table(name: str, columns: Sequence[str]):
    """The table of the metadata; a bare one when it is not there (a migration's schema)."""
    table = db.metadata.tables.get(name)
    if table is not None and all(c in table.c for c in columns):
        return table
    return sa.table(name, *(sa.column(c) for c in dict.fromkeys(columns)))


def restore_all(connection: sa.Connection) -> int:
    """Undo every merge not undone, newest first, through `connection` with Core statements
    only (a migration's downgrade): rows back, pairs back to SAME, merges marked undone. No
    timeline or audit entries, no keys recomputed (run `flask identity rekey` after).
    Returns how many merges were undone."""
    merges = sa.table(
        "identity_merges",
        sa.column("id"),
        sa.column("pair_id"),
        sa.column("moved", sa.JSON),
        sa.column("undone_at", sa.DateTime(timezone=True)),
        sa.column("undo_reason"),
    )
    pairs = sa.table("duplicate_pairs", sa.column("id"), sa.column("status"))
    rows = connection.execute(
        sa.select(merges.c.id, merges.c.pair_id, merges.c.moved)
        .where(merges.c.undone_at.is_(None))
        .order_by(merges.c.id.desc())
    ).all()
    for row in rows:
        _put_back(connection.execute, row.moved or [])
        connection.execute(
            sa.update(pairs)
            .where(pairs.c.id == row.pair_id, pairs.c.status == PairStatus.MERGED)
            .values(status=PairStatus.SAME)
        )
        connection.execute(
            sa.update(merges)
            .where(merges.c.id == row.id)
            .values(undone_at=utcnow(), undo_reason="Undone when the database was downgraded.")
        )
    return len(rows)


# --- values in JSON --------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _python_value(column, value: Any) -> Any:
    """A key value read back from JSON, as the column's type takes it."""
    if value is None or not isinstance(value, str):
        return value
    kind = getattr(column, "type", None)
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Numeric):
        return Decimal(value)
    if isinstance(kind, sa.Uuid):
        return UUID(value)
    return value


def _sort_key(key: list[Any]) -> tuple:
    return tuple((v is None, str(type(v)), v if v is not None else 0) for v in key)
