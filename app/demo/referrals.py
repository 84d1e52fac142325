"""Demo referrals, made through the referral services as caseworkers and focal points would:
some sent and waiting, some accepted, one overdue, so every focal point's inbox has work."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.core.dates import local_today
from app.extensions import db
from app.referrals import services
from app.referrals.models import AgencyService
from app.registry.models import Household

REASONS = (
    "Needs a civil ID to enrol the children in school.",
    "Psychosocial support for the mother after the camp.",
    "Legal counselling on the spouse's missing death certificate.",
)


def generate_referrals(seed: int, per_service: int = 3) -> int:
    """Up to `per_service` referrals to each service offered, from households with a caseworker."""
    rng = random.Random(seed)
    offered = list(db.session.scalars(sa.select(AgencyService).order_by(AgencyService.id)))
    candidates = list(
        db.session.scalars(
            sa.select(Household)
            .where(Household.assigned_to_id.is_not(None))
            .order_by(Household.id)
            .limit(per_service * len(offered) * 2)
        )
    )
    rng.shuffle(candidates)
    made = 0
    for service in offered:
        for household in candidates[made : made + per_service]:
            _refer(rng, household, service)
            made += 1
    return made


def _refer(rng: random.Random, household: Household, service: AgencyService) -> None:
    today = local_today()
    overdue = rng.random() < 0.2
    referral = services.refer(
        household,
        services.ReferralInput(
            service_id=service.id,
            member_id=None,
            reason=rng.choice(REASONS),
            urgency=rng.choice(("routine", "routine", "priority")),
            due_on=today + timedelta(days=14),
            groups=[],
            consent_by=household.members[0].name_en or household.members[0].name_ar,
            consent_on=today - timedelta(days=rng.randint(0, 10)),
            consent_method=rng.choice(("verbal", "written")),
        ),
        household.assigned_to,  # type: ignore[arg-type]
    )
    if overdue:  # as if it had been sent weeks ago and nobody answered
        referral.due_on = today - timedelta(days=3)
    focal = db.session.scalar(
        sa.select(User).where(User.agency_id == service.agency_id, User.role == "agency_focal")
    )
    if focal is not None and not overdue and rng.random() < 0.5:
        services.move(referral, "accept", focal)
