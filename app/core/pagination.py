"""Pages of a scoped query: ids first, then the rows of that page.

Selecting only the ids of one page lets the database sort and stop early using its indexes;
the full rows (and what they show) are then loaded for those 25 ids alone. On 100,000 households
this is several times faster than sorting whole rows (see bench/).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.extensions import db


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int
    # True when there were more rows than the cap: `total` is then the cap, not the count.
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(
    stmt: sa.Select, entity, page: int, per_page: int, options=(), cap: int | None = None
) -> Page:
    """`stmt` selects `entity` rows, filtered and ordered; returns one page of them.

    With `cap`, rows past the first `cap` are neither counted nor shown (`Page.capped`).
    """
    counted = stmt.order_by(None).with_only_columns(entity.id)
    if cap is not None:
        counted = counted.limit(cap + 1)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted.subquery())) or 0
    capped = cap is not None and total > cap
    total = min(total, cap) if cap is not None else total
    page = min(max(page, 1), max(1, math.ceil(total / per_page)))
    ids = list(
        db.session.scalars(
            stmt.with_only_columns(entity.id).limit(per_page).offset((page - 1) * per_page)
        )
    )
    rows = db.session.scalars(sa.select(entity).where(entity.id.in_(ids)).options(*options))
    by_id = {row.id: row for row in rows}
    return Page([by_id[i] for i in ids if i in by_id], total, page, per_page, capped)
