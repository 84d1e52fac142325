"""What an assessment's data may hold, field by field.

The service cleans every dict it is given through these rules, whoever calls it: a crafted post
or a future importer cannot store a code, a length or a date that the form would refuse, nor a
key that no rule names. Each rule's name is its form field's name, so a refusal lands beside
the field; inside a grid the key is the field's full name (``documents-civil_id-status``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

from app.core.dates import local_today
from app.core.validation import ErrorCollector

NOT_IN_LIST = _l("Choose from the list.")


class Rule(Protocol):
    name: str

    def clean(self, raw: Any, key: str, errors: ErrorCollector) -> Any:
        """The value to store, or None after adding an error under `key`."""

    def to_form(self, stored: Any) -> Any:
        """The stored value as the form field takes it."""


@dataclass(frozen=True)
class Choice:
    """One code of a vocabulary; `required` is the message when none is chosen."""

    name: str
    vocabulary: Mapping[str, object]
    required: object | None = None

    def clean(self, raw: Any, key: str, errors: ErrorCollector) -> str | None:
        if raw in (None, ""):
            if self.required is not None:
                errors.add(key, self.required)  # type: ignore[arg-type]
            return None
        if raw not in self.vocabulary:
            errors.add(key, NOT_IN_LIST)
            return None
        return raw

    def to_form(self, stored: Any) -> str:
        return stored or ""


@dataclass(frozen=True)
class Codes:
    """Any number of codes of a vocabulary, kept in the vocabulary's order."""

    name: str
    vocabulary: Mapping[str, object]

    def clean(self, raw: Any, key: str, errors: ErrorCollector) -> list[str]:
        if raw is None:
            return []
        if isinstance(raw, str) or not all(isinstance(code, str) for code in raw):
            errors.add(key, NOT_IN_LIST)
            return []
        if set(raw) - set(self.vocabulary):
            errors.add(key, NOT_IN_LIST)
        return [code for code in self.vocabulary if code in set(raw)]

    def to_form(self, stored: Any) -> list[str]:
        return list(stored or [])


@dataclass(frozen=True)
class Text:
    name: str
    max_length: int

    def clean(self, raw: Any, key: str, errors: ErrorCollector) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            errors.add(key, _l("Enter text."))
            return None
        text = raw.strip()
        if len(text) > self.max_length:
            errors.add(key, _l("Keep this to %(max)d characters or fewer.", max=self.max_length))
            return None
        return text or None

    def to_form(self, stored: Any) -> str:
        return stored or ""


@dataclass(frozen=True)
class Day:
    """A date in the past or today, stored as ISO text (the data column is JSON)."""

    name: str
    required: object | None = None

    def clean(self, raw: Any, key: str, errors: ErrorCollector) -> str | None:
        if raw in (None, ""):
            if self.required is not None:
                errors.add(key, self.required)  # type: ignore[arg-type]
            return None
        day = _as_date(raw)
        if day is None:
            errors.add(key, _l("Enter a valid date."))
        elif day > local_today():
            errors.add(key, _l("The date cannot be in the future."))
        else:
            return day.isoformat()
        return None

    def to_form(self, stored: Any) -> date | None:
        return date.fromisoformat(stored) if stored else None


def _as_date(raw: Any) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Flag:
    name: str

    def clean(self, raw: Any, key: str, errors: ErrorCollector) -> bool:
        if raw is not None and not isinstance(raw, bool):
            errors.add(key, _l("Answer yes or no."))
            return False
        return bool(raw)

    def to_form(self, stored: Any) -> bool:
        return bool(stored)


@dataclass(frozen=True)
class Grid:
    """A fixed set of rows (one per code of `rows`), each holding the same fields."""

    name: str
    rows: Mapping[str, object]
    fields: tuple[Rule, ...]

    def clean(self, raw: Any, key: str, errors: ErrorCollector) -> dict[str, dict[str, Any]]:
        given = raw if isinstance(raw, Mapping) else {}
        cleaned = {}
        for row in self.rows:
            values = given.get(row)
            values = values if isinstance(values, Mapping) else {}
            cleaned[row] = {
                rule.name: rule.clean(values.get(rule.name), f"{key}-{row}-{rule.name}", errors)
                for rule in self.fields
            }
        return cleaned

    def to_form(self, stored: Any) -> dict[str, dict[str, Any]]:
        stored = stored or {}
        return {
            row: {
                rule.name: rule.to_form(stored.get(row, {}).get(rule.name)) for rule in self.fields
            }
            for row in self.rows
        }
