"""Choices of the registry's select boxes, read from the reference tables."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from app.access.roles import Role
from app.auth.models import User
from app.core.formatting import day
from app.extensions import db
from app.reference.models import Camp, District, Governorate, ReturnBatch
from app.registry import vocab


def _blank(label: str | None = None) -> SelectChoice:
    return SelectChoice("", label or _("— choose —"))


def camps(blank: str | None = None) -> list[SelectChoice]:
    rows = db.session.scalars(sa.select(Camp).where(Camp.active).order_by(Camp.name_en))
    return [_blank(blank), *(SelectChoice(c.id, c.name) for c in rows)]


def batches(blank: str | None = None) -> list[SelectChoice]:
    rows = db.session.scalars(sa.select(ReturnBatch).order_by(ReturnBatch.departure_date.desc()))
    labels = (SelectChoice(b.id, f"{b.number} ({day(b.departure_date)})") for b in rows)
    return [_blank(blank or _("— none —")), *labels]


def governorates(blank: str | None = None) -> list[SelectChoice]:
    rows = db.session.scalars(sa.select(Governorate).order_by(Governorate.name_en))
    return [_blank(blank), *(SelectChoice(g.id, g.name) for g in rows)]


def districts() -> list[SelectChoice]:
    """Districts grouped by governorate; the page's script shows the chosen governorate's."""
    stmt = (
        sa.select(District)
        .join(District.governorate)
        .order_by(Governorate.name_en, District.name_en)
    )
    grouped = (
        SelectChoice(d.id, d.name, optgroup=d.governorate.name) for d in db.session.scalars(stmt)
    )
    return [_blank(), *grouped]


def team_caseworkers(user: User, blank: str | None = None) -> list[SelectChoice]:
    choices = [_blank(blank or _("— none —"))]
    if user.team_id is None:
        return choices
    rows = db.session.scalars(
        sa.select(User)
        .where(User.team_id == user.team_id, User.holding(Role.CASEWORKER), User.active)
        .order_by(User.full_name)
    )
    return [*choices, *(SelectChoice(u.id, u.full_name) for u in rows)]


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
