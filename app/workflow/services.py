"""Moving households between stages. The only code that changes `Household.stage`.

Every move is checked here, on the server: the transition must exist from the current stage, the
actor's role must be allowed to make it (or to ask for it), a reason must be given where one is
needed, the preconditions must hold, and the household must not have changed since the actor
looked at it. A refused move raises `MoveRefused` and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app.access import Action, Role, can
from app.access.answers import forget_answers
from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.history.services import record
from app.notifications import services as notify
from app.registry.models import Household
from app.workflow import approvals, hooks
from app.workflow.models import APPROVED, PENDING, RETURNED, WITHDRAWN, ApprovalRequest
from app.workflow.stages import SECURITY_DECISIONS, Stage
from app.workflow.transitions import Transition, transition, transitions_from

log = logging.getLogger(__name__)


class MoveRefused(Exception):
    """The move was not made; `messages` say why, in words for the person who asked."""

    def __init__(self, *messages: object):
        self.messages = [str(m) for m in messages]
        super().__init__("; ".join(self.messages))


class StaleMove(MoveRefused):
    """Someone else changed the household first; nothing of this move was applied."""


@dataclass(frozen=True)
class MoveOption:
    """A transition as the current user sees it on the household page."""

    transition: Transition
    mode: str  # "direct" or "request"
    blocked_by: tuple[str, ...]  # preconditions that do not hold now
    deciders: tuple[User, ...] = ()  # a request: who would decide it (app.workflow.approvals)

    @property
    def target(self) -> Stage:
        return self.transition.target

    @property
    def undecidable(self) -> bool:
        """A request no one could decide: shown with why, never offered."""
        return self.mode == "request" and not self.deciders


def _mode(actor: User, t: Transition) -> str | None:
    if actor.has_role(*t.roles):
        return "direct"
    if actor.has_role(*t.request_roles):
        return "request"
    return None


def _unmet(t: Transition, household: Household) -> list[str]:
    return [str(p.refusal) for p in t.preconditions if not p.holds(household)]


def options_for(actor: User, household: Household) -> list[MoveOption]:
    if not can(actor, Action.HOUSEHOLD_MOVE, household):
        return []
    options = []
    for t in transitions_from(household.stage):
        mode = _mode(actor, t)
        if mode is not None:
            who = tuple(approvals.deciders(household, actor.id)) if mode == "request" else ()
            options.append(MoveOption(t, mode, tuple(_unmet(t, household)), who))
    return options


# Built once and reused (the household page's reads are; bench/page_costs.py).
_PENDING = sa.select(ApprovalRequest).where(
    ApprovalRequest.household_id == sa.bindparam("household_id"),
    ApprovalRequest.status == PENDING,
)


def pending_request(household: Household) -> ApprovalRequest | None:
    """The household's request for approval waiting for a decision, if any."""
    return db.session.scalar(_PENDING, {"household_id": household.id})


def _checked(
    actor: User,
    household: Household,
    target: str,
    reason: str | None,
    expected_version: int | None,
    mode: str,
) -> Transition:
    if not can(actor, Action.HOUSEHOLD_MOVE, household):
        raise MoveRefused(_l("You may not move this household."))
    _check_version(household, expected_version)
    t = transition(household.stage, target)
    if t is None:
        raise MoveRefused(
            _l(
                "A household cannot go from '%(source)s' to '%(target)s'.",
                source=_label(household.stage),
                target=_label(target),
            )
        )
    allowed = _mode(actor, t)
    if allowed != mode:
        raise MoveRefused(_refusal_for_role(t, allowed))
    if t.needs_reason and not (reason or "").strip():
        raise MoveRefused(_l("Give a reason for this move."))
    if pending_request(household) is not None:
        raise MoveRefused(
            _l("A request for approval is waiting on this household; it must be decided first.")
        )
    if mode == "request" and not approvals.deciders(household, actor.id):
        raise MoveRefused(approvals.NOBODY_TO_DECIDE)
    unmet = _unmet(t, household)
    if unmet:
        raise MoveRefused(*unmet)
    return t


def _check_version(household: Household, expected_version: int | None) -> None:
    """The household must be as the actor last saw it (None: the caller did not say)."""
    if expected_version is not None and expected_version != household.version:
        raise StaleMove(
            _l(
                "Someone changed this household after you opened it; nothing was "
                "changed. Look at its current stage and try again."
            )
        )


def _refusal_for_role(t: Transition, allowed: str | None) -> object:
    if allowed == "request":
        return _l("This move needs a supervisor's approval: ask for it instead.")
    if allowed == "direct":
        return _l("You may make this move yourself; no approval is needed.")
    return _l("Your role may not make this move.")


def _label(stage: str) -> str:
    try:
        return Stage(stage).label
    except ValueError:
        return stage


def _apply(household: Household, t: Transition, actor: User, reason: str | None, **detail) -> None:
    household.stage = t.target.value
    household.stage_changed_at = utcnow()
    _touch(household, actor)
    restricted = {"restricted": "vetting"} if t.target in SECURITY_DECISIONS else {}
    record(
        household,
        "stage_changed",
        actor,
        from_stage=t.source.value,
        to_stage=t.target.value,
        reason=reason,
        **restricted,
        **detail,
    )
    hooks.after_move(household, t, actor)


def _touch(household: Household, actor: User) -> None:
    """Every workflow change updates the household row, so its version settles races: written
    at once, before the history (whose own flush would otherwise meet a concurrent change as
    an error rather than as `StaleMove`)."""
    household.updated_by = actor
    household.updated_at = utcnow()
    _flush(household.id)


def _flush(household_id: int) -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleMove(
            _l(
                "Someone changed this household at the same moment; nothing was "
                "changed. Look at its current stage and try again."
            )
        ) from None


def check_move(household: Household, target: str, actor: User) -> Transition:
    """Raise MoveRefused if the actor may not make this move now; change nothing."""
    return _checked(actor, household, target, None, None, "direct")


def move(
    household: Household,
    target: str,
    actor: User,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Household:
    """Make a move the actor may make directly."""
    t = _checked(actor, household, target, reason, expected_version, "direct")
    household_id = household.id
    _apply(household, t, actor, reason)
    _flush(household_id)
    log.info("%s moved %s %s", actor.username, household.case_number, t.key)
    return household


def request_move(
    household: Household, target: str, actor: User, reason: str, expected_version: int | None = None
) -> ApprovalRequest:
    """Ask a supervisor to approve a move the actor may not make alone."""
    t = _checked(actor, household, target, reason, expected_version, "request")
    request = ApprovalRequest(
        household=household,
        from_stage=t.source.value,
        to_stage=t.target.value,
        reason=reason.strip(),
        requested_by=actor,
    )
    db.session.add(request)
    _touch(household, actor)
    record(
        household,
        "approval_requested",
        actor,
        from_stage=t.source.value,
        to_stage=t.target.value,
        reason=reason,
    )
    _flush(household.id)
    notify.approval_asked(request)
    forget_answers()  # who may read the household: a stand-in decider now may
    log.info("%s asked for %s on %s", actor.username, t.key, household.case_number)
    return request


def withdraw(request: ApprovalRequest, actor: User) -> None:
    """The requester takes their request back (it may wait for nobody else to decide it)."""
    if request.status != PENDING:
        raise MoveRefused(_l("This request has already been decided."))
    if request.requested_by_id != actor.id:
        raise MoveRefused(_l("Only the person who asked may withdraw a request."))
    request.status = WITHDRAWN
    request.decided_by = actor
    request.decided_at = utcnow()
    _touch(request.household, actor)
    record(
        request.household,
        "approval_withdrawn",
        actor,
        from_stage=request.from_stage,
        to_stage=request.to_stage,
        request_id=request.id,
    )
    _flush(request.household_id)
    forget_answers()


def decide(request: ApprovalRequest, actor: User, approve: bool, comment: str | None) -> None:
    """Someone the rule names (`approvals.may_decide`: another supervisor of the household's
    team, or a stand-in of the agency) approves (the move is made) or returns it."""
    household = request.household
    if request.status != PENDING:
        raise MoveRefused(_l("This request has already been decided."))
    if request.requested_by_id == actor.id:
        raise MoveRefused(_l("You cannot approve your own request."))
    if not approvals.may_decide(actor, request):
        raise MoveRefused(_not_yours(request))
    if not approve and not (comment or "").strip():
        raise MoveRefused(_l("Say why you return the request."))
    t = transition(request.from_stage, request.to_stage)
    if approve:
        _check_approvable(t, household, request)
    _decide(request, household, t, actor, approve, comment)
    _flush(household.id)
    notify.approval_decided(request)
    forget_answers()  # a stand-in's access ends with the request


def _not_yours(request: ApprovalRequest) -> object:
    names = ", ".join(user.full_name for user in approvals.deciders_of(request))
    if not names:
        return approvals.NOBODY_NOW
    return _l("You may not decide this request; it is decided by: %(names)s.", names=names)


def _check_approvable(t: Transition | None, household: Household, request) -> None:
    """Checked again at approval: things may have changed since the request was made."""
    if t is None or household.stage != request.from_stage:
        raise MoveRefused(
            _l("The household is no longer at the stage this request was made from; return it.")
        )
    unmet = _unmet(t, household)
    if unmet:
        raise MoveRefused(*unmet)


def _decide(
    request: ApprovalRequest,
    household: Household,
    t: Transition | None,
    actor: User,
    approve: bool,
    comment: str | None,
) -> None:
    request.status = APPROVED if approve else RETURNED
    request.decided_by = actor
    request.decided_at = utcnow()
    request.comment = (comment or "").strip() or None
    if approve and t is not None:
        record(
            household,
            "approval_given",
            actor,
            from_stage=t.source.value,
            to_stage=t.target.value,
            reason=request.comment,
            request_id=request.id,
        )
        _apply(
            household,
            t,
            actor,
            request.reason,
            approved_request=request.id,
            requested_by=request.requested_by_id,
        )
    else:
        _touch(household, actor)
        record(
            household,
            "approval_returned",
            actor,
            from_stage=request.from_stage,
            to_stage=request.to_stage,
            reason=request.comment,
            request_id=request.id,
        )


ROUTING_ROLES = {
    # A screener routes a member to the judiciary; a supervisor records any other separation,
    # and brings a member back to the household.
    "judiciary": frozenset({Role.SCREENER}),
    "detention": frozenset({Role.SCREENER, Role.SUPERVISOR}),
    "medical": frozenset({Role.SUPERVISOR}),
    "separated": frozenset({Role.SUPERVISOR}),
    None: frozenset({Role.SUPERVISOR, Role.SCREENER}),
}


def route_member(
    household: Household,
    member_id: int,
    route: str | None,
    actor: User,
    reason: str | None,
    expected_version: int | None = None,
) -> None:
    """Record that one member goes apart from the household (or comes back to it)."""
    if not can(actor, Action.HOUSEHOLD_MOVE, household):
        raise MoveRefused(_l("You may not change this household."))
    member = next((m for m in household.members if m.id == member_id), None)
    if member is None:
        raise MoveRefused(_l("This person is not a member of the household."))
    if route not in ROUTING_ROLES:
        raise MoveRefused(_l("Choose where the member goes from the list."))
    if not actor.has_role(*ROUTING_ROLES[route]):
        raise MoveRefused(_l("Your role may not record this."))
    if not (reason or "").strip():
        raise MoveRefused(_l("Give a reason for this move."))
    _check_version(household, expected_version)
    member.route = route
    _touch(household, actor)
    restricted = {"restricted": "vetting"} if route == "judiciary" else {}
    record(
        household,
        "member_routed",
        actor,
        member_id=member.id,
        reason=reason,
        route=route,
        **restricted,
    )
    _flush(household.id)
