"""The stages a household passes through, in the order of the journey."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Stage(StrEnum):
    REGISTERED = "registered"
    TRANSFER_LIST = "transfer_list"
    IN_TRANSIT = "in_transit"
    ARRIVED = "arrived"
    VETTING = "vetting"
    CLEARED = "cleared"
    ON_HOLD = "on_hold"
    JUDICIARY = "judiciary"
    REHABILITATION = "rehabilitation"
    DEPARTURE_CLEARANCE = "departure_clearance"
    RETURNED = "returned"
    DISPLACED = "displaced"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(STAGE_LABELS[self])


STAGE_LABELS = {
    Stage.REGISTERED: _l("Registered in camp"),
    Stage.TRANSFER_LIST: _l("On a transfer list"),
    Stage.IN_TRANSIT: _l("In transit"),
    Stage.ARRIVED: _l("Arrived at the centre"),
    Stage.VETTING: _l("Security vetting"),
    Stage.CLEARED: _l("Cleared"),
    Stage.ON_HOLD: _l("On hold"),
    Stage.JUDICIARY: _l("Referred to the judiciary"),
    Stage.REHABILITATION: _l("Rehabilitation and services"),
    Stage.DEPARTURE_CLEARANCE: _l("Departure clearance"),
    Stage.RETURNED: _l("Returned"),
    Stage.DISPLACED: _l("Displaced again"),
    Stage.FOLLOW_UP: _l("Follow-up"),
    Stage.CLOSED: _l("Closed"),
}

# Outcomes of security vetting: the latest of these decides whether a household is cleared.
SECURITY_DECISIONS = frozenset({Stage.CLEARED, Stage.ON_HOLD, Stage.JUDICIARY})

# From vetting on, a household is within a security screener's view.
SCREENING_STAGES = frozenset(Stage) - {
    Stage.REGISTERED,
    Stage.TRANSFER_LIST,
    Stage.IN_TRANSIT,
    Stage.ARRIVED,
}
