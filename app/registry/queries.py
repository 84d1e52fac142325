"""The case list: search, filters, sorting and pages, always inside the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.access import visible_households
from app.auth.models import User
from app.core.pagination import Page, paginate, paginate_parts
from app.extensions import db
from app.identity.identifiers import case_number_key, identifier_key
from app.reference.models import Camp, Team
from app.registry.models import Household, Member
from app.registry.search import matching, terms

SORTS = ("relevance", "newest", "oldest", "case_number", "camp_ref", "name", "updated")
# A list's count stops here (or at the end of the page asked for, if further): a person narrows
# such a list rather than paging through it, and the list says "more than". Counting every
# household in a large scope would read them all, at every request, for a page of 25.
MATCH_CAP = 1000


@dataclass
class CaseFilters:
    q: str = ""
    camp_id: int | None = None
    batch_id: int | None = None
    governorate_id: int | None = None
    caseworker_id: int | None = None
    stage: str | None = None
    sort: str = "relevance"
    page: int = 1


def _order(stmt: sa.Select, sort: str) -> sa.Select:
    if sort == "name":
        head = aliased(Member)
        stmt = stmt.outerjoin(
            head, sa.and_(head.household_id == Household.id, head.relationship == "head")
        )
        return stmt.order_by(head.family_name_en, head.given_name_en, Household.id)
    orders = {
        "newest": (Household.id.desc(),),
        "oldest": (Household.id.asc(),),
        "case_number": (Household.case_number,),
        "camp_ref": (Household.camp_ref, Household.id),
        "updated": (Household.updated_at.desc(), Household.id.desc()),
    }
    return stmt.order_by(*orders.get(sort, orders["newest"]))


def _matching(stmt: sa.Select, query: str) -> sa.Select:
    """A case number, in any digits and with or without its leading zeros, finds that case
    alone (by its unique index), or the case it was merged into; anything else is a set of
    terms that must all match the household's search text (`app.registry.search`)."""
    if not query:
        return stmt
    case_number = _case_number(query)
    if case_number is not None:
        # A case merged into another (app.identity.merging) leads to the one kept. One IN of
        # at most one id, found by the unique index: an OR of the two would leave PostgreSQL
        # unable to count its rows and walking every household (300 ms at 250,000).
        found = sa.select(sa.func.coalesce(Household.merged_into_id, Household.id)).where(
            Household.case_number == case_number
        )
        return stmt.where(Household.id.in_(found))
    query_terms = terms(query)
    if not query_terms:
        return stmt.where(sa.false())
    dialect = db.session.get_bind().dialect.name
    return stmt.where(matching(query_terms, dialect))


def _case_number(query: str) -> str | None:
    return case_number_key(query, current_app.config["CASE_NUMBER_PREFIX"])


def case_query(user: User, filters: CaseFilters) -> sa.Select:
    stmt = _matching(visible_households(user), (filters.q or "").strip())
    if filters.camp_id:
        stmt = stmt.where(Household.camp_id == filters.camp_id)
    if filters.batch_id:
        stmt = stmt.where(Household.batch_id == filters.batch_id)
    if filters.governorate_id:
        stmt = stmt.where(Household.origin_governorate_id == filters.governorate_id)
    if filters.stage:
        stmt = stmt.where(Household.stage == filters.stage)
    if filters.caseworker_id:
        stmt = stmt.where(Household.assigned_to_id == filters.caseworker_id)
    return stmt


# What a household's page shows of it, loaded with it in one statement, however many members.
# Joined, not "select IN": each select-IN loader costs the ORM about 0.4 ms of Python a page
# (measured on the household page); the join repeats a member's row only per document and need.
_MEMBERS = joinedload(Household.members)
PAGE_LOADS = (
    _MEMBERS.joinedload(Member.documents),
    _MEMBERS.joinedload(Member.needs),
    joinedload(Household.assigned_to),
    joinedload(Household.updated_by),
)

# What a list row shows: its members (the head, and how many), its caseworker; camps and places
# are named from the reference lists.
_ROW_LOADS = (selectinload(Household.members), selectinload(Household.assigned_to))


def search_cases(user: User, filters: CaseFilters) -> Page:
    """One page of the user's households as filtered, searched and sorted.

    The count stops at `MATCH_CAP` (a person narrows such a list rather than paging through it;
    the pager still goes on, `app.core.pagination`). Sorted by closeness, households whose
    every term matches a folded word come first, then those found through a skeleton, newest
    first within each: each part is read newest first by its own query, so that the database
    can stop at the page's end.
    """
    query = (filters.q or "").strip()
    stmt = case_query(user, filters)
    per_page = current_app.config["PAGE_SIZE"]
    query_terms = terms(query) if query and _case_number(query) is None else []
    sort = filters.sort
    if sort == "relevance" and any(t.key for t in query_terms):
        dialect = db.session.get_bind().dialect.name
        literal = matching(query_terms, dialect, literal_only=True)
        closest = stmt.where(literal).order_by(Household.id.desc())
        others = stmt.where(sa.not_(literal)).order_by(Household.id.desc())
        return paginate_parts(
            stmt, [closest, others], Household, filters.page, per_page, _ROW_LOADS, MATCH_CAP
        )
    return paginate(
        _order(stmt, "newest" if sort == "relevance" else sort),
        Household,
        page=filters.page,
        per_page=per_page,
        options=_ROW_LOADS,
        cap=MATCH_CAP,
    )


@dataclass(frozen=True)
class CollidingHousehold:
    case_number: str
    camp_ref: str
    team: str
    keeps_key: bool


@dataclass(frozen=True)
class CampIdCollision:
    camp_code: str
    key: str
    households: list[CollidingHousehold]


def camp_id_collisions() -> list[CampIdCollision]:
    """Households left without a camp ID key because another of their camp has the same one
    (see the migration 5d2e7a91c3b4), each with the households it collides with. For the
    operator's CLI: the whole registry, whatever the scope."""
    unkeyed = db.session.execute(
        sa.select(Household.camp_id, Household.camp_ref).where(Household.camp_ref_key.is_(None))
    ).all()
    groups: dict[tuple[int, str], None] = {}
    for camp_id, camp_ref in unkeyed:
        groups[(camp_id, identifier_key(camp_ref))] = None
    collisions = []
    for camp_id, key in groups:
        rows = db.session.execute(
            sa.select(Household.case_number, Household.camp_ref, Team.name, Household.camp_ref_key)
            .join(Team, Team.id == Household.team_id)
            .where(Household.camp_id == camp_id)
            .where(sa.or_(Household.camp_ref_key == key, Household.camp_ref_key.is_(None)))
            .order_by(Household.id)
        ).all()
        members = [
            CollidingHousehold(number, ref, team, stored == key)
            for number, ref, team, stored in rows
            if identifier_key(ref) == key
        ]
        camp = db.session.get(Camp, camp_id)
        collisions.append(CampIdCollision(camp.code if camp else str(camp_id), key, members))
    return collisions
