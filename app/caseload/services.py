"""Assigning households to caseworkers. Views call these; they check the rules, flush, and leave
the commit to the caller."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app.access import Action, can
from app.access.roles import Role
from app.auth.models import User
from app.core.db import utcnow
from app.core.validation import ErrorCollector
from app.extensions import db
from app.history.services import record
from app.registry.models import Household
from app.registry.services import StaleEdit

log = logging.getLogger(__name__)

NOT_A_TEAM_CASEWORKER = _l("Choose an active caseworker of the household's team.")


def is_caseworker_of(user: User, team_id: int | None) -> bool:
    return (
        team_id is not None
        and user.has_role(Role.CASEWORKER)
        and user.active
        and user.team_id == team_id
    )


def is_team_caseworker(user: User, household: Household) -> bool:
    """May this user carry the household's case (or one of its tasks)?"""
    return is_caseworker_of(user, household.team_id)


def team_caseworkers(household: Household) -> list[User]:
    """The people a household or its tasks may be given to, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.team_id == household.team_id,
                User.holding(Role.CASEWORKER),
                User.active,
            )
            .order_by(User.full_name)
        )
    )


def _check(household: Household, caseworker: User | None, actor: User) -> None:
    errors = ErrorCollector()
    if not can(actor, Action.HOUSEHOLD_ASSIGN, household):
        errors.add(None, _l("Only a supervisor of the household's team may assign it."))
    elif caseworker is None or not is_team_caseworker(caseworker, household):
        errors.add("assigned_to_id", NOT_A_TEAM_CASEWORKER)
    elif caseworker.id == household.assigned_to_id:
        errors.add(
            "assigned_to_id",
            _l("The household is already assigned to %(name)s.", name=caseworker.full_name),
        )
    errors.raise_if_any()


def assign(
    household: Household,
    caseworker: User | None,
    actor: User,
    expected_version: int | None = None,
) -> Household:
    """Give the household to a caseworker of its team; the history keeps who had it before."""
    household_id = household.id
    if expected_version is not None and household.version != expected_version:
        raise StaleEdit(household_id)
    _check(household, caseworker, actor)
    assert caseworker is not None  # _check refuses nobody
    previous_id = household.assigned_to_id
    try:
        with db.session.no_autoflush:  # one UPDATE, checked against the version we read
            household.assigned_to = caseworker
            # Touching the row moves its version on, so an edit opened before this is refused.
            household.updated_by = actor
            household.updated_at = utcnow()
        db.session.flush()
    except StaleDataError:
        raise StaleEdit(household_id) from None
    record(household, "assigned", actor, from_user_id=previous_id, to_user_id=caseworker.id)
    log.info("%s assigned %s to %s", actor.username, household.case_number, caseworker.username)
    return household


def release_work(user: User, actor: User) -> int:
    """Hand back to its team what `user` may no longer carry, after an administrator moved,
    changed or deactivated them: every household assigned to them that is not of their current
    team, or all of them once they are no caseworker or inactive, becomes unassigned (shown to
    the team's supervisor as such), and so do their open tasks on those households. Approval
    requests and hand-overs belong to the household's team, whose supervisors decide them
    whoever asked. Returns the number of households released; flushes."""
    from app.tasks.models import Task

    held = sa.select(Household).where(Household.assigned_to_id == user.id)
    if is_caseworker_of(user, user.team_id):
        held = held.where(Household.team_id != user.team_id)
    households = list(db.session.scalars(held.order_by(Household.id)))
    for household in households:
        household.assigned_to = None
        household.updated_by = actor
        household.updated_at = utcnow()
        record(household, "unassigned", actor, from_user_id=user.id)
    released = [h.id for h in households]
    if released:
        db.session.execute(
            sa.update(Task)
            .where(Task.assigned_to_id == user.id, Task.household_id.in_(released))
            .where(Task.done_at.is_(None))
            .values(assigned_to_id=None)
        )
    db.session.flush()
    if released:
        log.info("%s released %d households of %s", actor.username, len(released), user.username)
    return len(released)
