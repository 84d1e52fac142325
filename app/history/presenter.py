"""Timeline entries in words, showing each reader only what their field groups allow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from app.access.policy import FieldGroup
from app.history.models import CaseEvent
from app.registry.vocab import MEMBER_ROUTES


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    title: str
    reason: str | None
    restricted: str | None  # what the reader is told in place of something withheld


def _stage(value: str | None) -> str:
    from app.workflow.stages import Stage

    try:
        return Stage(value).label if value else ""
    except ValueError:
        return value or ""


def _member_routed(event: CaseEvent) -> str:
    name = event.member.name_en or event.member.name_ar if event.member else _("a member")
    route = (event.detail or {}).get("route")
    if not route:
        return _("%(name)s is back with the household", name=name)
    return _("%(name)s: %(route)s", name=name, route=str(MEMBER_ROUTES.get(route, route)))


def _assessment_label(key: str) -> str:
    from app.screening.kinds import KINDS

    kind = KINDS.get(key)
    return str(kind.label) if kind is not None else key


def _title(event: CaseEvent) -> str:
    d = event.detail or {}
    stages = {"source": _stage(event.from_stage), "target": _stage(event.to_stage)}
    teams = {"source": d.get("from_team", ""), "target": d.get("to_team", "")}
    titles = {
        "registered": lambda: _("Household registered"),
        "updated": lambda: _("Household details changed"),
        "stage_changed": lambda: _("%(source)s → %(target)s", **stages),
        "approval_requested": lambda: _("Approval asked: %(source)s → %(target)s", **stages),
        "approval_given": lambda: _("Approved: %(source)s → %(target)s", **stages),
        "approval_returned": lambda: _("Returned: %(source)s → %(target)s", **stages),
        "approval_withdrawn": lambda: _("Request withdrawn: %(source)s → %(target)s", **stages),
        "assigned": lambda: _("Caseworker assigned"),
        "assessment_recorded": lambda: _(
            "Assessment recorded: %(kind)s (version %(n)s)",
            kind=_assessment_label(d.get("assessment", "")),
            n=d.get("version", ""),
        ),
        "member_routed": lambda: _member_routed(event),
        "task_created": lambda: _(
            "Task added: %(title)s (due %(due)s)", title=d.get("title", ""), due=d.get("due_on", "")
        ),
        "task_done": lambda: _("Task done: %(title)s", title=d.get("title", "")),
        "note": lambda: _("Note"),
        "transfer_requested": lambda: _("Hand-over asked: %(source)s → %(target)s", **teams),
        "transferred": lambda: _("Handed over: %(source)s → %(target)s", **teams),
        "transfer_declined": lambda: _("Hand-over declined: %(source)s → %(target)s", **teams),
        "transfer_cancelled": lambda: _("Hand-over withdrawn: %(source)s → %(target)s", **teams),
    }
    return titles.get(event.kind, lambda: event.kind)()


def _withheld(group: str) -> str:
    if group == FieldGroup.VETTING:
        return _("Reason restricted to security screeners")
    if group == FieldGroup.PROTECTION:
        return _("Protection-sensitive: for the assigned caseworker and their supervisor")
    return _("Restricted")


def entries(events: list[CaseEvent], groups: frozenset[FieldGroup]) -> list[Entry]:
    result = []
    for event in events:
        restricted = (event.detail or {}).get("restricted")
        hidden = bool(restricted) and restricted not in groups
        result.append(
            Entry(
                at=event.at,
                who=event.actor.full_name if event.actor else _("the system"),
                title=_title(event),
                reason=None if hidden else event.reason,
                restricted=_withheld(restricted) if hidden and event.reason else None,
            )
        )
    return result
