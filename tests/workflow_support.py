"""Putting a household where a workflow test needs it, without going through every stage."""

from __future__ import annotations

from app.extensions import db
from app.history.services import record
from app.screening.models import Assessment
from app.workflow.preconditions import (
    COMMUNITY_ACCEPTED,
    IN_A_BATCH,
    SECURITY_CLEARED,
    VETTING_RECORDED,
)


def put_at(household, stage: str) -> None:
    household.stage = stage
    db.session.commit()


def clear_vetting(household, author) -> None:
    """A current 'cleared' vetting record for every member."""
    for member in household.members:
        db.session.add(
            Assessment(
                household_id=household.id,
                member_id=member.id,
                kind="vetting",
                data={"outcome": "cleared"},
                author_id=author.id,
            )
        )
    db.session.commit()


def grant_acceptance(household, author) -> None:
    data = {"mukhtar_letter": True, "committee_decision": "approved", "destination_confirmed": True}
    db.session.add(
        Assessment(household_id=household.id, kind="acceptance", data=data, author_id=author.id)
    )
    db.session.commit()


def record_clearance(household, screener) -> None:
    record(household, "stage_changed", screener, from_stage="vetting", to_stage="cleared")
    db.session.commit()


def satisfy(transition, household, world) -> None:
    """Make every precondition of the transition hold."""
    for condition in transition.preconditions:
        if condition is IN_A_BATCH:
            household.batch_id = world.batch.id
            db.session.commit()
        elif condition is VETTING_RECORDED:
            clear_vetting(household, world.screener)
        elif condition is SECURITY_CLEARED:
            record_clearance(household, world.screener)
        elif condition is COMMUNITY_ACCEPTED:
            grant_acceptance(household, world.caseworker_a)
        else:  # a new precondition needs a way to satisfy it here
            raise AssertionError(f"no way to satisfy {condition.key}")
