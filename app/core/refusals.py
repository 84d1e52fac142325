"""What a refused request keeps besides its audit entries.

The request cycle rolls back a request answered with an error (`app.core.request_cycle`), so
that a refused action leaves nothing behind. A few facts about the refusal itself must
survive it: a wrong password given again before a sensitive action counts toward the login
lockout (`app.auth.reauth`) although the action is refused. Such writes are set aside here and
run after the rollback, in the transaction that keeps the refusal's audit entries.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import g, has_app_context

_KEPT = "_awda_kept_on_refusal"


def keep_on_refusal(write: Callable[[], None]) -> None:
    """Run `write` (it flushes; it does not commit) after this request's rollback, if the
    request is refused. A request that succeeds commits what it flushed itself instead."""
    if has_app_context():
        g.setdefault(_KEPT, []).append(write)


def write_kept() -> bool:
    """Run what the refused request set aside, once; True if there was anything (the caller
    commits)."""
    kept = g.pop(_KEPT, []) if has_app_context() else []
    for write in kept:
        write()
    return bool(kept)
