"""The background commit of a checked list, in chunks of `CHUNK` households, one transaction
each.

Each chunk locks the import's row, re-reads how far the commit got and what was asked of it
(cancel), writes its households through the registry's own services (`register_household`,
`update_household`: the same checks, record linkage, history and audit as the form), records
each household's source key, and moves the import's counters on, all in one commit. So:

- a killed worker leaves the chunk it was writing unwritten, never half a household;
- a restarted job (procrastinate retries a stalled one; a person presses Resume) starts at the
  first household not committed, and a household whose source key exists is never created
  again (the key is unique per source, so even two workers racing cannot make two);
- a cancel takes effect between chunks.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.audit import services as audit
from app.core import locks
from app.core.attempt import Attempt
from app.core.db import refresh_statistics, utcnow
from app.core.validation import ValidationFailed
from app.extensions import db
from app.imports import services
from app.imports.models import ImportStatus, ListImport, SourceKey
from app.imports.places import places_by_name
from app.imports.preview import (
    Family,
    Problem,
    check_family,
    group,
    problems_of,
)
from app.notifications import services as notify
from app.registry.services import (
    StaleEdit,
    register_household,
    relinking_together,
    update_household,
)

log = logging.getLogger(__name__)

CHUNK = 100  # households per transaction: a second or two of writing
# SQLite has one write lock for the whole database, and a writer waiting for it polls every
# 100 ms: a chunk holds it about a second at most, then lets go long enough for the pages
# waiting to write (a view's audit entry, a login, Cancel) to get their turn.
SQLITE_CHUNK_SECONDS = 1.0
SQLITE_PAUSE_SECONDS = 0.15


@jobs.task(services.COMMIT_JOB)
def commit_list(import_id: int) -> None:
    """Write import `import_id` from where it stopped to the end, or until cancelled."""
    imported = db.session.get(ListImport, import_id)
    if imported is None or imported.status not in ImportStatus.UNDER_WAY:
        return
    try:
        # What the job writes for people (why a household was left out) is in the language
        # of the person who pressed Import.
        with force_locale(imported.committed_by.locale or "en"):
            writer = _Writer(imported)
            while writer.next_chunk():
                pass
    except Exception as failure:
        db.session.rollback()
        jobs.discard_launches()
        _mark_failed(import_id, failure)
        raise


class _Writer:
    """The list read once; each `next_chunk()` writes and commits one chunk."""

    def __init__(self, imported: ListImport):
        self.imported = imported
        self.actor = imported.committed_by
        self.table = services.table_of(imported)
        self.columns = {name: index for index, name in services.mapping_of(imported).items()}
        self.choices = services.choices_of(imported)
        self.families = list(group(self.table, self.columns, self.choices, []).values())
        self.places = places_by_name() if "governorate" in self.columns else None
        self.sqlite = db.session.get_bind().dialect.name == "sqlite"
        db.session.commit()  # end the read transaction: each chunk starts with its lock

    def next_chunk(self) -> bool:
        """Write the next chunk and commit; False when the import is finished or cancelled."""
        imported = self._locked()
        if imported.status == ImportStatus.CANCELLING:
            return self._finish(ImportStatus.CANCELLED)
        if imported.status not in ImportStatus.UNDER_WAY:
            db.session.rollback()
            return False
        if imported.started_at is None:
            imported.started_at = utcnow()
        imported.status = ImportStatus.RUNNING
        chunk = self.families[imported.households_done : imported.households_done + CHUNK]
        if not chunk:
            return self._finish(ImportStatus.DONE)
        self.counts: Counter[str] = Counter()  # moved on once, with the chunk's progress
        known = services.known_households(imported.source_id, [f.key for f in chunk])
        started, written = time.monotonic(), []
        with relinking_together(self.actor, "import"):
            for family in chunk:
                family.known = known.get(family.key)
                self._write(family)
                written.append(family)
                if self.sqlite and time.monotonic() - started > SQLITE_CHUNK_SECONDS:
                    break
        for outcome, count in self.counts.items():
            setattr(imported, outcome, getattr(imported, outcome) + count)
        imported.households_done += len(written)
        imported.rows_done += sum(len(f.rows) for f in written)
        imported.heartbeat_at = utcnow()
        self._commit()
        if self.sqlite:
            time.sleep(SQLITE_PAUSE_SECONDS)
        return True

    def _locked(self) -> ListImport:
        locks.lock_rows(sa.select(ListImport.id).where(ListImport.id == self.imported.id))
        db.session.refresh(self.imported)
        return self.imported

    def _write(self, family: Family) -> None:
        check_family(family, self.table, self.columns, self.choices, self.actor, self.places, False)
        if family.problems:
            self._skip(family, family.problems)
        elif family.unchanged:
            self.counts["unchanged"] += 1
        else:
            self._save(family)

    def _save(self, family: Family) -> None:
        attempt = Attempt()
        try:
            _household, outcome = self._register_or_update(family)
            db.session.flush()
        except ValidationFailed as refused:
            attempt.rollback()
            self._skip(family, problems_of(refused, family, self.table, self.columns))
            return
        except (StaleEdit, IntegrityError) as refused:
            attempt.rollback()
            self._skip(family, [Problem(family.rows[0], "", _reason(refused))])
            return
        attempt.commit()
        self.counts[outcome] += 1

    def _register_or_update(self, family: Family):
        assert family.data is not None
        if family.known is None:
            household = register_household(family.data, self.actor, import_id=self.imported.id)
            db.session.add(
                SourceKey(
                    source_id=self.imported.source_id,
                    reference=family.key,
                    household_id=household.id,
                    import_id=self.imported.id,
                    digest=family.digest,
                )
            )
            return household, "created"
        household = family.known.household
        update_household(
            household, family.data, household.version, self.actor, import_id=self.imported.id
        )
        db.session.execute(
            sa.update(SourceKey)
            .where(
                SourceKey.source_id == self.imported.source_id,
                SourceKey.reference == family.key,
            )
            .values(digest=family.digest, import_id=self.imported.id, household_id=household.id)
        )
        return household, "updated"

    def _skip(self, family: Family, problems: list[Problem]) -> None:
        """Leave the household out; say why, unless the preview already did."""
        self.counts["skipped"] += 1
        told = {row for row, *_rest in self.imported.summary.get("problems", [])}
        if told.intersection(family.rows):
            return
        skipped = self.imported.summary.get("skipped", [])
        skipped += [[p.row, p.column, p.message] for p in problems]
        self.imported.summary = {**self.imported.summary, "skipped": skipped}

    def _finish(self, status: str) -> bool:
        self.imported.status = status
        self.imported.finished_at = utcnow()
        self.imported.heartbeat_at = utcnow()
        audit.record(
            f"imports.{status}",
            target=f"import:{self.imported.id}",
            change=True,
            user=self.actor,
            created=self.imported.created,
            updated=self.imported.updated,
            skipped=self.imported.skipped,
        )
        notify.import_finished(self.imported)
        if status == ImportStatus.DONE and db.session.get_bind().dialect.name == "sqlite":
            # SQLite gathers no planner statistics by itself: without them, after a first big
            # list, it sorts a team's every household to show a page of 25 (README, Benchmarks).
            refresh_statistics(db.session)
        self._commit()
        return False

    def _commit(self) -> None:
        audit.write_buffer(committed=True)
        db.session.commit()
        jobs.launch_committed()  # the chunk's persons screened (app.watchlist.screening)


_CHANGED_MEANWHILE = _l(
    "Someone changed this household while the list was being imported. Import the list again."
)
_IMPORTED_MEANWHILE = _l(
    "Another list imported this household at the same time. Import this list again."
)


def _reason(refused: Exception) -> str:
    return str(_CHANGED_MEANWHILE if isinstance(refused, StaleEdit) else _IMPORTED_MEANWHILE)


def _mark_failed(import_id: int, failure: Exception) -> None:
    """Record that the job stopped on an error (a person may resume it)."""
    log.exception("import %s failed", import_id)
    audit.discard_since(0)
    imported = db.session.get(ListImport, import_id)
    if imported is not None and imported.status in ImportStatus.UNDER_WAY:
        imported.status = ImportStatus.FAILED
        imported.failure = type(failure).__name__
        imported.heartbeat_at = utcnow()
        notify.import_finished(imported)
        db.session.commit()
