"""Assessments: saving a new version, reading the current one and the earlier ones, what the
household page may show of them, and the facts the workflow's preconditions need.

Services check the rules, flush, and leave the commit to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app.access import FieldGroup, can, visible_groups
from app.auth.models import User
from app.core.dates import local_today
from app.core.locks import lock_rows
from app.core.validation import ValidationFailed
from app.extensions import db
from app.history.services import record
from app.registry.models import Household, Member
from app.screening.kinds import KINDS, Kind, kind_named
from app.screening.models import Assessment

log = logging.getLogger(__name__)

VETTING_AGE = 15  # members this old or older are vetted
JUDICIARY = "judiciary"  # the vetting outcome, and the member route it leads to


class NotPermitted(Exception):
    """The actor may not record this kind of assessment for this household."""


class StaleAssessment(Exception):
    """Someone saved a newer version after the editor opened the form; theirs was not saved."""

    def __init__(self, latest: Assessment):
        super().__init__(f"assessment {latest.kind} is at version {latest.version}")
        self.version = latest.version
        self.author_id = latest.author_id
        self.author = latest.author.full_name
        self.recorded_at = latest.created_at


# --- reading ------------------------------------------------------------------------------


def current(household: Household, kind: str, member_id: int | None = None) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment).where(
            Assessment.household_id == household.id,
            Assessment.kind == kind,
            Assessment.member_id.is_(None)
            if member_id is None
            else Assessment.member_id == member_id,
            Assessment.current,
        )
    )


def versions(household: Household, kind_key: str, member_id: int | None) -> list[Assessment]:
    """Every version, newest first."""
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(
                Assessment.household_id == household.id,
                Assessment.kind == kind_key,
                Assessment.member_id.is_(None)
                if member_id is None
                else Assessment.member_id == member_id,
            )
            .order_by(Assessment.version.desc())
            .options(selectinload(Assessment.author))
        )
    )


def may_read(user: User | None, kind: Kind, household: Household) -> bool:
    return kind.group in visible_groups(user, household)


# --- writing ------------------------------------------------------------------------------


def _member_id(kind: Kind, household: Household, member: Member | None) -> int | None:
    if not kind.per_member:
        if member is not None:
            raise ValidationFailed({None: [str(_l("This assessment is of the whole household."))]})
        return None
    if member is None or member.household_id != household.id:
        raise ValidationFailed({None: [str(_l("Choose a member of this household."))]})
    return member.id


def _lock(household: Household) -> None:
    """Saves of one household's assessments take turns, so that two at once cannot both
    replace the same current version (and leave two current ones, or two of one number): the
    household's row on PostgreSQL, the database's write lock on SQLite (`app.core.locks`)."""
    lock_rows(sa.select(Household.id).where(Household.id == household.id))


def save_assessment(
    kind_key: str,
    household: Household,
    member: Member | None,
    data: Mapping[str, Any],
    actor: User,
    expected_version: int | None = None,
) -> Assessment:
    """Record a new version; the earlier ones are kept.

    `expected_version` is the version the editor saw (0 for none); when another was saved since,
    StaleAssessment is raised and nothing is written. None skips that check.
    """
    kind = kind_named(kind_key)
    if not (can(actor, kind.action, household) and may_read(actor, kind, household)):
        raise NotPermitted(f"{actor.username} may not record {kind.key}")
    member_id = _member_id(kind, household, member)
    values = kind.clean(data)
    _lock(household)
    previous = current(household, kind.key, member_id)
    version = previous.version + 1 if previous is not None else 1
    if previous is not None:
        if expected_version is not None and expected_version != previous.version:
            raise StaleAssessment(previous)
        previous.current = False
    assessment = Assessment(
        household_id=household.id,
        member_id=member_id,
        kind=kind.key,
        version=version,
        current=True,
        data=values,
        author=actor,
    )
    db.session.add(assessment)
    db.session.flush()
    _record_saved(household, kind, assessment, actor)
    if kind.key == "vetting" and values["outcome"] == JUDICIARY:
        _route_to_judiciary(household, member, actor)  # type: ignore[arg-type]
    log.info("%s recorded %s v%d on %s", actor.username, kind.key, version, household.case_number)
    return assessment


def _record_saved(household: Household, kind: Kind, assessment: Assessment, actor: User) -> None:
    # The event says that a version was recorded, never what it holds: the timeline is read
    # more widely than the assessment itself.
    sensitive = {FieldGroup.VETTING, FieldGroup.PROTECTION}
    restricted = {"restricted": kind.group.value} if kind.group in sensitive else {}
    record(
        household,
        "assessment_recorded",
        actor,
        member_id=assessment.member_id,
        assessment=kind.key,
        version=assessment.version,
        **restricted,
    )


def _route_to_judiciary(household: Household, member: Member, actor: User) -> None:
    """A judiciary referral routes the member apart from the household.

    A later outcome other than judiciary does not bring the member back: whether and when a
    member rejoins the household is a decision of its own (a supervisor's, not built yet), not a
    side effect of editing an assessment. So the route is only ever set here, never cleared.
    """
    if member.route == JUDICIARY:
        return
    member.route = JUDICIARY
    db.session.flush()
    record(
        household,
        "member_routed",
        actor,
        member_id=member.id,
        route=JUDICIARY,
        restricted=FieldGroup.VETTING.value,
    )


# --- what the household page shows --------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """One kind of assessment of one member (or of the household), as one reader may see it.

    `withheld`: the reader may know only whether it is recorded ("complete") or not
    ("pending"); version, date and author are then left empty too.
    `household_decision`: the household's security decision (a stage: cleared, on hold,
    judiciary) that this member's status follows (`Kind.follows_household_decision`).
    """

    kind: Kind
    member_id: int | None
    recorded: bool
    withheld: bool = False
    may_record: bool = False
    version: int | None = None
    recorded_at: datetime | None = None
    author: str | None = None
    household_decision: str | None = None

    @property
    def household_decision_label(self) -> str:
        from app.workflow.stages import Stage

        return Stage(self.household_decision).label if self.household_decision else ""


@dataclass(frozen=True)
class MemberStatuses:
    member: Member
    statuses: tuple[Status, ...]


@dataclass(frozen=True)
class Summary:
    member_kinds: tuple[Kind, ...]  # the columns of the members' table, in order
    members: tuple[MemberStatuses, ...]
    household: tuple[Status, ...]  # the kinds recorded once for the household

    def __bool__(self) -> bool:
        return bool(self.member_kinds or self.household)


# Built once and reused (the household page's reads are; bench/page_costs.py).
_CURRENT = (
    sa.select(Assessment)
    .where(Assessment.household_id == sa.bindparam("household_id"), Assessment.current)
    .options(joinedload(Assessment.author))
)


def _current_records(household: Household) -> dict[tuple[str, int | None], Assessment]:
    rows = db.session.scalars(_CURRENT, {"household_id": household.id})
    return {(a.kind, a.member_id): a for a in rows}


def _status(
    kind: Kind, member_id: int | None, found: Assessment | None, may_record: bool
) -> Status:
    if found is None:
        return Status(kind, member_id, False, may_record=may_record)
    return Status(
        kind,
        member_id,
        True,
        may_record=may_record,
        version=found.version,
        recorded_at=found.created_at,
        author=found.author.full_name,
    )


def summary_for(user: User | None, household: Household) -> Summary:
    """Per kind and member, what this user may know of the current assessments."""
    groups = visible_groups(user, household)
    if not groups:
        return Summary((), (), ())
    readable = [k for k in KINDS.values() if k.group in groups or k.status_shown_to_all]
    stored = _current_records(household)
    decision = household_decision(household)

    def status(kind: Kind, member: Member | None) -> Status:
        member_id = member.id if member else None
        found = stored.get((kind.key, member_id))
        follows = decision if _follows_household(kind, member) else None
        if kind.group not in groups:
            return Status(
                kind, member_id, found is not None, withheld=True, household_decision=follows
            )
        shown = _status(kind, member_id, found, can(user, kind.action, household))
        return replace(shown, household_decision=follows)

    member_kinds = tuple(k for k in readable if k.per_member)
    return Summary(
        member_kinds,
        tuple(
            MemberStatuses(m, tuple(status(k, m) for k in member_kinds)) for m in household.members
        ),
        tuple(status(k, None) for k in readable if not k.per_member),
    )


def _follows_household(kind: Kind, member: Member | None) -> bool:
    return kind.follows_household_decision and member is not None and not member.route


def household_decision(household: Household) -> str | None:
    """The household's standing security decision (cleared, on hold, judiciary); None before
    vetting and while it is under way (again)."""
    from app.workflow.preconditions import latest_security_decision
    from app.workflow.stages import SCREENING_STAGES, Stage

    if household.stage == Stage.VETTING or household.stage not in SCREENING_STAGES:
        return None
    return latest_security_decision(household)


# --- facts for the workflow ---------------------------------------------------------------


def vetting_complete(household: Household) -> bool:
    """Every member of vetting age, unless routed apart, has a current 'cleared' outcome."""
    today = local_today()
    outcomes = {
        a.member_id: a.data.get("outcome")
        for a in db.session.scalars(
            sa.select(Assessment).where(
                Assessment.household_id == household.id,
                Assessment.kind == "vetting",
                Assessment.current,
            )
        )
    }
    to_vet = [m for m in household.members if m.age_on(today) >= VETTING_AGE and not m.route]
    return all(outcomes.get(m.id) == "cleared" for m in to_vet)


def community_acceptance_granted(household: Household) -> bool:
    stored = current(household, "acceptance")
    if stored is None:
        return False
    data = stored.data
    return bool(
        data.get("mukhtar_letter")
        and data.get("committee_decision") == "approved"
        and data.get("destination_confirmed")
    )
