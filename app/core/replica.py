"""The read replica: where the figures and the case export read their rows when
AWDA_REPLICA_URL names a streaming replica of the database (`config.replica_binds`).

Only statements that read many rows to count them or copy them out, and change nothing, go
there (`reading_connection`). Everything that writes stays on the primary, through the request's
session: a hot standby refuses it ("cannot execute INSERT in a read-only transaction"), and the
audit entry of an export must be written whatever copy its rows came from. So do the pages about
a household, its lists and forms: a replica replays the primary's saves a moment later, and
whoever has just saved must see what they saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from config import REPLICA_BIND


def replica_configured() -> bool:
    """Whether this app reads figures and exports from a replica (AWDA_REPLICA_URL)."""
    return REPLICA_BIND in (current_app.config.get("SQLALCHEMY_BINDS") or {})


@contextmanager
def reading_connection() -> Iterator[sa.Connection]:
    """A connection for heavy read-only statements: a connection of its own to the replica
    (its read-only transaction ended on leaving), or, with no replica configured, the request
    session's own connection (its transaction left to the request, as before)."""
    if not replica_configured():
        yield db.session.connection()
        return
    with db.engines[REPLICA_BIND].connect() as connection:
        yield connection
