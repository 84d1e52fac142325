"""What record linkage keeps: the blocking keys of every person, the pairs of possible
duplicates with the judgement people made on them, and the merges made from those judgements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.registry.models import Household, Member


class IdentityKey(db.Model):
    """One blocking key of one person (app.identity.blocking): persons who share a key are
    compared. The primary key's index, led by `key`, serves the look-up."""

    __tablename__ = "identity_keys"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PairStatus:
    OPEN = "open"  # waiting for a person to judge it
    SAME = "same"  # the same person; may be merged
    NOT_SAME = "not_same"  # different people: not raised again while neither record changes
    UNSURE = "unsure"  # judged, but not decided: stays in the queue
    MERGED = "merged"  # judged the same and merged (undoing the merge sets it back to SAME)

    JUDGEMENTS = (SAME, NOT_SAME, UNSURE)
    WAITING = (OPEN, UNSURE)


class DuplicatePair(db.Model):
    """Two persons the matcher proposed as possibly one. `first_member_id` < `second_member_id`,
    so a pair is stored once. The digests are those of both records when the pair was last
    scored or judged: a "not the same" judgement stands while they are unchanged."""

    __tablename__ = "duplicate_pairs"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    second_member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    probability: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(40))
    # Each feature's level and weight, without the values compared (read live, in scope).
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20))  # registration, scan, import
    status: Mapped[str] = mapped_column(String(12), default=PairStatus.OPEN, index=True)
    first_digest: Mapped[str] = mapped_column(String(40))
    second_digest: Mapped[str] = mapped_column(String(40))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    first: Mapped[Member] = relationship(foreign_keys=[first_member_id])
    second: Mapped[Member] = relationship(foreign_keys=[second_member_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (UniqueConstraint("first_member_id", "second_member_id"),)

    @property
    def members(self) -> tuple[Member, Member]:
        return self.first, self.second


class Merge(db.Model):
    """One merge of a retired person (and, when asked, their whole household) into a kept one.

    `moved` lists every row changed, as {"table", "column", "key_columns", "keys", "from",
    "to"} (see `app.identity.merging`), so that undoing puts each back exactly; nothing is
    deleted by a merge.
    """

    __tablename__ = "identity_merges"
    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("duplicate_pairs.id"), index=True)
    kept_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    retired_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kept_household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    retired_household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    households_merged: Mapped[bool] = mapped_column(default=False)
    moved: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    merged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undo_reason: Mapped[str | None] = mapped_column(Text)

    pair: Mapped[DuplicatePair] = relationship()
    kept_household: Mapped[Household] = relationship(foreign_keys=[kept_household_id])
    retired_household: Mapped[Household] = relationship(foreign_keys=[retired_household_id])
    merged_by: Mapped[User] = relationship(foreign_keys=[merged_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])

    __table_args__ = (Index("ix_identity_merges_households", "kept_household_id"),)
