"""A notification for one user: its kind, the household it is about and the record it points to.
No free text: the message is composed at read time (app.notifications.services.shown)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import utcnow
from app.extensions import db
from app.registry.models import Household


class Kind:
    """What happened. Each kind has its target type, message and link (services.KINDS)."""

    REFERRAL_RECEIVED = "referral_received"  # to the receiving agency's focal points
    REFERRAL_ACCEPTED = "referral_accepted"  # to the sender, and the two below
    REFERRAL_DECLINED = "referral_declined"
    REFERRAL_COMPLETED = "referral_completed"
    REFERRAL_OVERDUE = "referral_overdue"  # sent, not accepted by its due date: to the sender
    APPROVAL_ASKED = "approval_asked"  # to those who may decide it
    APPROVAL_GIVEN = "approval_given"  # to the requester, and the one below
    APPROVAL_RETURNED = "approval_returned"
    HANDOVER_ASKED = "handover_asked"  # to the receiving team's supervisors
    HANDOVER_ACCEPTED = "handover_accepted"  # to the requester, and the one below
    HANDOVER_DECLINED = "handover_declined"
    TASK_DUE_TOMORROW = "task_due_tomorrow"  # to the task's assignee, and the two below
    TASK_DUE_TODAY = "task_due_today"  # given after the morning's run, due the next day
    TASK_OVERDUE = "task_overdue"
    IMPORT_DONE = "import_done"  # to the supervisor who committed the list, and the two below
    IMPORT_CANCELLED = "import_cancelled"
    IMPORT_FAILED = "import_failed"
    SCREENING_ALERTS = "screening_alerts"  # to screeners: `count` new alerts


class Target:
    """What a notification points to (`target_id` is that record's id)."""

    REFERRAL = "referral"
    APPROVAL = "approval"  # an approval request
    TRANSFER = "transfer"  # a hand-over
    TASK = "task"
    IMPORT = "import"  # a transfer list
    ALERTS = "alerts"  # the queue of screening alerts (no id)


class Notification(db.Model):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE")
    )
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=1)  # how many (screening alerts)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    household: Mapped[Household | None] = relationship()

    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    @property
    def unread(self) -> bool:
        return self.read_at is None
