"""Who may see and do what.

Rules for now (W1.1): a caseworker sees and edits the households assigned to them or to their
team; a supervisor those of their team; an admin manages users and reference data and sees no case
content; screeners, agency focal points and reporting officers see no household yet.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import abort

from app.access.roles import Role
from app.extensions import db

if TYPE_CHECKING:
    from app.auth.models import User
    from app.registry.models import Household


class Action(StrEnum):
    HOUSEHOLD_LIST = "household.list"
    HOUSEHOLD_CREATE = "household.create"
    HOUSEHOLD_VIEW = "household.view"
    HOUSEHOLD_EDIT = "household.edit"
    HOUSEHOLD_ASSIGN = "household.assign"
    MANAGE_USERS = "admin.users"
    MANAGE_REFERENCE = "admin.reference"


# Which roles may attempt an action at all; record-level scope is checked separately.
_ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.HOUSEHOLD_LIST: frozenset({Role.CASEWORKER, Role.SUPERVISOR}),
    Action.HOUSEHOLD_CREATE: frozenset({Role.CASEWORKER, Role.SUPERVISOR}),
    Action.HOUSEHOLD_VIEW: frozenset({Role.CASEWORKER, Role.SUPERVISOR}),
    Action.HOUSEHOLD_EDIT: frozenset({Role.CASEWORKER, Role.SUPERVISOR}),
    Action.HOUSEHOLD_ASSIGN: frozenset({Role.SUPERVISOR}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_REFERENCE: frozenset({Role.ADMIN}),
}

_HOUSEHOLD_ACTIONS = {Action.HOUSEHOLD_VIEW, Action.HOUSEHOLD_EDIT, Action.HOUSEHOLD_ASSIGN}


def _allowed_role(user: User | None, action: Action) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in _ROLE_ACTIONS[action]


def household_scope(user: User) -> sa.ColumnElement[bool]:
    """The SQL condition selecting the households this user may see."""
    from app.registry.models import Household

    if user.role == Role.CASEWORKER:
        mine = Household.assigned_to_id == user.id
        if user.team_id is None:
            return mine
        return sa.or_(mine, Household.team_id == user.team_id)
    if user.role == Role.SUPERVISOR and user.team_id is not None:
        return Household.team_id == user.team_id
    return sa.false()


def visible_households(user: User) -> sa.Select:
    """Every list, search, page and count of households starts from this query."""
    from app.registry.models import Household

    if not _allowed_role(user, Action.HOUSEHOLD_LIST):
        return sa.select(Household).where(sa.false())
    return sa.select(Household).where(household_scope(user))


def _household_in_scope(user: User, household: Household) -> bool:
    if user.role == Role.CASEWORKER:
        return household.assigned_to_id == user.id or (
            user.team_id is not None and household.team_id == user.team_id
        )
    if user.role == Role.SUPERVISOR:
        return user.team_id is not None and household.team_id == user.team_id
    return False


def can(user: User | None, action: Action, record: object | None = None) -> bool:
    """May this user do this action (on this record, where the action concerns one)?"""
    if not _allowed_role(user, action):
        return False
    if action in _HOUSEHOLD_ACTIONS and record is not None:
        return _household_in_scope(user, record)  # type: ignore[arg-type]
    return True


def require(user: User | None, action: Action, record: object | None = None) -> None:
    """Abort with 403 unless the user may do this."""
    if not can(user, action, record):
        abort(403)


def household_or_404(user: User, household_id: int, action: Action) -> Household:
    """Load a household through the user's scope.

    A household outside the scope answers 404, like one that does not exist, so that probing case
    ids tells an outsider nothing. A role that may never do the action gets 403.
    """
    from app.registry.models import Household

    require(user, action)
    household = db.session.scalar(visible_households(user).where(Household.id == household_id))
    if household is None or not can(user, action, household):
        abort(404)
    return household
