"""Choices of the registry's select boxes, read from the reference tables."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _

from app.access.roles import Role
from app.auth.models import User
from app.extensions import db
from app.reference.models import Camp, District, Governorate, ReturnBatch


def _blank() -> tuple[str, str]:
    return ("", _("— choose —"))


def camps() -> list:
    rows = db.session.scalars(sa.select(Camp).where(Camp.active).order_by(Camp.name_en))
    return [_blank(), *((c.id, c.name) for c in rows)]


def batches() -> list:
    rows = db.session.scalars(sa.select(ReturnBatch).order_by(ReturnBatch.departure_date.desc()))
    labels = ((b.id, f"{b.number} ({b.departure_date:%Y-%m-%d})") for b in rows)
    return [("", _("— none —")), *labels]


def governorates() -> list:
    rows = db.session.scalars(sa.select(Governorate).order_by(Governorate.name_en))
    return [_blank(), *((g.id, g.name) for g in rows)]


def districts() -> dict:
    """Districts grouped by governorate; the page's script shows the chosen governorate's."""
    grouped: dict[str, list] = defaultdict(list)
    stmt = (
        sa.select(District)
        .join(District.governorate)
        .order_by(Governorate.name_en, District.name_en)
    )
    for district in db.session.scalars(stmt):
        grouped[district.governorate.name].append((district.id, district.name))
    return {"": [_blank()], **grouped}


def team_caseworkers(user: User, blank: str | None = None) -> list:
    if user.team_id is None:
        return [("", blank or _("— none —"))]
    rows = db.session.scalars(
        sa.select(User)
        .where(User.team_id == user.team_id, User.role == Role.CASEWORKER, User.active)
        .order_by(User.full_name)
    )
    return [("", blank or _("— none —")), *((u.id, u.full_name) for u in rows)]


def fill_household_form(form, user: User) -> None:
    form.camp_id.choices = camps()
    form.batch_id.choices = batches()
    form.origin_governorate_id.choices = governorates()
    form.destination_governorate_id.choices = governorates()
    form.origin_district_id.choices = districts()
    form.destination_district_id.choices = districts()
    form.assigned_to_id.choices = team_caseworkers(user, blank=_("— keep as it is —"))
