"""One commit per CLI command, and refusals printed as clear messages with a non-zero exit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from app.audit import services as audit
from app.core.validation import ValidationFailed
from app.extensions import db

T = TypeVar("T")


def run_in_transaction(operation: Callable[[], T]) -> T:
    try:
        result = operation()
        audit.write_buffer(committed=True)
        db.session.commit()
    except ValidationFailed as refused:
        db.session.rollback()
        audit.write_buffer(committed=False)
        db.session.commit()
        lines = [msg for messages in refused.errors.values() for msg in messages]
        raise click.ClickException("\n".join(lines)) from None
    except BaseException:
        db.session.rollback()
        raise
    return result
