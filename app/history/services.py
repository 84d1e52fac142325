"""Writing and reading the timeline. Services call `record` in the same transaction as the
change it tells of, so a change and its history entry land together or not at all."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.auth.models import User
from app.extensions import db
from app.history.models import CaseEvent
from app.registry.models import Household


def record(
    household: Household,
    kind: str,
    actor: User | None,
    *,
    member_id: int | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
    reason: str | None = None,
    **detail: Any,
) -> CaseEvent:
    event = CaseEvent(
        household_id=household.id,
        member_id=member_id,
        actor_id=actor.id if actor is not None else None,
        kind=kind,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=(reason or "").strip() or None,
        detail=detail,
    )
    db.session.add(event)
    db.session.flush()
    # Every change to a case is also in the audit trail; free text (reasons, notes) stays in the
    # case file, where its audience is controlled, and out of the audit trail.
    audit.record(
        f"case.{kind}",
        household_id=household.id,
        change=True,
        member_id=member_id,
        from_stage=from_stage,
        to_stage=to_stage,
        **_auditable(detail),
    )
    return event


def _auditable(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if k != "title"}


# Built once and reused with new values, as the household page's other reads: SQLAlchemy then
# neither builds nor keys the statement again (0.08 ms a statement; bench/page_costs.py).
_TIMELINE = (
    sa.select(CaseEvent)
    .where(CaseEvent.household_id == sa.bindparam("household_id"))
    .order_by(CaseEvent.id.desc())
    .limit(sa.bindparam("limit"))
    .options(joinedload(CaseEvent.actor), joinedload(CaseEvent.member))
)


def timeline(household: Household, limit: int = 200) -> list[CaseEvent]:
    """Newest first, at most `limit` events."""
    found = db.session.scalars(_TIMELINE, {"household_id": household.id, "limit": limit})
    return list(found)


def add_note(household: Household, text: str, actor: User, protection: bool = False) -> CaseEvent:
    """A caseworker's note on the timeline. Notes may hold sensitive detail, so they are read
    only by those who see the household's vulnerabilities (not, for instance, a screener); a
    protection-sensitive note only by the protection audience, who alone may write one."""
    from app.access import Action, FieldGroup, can, visible_groups
    from app.core.validation import ValidationFailed

    if not can(actor, Action.ASSESS, household):
        raise ValidationFailed({None: [str(_l("You may not add notes to this household."))]})
    group = FieldGroup.PROTECTION if protection else FieldGroup.VULNERABILITIES
    if group not in visible_groups(actor, household):
        raise ValidationFailed(
            {"protection": [str(_l("Only the assigned caseworker and their supervisor may."))]}
        )
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"text": [str(_l("Write the note first."))]})
    return record(household, "note", actor, reason=text, restricted=group.value)
