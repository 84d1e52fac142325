"""The error services raise when input breaks a rule, named by the field it concerns."""

from __future__ import annotations


class ValidationFailed(Exception):
    """Input broke one or more rules; `errors` maps a field name to its messages.

    Field names use the form's dotted paths (``members-0-birth_date``) so a view can place each
    message beside its input; ``None`` is for messages about the whole record.
    """

    def __init__(self, errors: dict[str | None, list[str]]):
        super().__init__("; ".join(f"{k or 'form'}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class ErrorCollector:
    def __init__(self) -> None:
        self.errors: dict[str | None, list[str]] = {}

    def add(self, field: str | None, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
