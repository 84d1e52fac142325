"""What a person is told when a save of a household is refused because it changed after they
opened it (`app.registry.services.StaleEdit`): who changed it, when, which of the fields they
are about to replace changed meanwhile, and a link to it as it is now. The one who changed it
may be the reader, in another tab or window."""

from __future__ import annotations

import hashlib
import json

from flask import url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from markupsafe import Markup

from app.auth.models import User
from app.core.forms import with_new_tab_link
from app.registry.forms import HouseholdForm
from app.registry.models import Household
from app.registry.services import HOUSEHOLD_FIELDS, snapshot


def base_of(household: Household) -> str:
    """What an edit page is opened on, kept in its form (`HouseholdForm.base`): the household's
    own fields as stored and a digest of its members (`services.snapshot`), as JSON text. A
    refused save compares it with the record as it is then (`mark_changed_meanwhile`)."""
    stored = snapshot(household)
    members = json.dumps(stored.pop("members"), default=str, ensure_ascii=False)
    stored["members"] = hashlib.sha256(members.encode()).hexdigest()
    return json.dumps(stored, default=str, ensure_ascii=False, sort_keys=True)


def mark_changed_meanwhile(form: HouseholdForm, household: Household) -> None:
    """Beside each field changed since the page was opened, what the record holds now: saving
    again replaces it with what the form holds. The members are said changed as a whole. A
    base the page did not send, or sent garbled, marks nothing. The form's base moves on to
    the record as it is, with its version."""
    try:
        opened_on = json.loads(form.base.data or "")
    except (ValueError, RecursionError):  # a crafted base: nested past the parser's depth
        opened_on = None
    form.base.data = base_of(household)
    now = json.loads(form.base.data)
    if not isinstance(opened_on, dict):
        return
    for name in HOUSEHOLD_FIELDS:
        if name in form and opened_on.get(name) != now.get(name):
            form[name].errors = [*form[name].errors, _changed_to(form[name], now.get(name))]
    if opened_on.get("members") != now["members"]:
        form.form_errors.append(
            _("The members were changed too since this page was opened: check them.")
        )


def _changed_to(field, stored) -> str:
    """The note beside a field changed meanwhile, with the value the record holds now as the
    page would show it (a list's label for a choice)."""
    shown = str(stored) if stored not in (None, "") else ""
    choices = field.iter_choices() if hasattr(field, "iter_choices") else ()
    for value, label, *_rest in choices:
        if str(value) == shown and shown:
            shown = str(label)
    if not shown:
        return _("Changed since this page was opened; the record now holds nothing here.")
    return _(
        "Changed since this page was opened; the record now holds: «%(value)s».",
        value=shown if len(shown) <= 80 else f"{shown[:80]}…",
    )


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
    return with_new_tab_link(
        message,
        url_for("registry.view", household_id=household.id),
        _("Open the current record in a new tab"),
    )
