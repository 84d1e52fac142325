"""Screening registered persons against the watch lists, and the alerts it raises.

Screening runs as background jobs (app.jobs): `watchlist.screen_members` for persons just
registered, imported or whose identity changed, and `watchlist.screen_entries` for the entries
a new version of a list added or changed. Both score with the identity matcher
(app.watchlist.matching): candidates come from the blocking keys, and the Fellegi–Sunter
score, where date of birth, mother's name and document numbers weigh for or against, decides
whether a pair reaches the review threshold. Only then is a screener alerted.

An alert is a question for people. Nothing here changes a household, its stage or its
vetting: a screener's decision is recorded on the alert (app.watchlist.decisions), and a
confirmed match is shown on the person's vetting record for a screener to act on.

Decision memory: an alert decided on (not the person, possible) is not raised again while the
person's identity digest and the entry's digest are those it was decided on; when either
changes, it is scored again and, still alike, put back in the queue. A confirmed match stays
confirmed.

These functions flush; the job commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from app import jobs
from app.core.db import utcnow
from app.extensions import db
from app.identity import linkage
from app.identity.blocking import blocking_keys
from app.identity.person import PersonRecord
from app.notifications import services as notify
from app.registry.models import Household, Member
from app.watchlist.matching import Found, best_of, entry_records
from app.watchlist.models import AlertStatus, WatchAlert, WatchEntry, WatchEntryKey

log = logging.getLogger(__name__)

SCREEN_MEMBERS_JOB = "watchlist.screen_members"
SCREEN_ENTRIES_JOB = "watchlist.screen_entries"
BATCH = 500  # persons or entries read per statement


def any_listed() -> bool:
    """Whether any list holds anyone: without, there is nothing to screen against."""
    stmt = sa.select(WatchEntry.id).where(WatchEntry.removed_in_id.is_(None)).limit(1)
    return db.session.scalar(stmt) is not None


def screen_on_commit(members: Iterable[Member], source: str) -> None:
    """Screen `members` (saved) in a background job once this request or job commits."""
    ids = sorted({m.id for m in members if m.id is not None})
    if ids and any_listed():
        jobs.launch_on_commit(SCREEN_MEMBERS_JOB, member_ids=ids, source=source)


def entries_on_commit(entry_ids: Sequence[int]) -> None:
    """Screen everyone against the entries `entry_ids` once the load of their list commits."""
    if entry_ids:
        jobs.launch_on_commit(SCREEN_ENTRIES_JOB, entry_ids=list(entry_ids))


@jobs.task(SCREEN_MEMBERS_JOB)
def screen_members(member_ids: list[int], source: str = "registration") -> int:
    """Score each live person of `member_ids` against every listed entry sharing a blocking
    key with them and raise or update the alerts. Returns how many alerts were raised (new,
    or back in the queue)."""
    raised = 0
    for start in range(0, len(member_ids), BATCH):
        records = linkage.records_of(set(_live(member_ids[start : start + BATCH])))
        keys = {member_id: blocking_keys(record) for member_id, record in records.items()}
        holding = linkage.key_holders(
            WatchEntryKey.key,
            WatchEntryKey.entry_id,
            set().union(*keys.values()) if keys else set(),
        )
        entries = _entries({i for ks in keys.values() for k in ks for i in holding.get(k, ())})
        listed = {e.id: entry_records(e.id, e.data) for e in entries.values()}
        for member_id, record in records.items():
            near = {i for k in keys[member_id] for i in holding.get(k, ())}
            for entry_id in sorted(near):
                entry = entries.get(entry_id)
                if entry is not None:
                    raised += _screen(member_id, record, entry, listed[entry_id], source)
    notify.screening_alerts(raised)
    return raised


@jobs.task(SCREEN_ENTRIES_JOB)
def screen_entries(entry_ids: list[int]) -> int:
    """Score every live person sharing a blocking key with the listed entries `entry_ids`
    against them, raise or update the alerts, and withdraw the waiting alerts of entries
    their list no longer holds. Returns how many alerts were raised."""
    _withdraw_removed(entry_ids)
    raised = 0
    for start in range(0, len(entry_ids), BATCH):
        entries = _entries(set(entry_ids[start : start + BATCH]))
        listed = {e.id: entry_records(e.id, e.data) for e in entries.values()}
        keys = {
            entry_id: {k for _which, r in records for k in blocking_keys(r)}
            for entry_id, records in listed.items()
        }
        holding = linkage.persons_holding(set().union(*keys.values()) if keys else set())
        wanted = {e: {m for k in ks for m in holding.get(k, ())} for e, ks in keys.items()}
        persons = linkage.records_of({m for ids in wanted.values() for m in ids})
        for entry_id, member_ids in wanted.items():
            for member_id in sorted(member_ids):
                if member_id in persons:
                    raised += _screen(
                        member_id, persons[member_id], entries[entry_id], listed[entry_id], "list"
                    )
    notify.screening_alerts(raised)
    return raised


def _live(member_ids: Sequence[int]) -> list[int]:
    stmt = (
        sa.select(Member.id)
        .join(Household, Household.id == Member.household_id)
        .where(
            Member.id.in_(member_ids),
            Member.merged_into_id.is_(None),
            Household.merged_into_id.is_(None),
        )
    )
    return list(db.session.scalars(stmt))


def _entries(ids: set[int]) -> dict[int, WatchEntry]:
    """The entries of `ids` still listed."""
    found: dict[int, WatchEntry] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), BATCH):
        stmt = sa.select(WatchEntry).where(
            WatchEntry.id.in_(ordered[start : start + BATCH]), WatchEntry.removed_in_id.is_(None)
        )
        found.update((e.id, e) for e in db.session.scalars(stmt))
    return found


def _screen(member_id: int, record: PersonRecord, entry: WatchEntry, listed, source: str) -> int:
    found = best_of(record, entry, listed)
    if found is None:
        return 0
    return int(keep_alert(member_id, record, found, source))


def keep_alert(member_id: int, record: PersonRecord, found: Found, source: str) -> bool:
    """Store the alert (person `member_id`, `found.entry`): new; back in the queue after a
    decision on records that have changed since; or re-scored while it waits. True when it
    is new to the queue. A decision on these very records stands, a confirmed match stays
    confirmed, and an alert withdrawn with its entry comes back when the entry is listed
    again."""
    digest = linkage.digest(record)
    alert = db.session.scalar(
        sa.select(WatchAlert).where(
            WatchAlert.member_id == member_id, WatchAlert.entry_id == found.entry.id
        )
    )
    same_records = alert is not None and (alert.member_digest, alert.entry_digest) == (
        digest,
        found.entry.digest,
    )
    # Withdrawn is no one's decision: an entry listed again raises its alert again.
    decided = alert is not None and alert.status in AlertStatus.DECIDED
    if decided and (same_records or alert.status == AlertStatus.CONFIRMED):
        return False
    raised = alert is None or alert.status not in AlertStatus.WAITING
    if alert is None:
        alert = WatchAlert(member_id=member_id, entry_id=found.entry.id, source=source)
        db.session.add(alert)
    if raised:
        alert.status, alert.raised_at, alert.source = AlertStatus.OPEN, utcnow(), source
    alert.member_digest, alert.entry_digest = digest, found.entry.digest
    _store_score(alert, found)
    db.session.flush()
    return raised


def _store_score(alert: WatchAlert, found: Found) -> None:
    result = found.score
    alert.weight, alert.probability = result.weight, result.probability
    alert.model_version, alert.matched_name = result.model, found.name
    alert.explanation = [
        {"feature": f.feature, "level": f.level, "weight": round(f.weight, 2)}
        for f in result.features
    ]


def _withdraw_removed(entry_ids: Sequence[int]) -> None:
    """Alerts still waiting on an entry its list has dropped leave the queue as withdrawn."""
    removed = sa.select(WatchEntry.id).where(
        WatchEntry.id.in_(entry_ids), WatchEntry.removed_in_id.is_not(None)
    )
    db.session.execute(
        sa.update(WatchAlert)
        .where(WatchAlert.entry_id.in_(removed), WatchAlert.status.in_(AlertStatus.WAITING))
        .values(status=AlertStatus.WITHDRAWN, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
