"""Loading a version of a watch list: the persons read from its file compared, by the list's
own reference, with what the list held, so that only what a version adds or changes is
screened again, and what it drops is marked removed rather than forgotten.

`load(name, kind, persons, filename, content, actor)` is called by `flask watchlist load` and
the list pages; it flushes, the caller commits, and the screening of what changed starts as a
background job once it has.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import services as audit
from app.auth.models import User
from app.core.text import shown_file_name
from app.core.validation import ValidationFailed
from app.extensions import db
from app.watchlist import matching, screening
from app.watchlist.models import ListKind, WatchEntry, WatchList, WatchListVersion


@dataclass(frozen=True)
class Loaded:
    """A version loaded: the ids of the entries it added or changed (to screen again) and of
    those it removed (whose waiting alerts are withdrawn)."""

    version: WatchListVersion
    to_screen: list[int]
    removed: list[int]


def entry_data(person: Any) -> dict[str, Any]:
    """A listed person (`un_xml.ListedPerson`, `national.NationalPerson`) as an entry stores it:
    plain JSON values, lists sorted where their order means nothing."""
    return {
        "names": list(person.names),
        "original_script": getattr(person, "original_script", "") or "",
        "aliases": sorted([a.text, a.quality] for a in getattr(person, "aliases", ())),
        "mother": getattr(person, "mother", "") or "",
        "births": sorted(
            {(b.value.isoformat(), str(b.precision)) for b in getattr(person, "births", ())}
        ),
        "documents": sorted([kind, number] for kind, number in getattr(person, "documents", ())),
        "nationalities": sorted(getattr(person, "nationalities", ())),
        "listed_on": _iso(getattr(person, "listed_on", None)),
        "comments": getattr(person, "comments", "") or "",
        "sex": getattr(person, "sex", "") or "",
    }


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def data_digest(data: dict[str, Any]) -> str:
    """SHA-256 of an entry's data, the same for the same person however the file ordered it."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=list)
    return hashlib.sha256(text.encode()).hexdigest()


def load(
    name: str, kind: str, persons: Iterable[Any], filename: str, content: bytes, actor: User
) -> Loaded:
    """Record a new version of list `name` (made if new) holding `persons`. Raises
    ValidationFailed when the list exists with another kind, when this very file is already
    its latest version, or when the file lists nobody."""
    watch_list = _list_named(name, kind)
    sha = hashlib.sha256(content).hexdigest()
    latest = watch_list.versions[-1] if watch_list.versions else None
    if latest is not None and latest.file_sha256 == sha:
        raise ValidationFailed({None: [str(_l("This file is already the list's latest version."))]})
    listed = _by_reference(persons)
    if not listed:
        raise ValidationFailed({None: [str(_l("This file lists nobody."))]})
    version = WatchListVersion(
        watch_list=watch_list,
        number=(latest.number + 1) if latest else 1,
        filename=shown_file_name(filename, "list"),
        file_sha256=sha,
        loaded_by_id=actor.id,
        entries=len(listed),
    )
    db.session.add(version)
    db.session.flush()
    to_screen, removed = _apply(watch_list, version, listed)
    audit.record(
        "watchlist.loaded",
        target=f"watchlist:{watch_list.id}",
        change=True,
        user=actor,
        version=version.number,
        added=version.added,
        changed=version.changed,
        removed=version.removed,
    )
    screening.entries_on_commit(to_screen + removed)
    return Loaded(version, to_screen, removed)


def _list_named(name: str, kind: str) -> WatchList:
    name = " ".join(name.split())[:120]
    if not name:
        raise ValidationFailed({"source": [str(_l("Name the list."))]})
    if kind not in ListKind.ALL:
        raise ValidationFailed({"kind": [str(_l("Choose the kind of list."))]})
    found = db.session.scalar(sa.select(WatchList).where(WatchList.name == name))
    if found is None:
        found = WatchList(name=name, kind=kind)
        db.session.add(found)
        db.session.flush()
    elif found.kind != kind:
        raise ValidationFailed(
            {"kind": [str(_l("A list of that name was loaded from another kind of file."))]}
        )
    return found


def _by_reference(persons: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Reference -> entry data; a reference listed twice keeps its first person."""
    listed: dict[str, dict[str, Any]] = {}
    for person in persons:
        listed.setdefault(person.reference, entry_data(person))
    return listed


def _apply(
    watch_list: WatchList, version: WatchListVersion, listed: dict[str, dict[str, Any]]
) -> tuple[list[int], list[int]]:
    entries = {
        e.reference: e
        for e in db.session.scalars(
            sa.select(WatchEntry).where(WatchEntry.watch_list_id == watch_list.id)
        )
    }
    touched: list[WatchEntry] = []
    for reference, data in listed.items():
        digest = data_digest(data)
        entry = entries.get(reference)
        if entry is None:
            entry = WatchEntry(
                watch_list_id=watch_list.id,
                reference=reference[:80],
                data=data,
                digest=digest,
                added_in_id=version.id,
                changed_in_id=version.id,
            )
            db.session.add(entry)
            version.added += 1
            touched.append(entry)
        elif entry.digest != digest or entry.removed_in_id is not None:
            entry.data, entry.digest = data, digest
            entry.changed_in_id, entry.removed_in_id = version.id, None
            version.changed += 1
            touched.append(entry)
    removed = []
    for reference, entry in entries.items():
        if reference not in listed and entry.removed_in_id is None:
            entry.removed_in_id = version.id
            version.removed += 1
            removed.append(entry)
    db.session.flush()
    matching.rekey(touched + removed)
    return [entry.id for entry in touched], [entry.id for entry in removed]
