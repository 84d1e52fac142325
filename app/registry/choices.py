"""Choices of the registry's select boxes, from the reference lists (app.reference.lists: read
once per process, kept until an administrator changes them)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from app.access.roles import Role
from app.auth.models import User
from app.core.formatting import day
from app.reference.lists import lists
from app.registry import vocab


def _blank(label: str | None = None) -> SelectChoice:
    return SelectChoice("", label or _("— choose —"))


def camps(blank: str | None = None) -> list[SelectChoice]:
    active = (c for c in lists().camps if c.active)
    return [_blank(blank), *(SelectChoice(c.id, c.name) for c in active)]


def batches(blank: str | None = None) -> list[SelectChoice]:
    labels = (SelectChoice(b.id, f"{b.number} ({day(b.departure_date)})") for b in lists().batches)
    return [_blank(blank or _("— none —")), *labels]


def governorates(blank: str | None = None) -> list[SelectChoice]:
    return [_blank(blank), *(SelectChoice(g.id, g.name) for g in lists().governorates)]


def districts() -> list[SelectChoice]:
    """Districts grouped by governorate; the page's script shows the chosen governorate's."""
    reference = lists()
    grouped = (
        SelectChoice(d.id, d.name, optgroup=reference.governorate(d.governorate_id).name)
        for d in reference.districts
    )
    return [_blank(), *grouped]


def team_caseworkers(user: User, blank: str | None = None) -> list[SelectChoice]:
    people = lists().team_caseworkers(user.team_id)
    return [_blank(blank or _("— none —")), *(SelectChoice(u.id, u.full_name) for u in people)]


def fill_household_form(form, user: User) -> None:
    form.camp_id.choices = camps()
    form.batch_id.choices = batches()
    form.origin_governorate_id.choices = governorates()
    form.destination_governorate_id.choices = governorates()
    form.origin_district_id.choices = districts()
    form.destination_district_id.choices = districts()
    if "assigned_to_id" in form:
        # Left blank, a caseworker's registration is assigned to them; a supervisor's to nobody.
        blank = _("— myself —") if user.has_role(Role.CASEWORKER) else _("— not assigned yet —")
        form.assigned_to_id.choices = team_caseworkers(user, blank=blank)


def hide_protection_needs(rows) -> None:
    """For a reader outside the protection audience: those needs are neither shown nor offered
    (the service keeps the stored ones whatever is posted)."""
    for row in rows:
        row.needs.choices = [c for c in row.needs.choices if c.value not in vocab.PROTECTION_NEEDS]
        row.needs.description = _l(
            "Protection-sensitive needs are not shown to you; they stay as recorded."
        )
