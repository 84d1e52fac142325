"""A demo watch list, so that a screener trying `make run` finds alerts to answer: a national
list naming two demo men as such lists do (the grandfather dropped, the year of birth only),
a namesake of a third born far from him, and two invented men registered nowhere. Everyone
on it is as synthetic as the demo households."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.identity.person import BirthDate, Precision
from app.registry.models import Member
from app.watchlist import loading, screening
from app.watchlist.models import ListKind, WatchList
from app.watchlist.national import NationalPerson

NAME = "Demo wanted persons (invented)"


def _eldest_men(count: int) -> list[Member]:
    """The demo's eldest men (its households are mostly women and children, as al-Hol's)."""
    stmt = (
        sa.select(Member)
        .where(Member.sex == "M")
        .order_by(Member.birth_date, Member.id)
        .limit(count)
    )
    return list(db.session.scalars(stmt))


def _listed(member: Member, reference: str, year_shift: int = 0) -> NationalPerson:
    names = (member.given_name_ar, member.father_name_ar, member.family_name_ar or "")
    born = BirthDate(date(member.birth_date.year + year_shift, 1, 1), Precision.YEAR)
    return NationalPerson(
        reference=reference,
        names=tuple(n for n in names if n),
        original_script=" ".join(n for n in names if n),
        births=(born,),
    )


INVENTED = (
    NationalPerson("W-2026-0901", ("سالم", "جاسم", "الدليمي"), "سالم جاسم الدليمي"),
    NationalPerson("W-2026-0902", ("ناصر", "كريم", "الحلبوسي"), "ناصر كريم الحلبوسي"),
)


def ensure_watch_list(screener: User) -> int:
    """Load the demo list once as `screener` and screen the register against it; returns the
    alerts raised (0 when it was there already or the register has too few men)."""
    if db.session.scalar(sa.select(WatchList.id).where(WatchList.name == NAME)) is not None:
        return 0
    men = _eldest_men(3)
    if len(men) < 3:
        return 0
    persons = [
        _listed(men[0], "W-2026-0101"),
        _listed(men[1], "W-2026-0102"),
        _listed(men[2], "W-2026-0103", year_shift=-25),  # a namesake a generation older
        *INVENTED,
    ]
    loaded = loading.load(NAME, ListKind.NATIONAL, persons, "demo.csv", NAME.encode(), screener)
    return screening.screen_entries(loaded.to_screen)
