"""Assessments: saving a new version, reading the current one, and the facts the workflow's
preconditions need."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.registry.models import Household
from app.screening.models import Assessment

VETTING_AGE = 15  # members this old or older are vetted


def current(household: Household, kind: str, member_id: int | None = None) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment).where(
            Assessment.household_id == household.id,
            Assessment.kind == kind,
            Assessment.member_id.is_(None)
            if member_id is None
            else Assessment.member_id == member_id,
            Assessment.current,
        )
    )


def vetting_complete(household: Household) -> bool:
    """Every member of vetting age, unless routed apart, has a current 'cleared' outcome."""
    today = date.today()
    outcomes = {
        a.member_id: a.data.get("outcome")
        for a in db.session.scalars(
            sa.select(Assessment).where(
                Assessment.household_id == household.id,
                Assessment.kind == "vetting",
                Assessment.current,
            )
        )
    }
    to_vet = [m for m in household.members if m.age_on(today) >= VETTING_AGE and not m.route]
    return all(outcomes.get(m.id) == "cleared" for m in to_vet)


def community_acceptance_granted(household: Household) -> bool:
    record = current(household, "acceptance")
    if record is None:
        return False
    data = record.data
    return bool(
        data.get("mukhtar_letter")
        and data.get("committee_decision") == "approved"
        and data.get("destination_confirmed")
    )
