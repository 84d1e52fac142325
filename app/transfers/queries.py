"""Hand-overs waiting for the user's team to answer."""

from __future__ import annotations

from app.access.policy import visible_transfers
from app.auth.models import User
from app.core.pagination import count
from app.transfers.models import PENDING, Transfer


def waiting_for_team(user: User) -> int:
    """Hand-overs to the user's team that no supervisor of it has answered yet."""
    incoming = visible_transfers(user).where(
        Transfer.state == PENDING, Transfer.to_team_id == user.team_id
    )
    return count(incoming)
