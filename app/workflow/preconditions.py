"""What must be true of a household before a transition. Each condition is checked on the
server at the moment of the move (and again when an approval is given), never only by hiding a
button."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.history.models import CaseEvent
from app.registry.models import Household
from app.workflow.stages import SECURITY_DECISIONS, Stage


@dataclass(frozen=True)
class Precondition:
    key: str
    description: object  # lazy, translatable: shown by `flask workflow show` and the help page
    holds: Callable[[Household], bool]
    refusal: object  # lazy, translatable: the message when it does not hold


def latest_security_decision(household: Household) -> str | None:
    """The stage of the household's latest security decision (cleared, on hold, judiciary)."""
    return db.session.scalar(
        sa.select(CaseEvent.to_stage)
        .where(
            CaseEvent.household_id == household.id,
            CaseEvent.kind == "stage_changed",
            CaseEvent.to_stage.in_([s.value for s in SECURITY_DECISIONS]),
        )
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )


def _security_cleared(household: Household) -> bool:
    return latest_security_decision(household) == Stage.CLEARED


def _community_accepted(household: Household) -> bool:
    from app.screening.services import community_acceptance_granted

    return community_acceptance_granted(household)


def _in_a_batch(household: Household) -> bool:
    return household.batch_id is not None


def _vetting_recorded(household: Household) -> bool:
    from app.screening.services import vetting_complete

    return vetting_complete(household)


SECURITY_CLEARED = Precondition(
    "security_cleared",
    _l("the household's latest security decision is 'cleared'"),
    _security_cleared,
    _l("The household has no security clearance on record."),
)
COMMUNITY_ACCEPTED = Precondition(
    "community_accepted",
    _l("community acceptance is on record: mukhtar's letter, committee approval, destination"),
    _community_accepted,
    _l(
        "Community acceptance is not on record (mukhtar's letter, committee approval and a "
        "confirmed destination)."
    ),
)
IN_A_BATCH = Precondition(
    "in_a_batch",
    _l("the household is on a return batch"),
    _in_a_batch,
    _l("Put the household on a return batch first."),
)
VETTING_RECORDED = Precondition(
    "vetting_recorded",
    _l("every member aged 15 or over has a vetting outcome, and all are 'cleared' or routed apart"),
    _vetting_recorded,
    _l(
        "Record a 'cleared' vetting outcome for every member aged 15 or over first (or route "
        "the member apart)."
    ),
)
