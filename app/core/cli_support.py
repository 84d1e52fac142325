"""One commit per CLI command, refusals printed as clear messages with a non-zero exit, and the
command's text read through the same normaliser as the forms (`app.core.text`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import click

from app import jobs
from app.audit import services as audit
from app.core.text import clean
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
        jobs.discard_launches()
        audit.write_buffer(committed=False)
        db.session.commit()
        lines = [msg for messages in refused.errors.values() for msg in messages]
        raise click.ClickException("\n".join(lines)) from None
    except BaseException:
        db.session.rollback()
        jobs.discard_launches()
        raise
    jobs.launch_committed()
    jobs.wait_for_threads()  # the process ends with the command
    return result


def cleaned_arguments(command: Callable[..., T]) -> Callable[..., T]:
    """Clean every text argument and option of a command, as a form field is cleaned: what
    an operator pastes into a terminal (direction marks, presentation forms) is read alike."""

    @functools.wraps(command)
    def wrapper(*args, **options):
        cleaned = {
            name: clean(value) if isinstance(value, str) else value
            for name, value in options.items()
        }
        return command(*args, **cleaned)

    return wrapper
