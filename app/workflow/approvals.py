"""Who decides a request for approval: the one rule (four eyes).

Some moves are only asked for (departure clearance, closure, a caseworker's reopening: the
transitions with `request_roles` in `app.workflow.transitions`). A request is decided by an
active supervisor (their role or an administrator's second role) who is not the person who
asked:

1. a supervisor of the household's team;
2. when the team has no supervisor but the asker (a one-supervisor team whose supervisor asked,
   or a team without a supervisor): a supervisor of another active team of the same agency.
   They stand in for that request only: while it waits they read the household and decide it
   (the access policy grants exactly that through `households_to_decide`), nothing more;
3. when there is no one there either, the move is not offered as a request, and a request is
   refused with `NOBODY_TO_DECIDE`: no request waits for no one.

The rule is computed when it is asked, from the teams as they are: a supervisor who joins the
team takes over from the stand-ins; one who leaves is no longer asked.

`decides` states the rule once, in SQL; `deciders` (who may decide, shown with every request),
`may_decide` (the check when a decision is posted) and `households_to_decide` (the stand-in's
access) all read it.

The two other requests that wait for someone's answer follow the same promise (never sent when
no one could answer, always saying who can), with their own, narrower deciders:

- a disclosure to a security body or a court (`app.transfers.disclosures`) is approved by a
  supervisor of the team holding the household other than the asker, never by a stand-in
  (`disclosure_deciders`): in a one-supervisor team, a caseworker asks and the supervisor approves;
- a hand-over (`app.transfers.services`) is answered by the receiving team's active supervisors
  (`handover_answerers`); a team without one is not offered.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from app.access.roles import Role
from app.auth.models import User
from app.extensions import db
from app.reference.models import Team
from app.registry.models import Household
from app.workflow.models import PENDING, ApprovalRequest

# How the rule reads in the workflow table (`flask workflow show`, the help page).
RULE = _l(
    "another supervisor of the household's team decides; if the team has no other, a "
    "supervisor of another team of the same agency; never the person who asked. A request no "
    "one could decide is not offered."
)
NOBODY_TO_DECIDE = _l(
    "No one could decide this request, so it cannot be sent: it needs a supervisor of the "
    "household's team other than you, or, when the team has none, a supervisor of another team "
    "of the same agency, and there is none. Ask an administrator to add a supervisor."
)
NOBODY_TO_APPROVE_DISCLOSURE = _l(
    "No one could approve this disclosure, so it cannot be asked: it needs a supervisor of the "
    "household's team other than you, and there is none. A caseworker of the team may ask for "
    "it, or an administrator may add a supervisor."
)
NOBODY_NOW = _l(
    "No one may decide this request now: the household's team has no supervisor other than "
    "the person who asked, and no other team of the agency has one. The person who asked may "
    "withdraw it; an administrator may add a supervisor."
)


def _supervisor(user) -> sa.ColumnElement[bool]:
    """SQL: `user` (the User entity or an alias of it) is an active supervisor."""
    supervisor = Role.SUPERVISOR.value
    return sa.and_(
        user.active.is_(True), sa.or_(user.role == supervisor, user.second_role == supervisor)
    )


def decides(candidate, team_id, asker_id) -> sa.ColumnElement[bool]:
    """SQL: `candidate` (the User entity or an alias) may decide a request on a household of
    team `team_id`, asked by user `asker_id`. Both are values, or columns of the select that
    holds `candidate` (each subquery here is one level deep, so it correlates with that one)."""
    other, home, sister = aliased(User), aliased(Team), aliased(Team)
    team_has_another = sa.exists().where(
        _supervisor(other), other.team_id == team_id, other.id != asker_id
    )
    in_a_sister_team = sa.exists().where(
        sister.id == candidate.team_id,
        sister.active.is_(True),
        home.id == team_id,
        sister.agency_id == home.agency_id,
    )
    standing_in = sa.and_(~team_has_another, candidate.team_id != team_id, in_a_sister_team)
    return sa.and_(
        _supervisor(candidate),
        candidate.id != asker_id,
        sa.or_(candidate.team_id == team_id, standing_in),
    )


def deciders(household: Household, asker_id: int) -> list[User]:
    """Who may decide a request on `household` asked by `asker_id`, by name: [User, ...];
    empty when no one could."""
    stmt = sa.select(User).where(decides(User, household.team_id, asker_id))
    return list(db.session.scalars(stmt.order_by(User.full_name, User.id)))


def deciders_of(request: ApprovalRequest) -> list[User]:
    """Who may decide this request now."""
    return deciders(request.household, request.requested_by_id)


def may_decide(user: User, request: ApprovalRequest) -> bool:
    """May `user` decide this request (the same rule, asked of one user)?"""
    me = sa.select(User.id).where(
        User.id == user.id, decides(User, request.household.team_id, request.requested_by_id)
    )
    return db.session.scalar(me) is not None


def households_to_decide(user: User) -> sa.Select:
    """Ids of the households of other teams whose pending request `user` decides standing in
    (rule 2): the access policy lets them read those households and decide, while it waits.
    Self-contained (never correlated with the query it is put in)."""
    request, household, me = aliased(ApprovalRequest), aliased(Household), aliased(User)
    return (
        sa.select(request.household_id)
        .join(household, household.id == request.household_id)
        .join(me, me.id == user.id)
        .where(
            request.status == PENDING,
            household.team_id != me.team_id,
            decides(me, household.team_id, request.requested_by_id),
        )
        .correlate(None)
    )


def _supervisors_of(team_id) -> sa.Select:
    """Active supervisors of a team, by name."""
    return (
        sa.select(User)
        .where(_supervisor(User), User.team_id == team_id)
        .order_by(User.full_name, User.id)
    )


def disclosure_deciders(household: Household, asker_id: int) -> list[User]:
    """Who may approve a disclosure of `household` asked by `asker_id`: the supervisors of the
    team holding it but the asker (as `can(user, DISCLOSURE_APPROVE, household)`); [] if none."""
    return list(db.session.scalars(_supervisors_of(household.team_id).where(User.id != asker_id)))


def handover_answerers(team_id: int) -> list[User]:
    """Who answers a hand-over to team `team_id`: its active supervisors; [] if none."""
    return list(db.session.scalars(_supervisors_of(team_id)))


def nobody_to_answer_handover(team_name: str) -> object:
    """The refusal of a hand-over to a team no one could answer for."""
    return _l(
        "No one could answer this hand-over: %(team)s has no active supervisor. Choose another "
        "team, or ask an administrator to add one.",
        team=team_name,
    )


def answered_by_someone(team) -> sa.ColumnElement[bool]:
    """SQL: `team` (the Team entity or an alias) has an active supervisor to answer hand-overs."""
    return sa.exists().where(_supervisor(User), User.team_id == team.id)
