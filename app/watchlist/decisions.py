"""Screeners' decisions on alerts, with the four-eyes rule for a match.

A screener answers an alert: not the person, possible, or the person, always with a reason.
"The person" from one screener leaves the alert pending; a second screener confirms it (the
same answer from someone else) or answers otherwise, which the alert then shows. The screener
who said "the person" cannot confirm their own answer, and another's "not the person" leaves it
possible rather than clearing it alone. Every answer is kept
(`AlertDecision`) and audited.

A confirmed match is recorded on the person's vetting record: an event of the case history
only screeners see (other readers are not told it exists), and the alert on the vetting
panel of the household page. Nothing here changes the household's stage, its vetting outcome
or a member's route: the screener acts through the existing workflow.

Functions flush; the caller commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.access import FieldGroup
from app.audit import services as audit
from app.auth.models import User
from app.core.db import utcnow
from app.core.validation import ValidationFailed
from app.extensions import db
from app.history.services import record
from app.watchlist.models import AlertDecision, AlertStatus, WatchAlert

THE_PERSON = "the_person"
ANSWERS = (AlertStatus.NOT_PERSON, AlertStatus.POSSIBLE, THE_PERSON)
ONLY_FOR = "only"  # a case-history event shown to the readers of one field group, no one else


def decide(
    alert: WatchAlert, answer: str, reason: str, actor: User, seen: int | None = None
) -> WatchAlert:
    """Record `actor`'s `answer` (one of `ANSWERS`) on `alert`, with `reason`; `seen` is how
    many answers the alert had when the screener read it (None: not checked).

    Raises ValidationFailed (fields `answer`, `reason`, or None for the whole alert) when the
    answer is unknown, the reason empty, the alert already confirmed or withdrawn, answered
    by someone since the screener read it, or when the screener who said "the person" tries
    to confirm it themselves."""
    reason = (reason or "").strip()
    if seen is not None and seen != len(alert.decisions):
        raise ValidationFailed({None: [str(_ANSWERED_MEANWHILE)]})
    _check(alert, answer, reason, actor)
    before = alert.status
    status = _status_after(alert, answer)
    db.session.add(AlertDecision(alert=alert, decision=answer, reason=reason, decided_by=actor))
    alert.status, alert.decided_at = status, utcnow()
    # The decision holds for these very records (see app.watchlist.screening.keep_alert).
    alert.member_digest = alert.member.identity_digest or alert.member_digest
    alert.entry_digest = alert.entry.digest
    db.session.flush()
    audit.record(
        "watchlist.decided",
        target=f"alert:{alert.id}",
        change=True,
        user=actor,
        answer=answer,
        before=before,
        after=status,
    )
    if status == AlertStatus.CONFIRMED:
        _record_on_vetting(alert, actor)
    return alert


_ANSWERED_MEANWHILE = _l(
    "Another screener answered this alert while you were reading it. Read their answer below,"
    " then give yours."
)


def _check(alert: WatchAlert, answer: str, reason: str, actor: User) -> None:
    errors: dict[str | None, list[str]] = {}
    if alert.status == AlertStatus.CONFIRMED:
        errors[None] = [str(_l("Two screeners confirmed this match; it is on the vetting record."))]
    elif alert.status == AlertStatus.WITHDRAWN:
        errors[None] = [str(_l("The list no longer holds this entry; there is nothing to decide."))]
    if answer not in ANSWERS:
        errors["answer"] = [str(_l("Choose one of the three answers."))]
    if not reason:
        errors["reason"] = [str(_l("Say why: what you compared, what you checked."))]
    if not errors and answer == THE_PERSON and first_to_say_the_person(alert) == actor.id:
        errors["answer"] = [
            str(_l("You said this is the person. A second screener must confirm it."))
        ]
    if errors:
        raise ValidationFailed(errors)


def _status_after(alert: WatchAlert, answer: str) -> str:
    """A second "the person" confirms; a first waits. One screener's "not the person" does not
    clear another's "the person" alone: the alert stays in the queue as possible."""
    if answer == THE_PERSON:
        pending = alert.status == AlertStatus.PENDING
        return AlertStatus.CONFIRMED if pending else AlertStatus.PENDING
    if alert.status == AlertStatus.PENDING and answer == AlertStatus.NOT_PERSON:
        return AlertStatus.POSSIBLE
    return answer


def first_to_say_the_person(alert: WatchAlert) -> int | None:
    """The id of the screener whose "the person" left `alert` pending; None unless pending."""
    if alert.status != AlertStatus.PENDING:
        return None
    return db.session.scalar(
        sa.select(AlertDecision.decided_by_id)
        .where(AlertDecision.alert_id == alert.id, AlertDecision.decision == THE_PERSON)
        .order_by(AlertDecision.id.desc())
        .limit(1)
    )


def _record_on_vetting(alert: WatchAlert, actor: User) -> None:
    member = alert.member
    # The list and the entry stay on the alert: the event (and the audit trail, which reads
    # it) names the alert alone.
    record(
        member.household,
        "watchlist_match_confirmed",
        actor,
        member_id=member.id,
        alert=alert.id,
        **{ONLY_FOR: FieldGroup.VETTING.value},
    )
