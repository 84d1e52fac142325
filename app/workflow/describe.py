"""The workflow in words, generated from the same definitions the services enforce: printed by
`flask workflow show` and shown on the help page."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.access.roles import Role
from app.workflow.approvals import RULE
from app.workflow.stages import Stage
from app.workflow.transitions import TRANSITIONS, Transition


@dataclass(frozen=True)
class Row:
    source: str
    target: str
    who: str
    approval: str
    reason: bool
    preconditions: tuple[str, ...]


def _roles(roles) -> str:
    return ", ".join(Role(r).label for r in sorted(roles)) or "—"


def row(t: Transition) -> Row:
    approval = ""
    if t.needs_approval:
        approval = _("%(who)s may ask; %(rule)s", who=_roles(t.request_roles), rule=RULE)
    return Row(
        source=t.source.label,
        target=t.target.label,
        who=_roles(t.roles),
        approval=approval,
        reason=t.needs_reason,
        preconditions=tuple(str(p.description) for p in t.preconditions),
    )


def rows() -> list[Row]:
    return [row(t) for t in TRANSITIONS]


def stages() -> list[Stage]:
    return list(Stage)


def as_text() -> str:
    lines = [_("Stages:")]
    lines += [f"  {i:>2}. {s.label} ({s.value})" for i, s in enumerate(Stage, 1)]
    lines += ["", _("Transitions:")]
    for r in rows():
        lines.append(f"  {r.source} -> {r.target}")
        lines.append(f"      {_('directly by')}: {r.who}")
        if r.approval:
            lines.append(f"      {_('with approval')}: {r.approval}")
        if r.reason:
            lines.append(f"      {_('a reason is required')}")
        for condition in r.preconditions:
            lines.append(f"      {_('only if')}: {condition}")
    return "\n".join(lines)
