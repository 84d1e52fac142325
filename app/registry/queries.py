"""The case list: search, filters, sorting and pages, always inside the user's scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from app.access import visible_households
from app.auth.models import User
from app.core.pagination import Page, paginate
from app.registry.models import Household, Member
from app.registry.search import terms

CASE_NUMBER = re.compile(r"^[A-Za-z]{2,6}-\d{4}-\d{1,9}$")
SORTS = ("newest", "oldest", "case_number", "camp_ref", "name", "updated")


@dataclass
class CaseFilters:
    q: str = ""
    camp_id: int | None = None
    batch_id: int | None = None
    governorate_id: int | None = None
    caseworker_id: int | None = None
    stage: str | None = None
    sort: str = "newest"
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
    """A case number finds that case alone (by its unique index); anything else is a set of
    folded terms that must all appear in the household's search text (a trigram index on
    PostgreSQL). Kept as two separate conditions: an OR of them would defeat both indexes."""
    if not query:
        return stmt
    if CASE_NUMBER.match(query):
        return stmt.where(Household.case_number == query.upper())
    folded = terms(query)
    if not folded:
        return stmt.where(sa.false())
    return stmt.where(*(Household.search_text.contains(t, autoescape=True) for t in folded))


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


def search_cases(user: User, filters: CaseFilters) -> Page:
    return paginate(
        _order(case_query(user, filters), filters.sort),
        Household,
        page=filters.page,
        per_page=current_app.config["PAGE_SIZE"],
        options=(
            selectinload(Household.members),
            selectinload(Household.camp),
            selectinload(Household.assigned_to),
            selectinload(Household.origin_governorate),
        ),
    )
