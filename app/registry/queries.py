"""The case list: search, filters, sorting and pages, always inside the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from app.access import visible_households
from app.auth.models import User
from app.core.pagination import Page, paginate
from app.registry.models import Household, Member
from app.registry.search import fold, terms

SORTS = ("newest", "oldest", "case_number", "camp_ref", "name", "updated")


@dataclass
class CaseFilters:
    q: str = ""
    camp_id: int | None = None
    batch_id: int | None = None
    governorate_id: int | None = None
    caseworker_id: int | None = None
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


def case_query(user: User, filters: CaseFilters) -> sa.Select:
    stmt = visible_households(user)
    query = (filters.q or "").strip()
    if query:
        by_number = sa.func.lower(Household.case_number) == query.lower()
        by_terms = (
            sa.and_(
                *(Household.search_text.contains(term, autoescape=True) for term in terms(query))
            )
            if fold(query)
            else sa.false()
        )
        stmt = stmt.where(sa.or_(by_number, by_terms))
    if filters.camp_id:
        stmt = stmt.where(Household.camp_id == filters.camp_id)
    if filters.batch_id:
        stmt = stmt.where(Household.batch_id == filters.batch_id)
    if filters.governorate_id:
        stmt = stmt.where(Household.origin_governorate_id == filters.governorate_id)
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
