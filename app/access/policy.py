"""Who may see and do what.

- A caseworker sees and works on the households of their current team (those assigned to them
  among them); a supervisor those of their team, and approves and assigns within it. Scope is
  read from the user's team, roles and active state at every request: a caseworker moved to
  another team keeps nothing of the old one, not even what was assigned to them (an
  administrator's move also hands that back to the old team, `caseload.services.release_work`).
  A team with no supervisor but the one who asked for an approval has it decided by a
  supervisor of another team of the agency, who reads that household while the request waits
  (`app.workflow.approvals`).
- A security screener sees households from security vetting on, whatever their team: identity
  and vetting only. Vetting details are seen by screeners alone.
- Protection-sensitive data (sexual violence risk, children associated with armed groups,
  abuse, psychosocial notes) is read by the assigned caseworker and their team's supervisor only.
- An admin manages users and reference data and sees no case content, unless another admin
  gives them a second, case role (`SECOND_ROLES`); a user's rights are those of all their roles.
- An agency focal point reads what was referred or disclosed to their agency; a reporting
  officer reads figures, never a record.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, NoReturn

import sqlalchemy as sa
from flask import abort, g, has_app_context
from werkzeug.local import LocalProxy

from app.access import answers
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
    HOUSEHOLD_MOVE = "household.move"
    HOUSEHOLD_ASSIGN = "household.assign"
    APPROVE = "household.approve"
    ASSESS = "household.assess"
    VET = "household.vet"
    TASKS = "household.tasks"
    REVIEW_QUEUE = "review.queue"
    TEAM_VIEW = "team.view"
    MY_CASES = "my.cases"
    BATCH_ARRIVAL = "batch.arrival"
    WORKFLOW_HELP = "workflow.help"
    AUDIT_VIEW = "audit.view"
    BREAK_GLASS = "break_glass"
    BREAK_GLASS_REVIEW = "break_glass.review"
    MANAGE_USERS = "admin.users"
    MANAGE_REFERENCE = "admin.reference"
    TRANSFER_REQUEST = "transfer.request"  # hand a household over to another team
    TRANSFER_INBOX = "transfer.inbox"
    DISCLOSURE_REQUEST = "disclosure.request"  # to a security body or a court
    DISCLOSURE_APPROVE = "disclosure.approve"
    DISCLOSURES_RECEIVED = "disclosure.received"
    REPORTS = "reports"  # aggregate figures, never a record
    DASHBOARD = "dashboard"
    REFER = "referral.create"  # refer a household or member to an agency's service
    CONSENT_OVERRIDE = "referral.consent_override"
    REFERRAL_INBOX = "referral.inbox"
    EXPORT_CASES = "export.cases"  # the case list as a spreadsheet, pseudonymised
    EXPORT_IDENTIFIABLE = "export.identifiable"  # with names, phones and IDs
    DUPLICATES = "identity.duplicates"  # the queue of possible duplicates, and judging them
    MERGE = "identity.merge"  # merge two records judged the same person, and undo it
    IMPORT_LISTS = "imports.lists"  # check (and later commit) a transfer list of people
    WATCHLIST_MANAGE = "watchlist.manage"  # load a version of a watch list
    WATCHLIST_SCREEN = "watchlist.screen"  # read and decide screening alerts


class FieldGroup(StrEnum):
    """Parts of a household file with their own audience."""

    IDENTITY = "identity"  # names, sex, age, relationship, camp and case numbers
    CONTACT = "contact"  # phone, shelter, intended destination
    DOCUMENTS = "documents"
    VULNERABILITIES = "vulnerabilities"  # specific needs, assessments, notes
    # Sexual violence risk, children associated with armed groups, abuse, psychosocial notes:
    # the assigned caseworker and their supervisor only.
    PROTECTION = "protection"
    VETTING = "vetting"  # security vetting details


CW, SUP, SCR = Role.CASEWORKER, Role.SUPERVISOR, Role.SCREENER
# Which roles may attempt an action at all; record-level scope is checked separately.
_ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.HOUSEHOLD_LIST: frozenset({CW, SUP, SCR}),
    Action.HOUSEHOLD_CREATE: frozenset({CW, SUP}),
    Action.HOUSEHOLD_VIEW: frozenset({CW, SUP, SCR}),
    Action.HOUSEHOLD_EDIT: frozenset({CW, SUP}),
    Action.HOUSEHOLD_MOVE: frozenset({CW, SUP, SCR}),
    Action.HOUSEHOLD_ASSIGN: frozenset({SUP}),
    Action.APPROVE: frozenset({SUP}),
    Action.ASSESS: frozenset({CW, SUP}),
    Action.VET: frozenset({SCR}),
    Action.TASKS: frozenset({CW, SUP}),
    Action.REVIEW_QUEUE: frozenset({SUP}),
    Action.TEAM_VIEW: frozenset({SUP}),
    Action.MY_CASES: frozenset({CW, SUP}),
    Action.BATCH_ARRIVAL: frozenset({CW, SUP}),
    Action.WORKFLOW_HELP: frozenset(Role),
    # Admins and auditors read the audit trail; nobody can change it through the app.
    Action.AUDIT_VIEW: frozenset({Role.ADMIN, Role.AUDITOR}),
    Action.BREAK_GLASS: frozenset({SUP}),
    # Reviewed by auditors (the role hierarchy has no supervisor's supervisor yet).
    Action.BREAK_GLASS_REVIEW: frozenset({Role.AUDITOR}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_REFERENCE: frozenset({Role.ADMIN}),
    Action.TRANSFER_REQUEST: frozenset({SUP}),
    Action.TRANSFER_INBOX: frozenset({SUP}),
    Action.DISCLOSURE_REQUEST: frozenset({CW, SUP}),
    Action.DISCLOSURE_APPROVE: frozenset({SUP}),
    # The receiving body's focal point reads what was disclosed to it, nothing more.
    Action.DISCLOSURES_RECEIVED: frozenset({Role.AGENCY_FOCAL}),
    # Figures: system-wide for reporting officers and admins, the team's for a supervisor.
    Action.REPORTS: frozenset({Role.REPORTING_OFFICER, Role.ADMIN, SUP}),
    Action.DASHBOARD: frozenset({CW, SUP, Role.REPORTING_OFFICER, Role.ADMIN}),
    Action.REFER: frozenset({CW, SUP}),
    Action.CONSENT_OVERRIDE: frozenset({SUP}),
    # A receiving agency's focal point: the referrals sent to their agency, nothing else.
    Action.REFERRAL_INBOX: frozenset({Role.AGENCY_FOCAL}),
    Action.EXPORT_CASES: frozenset({CW, SUP}),
    Action.EXPORT_IDENTIFIABLE: frozenset({SUP}),
    # Pairs of possible duplicates: a supervisor for those within their scope; a records
    # officer for every pair, across teams and agencies (see `visible_pairs`).
    Action.DUPLICATES: frozenset({SUP, Role.RECORDS_OFFICER}),
    Action.MERGE: frozenset({SUP, Role.RECORDS_OFFICER}),
    # A list names hundreds of people and registers them in the supervisor's team.
    Action.IMPORT_LISTS: frozenset({SUP}),
    # Watch lists and what they contain are for screeners alone.
    Action.WATCHLIST_MANAGE: frozenset({SCR}),
    Action.WATCHLIST_SCREEN: frozenset({SCR}),
}

# Actions on one household: the household must also be within the user's scope.
_HOUSEHOLD_ACTIONS = frozenset(
    {
        Action.HOUSEHOLD_VIEW,
        Action.HOUSEHOLD_EDIT,
        Action.HOUSEHOLD_MOVE,
        Action.HOUSEHOLD_ASSIGN,
        Action.APPROVE,
        Action.ASSESS,
        Action.VET,
        Action.TASKS,
        Action.TRANSFER_REQUEST,
        Action.DISCLOSURE_REQUEST,
        Action.DISCLOSURE_APPROVE,
        Action.REFER,
        Action.CONSENT_OVERRIDE,
    }
)

# A team kept on as collaborator after handing a household over reads it and goes on working on
# it (assessments, notes, tasks); editing, moving, assigning and approving stay with the team that
# holds it.
_COLLABORATOR_ACTIONS = frozenset(
    {Action.HOUSEHOLD_LIST, Action.HOUSEHOLD_VIEW, Action.ASSESS, Action.TASKS}
)
# Only the team holding a household hands it over or discloses it; an emergency access does not.
_HOLDING_TEAM_ONLY = frozenset(
    {Action.TRANSFER_REQUEST, Action.DISCLOSURE_REQUEST, Action.DISCLOSURE_APPROVE}
)
# A supervisor standing in to decide a request of another team of their agency (that team has
# no other supervisor; the rule: app.workflow.approvals) reads the household and decides it
# while the request waits; it is not in their lists.
_STAND_IN_ACTIONS = frozenset({Action.HOUSEHOLD_VIEW, Action.APPROVE})
# Every action, by what its scope depends on (see `_role_scope`): one stands for the others.
_SCOPE_KINDS = {
    (
        action in _COLLABORATOR_ACTIONS,
        action in _HOLDING_TEAM_ONLY,
        action in _STAND_IN_ACTIONS,
    ): action
    for action in sorted(Action, reverse=True)
}

# What each role reads of a household in its scope. PROTECTION is added per household, for its
# audience only (see `protection_audience`).
_GROUPS: dict[Role, frozenset[FieldGroup]] = {
    CW: frozenset(FieldGroup) - {FieldGroup.VETTING, FieldGroup.PROTECTION},
    SUP: frozenset(FieldGroup) - {FieldGroup.VETTING, FieldGroup.PROTECTION},
    SCR: frozenset({FieldGroup.IDENTITY, FieldGroup.VETTING}),
}


def _unproxied(user):
    """The user behind Flask-Login's `current_user` proxy. A page asks the policy dozens of
    questions, each reading the user's roles, team and state; through the proxy every one of
    those reads looks the user up again (werkzeug's LocalProxy), about 500 a household page."""
    return user._get_current_object() if isinstance(user, LocalProxy) else user


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _allowed_role(user: User | None, action: Action) -> bool:
    if not _signed_in(user):
        return False
    return action in _role_actions(user.role, user.second_role)  # type: ignore[union-attr]


@cache
def _role_actions(role: str, second_role: str | None) -> frozenset[Action]:
    """The actions a user holding `role` (and an administrator's `second_role`) may attempt:
    asked dozens of times a page, worked out once per pair of roles."""
    held = {Role(role), *([Role(second_role)] if second_role else [])}
    return frozenset(
        action for action, roles in _ROLE_ACTIONS.items() if not held.isdisjoint(roles)
    )


def _screening_stages() -> list[str]:
    from app.workflow.stages import SCREENING_STAGES

    return sorted(s.value for s in SCREENING_STAGES)


def _role_scope(role: Role, user: User, action: Action) -> sa.ColumnElement[bool]:
    from app.registry.models import Household

    team_work = [_own_team(user)]
    if action in _COLLABORATOR_ACTIONS:
        team_work.append(_collaborating(user))
    if role == CW:
        # Not "assigned to me" on its own: an assignment outlives a move to another team.
        return sa.or_(*team_work)
    if role == SUP:
        if action not in _HOLDING_TEAM_ONLY:
            team_work.append(Household.id.in_(_emergency_households(user)))
        if action in _STAND_IN_ACTIONS:
            team_work.append(Household.id.in_(_standing_in(user)))
        return sa.or_(*team_work)
    if role == SCR:
        return Household.stage.in_(_screening_stages())
    return sa.false()


def _collaborating(user: User) -> sa.ColumnElement[bool]:
    """Households handed over by the user's team, which kept it on as collaborator."""
    from app.registry.models import Household
    from app.transfers.models import Collaboration

    if user.team_id is None:
        return sa.false()
    teams = sa.select(Collaboration.household_id).where(Collaboration.team_id == user.team_id)
    return Household.id.in_(teams)


def _own_team(user: User) -> sa.ColumnElement[bool]:
    from app.registry.models import Household

    return Household.team_id == user.team_id if user.team_id is not None else sa.false()


def household_scope(user: User, action: Action = Action.HOUSEHOLD_LIST) -> sa.ColumnElement[bool]:
    """The SQL condition selecting the households on which this user may do `action` (by
    default: see them in lists): the one statement of everyone's scope. Lists filter with it;
    `can()` asks it about one household. A household merged into another is in nobody's scope
    (its content is the kept household's now; `app.identity.merging`).

    Actions scoped alike share one condition, built once per request (`_scope_kind`)."""
    user = _unproxied(user)
    kind = _scope_kind(action, SUP in user.roles)
    if not has_app_context():
        return _build_scope(user, kind)
    built = g.setdefault(answers.SCOPES, {})
    key = (user.id, user.team_id, user.role, user.second_role, kind)
    if key not in built:
        built[key] = _build_scope(user, kind)
    return built[key]


def _scope_kind(action: Action, supervises: bool) -> Action:
    """An action standing for every action whose scope is built the same (`_role_scope`). Only
    a supervisor's scope depends on whether the action is for the holding team only or may be
    taken standing in; for anyone else those actions share one condition (one column less in
    the household page's statement)."""
    return _SCOPE_KINDS[
        (
            action in _COLLABORATOR_ACTIONS,
            supervises and action in _HOLDING_TEAM_ONLY,
            supervises and action in _STAND_IN_ACTIONS,
        )
    ]


def _build_scope(user: User, action: Action) -> sa.ColumnElement[bool]:
    from app.registry.models import Household

    roles = sa.or_(sa.false(), *(_role_scope(role, user, action) for role in sorted(user.roles)))
    return sa.and_(Household.merged_into_id.is_(None), roles)


def in_scope(
    household_id: sa.ColumnElement, user: User, action: Action = Action.HOUSEHOLD_LIST, *also
) -> sa.ColumnElement[bool]:
    """SQL: the household `household_id` (a column of another table: a referral's, a task's)
    is in the user's scope for `action`, and meets the conditions on it `also`.

    A correlated EXISTS, checked by the households' primary key for the rows at hand. `IN
    (SELECT id FROM households WHERE <scope>)` says the same, but SQLite, which keeps no
    statistics, lists the whole scope first (every household of a team, 80,000 at 250,000
    households) to find the few rows a page shows; PostgreSQL plans both alike."""
    from app.registry.models import Household

    return sa.exists().where(Household.id == household_id, household_scope(user, action), *also)


def protection_audience(user: User) -> sa.ColumnElement[bool]:
    """The households whose protection-sensitive data this user reads: as caseworker those of
    their team assigned to them, as supervisor those of their own team (not those opened in an
    emergency)."""
    from app.registry.models import Household

    held = user.roles
    assigned = sa.and_(Household.assigned_to_id == user.id, _own_team(user))
    return sa.or_(
        assigned if CW in held else sa.false(),
        _own_team(user) if SUP in held else sa.false(),
    )


def _emergency_households(user: User) -> sa.Select:
    """Households this supervisor opened by break-the-glass, while the access lasts."""
    from app.access.models import EmergencyAccess
    from app.core.db import utcnow

    return sa.select(EmergencyAccess.household_id).where(
        EmergencyAccess.user_id == user.id, EmergencyAccess.expires_at > utcnow()
    )


def _standing_in(user: User) -> sa.Select:
    """Households whose pending request this supervisor decides for another team."""
    from app.workflow.approvals import households_to_decide

    return households_to_decide(user)


def visible_pairs(user: User) -> sa.Select:
    """The pairs of possible duplicates this user sees and judges.

    A records officer sees every pair, across teams and agencies, and of its two persons only
    their identity (the pair page); nothing else of their households. A supervisor sees the
    pairs whose both persons are in households of their scope. A pair spanning two teams or
    agencies is therefore judged by a records officer, and by a supervisor only if both
    households are theirs; a caseworker is shown, while registering, the candidates in their own
    scope only (`app.identity.services.possible_duplicates`), never the others.
    """
    from app.identity.models import DuplicatePair
    from app.registry.models import Household, Member

    if not _allowed_role(user, Action.DUPLICATES):
        return sa.select(DuplicatePair).where(sa.false())
    if Role.RECORDS_OFFICER in user.roles:
        return sa.select(DuplicatePair)
    # A household merged into one of theirs stays theirs here, so that they can undo it.
    scoped = sa.select(Household.id).where(household_scope(user, Action.HOUSEHOLD_VIEW))
    in_scope = (
        sa.select(Member.id)
        .join(Household, Household.id == Member.household_id)
        .where(sa.or_(Household.id.in_(scoped), Household.merged_into_id.in_(scoped)))
    )
    return sa.select(DuplicatePair).where(
        DuplicatePair.first_member_id.in_(in_scope), DuplicatePair.second_member_id.in_(in_scope)
    )


def pair_or_404(user: User, pair_id: int):
    """The pair, if this user may see it; 403 for a role that never may, 404 otherwise."""
    from app.identity.models import DuplicatePair

    require(user, Action.DUPLICATES)
    pair = db.session.scalar(visible_pairs(user).where(DuplicatePair.id == pair_id))
    if pair is None:
        _refused(Action.DUPLICATES, None, 404)
        abort(404)
    return pair


def visible_imports(user: User) -> sa.Select:
    """The transfer lists this user sees: those uploaded in their own team, to a supervisor
    of it. A list names hundreds of people: no other team, agency or role sees it, its
    problems, its possible duplicates or its files."""
    from app.imports.models import ListImport

    if not _allowed_role(user, Action.IMPORT_LISTS) or user.team_id is None:
        return sa.select(ListImport).where(sa.false())
    return sa.select(ListImport).where(ListImport.team_id == user.team_id)


def import_or_404(user: User, import_id: int):
    """The import, if this user may see it; 403 for a role that never may, 404 otherwise."""
    from app.imports.models import ListImport

    require(user, Action.IMPORT_LISTS)
    return _found_or_404(
        visible_imports(user).where(ListImport.id == import_id), Action.IMPORT_LISTS
    )


def visible_watch_lists(user: User) -> sa.Select:
    """The watch lists this user sees: every list, to a screener; none to anyone else, who
    must not learn that a list names someone."""
    from app.watchlist.models import WatchList

    allowed = _allowed_role(user, Action.WATCHLIST_MANAGE)
    return sa.select(WatchList).where(sa.true() if allowed else sa.false())


def visible_alerts(user: User) -> sa.Select:
    """The screening alerts this user sees: every alert, to a screener, whatever the stage or
    team of the person's household (screening starts at registration, before vetting); none
    to anyone else, who must not learn that a person was alerted."""
    from app.watchlist.models import WatchAlert

    allowed = _allowed_role(user, Action.WATCHLIST_SCREEN)
    return sa.select(WatchAlert).where(sa.true() if allowed else sa.false())


def alert_or_404(user: User, alert_id: int):
    """The alert, if this user may see it; 403 for a role that never may, 404 otherwise."""
    from app.watchlist.models import WatchAlert

    require(user, Action.WATCHLIST_SCREEN)
    return _found_or_404(
        visible_alerts(user).where(WatchAlert.id == alert_id), Action.WATCHLIST_SCREEN
    )


def watch_list_or_404(user: User, list_id: int):
    """The watch list, if this user may see it; 403 for a role that never may, 404 otherwise."""
    from app.watchlist.models import WatchList

    require(user, Action.WATCHLIST_MANAGE)
    return _found_or_404(
        visible_watch_lists(user).where(WatchList.id == list_id), Action.WATCHLIST_MANAGE
    )


def listable_stages(user: User) -> frozenset[str] | None:
    """The stages a household in this user's lists can be at: None for any (a team's scope),
    the screening stages for a screener who holds no team role (their scope is by stage), so
    that a list's stage filter offers no stage that can only ever show nothing."""
    user = _unproxied(user)
    if not _signed_in(user) or not {CW, SUP}.isdisjoint(user.roles):
        return None
    return frozenset(_screening_stages()) if SCR in user.roles else None


def visible_households(user: User) -> sa.Select:
    """Every list, search, page and count of households starts from this query."""
    from app.registry.models import Household

    if not _allowed_role(user, Action.HOUSEHOLD_LIST):
        return sa.select(Household).where(sa.false())
    return sa.select(Household).where(household_scope(user))


def _questions(user: User) -> dict[str, sa.ColumnElement[bool]]:
    """Every question a household's pages may ask about it for this user, as SQL conditions on
    the household row: each action on one household that the user's roles allow, and whether
    they are in its protection audience. Actions scoped alike share one condition."""
    asked = {
        action.value: household_scope(user, action)
        for action in sorted(_HOUSEHOLD_ACTIONS)
        if _allowed_role(user, action)
    }
    if any(FieldGroup.VULNERABILITIES in _GROUPS.get(role, ()) for role in user.roles):
        asked["protection"] = protection_audience(user)
    return asked


def can(user: User | None, action: Action, record: object | None = None) -> bool:
    """May this user do this action (on this record, where the action concerns one)?"""
    user = _unproxied(user)
    if not _allowed_role(user, action):
        return False
    if action in _HOUSEHOLD_ACTIONS and record is not None:
        return answers.holds(user, record, action.value, lambda: household_scope(user, action))  # type: ignore[arg-type]
    return True


def visible_groups(user: User | None, household: Household) -> frozenset[FieldGroup]:
    """The parts of this household's file the user may see; the rest shows as restricted."""
    user = _unproxied(user)
    if not can(user, Action.HOUSEHOLD_VIEW, household):
        return frozenset()
    groups = frozenset().union(*(_GROUPS.get(role, frozenset()) for role in user.roles))  # type: ignore[union-attr]
    # Only roles that read vulnerabilities can be in the protection audience.
    audience = lambda: protection_audience(user)  # type: ignore[arg-type]  # noqa: E731
    if FieldGroup.VULNERABILITIES in groups and answers.holds(
        user,  # type: ignore[arg-type]
        household,
        "protection",
        audience,
    ):
        groups |= {FieldGroup.PROTECTION}
    return groups


def require(user: User | None, action: Action, record: object | None = None) -> None:
    """Abort with 403 unless the user may do this; every refusal goes to the audit trail."""
    if not can(user, action, record):
        _refused(action, getattr(record, "id", None) if record is not None else None, 403)
        abort(403)


def _refused(action: Action, household_id: int | None, status: int) -> None:
    from app.audit import services as audit

    audit.record("access.refused", household_id=household_id, attempted=action.value, status=status)


def _require_any(user: User, audited_as: Action, *others: Action) -> None:
    """403 (audited as `audited_as`) unless one of the user's roles may take any of the actions."""
    if not any(_allowed_role(user, action) for action in (audited_as, *others)):
        _refused(audited_as, None, 403)
        abort(403)


def _found_or_404(stmt: sa.Select, audited_as: Action):
    """The one record a scoped query finds; none answers 404, like a record that does not
    exist, so that probing ids tells an outsider nothing."""
    found = db.session.scalar(stmt)
    if found is None:
        _refused(audited_as, None, 404)
        abort(404)
    return found


def household_or_404(user: User, household_id: int, action: Action, load=()) -> Household:
    """Load a household through the user's scope for the action (`household_or_none`).

    A household outside the scope answers 404, like one that does not exist, so that probing case
    ids tells an outsider nothing. A role that may never do the action gets 403.
    """
    household = household_or_none(user, household_id, action, load)
    if household is None:
        refuse_household(action, household_id)
    return household  # type: ignore[return-value]


def household_or_none(user: User, household_id: int, action: Action, load=()) -> Household | None:
    """The household if it is in the user's scope for the action, loaded with the loader options
    `load`; in the same statement, the answer to every question its pages ask about it for this
    user (`can`, `visible_groups`), kept for the request. None if out of scope or missing; a role
    that may never do the action gets 403."""
    from app.registry.models import Household

    user = _unproxied(user)
    require(user, action)
    questions = _questions(user)
    scoped = sa.select(Household, *answers.columns(questions)).where(household_scope(user, action))
    found = db.session.execute(scoped.where(Household.id == household_id).options(*load)).first()
    if found is None:
        return None
    answers.keep(user, found[0], questions, found[1:])
    return found[0] if can(user, action, found[0]) else None


def refuse_household(action: Action, household_id: int) -> NoReturn:
    """Answer 404 (audited), as for a household that does not exist."""
    _refused(action, household_id, 404)
    abort(404)


# --- hand-overs between teams ---------------------------------------------------------------


def visible_transfers(user: User) -> sa.Select:
    """Hand-overs a supervisor sees: those sent by their team and those sent to it."""
    from app.transfers.models import Transfer

    if not _allowed_role(user, Action.TRANSFER_INBOX) or user.team_id is None:
        return sa.select(Transfer).where(sa.false())
    team = user.team_id
    return sa.select(Transfer).where(
        sa.or_(Transfer.from_team_id == team, Transfer.to_team_id == team)
    )


def receives_transfer(user: User, transfer) -> bool:
    """A supervisor of the receiving team answers a hand-over."""
    return _allowed_role(user, Action.TRANSFER_INBOX) and transfer.to_team_id == user.team_id


def sends_transfer(user: User, transfer) -> bool:
    """A supervisor of the sending team may withdraw it while it waits."""
    return _allowed_role(user, Action.TRANSFER_INBOX) and transfer.from_team_id == user.team_id


def transfer_or_404(user: User, transfer_id: int):
    """A hand-over sent by or to the user's team; any other answers 404."""
    from app.transfers.models import Transfer

    require(user, Action.TRANSFER_INBOX)
    return _found_or_404(
        visible_transfers(user).where(Transfer.id == transfer_id), Action.TRANSFER_INBOX
    )


# --- disclosures to security bodies and courts ----------------------------------------------


def visible_disclosures(user: User) -> sa.Select:
    """Case staff see the disclosures of households they may open; a focal point of the receiving
    body sees those approved for it."""
    from app.transfers.models import APPROVED, Disclosure

    if _allowed_role(user, Action.DISCLOSURES_RECEIVED):
        return sa.select(Disclosure).where(
            Disclosure.agency_id == user.agency_id, Disclosure.state == APPROVED
        )
    if _allowed_role(user, Action.HOUSEHOLD_VIEW):
        readable = in_scope(Disclosure.household_id, user, Action.HOUSEHOLD_VIEW)
        return sa.select(Disclosure).where(readable)
    return sa.select(Disclosure).where(sa.false())


def disclosure_or_404(user: User, disclosure_id: int):
    from app.transfers.models import Disclosure

    _require_any(user, Action.DISCLOSURES_RECEIVED, Action.HOUSEHOLD_VIEW)
    found = visible_disclosures(user).where(Disclosure.id == disclosure_id)
    return _found_or_404(found, Action.DISCLOSURES_RECEIVED)


# --- figures -----------------------------------------------------------------------------------


def reportable_households(user: User) -> sa.ColumnElement[bool]:
    """The households a user's figures count: all of them for reporting officers and admins, who
    see counts only, never a record; a supervisor's own scope."""
    if not _allowed_role(user, Action.REPORTS):
        return sa.false()
    if user.has_role(Role.REPORTING_OFFICER, Role.ADMIN):
        from app.registry.models import Household

        # Every household once: one merged into another is counted in the one kept.
        return Household.merged_into_id.is_(None)
    return household_scope(user)


# --- referrals to agencies ----------------------------------------------------------------------


def visible_referrals(user: User) -> sa.Select:
    """The household's team sees the referrals of the households it may refer; a focal point
    those sent to their agency (never a draft)."""
    from app.referrals.models import Referral

    if _allowed_role(user, Action.REFERRAL_INBOX):
        return sa.select(Referral).where(
            Referral.agency_id == user.agency_id, Referral.state != "draft"
        )
    if _allowed_role(user, Action.REFER):
        return sa.select(Referral).where(in_scope(Referral.household_id, user, Action.REFER))
    return sa.select(Referral).where(sa.false())


def referral_side(user: User, referral) -> str | None:
    """ "sender" for the household's team, "receiver" for the agency's focal point."""
    if _allowed_role(user, Action.REFERRAL_INBOX) and referral.agency_id == user.agency_id:
        return "receiver" if referral.state != "draft" else None
    if can(user, Action.REFER, referral.household):
        return "sender"
    return None


def referral_or_404(user: User, referral_id: int):
    from app.referrals.models import Referral

    _require_any(user, Action.REFERRAL_INBOX, Action.REFER)
    found = visible_referrals(user).where(Referral.id == referral_id)
    return _found_or_404(found, Action.REFERRAL_INBOX)


def exportable_groups(user: User) -> frozenset[FieldGroup]:
    """The field groups a user may take out in a case export: those their roles read of every
    household in their scope (protection-sensitive data never leaves in a list)."""
    if not _allowed_role(user, Action.EXPORT_CASES):
        return frozenset()
    return frozenset().union(*(_GROUPS.get(role, frozenset()) for role in user.roles))  # type: ignore[union-attr]
