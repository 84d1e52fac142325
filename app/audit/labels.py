"""What each audit action is called on the audit pages, in the reader's language. The code
itself stays in the trail and beside the name: it is what auditors filter and export by."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.history.presenter import KIND_LABELS

ACTIONS = {
    "login.success": _l("Logged in"),
    "login.failure": _l("Login refused"),
    "login.lockout": _l("Account locked after failed logins"),
    "logout": _l("Logged out"),
    "session.expired": _l("Session expired"),
    "two_factor.enrolled": _l("Two-step login set up"),
    "auth.reauth_failed": _l("Wrong password given to confirm an action"),
    "auth.password_changed": _l("Own password changed"),
    "auth.email_choice": _l("Choice of e-mail notifications changed"),
    "api.households": _l("Households listed through the API"),
    "api.household": _l("Household read through the API"),
    "api.household.create": _l("Household registered through the API"),
    "api.household.update": _l("Household changed through the API"),
    "api.figures": _l("Figures read through the API"),
    "api.referrals": _l("Referrals listed through the API"),
    "api.referral": _l("Referral read through the API"),
    "api.imports": _l("Transfer lists listed through the API"),
    "api.import": _l("Transfer list read through the API"),
    "api.import_problems": _l("Transfer list's problems read through the API"),
    "api.token_created": _l("API token made"),
    "api.tokens": _l("API tokens listed"),
    "api.token_revoked": _l("API token revoked"),
    "api.client_created": _l("API client made"),
    "api.client_token": _l("Token given to an API client"),
    "api.client_refused": _l("Token refused to an API client"),
    "api.client_revoked": _l("API client revoked"),
    "access.refused": _l("Access refused"),
    "break_glass.open": _l("Emergency access opened"),
    "household.view": _l("Household page opened"),
    "household.print": _l("Household file printed"),
    "identity.queue": _l("Possible duplicates listed"),
    "identity.pair": _l("Possible duplicate pair opened"),
    "identity.judged": _l("Possible duplicate pair judged"),
    "identity.merged": _l("Records of one person merged"),
    "identity.unmerged": _l("Merge of records undone"),
    "imports.list": _l("Transfer lists listed"),
    "watchlist.lists": _l("Watch lists listed"),
    "attachments.downloaded": _l("Document or photo downloaded"),
    "watchlist.list": _l("Watch list opened"),
    "watchlist.alerts": _l("Screening alerts listed"),
    "watchlist.alert": _l("Screening alert opened"),
    "watchlist.decided": _l("Screening alert answered"),
    "imports.received": _l("Transfer list uploaded"),
    "imports.view": _l("Transfer list opened"),
    "imports.download": _l("Transfer list downloaded"),
    "imports.commit": _l("Transfer list import started"),
    "imports.cancel": _l("Transfer list import cancelled"),
    "imports.resume": _l("Transfer list import resumed"),
    "imports.done": _l("Transfer list imported"),
    "imports.cancelled": _l("Transfer list import stopped"),
    "imports.file_removed": _l("Transfer list file deleted"),
    "watchlist.loaded": _l("Watch list version loaded"),
    "referral.view": _l("Referral opened"),
    "notifications.list": _l("Notifications listed"),
    "disclosure.view": _l("Disclosure opened"),
    "report.download": _l("Figures downloaded"),
    "export.cases": _l("Case list exported"),
    "audit.export": _l("Audit trail exported"),
    "user.create": _l("User created"),
    "user.update": _l("User changed"),
    "reference.save": _l("Reference data saved"),
    "reference.agency_service.create": _l("Agency service added"),
    "reference.agency_service.update": _l("Agency service changed"),
}
CASE_PREFIX = "case."


def action_label(code: str) -> str:
    """The action's name; an unknown code (from an older release, say) is shown as it is."""
    if code.startswith(CASE_PREFIX):
        label = KIND_LABELS.get(code.removeprefix(CASE_PREFIX))
    else:
        label = ACTIONS.get(code)
    return str(label) if label is not None else code
