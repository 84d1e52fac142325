"""How /api/v1/imports tells a transfer list: its summary in a page, its detail (progress, the
preview's counts once checked, the commit's once started), its problems row by row, and the
version that `If-Match` names."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from app.core.db import as_utc
from app.imports import reports
from app.imports.models import ImportStatus, ListImport

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def version_of(imported: ListImport) -> str:
    """The import's version: its id and a digest of its status, progress and last heartbeat
    (every service that changes an import moves one of them)."""
    beat = as_utc(imported.heartbeat_at)
    micros = (beat - _EPOCH) // timedelta(microseconds=1) if beat else 0
    seed = f"{imported.status}|{imported.households_done}|{micros}"
    return f"{imported.id}.{hashlib.sha256(seed.encode()).hexdigest()[:12]}"


def summary(imported: ListImport) -> dict:
    """The import as a list shows it (`ImportSummary`)."""
    return {
        "id": imported.id,
        "filename": imported.filename,
        "source": imported.source.name,
        "status": imported.status,
        "created_at": as_utc(imported.created_at),
        "version": version_of(imported),
    }


def detail(imported: ListImport) -> dict:
    """The import as its own URL answers it (`Import`)."""
    return {
        **summary(imported),
        "camp": imported.camp.code,
        "batch": imported.batch.number if imported.batch else None,
        "created_by": imported.created_by.username,
        "progress": reports.progress(imported),
        "preview": _preview(imported),
        "result": _result(imported),
        "failure": imported.failure,
    }


def _preview(imported: ListImport) -> dict | None:
    """The counts of the stored preview, once the list is checked (not while it is again)."""
    stored = imported.summary
    if imported.status in (ImportStatus.NEW, ImportStatus.CHECKING) or "rows" not in stored:
        return None
    return {
        "rows": stored["rows"],
        "households": stored["families"],
        "new": stored["households"],
        "new_members": stored["members"],
        "updated": stored["updates"],
        "unchanged": stored["unchanged"],
        "refused_rows": stored["rows_with_problems"],
        "problems": len(stored["problems"]),
        "possible_duplicates": len(stored["duplicates"]),
    }


def _result(imported: ListImport) -> dict | None:
    if imported.committed_by_id is None:
        return None
    counts = ("created", "updated", "unchanged", "skipped")
    return {name: getattr(imported, name) for name in counts}


class Told:
    """A problem as listed, with its place in the list as `id` (for the cursor)."""

    def __init__(self, id: int, row: int, column: str, message: str, found: str):
        self.id, self.row, self.column, self.message, self.found = id, row, column, message, found


def problems_told(imported: ListImport) -> list[tuple[int, str, str, str]]:
    """The list's problems in order, each (row, column, message, found): the check's, then
    those that kept a household out while it was written."""
    stored = imported.summary
    told = [(*p, "check") for p in stored.get("problems", [])]
    return told + [(*p, "commit") for p in stored.get("skipped", [])]
