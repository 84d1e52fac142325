"""The referral's states and every allowed change: which side makes it and whether it needs a
note. The sender side is the household's team; the receiver is the agency's focal point."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

STATES = {
    "draft": _l("Draft"),
    "sent": _l("Sent"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "revoked": _l("Revoked"),
}
# While a referral is in these, the receiving agency reads the shared data; after, no longer.
OPEN = frozenset({"sent", "accepted", "in_progress"})
SENDER, RECEIVER = "sender", "receiver"


@dataclass(frozen=True)
class Change:
    action: str
    source: str
    target: str
    side: str
    note_label: object | None = None  # a note is required when labelled


CHANGES = (
    Change("send", "draft", "sent", SENDER),
    Change("accept", "sent", "accepted", RECEIVER),
    Change("decline", "sent", "declined", RECEIVER, _l("Why you decline")),
    Change("start", "accepted", "in_progress", RECEIVER),
    Change("progress", "in_progress", "in_progress", RECEIVER, _l("Progress")),
    Change("complete", "in_progress", "completed", RECEIVER, _l("Outcome")),
    *(
        Change("revoke", source, "revoked", SENDER, _l("Why you revoke it"))
        for source in ("draft", "sent", "accepted", "in_progress")
    ),
)


def change(action: str, source: str) -> Change | None:
    return next((c for c in CHANGES if c.action == action and c.source == source), None)


def open_to(state: str, side: str) -> list[Change]:
    return [c for c in CHANGES if c.source == state and c.side == side]
