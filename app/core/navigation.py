"""The main menu, built from what the access policy lets the current user do; what waits at its
entries; and where each role lands after logging in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.access import Action, can
from app.workflow.stages import Stage

if TYPE_CHECKING:
    from app.auth.models import User

# (endpoint, label, the action that makes the entry appear)
MENU = (
    ("dashboard.dashboard", _l("Dashboard"), Action.DASHBOARD),
    ("registry.case_list", _l("Households"), Action.HOUSEHOLD_LIST),
    ("registry.register", _l("Register a household"), Action.HOUSEHOLD_CREATE),
    ("caseload.my_cases", _l("My cases"), Action.MY_CASES),
    ("tasks.due", _l("Tasks due"), Action.TASKS),
    ("workflow.review_queue", _l("Review queue"), Action.REVIEW_QUEUE),
    ("caseload.team", _l("Team caseload"), Action.TEAM_VIEW),
    ("identity.queue", _l("Possible duplicates"), Action.DUPLICATES),
    ("imports.index", _l("Transfer lists"), Action.IMPORT_LISTS),
    ("watchlist.alerts", _l("Screening alerts"), Action.WATCHLIST_SCREEN),
    ("watchlist.lists", _l("Watch lists"), Action.WATCHLIST_MANAGE),
    ("transfers.inbox", _l("Hand-overs"), Action.TRANSFER_INBOX),
    ("referrals.shared_by_me", _l("Shared by me"), Action.REFER),
    ("referrals.inbox", _l("Shared with my agency"), Action.REFERRAL_INBOX),
    ("disclosures.received", _l("Disclosed to us"), Action.DISCLOSURES_RECEIVED),
    ("access.review", _l("Emergency accesses"), Action.BREAK_GLASS_REVIEW),
    ("admin.users", _l("Users"), Action.MANAGE_USERS),
    ("api_tokens.everyone", _l("API tokens"), Action.MANAGE_USERS),
    ("admin.reference_index", _l("Reference data"), Action.MANAGE_REFERENCE),
    ("referrals.services_list", _l("Agencies' services"), Action.MANAGE_REFERENCE),
    ("reports.report", _l("Figures"), Action.REPORTS),
    ("audit.entries", _l("Audit trail"), Action.AUDIT_VIEW),
)

# Where a user lands after logging in (and on "/"): the first of these their roles may open.
# (the action that marks the role, endpoint, its arguments)
LANDINGS: tuple[tuple[Action, str, dict[str, str]], ...] = (
    (Action.HOUSEHOLD_CREATE, "registry.case_list", {}),  # caseworkers and supervisors
    (Action.VET, "registry.case_list", {"stage": Stage.VETTING.value}),  # security screeners
    (Action.REFERRAL_INBOX, "referrals.inbox", {}),  # agency focal points
    (Action.DUPLICATES, "identity.queue", {}),  # records officers
    (Action.MANAGE_USERS, "admin.users", {}),  # administrators
    (Action.AUDIT_VIEW, "audit.entries", {}),  # auditors
    (Action.DASHBOARD, "dashboard.dashboard", {}),  # reporting officers
)

# What waits for the user at a menu entry, counted by the package that owns the page (see
# `count_waiting`) from the access policy's scoped queries.
_WAITING: dict[str, Callable[[User], int]] = {}


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool
    waiting: int = 0  # how many items wait there for the user


def count_waiting(endpoint: str, counter: Callable[[User], int]) -> None:
    """Say how many items wait for a user at the page of `endpoint`, shown beside its entry.
    The counter should be cheap (one COUNT); it runs at most once per request."""
    _WAITING[endpoint] = counter


def waiting_at(endpoint: str) -> int:
    counter = _WAITING.get(endpoint)
    if counter is None:
        return 0
    counted = g.setdefault("_awda_waiting", {})
    if endpoint not in counted:
        counted[endpoint] = counter(current_user)
    return counted[endpoint]


def main_menu() -> list[MenuItem]:
    entries = [*MENU, ("workflow.help_page", _l("How a case moves"), Action.WORKFLOW_HELP)]
    items = [
        MenuItem(url_for(endpoint), str(label), request.endpoint == endpoint, waiting_at(endpoint))
        for endpoint, label, action in entries
        if can(current_user, action) and endpoint in current_app.view_functions
    ]
    items.append(  # every signed-in user's own notifications (app.notifications)
        MenuItem(
            url_for("notifications.index"),
            str(_l("Notifications")),
            request.endpoint == "notifications.index",
            waiting_at("notifications.index"),
        )
    )
    items.append(
        MenuItem(url_for("auth.account"), str(_l("My account")), request.endpoint == "auth.account")
    )
    return items


def landing(user: User) -> str:
    """The page where the user's work is."""
    for action, endpoint, arguments in LANDINGS:
        if can(user, action) and endpoint in current_app.view_functions:
            return url_for(endpoint, **arguments)
    return url_for("auth.account")
