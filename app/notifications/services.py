"""Notifications: made by the services where things happen (one call each, after their own
flush), by the screening jobs and by the morning's job for what falls due; read through the
access policy as it stands when they are read.

Who is told what:

- a referral sent: the receiving agency's focal points; accepted, declined or completed, or
  overdue (sent and not accepted by its due date): the person who made it;
- an approval asked: those who may decide it (`app.workflow.approvals.deciders_of`); given or
  returned: the person who asked;
- a hand-over asked: the receiving team's supervisors; accepted or declined: the person who
  asked;
- a task due tomorrow, or overdue: the person it is given to (`notify_due`, every morning);
- a transfer list's import done, stopped or failed: the supervisor who committed it;
- new screening alerts: every screener, one notification per screening job that raised any
  ("N new screening alerts"), added to their unread one when there is one.

Nobody is told of what they did themselves. Services flush; the request, command or job commits.

A notification is listed and counted only while its reader may see what it is about
(`visible`, one SQL condition): the household (approvals, tasks), the referral, the hand-over or
the transfer list through the access policy's own scoped queries, the screening alerts as a
screener. One about a household the reader can no longer see is left out, not shown redacted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.orm import selectinload

from app import jobs
from app.access import Action, can
from app.access.policy import (
    in_scope,
    visible_imports,
    visible_referrals,
    visible_transfers,
)
from app.access.roles import Role
from app.auth.models import User
from app.core.dates import local_today
from app.core.db import utcnow
from app.core.locks import take_turns
from app.core.pagination import Page, paginate
from app.extensions import db
from app.notifications import mailing
from app.notifications.models import Kind, Notification, Target
from app.registry.models import Household

DUE_JOB = "notifications.due_tasks"
# The menu counts unread notifications up to this many (and shows this many + 1 beyond).
COUNT_CAP = 999
# Tasks: "due" is told once, whether on the day before (the usual case) or on the day itself
# (a task given after that morning's run, due the next day).
TASK_DUE = (Kind.TASK_DUE_TOMORROW, Kind.TASK_DUE_TODAY)


# --- telling ------------------------------------------------------------------------------


def _tell(
    user_ids: Iterable[int | None],
    kind: str,
    target_type: str,
    target_id: int | None,
    household_id: int | None = None,
    actor_id: int | None = None,
    count: int = 1,
) -> int:
    """One notification for each user named (once each), but the one who acted."""
    users = sorted({u for u in user_ids if u is not None and u != actor_id})
    for user_id in users:
        db.session.add(_new(user_id, kind, target_type, target_id, household_id, count))
    if users:
        db.session.flush()
        mailing.after_commit(users)
    return len(users)


def _new(
    user_id: int,
    kind: str,
    target_type: str,
    target_id: int | None,
    household_id: int | None,
    count: int = 1,
) -> Notification:
    return Notification(
        user_id=user_id,
        kind=kind,
        household_id=household_id,
        target_type=target_type,
        target_id=target_id,
        count=count,
    )


def _holding(role: Role, *conditions: sa.ColumnElement[bool]) -> list[int]:
    """The active users holding `role` (as their role or a second one) who meet `conditions`."""
    stmt = sa.select(User.id).where(User.holding(role), User.active.is_(True), *conditions)
    return list(db.session.scalars(stmt))


_REFERRAL_ANSWERS = {
    "accept": Kind.REFERRAL_ACCEPTED,
    "decline": Kind.REFERRAL_DECLINED,
    "complete": Kind.REFERRAL_COMPLETED,
}


def referral_moved(referral, action: str, actor: User) -> None:
    """A referral changed (app.referrals.services.move): sent, the receiving agency's focal
    points are told; accepted, declined or completed, the person who made it."""
    if action == "send":
        focal_points = _holding(Role.AGENCY_FOCAL, User.agency_id == referral.agency_id)
        kind = Kind.REFERRAL_RECEIVED
        _tell(focal_points, kind, Target.REFERRAL, referral.id, referral.household_id, actor.id)
    elif action in _REFERRAL_ANSWERS:
        kind = _REFERRAL_ANSWERS[action]
        sender = [referral.created_by_id]
        _tell(sender, kind, Target.REFERRAL, referral.id, referral.household_id, actor.id)


def approval_asked(request) -> None:
    """A request for approval was made: those who may decide it are told."""
    from app.workflow.approvals import deciders_of

    deciders = [user.id for user in deciders_of(request)]
    _tell(
        deciders,
        Kind.APPROVAL_ASKED,
        Target.APPROVAL,
        request.id,
        request.household_id,
        request.requested_by_id,
    )


def approval_decided(request) -> None:
    """A request was approved or returned: the person who asked is told."""
    from app.workflow.models import APPROVED, RETURNED

    kind = {APPROVED: Kind.APPROVAL_GIVEN, RETURNED: Kind.APPROVAL_RETURNED}.get(request.status)
    if kind is not None:
        asker = [request.requested_by_id]
        _tell(asker, kind, Target.APPROVAL, request.id, request.household_id, request.decided_by_id)


def handover_asked(transfer) -> None:
    """A hand-over was asked: the receiving team's supervisors, who answer it, are told."""
    from app.workflow.approvals import handover_answerers

    answerers = [user.id for user in handover_answerers(transfer.to_team_id)]
    _tell(
        answerers,
        Kind.HANDOVER_ASKED,
        Target.TRANSFER,
        transfer.id,
        transfer.household_id,
        transfer.requested_by_id,
    )


def handover_decided(transfer) -> None:
    """A hand-over was accepted or declined: the person who asked is told."""
    from app.transfers.models import ACCEPTED, DECLINED

    kind = {ACCEPTED: Kind.HANDOVER_ACCEPTED, DECLINED: Kind.HANDOVER_DECLINED}.get(transfer.state)
    if kind is not None:
        asker = [transfer.requested_by_id]
        _tell(
            asker, kind, Target.TRANSFER, transfer.id, transfer.household_id, transfer.decided_by_id
        )


def import_finished(imported) -> None:
    """A transfer list's import ended (done, stopped or failed): the supervisor who committed
    it is told. Any other status tells no one."""
    from app.imports.models import ImportStatus

    kind = {
        ImportStatus.DONE: Kind.IMPORT_DONE,
        ImportStatus.CANCELLED: Kind.IMPORT_CANCELLED,
        ImportStatus.FAILED: Kind.IMPORT_FAILED,
    }.get(imported.status)
    if kind is not None:
        _tell([imported.committed_by_id], kind, Target.IMPORT, imported.id)


def screening_alerts(raised: int) -> None:
    """A screening job raised `raised` alerts: every screener is told, once for the job. A
    screener with an unread notification of new alerts has its number raised instead, so that
    a list imported in many chunks (a screening job each) makes one notification, not dozens."""
    if raised <= 0:
        return
    screeners = _holding(Role.SCREENER)
    if not screeners:
        return
    unread = sa.and_(
        Notification.user_id.in_(screeners),
        Notification.kind == Kind.SCREENING_ALERTS,
        Notification.read_at.is_(None),
    )
    told = set(db.session.scalars(sa.select(Notification.user_id).where(unread)))
    if told:
        db.session.execute(
            sa.update(Notification)
            .where(unread)
            .values(count=Notification.count + raised, created_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    others = [user_id for user_id in screeners if user_id not in told]
    _tell(others, Kind.SCREENING_ALERTS, Target.ALERTS, None, count=raised)
    mailing.after_commit(told)
    db.session.flush()


# --- what falls due: every morning ------------------------------------------------------------


def _told(user_id, target_type: str, target_id, kinds: Iterable[str]) -> sa.Exists:
    """SQL: the user was already told one of `kinds` about this record."""
    return sa.exists().where(
        Notification.user_id == user_id,
        Notification.target_type == target_type,
        Notification.target_id == target_id,
        Notification.kind.in_(list(kinds)),
    )


@jobs.periodic(DUE_JOB, "0 6 * * *")
def notify_due() -> int:
    """Tell each open task's assignee the day before it is due and once it is overdue, and
    each referral's maker once it is overdue (`app.referrals.services.is_overdue`): once per
    task or referral and kind, however often this runs. Returns how many were made."""
    from app.referrals.models import Referral
    from app.tasks.models import Task

    take_turns(DUE_JOB)  # two runs at once: the second waits, then finds the first's
    today = local_today()
    tomorrow = today + timedelta(days=1)
    open_tasks = (
        sa.select(Task.assigned_to_id, Task.id, Task.household_id, Task.due_on)
        .join(Household, Household.id == Task.household_id)
        .where(
            Task.done_at.is_(None),
            Task.assigned_to_id.is_not(None),
            Household.merged_into_id.is_(None),
        )
    )
    due = open_tasks.where(
        Task.due_on.between(today, tomorrow),
        ~_told(Task.assigned_to_id, Target.TASK, Task.id, TASK_DUE),
    )
    overdue = open_tasks.where(
        Task.due_on < today,
        ~_told(Task.assigned_to_id, Target.TASK, Task.id, [Kind.TASK_OVERDUE]),
    )
    late = sa.select(Referral.created_by_id, Referral.id, Referral.household_id).where(
        # As `is_overdue` says it, in SQL: sent and not accepted by its due date.
        Referral.state == "sent",
        Referral.due_on < today,
        ~_told(Referral.created_by_id, Target.REFERRAL, Referral.id, [Kind.REFERRAL_OVERDUE]),
    )
    made = [
        *(
            _new(user_id, kind, Target.TASK, task_id, household_id)
            for user_id, task_id, household_id, due_on in db.session.execute(due).all()
            for kind in [Kind.TASK_DUE_TOMORROW if due_on == tomorrow else Kind.TASK_DUE_TODAY]
        ),
        *(
            _new(user_id, Kind.TASK_OVERDUE, Target.TASK, task_id, household_id)
            for user_id, task_id, household_id, _due_on in db.session.execute(overdue).all()
        ),
        *(
            _new(user_id, Kind.REFERRAL_OVERDUE, Target.REFERRAL, referral_id, household_id)
            for user_id, referral_id, household_id in db.session.execute(late).all()
        ),
    ]
    db.session.add_all(made)
    db.session.flush()
    return len(made)


# --- reading ------------------------------------------------------------------------------


def visible(user: User) -> sa.ColumnElement[bool]:
    """SQL: the user's own notifications about what the access policy lets them see now."""
    shown: list[sa.ColumnElement[bool]] = []
    if can(user, Action.HOUSEHOLD_VIEW):
        readable = in_scope(Notification.household_id, user, Action.HOUSEHOLD_VIEW)
        shown.append(
            sa.and_(Notification.target_type.in_((Target.APPROVAL, Target.TASK)), readable)
        )
    if can(user, Action.REFERRAL_INBOX) or can(user, Action.REFER):
        from app.referrals.models import Referral

        referrals = visible_referrals(user).with_only_columns(Referral.id)
        shown.append(_pointing_to(Target.REFERRAL, referrals))
    if can(user, Action.TRANSFER_INBOX):
        from app.transfers.models import Transfer

        shown.append(
            _pointing_to(Target.TRANSFER, visible_transfers(user).with_only_columns(Transfer.id))
        )
    if can(user, Action.IMPORT_LISTS):
        from app.imports.models import ListImport

        shown.append(
            _pointing_to(Target.IMPORT, visible_imports(user).with_only_columns(ListImport.id))
        )
    if can(user, Action.WATCHLIST_SCREEN):
        shown.append(Notification.target_type == Target.ALERTS)
    return sa.and_(Notification.user_id == user.id, sa.or_(sa.false(), *shown))


def _pointing_to(target_type: str, ids: sa.Select) -> sa.ColumnElement[bool]:
    """SQL: a notification about one of the records `ids` selects (a query of their ids). Asked
    of each notification at hand by its target's key (a correlated EXISTS), never by listing
    every record the user may see: the menu counts them on every page."""
    target = ids.selected_columns[0]
    pointed = ids.where(target == Notification.target_id).exists()
    return sa.and_(Notification.target_type == target_type, pointed)


def unread_count(user: User) -> int:
    """Unread notifications the user may read: one COUNT, up to `COUNT_CAP` + 1."""
    unread = (
        sa.select(Notification.id)
        .where(visible(user), Notification.read_at.is_(None))
        .limit(COUNT_CAP + 1)
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(unread.subquery())) or 0


def page_of(user: User, page: int) -> Page:
    """One page of the user's notifications, newest first."""
    stmt = (
        sa.select(Notification)
        .where(visible(user))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    per_page = current_app.config["PAGE_SIZE"]
    return paginate(stmt, Notification, page, per_page, (selectinload(Notification.household),))


def readable(user: User, notification_id: int) -> Notification | None:
    """The notification, if it is the user's and about what they may see; else None."""
    stmt = sa.select(Notification).where(Notification.id == notification_id, visible(user))
    return db.session.scalar(stmt)


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    """Every unread notification of the user read (those they may no longer see too: they
    will never be shown); returns how many."""
    done = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return done.rowcount or 0


# --- where a notification leads (what it says: notifications/_message.html) -----------------


def _household_page(n: Notification, anchor: str | None = None) -> str:
    return url_for("registry.view", household_id=n.household_id, _anchor=anchor)


def _referral_page(n: Notification) -> str:
    return url_for("referrals.show", referral_id=n.target_id)


def _import_page(n: Notification) -> str:
    return url_for("imports.view", import_id=n.target_id)


def _inbox(n: Notification) -> str:
    return url_for("transfers.inbox")


def _tasks(n: Notification) -> str:
    return _household_page(n, "tasks")


_LINKS: dict[str, Callable[[Notification], str]] = {
    Kind.REFERRAL_RECEIVED: _referral_page,
    Kind.REFERRAL_ACCEPTED: _referral_page,
    Kind.REFERRAL_DECLINED: _referral_page,
    Kind.REFERRAL_COMPLETED: _referral_page,
    Kind.REFERRAL_OVERDUE: _referral_page,
    Kind.APPROVAL_ASKED: lambda n: url_for("workflow.review_queue"),
    Kind.APPROVAL_GIVEN: _household_page,
    Kind.APPROVAL_RETURNED: _household_page,
    Kind.HANDOVER_ASKED: _inbox,
    Kind.HANDOVER_ACCEPTED: _inbox,
    Kind.HANDOVER_DECLINED: _inbox,
    Kind.TASK_DUE_TOMORROW: _tasks,
    Kind.TASK_DUE_TODAY: _tasks,
    Kind.TASK_OVERDUE: _tasks,
    Kind.IMPORT_DONE: _import_page,
    Kind.IMPORT_CANCELLED: _import_page,
    Kind.IMPORT_FAILED: _import_page,
    Kind.SCREENING_ALERTS: lambda n: url_for("watchlist.alerts"),
}


def link(n: Notification) -> str:
    """The page a notification leads to (the list itself for a kind this release does not
    know)."""
    page = _LINKS.get(n.kind)
    return page(n) if page is not None else url_for("notifications.index")
