"""Recording who did and saw what.

Entries are buffered in `flask.g` while a request (or command) runs and written at its end by
the request cycle, once it is known whether the request's own changes were committed: an entry
describing a change is kept only if the change was; views, refusals, logins and exports always.

Each entry carries a SHA-256 over its content and the previous entry's hash. Requests writing
at once take turns at the end of the chain (`app.core.locks.take_turns`: an advisory lock on
PostgreSQL, the write lock on SQLite, held until the request commits), so each reads the end
the one before it left. The UNIQUE constraint on `previous_hash` stays as the backstop: two
entries can never follow the same one (an insert that would fails, re-reads the end of the
chain and tries again).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.core.dates import start_of_local_day
from app.core.locks import take_turns
from app.extensions import db
from app.identity.identifiers import case_number_key

log = logging.getLogger(__name__)

GENESIS = "0" * 64  # the previous hash of the first entry
MASKED = "***"
_BUFFER = "audit_buffer"
_ATTEMPTS = 5  # inserts tried when other requests keep extending the chain first
CHAIN_LOCK = "audit_entries.chain"  # writers of the chain take turns on this name


@dataclass(frozen=True)
class Pending:
    """An entry recorded during a request, not yet written."""

    at: datetime
    action: str
    change: bool
    user_id: int | None
    username: str | None
    client: str | None
    household_id: int | None
    target: str | None
    detail: dict[str, Any] = field(default_factory=dict)


# --- recording -------------------------------------------------------------------------------


def record(
    action: str,
    *,
    household_id: int | None = None,
    target: str | None = None,
    change: bool = False,
    user: Any = None,
    **detail: Any,
) -> None:
    """Note an entry, to be written when the request ends. Never pass a password in `detail`."""
    if not has_app_context():
        return  # no request or command to belong to: nothing records it
    user = user if user is not None else _current_user()
    entry = Pending(
        at=datetime.now(UTC),
        action=action[:60],
        change=change,
        user_id=getattr(user, "id", None),
        username=_cut(getattr(user, "username", None), 64),
        client=_cut(request.remote_addr, 64) if has_request_context() else None,
        household_id=household_id,
        target=_cut(target, 120),
        detail=_plain(detail),
    )
    _buffer().append(entry)


def write_buffer(committed: bool) -> int:
    """Write the buffered entries (change entries only if `committed`), flush, and empty the
    buffer. The caller commits. Returns how many entries were written."""
    if not has_app_context():
        return 0
    pending = g.pop(_BUFFER, [])
    kept = [entry for entry in pending if committed or not entry.change]
    if kept:
        take_turns(CHAIN_LOCK)
        _append_all(kept)
    return len(kept)


def _current_user() -> Any:
    # current_user only exists within a request; a command acts as nobody in particular.
    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def checkpoint() -> int:
    """A mark in the entries noted so far, for `discard_since`."""
    return len(_buffer()) if has_app_context() else 0


def discard_since(mark: int) -> None:
    """Forget the change entries noted after `mark`: what they record was rolled back (a
    savepoint), so the trail must not say it happened. Views and refusals are kept."""
    if not has_app_context():
        return
    buffer = _buffer()
    buffer[mark:] = [entry for entry in buffer[mark:] if not entry.change]


def _buffer() -> list[Pending]:
    if _BUFFER not in g:
        setattr(g, _BUFFER, [])
    return getattr(g, _BUFFER)


def _cut(value: str | None, length: int) -> str | None:
    """Fit a column, so that the hash covers exactly what the database keeps."""
    return value[:length] if value is not None else None


def _plain(detail: Mapping[str, Any]) -> dict[str, Any]:
    """Detail as JSON gives it back (dates as text, tuples as lists), so that the hash computed
    now matches the one recomputed from the stored row."""
    return json.loads(json.dumps(detail, default=str, ensure_ascii=False))


# --- writing and the hash chain --------------------------------------------------------------


def _append_all(entries: list[Pending]) -> None:
    """Chain the entries after the last one in a single insert (a job's chunk writes hundreds);
    one by one, with retries, if another writer extended the chain first."""
    if len(entries) > 1:
        try:
            with db.session.begin_nested():
                previous = _last_hash()
                for entry in entries:
                    row = _row(entry, previous)
                    db.session.add(row)
                    previous = row.entry_hash
            return
        except IntegrityError:
            log.info("Audit chain extended by another request; writing entries one by one")
    for entry in entries:
        _append(entry)


def _append(entry: Pending) -> AuditEntry:
    for _attempt in range(_ATTEMPTS - 1):
        row = _insert(entry, _last_hash())
        if row is not None:
            return row
        log.info("Audit chain extended by another request; retrying %s", entry.action)
    row = _insert(entry, _last_hash(), final=True)
    assert row is not None  # the final attempt raises rather than returning None
    return row


def _insert(entry: Pending, previous_hash: str, final: bool = False) -> AuditEntry | None:
    """Add one row after `previous_hash`; None if another entry already follows that hash."""
    row = _row(entry, previous_hash)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        if final:
            raise
        return None
    return row


def _row(entry: Pending, previous_hash: str) -> AuditEntry:
    """The entry as a row chained after `previous_hash`, its own hash computed."""
    row = AuditEntry(
        at=entry.at,
        user_id=entry.user_id,
        username=entry.username,
        client=entry.client,
        action=entry.action,
        household_id=entry.household_id,
        target=entry.target,
        detail=entry.detail,
        previous_hash=previous_hash,
    )
    row.entry_hash = entry_hash(row)
    return row


# Read at every request that writes an entry: built once and reused.
_LAST_HASH = sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)


def _last_hash() -> str:
    return db.session.scalar(_LAST_HASH) or GENESIS


def iso_utc(moment: datetime) -> str:
    """One spelling of a moment. SQLite gives back naive datetimes (stored as UTC), PostgreSQL
    aware ones in the session's zone: both become the same text."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(row: AuditEntry) -> str:
    content = {
        "at": iso_utc(row.at),
        "user_id": row.user_id,
        "username": row.username,
        "client": row.client,
        "action": row.action,
        "household_id": row.household_id,
        "target": row.target,
        "detail": row.detail or {},
        "previous_hash": row.previous_hash,
    }
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


# --- verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    broken: AuditEntry | None = None
    problem: str | None = None


def check_chain() -> ChainCheck:
    """Walk the trail in id order; the first entry that does not fit, and why."""
    expected_previous, previous_id, checked = GENESIS, None, 0
    for row in _all_entries():
        checked += 1
        if row.previous_hash != expected_previous:
            return ChainCheck(checked, row, _link_problem(previous_id))
        if entry_hash(row) != row.entry_hash:
            return ChainCheck(checked, row, "its content does not match its hash (edited)")
        expected_previous, previous_id = row.entry_hash, row.id
    return ChainCheck(checked)


def verify() -> tuple[int, AuditEntry | None]:
    """(entries checked, the first entry that does not fit or None)."""
    result = check_chain()
    return result.checked, result.broken


def _all_entries() -> Iterator[AuditEntry]:
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=500)
    yield from db.session.scalars(stmt)


def _link_problem(previous_id: int | None) -> str:
    if previous_id is None:
        return "the first entry does not start the chain (earlier entries removed or changed)"
    return f"it does not follow entry #{previous_id} (an entry between removed or changed)"


# --- masking ---------------------------------------------------------------------------------


def mask(values: Mapping[str, Any], restricted: set[str]) -> dict[str, Any]:
    """The values, with those of restricted fields replaced, so the trail does not leak them."""
    return {key: MASKED if key in restricted else value for key, value in values.items()}


def changes(
    before: Mapping[str, Any], after: Mapping[str, Any], restricted: set[str]
) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields that differ, restricted ones masked."""
    masked_before, masked_after = mask(before, restricted), mask(after, restricted)
    fields = [*before, *(key for key in after if key not in before)]
    return {
        key: [masked_before.get(key), masked_after.get(key)]
        for key in fields
        if before.get(key) != after.get(key)
    }


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    username: str | None = None
    household_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def described(self) -> dict[str, str]:
        """The filters in use, as recorded with an export."""
        values = {
            "username": self.username,
            "household_id": self.household_id,
            "action": self.action,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


def filtered_entries(filters: AuditFilters) -> sa.Select:
    """Entries matching the filters, newest first."""
    stmt = sa.select(AuditEntry)
    if filters.username:
        stmt = stmt.where(AuditEntry.username == filters.username.strip().lower())
    if filters.household_id is not None:
        stmt = stmt.where(AuditEntry.household_id == filters.household_id)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.date_from is not None:
        stmt = stmt.where(AuditEntry.at >= start_of_local_day(filters.date_from))
    if filters.date_to is not None:
        stmt = stmt.where(AuditEntry.at < start_of_local_day(filters.date_to + timedelta(days=1)))
    return stmt.order_by(AuditEntry.id.desc())


def written_so_far(stmt: sa.Select) -> sa.Select:
    """Limit to the entries written until now, so that a file sent slowly does not take in
    entries written meanwhile (its own export entry among them) and matches its recorded count."""
    last_id = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    return stmt.where(AuditEntry.id <= last_id)


def count(stmt: sa.Select) -> int:
    counted = sa.select(sa.func.count()).select_from(
        stmt.order_by(None).with_only_columns(AuditEntry.id).subquery()
    )
    return db.session.scalar(counted) or 0


def known_actions() -> list[str]:
    return list(
        db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )


def case_numbers(household_ids: set[int | None]) -> dict[int, str]:
    """Case numbers of these households, in one query."""
    from app.registry.models import Household

    ids = {i for i in household_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Household.id, Household.case_number).where(Household.id.in_(ids))
    )
    return {household_id: number for household_id, number in rows}


def household_id_for(case_number: str) -> int | None:
    from app.registry.models import Household

    canonical = case_number_key(case_number, current_app.config["CASE_NUMBER_PREFIX"])
    if canonical is None:
        return None
    return db.session.scalar(sa.select(Household.id).where(Household.case_number == canonical))


def summary(detail: Mapping[str, Any] | None) -> str:
    """Detail on one line: `key: value` pairs, nested values as compact JSON."""
    parts = []
    for key, value in (detail or {}).items():
        shown = value if isinstance(value, str) else canonical_json(value)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)
