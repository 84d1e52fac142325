"""What follows from a move, beyond the move itself."""

from __future__ import annotations

from app.auth.models import User
from app.registry.models import Household
from app.workflow.stages import Stage

FOLLOW_UP_AFTER_DAYS = 30


def after_move(household: Household, transition, actor: User) -> None:
    if transition.target == Stage.RETURNED:
        from app.tasks.services import schedule_follow_up

        schedule_follow_up(household, actor, days=FOLLOW_UP_AFTER_DAYS)
