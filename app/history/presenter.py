"""Timeline entries in words, showing each reader only what their field groups allow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.access.policy import FieldGroup
from app.core.formatting import day
from app.core.i18n import in_reader_script
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


def _member_name(event: CaseEvent) -> str | None:
    """The member the event is about, in the reader's script (None: the whole household)."""
    if event.member is None:
        return None
    return in_reader_script(event.member.name_ar, event.member.name_en)[0]


def _member_routed(event: CaseEvent) -> str:
    name = _member_name(event) or _("a member")
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
    # Kinds with particulars to tell; the others are called by their name in KIND_LABELS.
    titles = {
        "stage_changed": lambda: _("%(source)s → %(target)s", **stages),
        "approval_requested": lambda: _("Approval asked: %(source)s → %(target)s", **stages),
        "approval_given": lambda: _("Approved: %(source)s → %(target)s", **stages),
        "approval_returned": lambda: _("Returned: %(source)s → %(target)s", **stages),
        "approval_withdrawn": lambda: _("Request withdrawn: %(source)s → %(target)s", **stages),
        "assessment_recorded": lambda: _(
            "Assessment recorded: %(kind)s (version %(n)s)",
            kind=_assessment_label(d.get("assessment", "")),
            n=d.get("version", ""),
        ),
        "member_routed": lambda: _member_routed(event),
        "task_created": lambda: _(
            "Task added: %(title)s (due %(due)s)",
            title=d.get("title", ""),
            due=day(d.get("due_on")),  # kept as ISO, told in the reader's language
        ),
        "task_done": lambda: _("Task done: %(title)s", title=d.get("title", "")),
        "transfer_requested": lambda: _("Hand-over asked: %(source)s → %(target)s", **teams),
        "transferred": lambda: _("Handed over: %(source)s → %(target)s", **teams),
        "transfer_declined": lambda: _("Hand-over declined: %(source)s → %(target)s", **teams),
        "transfer_cancelled": lambda: _("Hand-over withdrawn: %(source)s → %(target)s", **teams),
        "merged": lambda: _("Merged with case %(case)s", case=d.get("other_case", "")),
        "unmerged": lambda: _("Merge with case %(case)s undone", case=d.get("other_case", "")),
    }
    if event.kind.startswith("referral_"):
        state, agency = event.kind.removeprefix("referral_"), d.get("agency", "")
        return _referral_title(state, agency, _member_name(event))
    if event.kind in DISCLOSURE_TITLES:
        return str(DISCLOSURE_TITLES[event.kind]) % {"agency": d.get("agency", "")}
    return titles.get(event.kind, lambda: str(KIND_LABELS.get(event.kind, event.kind)))()


def _referral_title(state: str, agency: str, member: str | None) -> str:
    """What happened to a referral, naming its member when it is for one."""
    from app.referrals.states import STATES

    if member is not None:
        return _member_referral_title(state, agency, member)
    if state == "progress":
        return _("Referral to %(agency)s: progress recorded", agency=agency)
    if state == "consent_override":
        return _("Referral to %(agency)s: sent without consent, by a supervisor", agency=agency)
    return _("Referral to %(agency)s: %(state)s", agency=agency, state=STATES.get(state, state))


def _member_referral_title(state: str, agency: str, name: str) -> str:
    from app.referrals.states import STATES

    if state == "progress":
        return _("Referral to %(agency)s for %(name)s: progress recorded", agency=agency, name=name)
    if state == "consent_override":
        return _(
            "Referral to %(agency)s for %(name)s: sent without consent, by a supervisor",
            agency=agency,
            name=name,
        )
    state_label = STATES.get(state, state)
    return _(
        "Referral to %(agency)s for %(name)s: %(state)s",
        agency=agency,
        name=name,
        state=state_label,
    )


DISCLOSURE_TITLES = {
    "disclosure_requested": _l("Disclosure to %(agency)s asked"),
    "disclosed": _l("Disclosed to %(agency)s"),
    "disclosure_refused": _l("Disclosure to %(agency)s refused"),
    "disclosure_withdrawn": _l("Disclosure to %(agency)s withdrawn"),
}

# Every kind of case event, named without its particulars: for the audit trail, where each
# change to a case is entered as `case.<kind>`.
KIND_LABELS = {
    "registered": _l("Household registered"),
    "updated": _l("Household details changed"),
    "stage_changed": _l("Stage changed"),
    "approval_requested": _l("Approval asked"),
    "approval_given": _l("Approval given"),
    "approval_returned": _l("Approval refused"),
    "approval_withdrawn": _l("Approval request withdrawn"),
    "assigned": _l("Caseworker assigned"),
    "unassigned": _l("Back with the team: its caseworker moved, changed role or left"),
    "assessment_recorded": _l("Assessment recorded"),
    "member_routed": _l("Member routed apart"),
    "task_created": _l("Task added"),
    "task_done": _l("Task done"),
    "note": _l("Note"),
    "transfer_requested": _l("Hand-over asked"),
    "transferred": _l("Handed over"),
    "transfer_declined": _l("Hand-over declined"),
    "transfer_cancelled": _l("Hand-over withdrawn"),
    "referral_draft": _l("Referral drafted"),
    "referral_sent": _l("Referral sent"),
    "referral_accepted": _l("Referral accepted"),
    "referral_declined": _l("Referral declined"),
    "referral_in_progress": _l("Referral work started"),
    "referral_progress": _l("Referral progress recorded"),
    "referral_completed": _l("Referral completed"),
    "referral_revoked": _l("Referral revoked"),
    "referral_consent_override": _l("Referral consent overridden"),
    "disclosure_requested": _l("Disclosure asked"),
    "disclosed": _l("Disclosed"),
    "disclosure_refused": _l("Disclosure refused"),
    "disclosure_withdrawn": _l("Disclosure withdrawn"),
    "merged": _l("Records merged"),
    "unmerged": _l("Merge undone"),
    "watchlist_match_confirmed": _l("Watch-list match confirmed by two screeners"),
    "attachment_added": _l("Document or photo added"),
    "attachment_removed": _l("Document or photo removed"),
}


def _withheld(group: str) -> str:
    if group == FieldGroup.VETTING:
        return _("Reason restricted to security screeners")
    if group == FieldGroup.PROTECTION:
        return _("Protection-sensitive: for the assigned caseworker and their supervisor")
    return _("Restricted")


def entries(events: list[CaseEvent], groups: frozenset[FieldGroup]) -> list[Entry]:
    """The timeline as a reader who sees `groups` reads it: a restricted event's reason is
    withheld; an event kept for one group (`detail["only"]`, such as a confirmed watch-list
    match) is left out altogether for other readers, who must not learn it happened."""
    result = []
    for event in events:
        only = (event.detail or {}).get("only")
        if only and only not in groups:
            continue
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
