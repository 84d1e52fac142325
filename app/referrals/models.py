"""Services agencies offer, referrals to them, and each referral's history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.reference.models import Agency
from app.registry.models import Household, Member


def _groups(text: str) -> list[str]:
    return [g for g in text.split(",") if g]


class AgencyService(db.Model):
    """A service an agency offers, and the field groups a referral to it may carry."""

    __tablename__ = "agency_services"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    service: Mapped[str] = mapped_column(String(40))
    allowed_groups: Mapped[str] = mapped_column(String(120), default="identity")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    agency: Mapped[Agency] = relationship()

    __table_args__ = (UniqueConstraint("agency_id", "service"),)

    @property
    def allowed(self) -> list[str]:
        return _groups(self.allowed_groups)


class Referral(db.Model):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("agency_services.id"))
    reason: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(12))
    due_on: Mapped[date] = mapped_column(Date)
    groups: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Consent: who gave it (the member, or a guardian for a child), when and how.
    consent_by: Mapped[str | None] = mapped_column(String(200))
    consent_as_guardian: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_on: Mapped[date | None] = mapped_column(Date)
    consent_method: Mapped[str | None] = mapped_column(String(12))
    # Without consent: a supervisor's override, with their reason.
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    household: Mapped[Household] = relationship()
    member: Mapped[Member | None] = relationship()
    agency: Mapped[Agency] = relationship()
    service: Mapped[AgencyService] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    override_by: Mapped[User | None] = relationship(foreign_keys=[override_by_id])
    events: Mapped[list[ReferralEvent]] = relationship(
        order_by="ReferralEvent.id", back_populates="referral"
    )

    @property
    def shared(self) -> list[str]:
        return _groups(self.groups)

    @property
    def has_consent(self) -> bool:
        return bool(self.consent_by and self.consent_on and self.consent_method)


class ReferralEvent(db.Model):
    """One change of a referral's state: who, when, and why (or the outcome)."""

    __tablename__ = "referral_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    referral: Mapped[Referral] = relationship(back_populates="events")
    actor: Mapped[User] = relationship()
