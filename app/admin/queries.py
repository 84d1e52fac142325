"""Lists and counts of the administration pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from app.access.roles import Role
from app.auth.models import User
from app.core.pagination import page_number
from app.extensions import db
from app.reference.models import District, Governorate

if TYPE_CHECKING:
    from app.admin.kinds import Kind


@dataclass
class UserFilters:
    role: str = ""
    active: str = ""  # "", "yes" or "no"
    page: int = 1


def user_filters(args) -> UserFilters:
    """Filters from the query string; anything unknown is ignored rather than refused."""
    role = args.get("role", "")
    active = args.get("active", "")
    page = args.get("page", "1")
    return UserFilters(
        role=role if role in {r.value for r in Role} else "",
        active=active if active in {"yes", "no"} else "",
        page=page_number(page),
    )


def _paginate(stmt: sa.Select, page: int) -> Pagination:
    """One page of `stmt`; a page past the end is the last page, as in every other list
    (`app.core.pagination`)."""
    per_page = current_app.config["PAGE_SIZE"]
    shown = db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False, count=True)
    if not shown.items and shown.page > shown.pages > 0:
        shown = db.paginate(stmt, page=shown.pages, per_page=per_page, error_out=False, count=True)
    return shown


def users_page(filters: UserFilters) -> Pagination:
    stmt = (
        sa.select(User)
        .options(selectinload(User.agency), selectinload(User.team))
        .order_by(User.username)
    )
    if filters.role:
        stmt = stmt.where(sa.or_(User.role == filters.role, User.second_role == filters.role))
    if filters.active:
        stmt = stmt.where(User.active == (filters.active == "yes"))
    return _paginate(stmt, filters.page)


def reference_page(kind: Kind, page: int) -> Pagination:
    loads = (selectinload(relationship) for relationship in kind.load)
    return _paginate(sa.select(kind.model).options(*loads).order_by(*kind.order_by), page)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def shipped_counts() -> dict[str, int]:
    """The administrative divisions that ship with the app (read-only here)."""
    return {"governorates": count(Governorate), "districts": count(District)}
