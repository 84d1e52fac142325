"""The main menu, built from what the access policy lets the current user do."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.access import Action, can

# (endpoint, label, the action that makes the entry appear)
MENU = (
    ("dashboard.dashboard", _l("Dashboard"), Action.DASHBOARD),
    ("registry.case_list", _l("Households"), Action.HOUSEHOLD_LIST),
    ("registry.register", _l("Register a household"), Action.HOUSEHOLD_CREATE),
    ("caseload.my_cases", _l("My cases"), Action.MY_CASES),
    ("tasks.due", _l("Tasks due"), Action.TASKS),
    ("workflow.review_queue", _l("Review queue"), Action.REVIEW_QUEUE),
    ("caseload.team", _l("Team caseload"), Action.TEAM_VIEW),
    ("transfers.inbox", _l("Hand-overs"), Action.TRANSFER_INBOX),
    ("referrals.shared_by_me", _l("Shared by me"), Action.REFER),
    ("referrals.inbox", _l("Shared with my agency"), Action.REFERRAL_INBOX),
    ("disclosures.received", _l("Disclosed to us"), Action.DISCLOSURES_RECEIVED),
    ("access.review", _l("Emergency accesses"), Action.BREAK_GLASS_REVIEW),
    ("admin.users", _l("Users"), Action.MANAGE_USERS),
    ("admin.reference_index", _l("Reference data"), Action.MANAGE_REFERENCE),
    ("referrals.services_list", _l("Agencies' services"), Action.MANAGE_REFERENCE),
    ("reports.report", _l("Figures"), Action.REPORTS),
    ("audit.entries", _l("Audit trail"), Action.AUDIT_VIEW),
)


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool


def main_menu() -> list[MenuItem]:
    entries = [*MENU, ("workflow.help_page", _l("How a case moves"), Action.WORKFLOW_HELP)]
    items = [
        MenuItem(url_for(endpoint), str(label), request.endpoint == endpoint)
        for endpoint, label, action in entries
        if can(current_user, action) and endpoint in current_app.view_functions
    ]
    items.append(
        MenuItem(url_for("auth.account"), str(_l("My account")), request.endpoint == "auth.account")
    )
    return items
