"""A write that may be taken back within a larger transaction: a savepoint, with the audit
entries noted since it began (a household form that shows possible duplicates first; one
household of a transfer list that fails its checks while its chunk goes on)."""

from __future__ import annotations

from app.audit import services as audit
from app.core import locks


class Attempt:
    """`Attempt()` opens a savepoint; `rollback()` undoes the writes and forgets the audit
    entries since; `commit()` keeps them (the enclosing transaction still commits)."""

    def __init__(self) -> None:
        self.savepoint = locks.savepoint()
        self.mark = audit.checkpoint()

    def rollback(self) -> None:
        self.savepoint.rollback()
        audit.discard_since(self.mark)

    def commit(self) -> None:
        self.savepoint.commit()
