"""Every allowed move between stages: who may make it directly, who may only ask for it (who
then decides is one rule for every request, `app.workflow.approvals`), whether a reason is
needed, and what must hold first.

This table is the workflow. `flask workflow show` and the help page print it; the services
enforce it; the tests walk it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.access.roles import Role
from app.workflow.preconditions import (
    COMMUNITY_ACCEPTED,
    IN_A_BATCH,
    SECURITY_CLEARED,
    VETTING_RECORDED,
    Precondition,
)
from app.workflow.stages import Stage

CASE_STAFF = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})
SCREENERS = frozenset({Role.SCREENER})
NOBODY: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class Transition:
    source: Stage
    target: Stage
    roles: frozenset[Role]  # may make the move directly
    request_roles: frozenset[Role] = NOBODY  # may ask for it; a supervisor then decides
    # (who: app.workflow.approvals)
    needs_reason: bool = False
    preconditions: tuple[Precondition, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.source.value}->{self.target.value}"

    @property
    def needs_approval(self) -> bool:
        return bool(self.request_roles)

    # Approval is always a supervisor's, never the requester's: one of the household's team,
    # else one of another team of its agency (the rule: app.workflow.approvals).
    approver_roles = SUPERVISORS


def _t(source: Stage, target: Stage, roles=CASE_STAFF, **options) -> Transition:
    return Transition(source, target, frozenset(roles), **options)


S = Stage
TRANSITIONS: tuple[Transition, ...] = (
    _t(S.REGISTERED, S.TRANSFER_LIST),
    _t(S.TRANSFER_LIST, S.REGISTERED, SUPERVISORS, needs_reason=True),
    _t(S.TRANSFER_LIST, S.IN_TRANSIT, preconditions=(IN_A_BATCH,)),
    _t(S.IN_TRANSIT, S.ARRIVED),
    _t(S.ARRIVED, S.VETTING, CASE_STAFF | SCREENERS),
    _t(S.VETTING, S.CLEARED, SCREENERS, preconditions=(VETTING_RECORDED,)),
    _t(S.VETTING, S.ON_HOLD, SCREENERS, needs_reason=True),
    _t(S.VETTING, S.JUDICIARY, SCREENERS, needs_reason=True),
    _t(S.ON_HOLD, S.VETTING, SCREENERS, needs_reason=True),
    _t(S.ON_HOLD, S.CLEARED, SCREENERS, needs_reason=True, preconditions=(VETTING_RECORDED,)),
    _t(S.ON_HOLD, S.JUDICIARY, SCREENERS, needs_reason=True),
    # Out of the judiciary only by a screener, whatever anyone else's role.
    _t(S.JUDICIARY, S.VETTING, SCREENERS, needs_reason=True),
    _t(S.JUDICIARY, S.CLEARED, SCREENERS, needs_reason=True, preconditions=(VETTING_RECORDED,)),
    _t(S.CLEARED, S.REHABILITATION),
    _t(
        S.REHABILITATION,
        S.DEPARTURE_CLEARANCE,
        NOBODY,
        request_roles=CASE_STAFF,
        needs_reason=True,
        preconditions=(SECURITY_CLEARED, COMMUNITY_ACCEPTED),
    ),
    _t(S.DEPARTURE_CLEARANCE, S.REHABILITATION, needs_reason=True),
    _t(S.DEPARTURE_CLEARANCE, S.RETURNED, preconditions=(SECURITY_CLEARED, COMMUNITY_ACCEPTED)),
    _t(S.DEPARTURE_CLEARANCE, S.DISPLACED, needs_reason=True),
    _t(S.RETURNED, S.FOLLOW_UP),
    _t(S.DISPLACED, S.FOLLOW_UP),
    _t(S.FOLLOW_UP, S.CLOSED, NOBODY, request_roles=CASE_STAFF, needs_reason=True),
    # A supervisor may reopen with a reason; a caseworker may ask a supervisor to.
    _t(
        S.CLOSED,
        S.FOLLOW_UP,
        SUPERVISORS,
        request_roles=frozenset({Role.CASEWORKER}),
        needs_reason=True,
    ),
)

_BY_KEY = {t.key: t for t in TRANSITIONS}


def transition(source: str, target: str) -> Transition | None:
    return _BY_KEY.get(f"{source}->{target}")


def transitions_from(stage: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == stage]
