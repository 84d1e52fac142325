"""E-mail that tells people their work is waiting: a count and a link, in the reader's own
language, never anything about a returnee (no name, no case number: e-mail leaves Awda's
control). Sent through SMTP by Flask-Mail, the Pallets community's extension, only when a
server is configured (`MAIL_SERVER`) and only to users who asked for it on their account page.

- When notifications are made, a job (`notifications.email`) runs after the commit and writes
  to each of their readers who asked: "N notifications wait for you".
- Every morning after the due-work job, `notifications.daily_digest` writes to each who asked
  and has unread notifications, with how many are about overdue work.

Both count only what the reader may still see (`services.unread_count`).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_mail import Message

from app import jobs
from app.auth.models import User
from app.extensions import db, mail

from .models import Kind, Notification

log = logging.getLogger(__name__)

EMAIL_JOB = "notifications.email"
DIGEST_JOB = "notifications.daily_digest"
OVERDUE = (Kind.TASK_OVERDUE, Kind.REFERRAL_OVERDUE)


def enabled() -> bool:
    """Whether this deployment sends e-mail at all."""
    return bool(current_app.config.get("MAIL_SERVER"))


def after_commit(user_ids: Iterable[int]) -> None:
    """Write to those of `user_ids` who asked for e-mail, once this request or job commits."""
    ids = sorted(set(user_ids))
    if ids and enabled():
        jobs.launch_on_commit(EMAIL_JOB, user_ids=ids)


def _readers(user_ids: Iterable[int] | None = None) -> list[User]:
    stmt = sa.select(User).where(
        User.active, User.email_notifications, User.email.is_not(None), User.email != ""
    )
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(list(user_ids)))
    return list(db.session.scalars(stmt))


@jobs.task(EMAIL_JOB)
def send_waiting(user_ids: list[int]) -> int:
    """Write "N notifications wait for you" to each of `user_ids` who asked and has any
    unread. Returns how many e-mails were sent."""
    from .services import unread_count

    sent = 0
    for user in _readers(user_ids):
        waiting = unread_count(user)
        if waiting:
            sent += _send(user, _l("Awda: work is waiting for you"), _waiting_text(user, waiting))
    return sent


@jobs.periodic(DIGEST_JOB, "30 6 * * *")
def daily_digest() -> int:
    """Every morning, to each user who asked and has unread notifications: how many, and how
    many of them are about overdue work. Returns how many e-mails were sent."""
    from .services import unread_count, visible

    if not enabled():
        return 0
    sent = 0
    for user in _readers():
        waiting = unread_count(user)
        if not waiting:
            continue
        overdue = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.read_at.is_(None),
                Notification.kind.in_(OVERDUE),
                visible(user),
            )
        )
        body = _digest_text(user, waiting, overdue or 0)
        sent += _send(user, _l("Awda: your day's work"), body)
    return sent


def _link() -> str:
    return f"{current_app.config['BASE_URL']}/notifications/"


def _waiting_text(user: User, waiting: int) -> str:
    with force_locale(user.locale):
        return _(
            "Notifications waiting for you in Awda: %(count)s.\n\nOpen them: %(link)s\n\n"
            "You receive this because you asked for e-mail on your account page.",
            count=waiting,
            link=_link(),
        )


def _digest_text(user: User, waiting: int, overdue: int) -> str:
    with force_locale(user.locale):
        return _(
            "Notifications waiting for you in Awda: %(count)s, of them about overdue work: "
            "%(overdue)s.\n\nOpen them: %(link)s\n\n"
            "You receive this because you asked for e-mail on your account page.",
            count=waiting,
            overdue=overdue,
            link=_link(),
        )


def _send(user: User, subject, body: str) -> int:
    """Send one message (`subject` a lazy string, told in the user's language); a server that
    refuses is logged, never fatal to the job."""
    with force_locale(user.locale):
        message = Message(subject=str(subject), recipients=[user.email], body=body)
    try:
        mail.send(message)
    except (smtplib.SMTPException, OSError):
        log.exception("e-mail to user %s not sent", user.id)
        return 0
    return 1
