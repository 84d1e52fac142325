"""The review queue: requests for a supervisor's approval on the households the user may see."""

from __future__ import annotations

import sqlalchemy as sa

from app.access import visible_households
from app.auth.models import User
from app.core.pagination import count
from app.registry.models import Household
from app.workflow.approvals import households_to_decide
from app.workflow.models import PENDING, ApprovalRequest


def review_requests(user: User) -> sa.Select:
    """Pending requests on the households this user may see, and those they decide standing in
    for another team of their agency (`app.workflow.approvals`), oldest first."""
    in_scope = visible_households(user).with_only_columns(Household.id)
    theirs = sa.or_(
        ApprovalRequest.household_id.in_(in_scope),
        ApprovalRequest.household_id.in_(households_to_decide(user)),
    )
    return (
        sa.select(ApprovalRequest)
        .where(ApprovalRequest.status == PENDING, theirs)
        .order_by(ApprovalRequest.requested_at)
    )


def waiting_for_review(user: User) -> int:
    """Those the user may decide: all but their own requests."""
    return count(review_requests(user).where(ApprovalRequest.requested_by_id != user.id))
