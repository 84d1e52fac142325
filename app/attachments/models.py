"""What an attachment keeps: who and what it is about, its kind, date and field group (which
decides who may see it), and the SHA-256 of its content, which names the stored file. The
content itself lives outside the database (app.attachments.storage)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.registry.models import Household, Member


class Attachment(db.Model):
    """One document or photo on a household's file (`member_id` None) or a member's.

    `group` is a FieldGroup value: only readers of that group see or download it. `sha256`
    names the stored content, which is never the uploaded name; `filename` is that name,
    cleaned, for people. Removing keeps the row (who, when, why) and deletes the content
    when no other attachment holds it."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # app.attachments.vocab.KINDS
    group: Mapped[str] = mapped_column(String(20))  # app.access.FieldGroup
    dated: Mapped[date] = mapped_column(Date)  # the document's date, or the photo's
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))  # image/jpeg, image/png, application/pdf
    size: Mapped[int] = mapped_column(Integer)  # bytes, as stored (re-encoded for photos)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removal_reason: Mapped[str | None] = mapped_column(Text)

    household: Mapped[Household] = relationship()
    member: Mapped[Member | None] = relationship()
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])
