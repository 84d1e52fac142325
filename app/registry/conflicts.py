"""What a person is told when a save of a household is refused because it changed after they
opened it (`app.registry.services.StaleEdit`): who changed it, when, and a link to it as it is
now. The one who changed it may be the reader, in another tab or window."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from markupsafe import Markup

from app.auth.models import User
from app.registry.models import Household


def last_change(household: Household, reader: User) -> tuple[str | None, str]:
    """(who last changed `household`, when, as shown): who is None when it was `reader`
    themselves, "someone" when no one is recorded."""
    when = format_datetime(household.updated_at, "medium")
    if household.updated_by_id == reader.id:
        return None, when
    return (household.updated_by.full_name if household.updated_by else _("someone")), when


def with_record_link(message: str, household: Household) -> Markup:
    """`message` (escaped) followed by a link opening the household as it is now, in a new tab so
    that what the form holds is kept."""
    return Markup('{} <a href="{}" target="_blank" rel="noopener">{}</a>').format(
        message,
        url_for("registry.view", household_id=household.id),
        _("Open the current record in a new tab"),
    )
