"""The referral lists: what one side sees, filtered by state, service and overdue."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.access.policy import visible_referrals
from app.auth.models import User
from app.core.dates import local_today
from app.core.pagination import Page, count, paginate
from app.referrals.models import AgencyService, Referral


def referral_page(
    user: User, state: str, service: str, overdue: bool, page: int, mine: bool
) -> Page:
    stmt = visible_referrals(user)
    if mine:  # "shared by me": made by the user, or by their team when they supervise it
        stmt = stmt.where(Referral.created_by_id == user.id) if not _supervises(user) else stmt
    if state:
        stmt = stmt.where(Referral.state == state)
    if service:
        stmt = stmt.where(
            Referral.service_id.in_(
                sa.select(AgencyService.id).where(AgencyService.service == service)
            )
        )
    if overdue:
        stmt = stmt.where(Referral.state == "sent", Referral.due_on < local_today())
    stmt = stmt.order_by(Referral.due_on, Referral.id)
    loads = (
        selectinload(Referral.household),
        selectinload(Referral.member),
        selectinload(Referral.service).selectinload(AgencyService.agency),
        selectinload(Referral.created_by),
    )
    return paginate(stmt, Referral, page, current_app.config["PAGE_SIZE"], options=loads)


def waiting_for_answer(user: User) -> int:
    """Referrals sent to the user's agency that nobody there has answered yet."""
    return count(visible_referrals(user).where(Referral.state == "sent"))


def _supervises(user: User) -> bool:
    from app.access import Action, can

    return can(user, Action.TEAM_VIEW)
