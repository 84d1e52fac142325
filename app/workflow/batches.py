"""Marking every household of a return batch as arrived, in one step."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.access import visible_households
from app.auth.models import User
from app.extensions import db
from app.reference.models import ReturnBatch
from app.registry.models import Household
from app.workflow import services
from app.workflow.stages import Stage


@dataclass
class BatchPlan:
    movable: list[Household] = field(default_factory=list)
    refused: list[tuple[Household, str]] = field(default_factory=list)


def plan_arrival(user: User, batch: ReturnBatch) -> BatchPlan:
    """Which of the batch's households (that the user may see) can be marked arrived, and why
    the others cannot."""
    plan = BatchPlan()
    stmt = visible_households(user).where(Household.batch_id == batch.id)
    for household in db.session.scalars(stmt.order_by(Household.case_number)):
        try:
            services.check_move(household, Stage.ARRIVED, user)
        except services.MoveRefused as refused:
            plan.refused.append((household, "; ".join(refused.messages)))
        else:
            plan.movable.append(household)
    return plan


def mark_arrived(user: User, batch: ReturnBatch) -> BatchPlan:
    """Move every household that can move; the others are left as they were."""
    plan = plan_arrival(user, batch)
    for household in plan.movable:
        services.move(household, Stage.ARRIVED, user)
    return plan


def batch_or_none(batch_id: int) -> ReturnBatch | None:
    return db.session.scalar(sa.select(ReturnBatch).where(ReturnBatch.id == batch_id))
