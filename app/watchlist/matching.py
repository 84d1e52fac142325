"""A watch-list entry as the identity matcher reads it, its blocking keys, and the entries a
registered person may be: the same keys (app.identity.blocking) and the same Fellegi–Sunter
scorer (app.identity.scoring) as record linkage, so that an alert is explained feature by
feature as a possible duplicate is.

An entry is read as several records: its name in Latin letters (the UN's four parts) with its
name in the original script, and each alias, each with each of its dates of birth. A person is
compared with every record of an entry and the best score stands for the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.identity import linkage
from app.identity.blocking import blocking_keys
from app.identity.identifiers import identifier_key
from app.identity.person import BirthDate, NamePart, PersonRecord, Precision
from app.identity.scoring import Score, score
from app.imports.words import has_article, is_kunya, name_slots
from app.registry.models import Member
from app.watchlist.models import WatchEntry, WatchEntryKey

_SLOTS = ("given", "father", "grandfather", "family")


@dataclass(frozen=True)
class Found:
    """An entry a person may be, with the best of its records' scores and which name of the
    entry gave it ("primary" or the alias's quality)."""

    entry: WatchEntry
    score: Score
    name: str


def entry_records(entry_id: int, data: dict[str, Any]) -> list[tuple[str, PersonRecord]]:
    """(which name, record) for each name of the entry and each of its births. An alias that
    is a kunya ("Abu Umar") is the listed man's known-as name beside his other names, never a
    given name of its own."""
    births = [_birth(value, precision) for value, precision in data.get("births", [])] or [None]
    documents = frozenset(
        (kind, identifier_key(number))
        for kind, number in data.get("documents", [])
        if identifier_key(number)
    )
    arabic = name_slots(data.get("original_script", "")) if data.get("original_script") else {}
    # A national list in Arabic gives its names in Arabic only: they are the Arabic slots.
    parts = data.get("names", [])
    latin = {} if arabic and any(_is_arabic(p) for p in parts) else _latin_slots(parts)
    names = [("primary", arabic, latin, "")]
    for text, quality in data.get("aliases", []):
        if is_kunya(text):
            names.append((quality, arabic, latin, text))
            continue
        slots = name_slots(text)
        arabic_alias = _is_arabic(text)
        names.append((quality, slots if arabic_alias else {}, {} if arabic_alias else slots, ""))
    mother = NamePart(data.get("mother", ""), "")
    return [
        (
            which,
            PersonRecord(
                key=f"w{entry_id}",
                group=f"watch{entry_id}",
                **{s: NamePart(ar.get(s, ""), en.get(s, "")) for s in _SLOTS},
                mother=mother,
                known_as=kunya,
                sex=data.get("sex", ""),
                birth=birth,
                documents=documents,
            ),
        )
        for which, ar, en, kunya in names
        for birth in births
    ]


def _latin_slots(parts: list[str]) -> dict[str, str]:
    """The UN's name parts as slots: FIRST to FOURTH_NAME are given, father, grandfather and
    family, a fifth part and beyond joining the family name. But two or three parts whose
    last has the article ("MUHAMMAD", "HASAN", "AL-OBAIDI") are given, (father,) family, the
    grandfather not given (as `name_slots` reads a full name); and a last part holding a name
    and then a family name ("NOURI AL-TIKRITI") counts as two."""
    parts = _family_apart(list(parts))
    if len(parts) in (2, 3) and has_article(parts[-1]):
        *names, family = parts
        return {**dict(zip(("given", "father"), names, strict=False)), "family": family}
    four = [*parts[:3], " ".join(parts[3:])] if len(parts) > 4 else list(parts)
    return dict(zip(_SLOTS, four, strict=False))


def _family_apart(parts: list[str]) -> list[str]:
    """Fewer than four parts whose last holds a name and then a family name with the article
    ("NOURI AL-TIKRITI", where the list had no FOURTH_NAME): the family name is a part of its
    own."""
    if not parts or len(parts) >= 4:
        return parts
    *words, last = parts[-1].split()
    compound = words and words[-1].casefold() in _COMPOUND_FIRST  # ABD AL-RAHMAN is one name
    if words and has_article(last) and not has_article(words[-1]) and not compound:
        return [*parts[:-1], " ".join(words), last]
    return parts


# First words of compound names in Latin letters (Abd al-Rahman, Abu Bakr): never a name alone.
_COMPOUND_FIRST = frozenset({"abd", "abdul", "abdel", "abdal", "abu", "abou", "abo", "umm", "um"})


def _is_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def _birth(value: str, precision: str) -> BirthDate:
    return BirthDate(date.fromisoformat(value), Precision(precision))


def rekey(entries: list[WatchEntry]) -> None:
    """Write the blocking keys of `entries` (flushed), replacing those they had."""
    ids = [e.id for e in entries]
    if not ids:
        return
    db.session.execute(sa.delete(WatchEntryKey).where(WatchEntryKey.entry_id.in_(ids)))
    rows = [
        {"key": key, "entry_id": entry.id}
        for entry in entries
        if entry.removed_in_id is None
        for key in sorted(
            {k for _which, r in entry_records(entry.id, entry.data) for k in blocking_keys(r)}
        )
    ]
    if rows:
        db.session.execute(sa.insert(WatchEntryKey.__table__), rows)


def entries_for(member: Member) -> list[Found]:
    """The listed entries (not removed) that `member` may be, best first: those sharing a
    blocking key with them and whose best record's score reaches the review threshold."""
    record = linkage.person_record(member)
    keys = sorted(blocking_keys(record))
    if not keys:
        return []
    ids = db.session.scalars(
        sa.select(WatchEntryKey.entry_id).where(WatchEntryKey.key.in_(keys)).distinct()
    ).all()
    entries = db.session.scalars(
        sa.select(WatchEntry).where(WatchEntry.id.in_(ids), WatchEntry.removed_in_id.is_(None))
    ).all()
    found = [
        best
        for entry in entries
        if (best := best_of(record, entry, entry_records(entry.id, entry.data))) is not None
    ]
    return sorted(found, key=lambda f: -f.score.weight)


def best_of(
    record: PersonRecord,
    entry: WatchEntry,
    listed: list[tuple[str, PersonRecord]],
    proposed_only: bool = True,
) -> Found | None:
    """The best score of `record` against the entry's records `listed` (`entry_records`),
    when it reaches the review threshold (or whatever it is, with `proposed_only=False`);
    None otherwise."""
    scored = [
        (result, which) for which, other in listed if (result := score(record, other)) is not None
    ]
    if not scored:
        return None
    result, which = max(scored, key=lambda pair: pair[0].weight)
    return Found(entry, result, which) if result.proposed or not proposed_only else None
