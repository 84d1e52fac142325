"""Hand-overs: a household handed from one team to another, the teams kept on as collaborators,
and disclosures to security bodies and courts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.reference.models import Agency, Team
from app.registry.models import Household, Member

PENDING, ACCEPTED, DECLINED, CANCELLED = "pending", "accepted", "declined", "cancelled"
STATE_LABELS = {
    PENDING: _l("waiting for an answer"),
    ACCEPTED: _l("accepted"),
    DECLINED: _l("declined"),
    CANCELLED: _l("withdrawn"),
}


class Decided:
    """A request someone answered: who, when, and their note; `close` records it."""

    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)

    @declared_attr
    def decided_by(cls) -> Mapped[User | None]:
        return relationship(foreign_keys=f"{cls.__name__}.decided_by_id")

    def close(self, state: str, actor: User, note: str | None = None) -> None:
        self.state = state
        self.decided_by = actor
        self.decided_at = utcnow()
        self.decision_note = (note or "").strip() or None


class Transfer(Decided, db.Model):
    __tablename__ = "transfers"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    from_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    to_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    keep_collaborator: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default=PENDING)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    household: Mapped[Household] = relationship()
    from_team: Mapped[Team] = relationship(foreign_keys=[from_team_id])
    to_team: Mapped[Team] = relationship(foreign_keys=[to_team_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])

    __table_args__ = (
        # One open hand-over per household at a time.
        Index(
            "uq_transfers_one_pending",
            "household_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )


class Collaboration(db.Model):
    """A team that handed a household over and kept working on it (see the access policy)."""

    __tablename__ = "collaborations"
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True, index=True)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))

    team: Mapped[Team] = relationship()


# A disclosure's states: asked, then approved (the data is handed over) or refused, or withdrawn.
REQUESTED, APPROVED, REFUSED, WITHDRAWN = "requested", "approved", "refused", "withdrawn"
DISCLOSURE_STATES = {
    REQUESTED: _l("waiting for a supervisor's approval"),
    APPROVED: _l("disclosed"),
    REFUSED: _l("refused"),
    WITHDRAWN: _l("withdrawn"),
}


class Disclosure(Decided, db.Model):
    """Data of a household (or one member) handed to a security body or a court, under a
    data-sharing agreement. `snapshot` is exactly what was handed over, fixed at approval."""

    __tablename__ = "disclosures"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    # A member removed from the household later stays in the snapshot.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    agreement_reference: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(Text)
    groups: Mapped[str] = mapped_column(String(120))  # field groups, comma-separated
    state: Mapped[str] = mapped_column(String(12), default=REQUESTED)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    household: Mapped[Household] = relationship()
    member: Mapped[Member | None] = relationship()
    agency: Mapped[Agency] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])

    @property
    def group_list(self) -> list[str]:
        return [g for g in self.groups.split(",") if g]
