"""The case export's cells, each one computed by the database: a batch of households (or, on
PostgreSQL, the whole export) is one statement that returns every cell as the file shows it,
names in the reader's language, so Python only neutralises formulas and writes.

Built inside the reader's locale (labels of stages and document kinds are bound as values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased

from app.access import FieldGroup
from app.auth.models import User
from app.core.dates import local_today, years_before
from app.reference.models import Camp, Governorate, ReturnBatch
from app.registry.models import Household, Member
from app.workflow.stages import Stage


class _Counts(NamedTuple):
    members: sa.ColumnElement[int]
    females: sa.ColumnElement[int]
    children: sa.ColumnElement[int]


@dataclass
class Cells:
    """The tables one export reads: a reference table is joined only if a column names it."""

    dialect: str
    arabic: bool = field(default_factory=lambda: getattr(get_locale(), "language", None) == "ar")
    joins: dict[str, tuple[object, sa.ColumnElement[bool]]] = field(default_factory=dict)
    whole: bool = False  # the export in one statement (COPY), not a batch

    def _joined(self, key: str, table, on) -> object:
        self.joins.setdefault(key, (table, on))
        return self.joins[key][0]

    def camp(self):
        return self._joined("camp", Camp, Camp.id == Household.camp_id)

    def batch(self):
        return self._joined("batch", ReturnBatch, ReturnBatch.id == Household.batch_id)

    def origin(self):
        origin = aliased(Governorate, name="origin")
        return self._joined("origin", origin, origin.id == Household.origin_governorate_id)

    def destination(self):
        place = aliased(Governorate, name="destination")
        return self._joined("destination", place, place.id == Household.destination_governorate_id)

    def caseworker(self):
        return self._joined("caseworker", User, User.id == Household.assigned_to_id)

    def member_counts(self):
        """The household's counts of members, females and children, each member read once:
        the members joined and the rows grouped by household, as the fastest dump does (the
        database may merge the two tables in the order of their ids, and SQLite's batch still
        walks the households in order and stops at `BATCH`). A batch on PostgreSQL, whose
        planner would group every household left before it took the first `BATCH`, counts
        them in a LATERAL subquery per household instead."""
        if self.dialect == "postgresql" and not self.whole:
            return self._joined("member_counts", _lateral_counts(), sa.true()).c
        if "members" not in self.joins:
            member = aliased(Member, name="member")
            on = sa.and_(member.household_id == Household.id, member.merged_into_id.is_(None))
            self._joined("members", member, on)
        member = self.joins["members"][0]
        return _Counts(*(_counted(k, member, sa.func.count(member.id)) for k in _MEMBER_COUNTS))

    def name(self, table) -> sa.ColumnElement[str]:
        """The Arabic name for an Arabic reader when there is one, else the English, else ""."""
        if self.arabic:
            arabic, english = sa.func.nullif(table.name_ar, ""), sa.func.nullif(table.name_en, "")
            return sa.func.coalesce(arabic, english, "")
        return sa.func.coalesce(table.name_en, "")


def text(value) -> sa.ColumnElement[str]:
    """A text cell: "" where the database has nothing (NULL)."""
    return sa.func.coalesce(value, "")


def stage_label(_cells: Cells) -> sa.ColumnElement[str]:
    """The stage as the reader's language names it (an unknown stage as it is stored)."""
    labels = {stage.value: str(stage.label) for stage in Stage}
    return sa.case(labels, value=Household.stage, else_=Household.stage)


_MEMBER_COUNTS = {
    "members": lambda _m: None,
    "females": lambda m: m.sex == "F",
    "children": lambda m: m.birth_date > years_before(local_today(), 18),  # under 18 today
}


def member_count(cells: Cells, key: str) -> sa.ColumnElement[int]:
    """Members of the household (all, "females" or "children"), merged members left out."""
    return getattr(cells.member_counts(), key)


def _counted(key: str, member, counted) -> sa.ColumnElement[int]:
    condition = _MEMBER_COUNTS[key](member)
    return (counted if condition is None else counted.filter(condition)).label(key)


def _lateral_counts():
    """The three counts in one subquery read once per household (PostgreSQL)."""
    return (
        sa.select(*(_counted(key, Member, sa.func.count()) for key in _MEMBER_COUNTS))
        .where(Member.household_id == Household.id, Member.merged_into_id.is_(None))
        .lateral("member_counts")
    )


def phone_local(_cells: Cells) -> sa.ColumnElement[str]:
    """`app.registry.phone.local_form` in SQL: +9647701234567 reads 07701234567."""
    phone = Household.phone
    iraqi = sa.func.substr(phone, 1, 4) == "+964"
    return sa.case((iraqi, "0" + sa.func.substr(phone, 5)), else_=text(phone))


def full_name(*parts) -> sa.ColumnElement[str]:
    """`app.registry.models.full_name` in SQL: the parts that are known, a space between."""
    spaced = [sa.case((part != "", " " + part), else_="") for part in parts]
    joined = spaced[0]
    for part in spaced[1:]:
        joined = joined + part
    return sa.func.substr(joined, 2)


def head_name(script: str) -> sa.ColumnElement[str]:
    """The head's full name in one script ("ar" or "en"); the first head if there were two."""
    parts = [
        getattr(Member, f"{part}_name_{script}")
        for part in ("given", "father", "grandfather", "family")
    ]
    head = (
        sa.select(full_name(*parts))
        .where(
            Member.household_id == Household.id,
            Member.relationship == "head",
            Member.merged_into_id.is_(None),
        )
        .order_by(Member.id)
        .limit(1)
        .correlate(Household)
        .scalar_subquery()
    )
    return text(head)


def documents_on_file(cells: Cells) -> sa.ColumnElement[str]:
    """The kinds of document and identity attachment on the file, in the reader's language,
    in the order of their codes ("Civil ID or unified ID card; Birth certificate"): what is on
    file, never its content."""
    from app.attachments.models import Attachment
    from app.attachments.vocab import KINDS

    kinds = (
        sa.select(Attachment.kind.label("kind"))
        .where(
            Attachment.household_id == Household.id,
            Attachment.group.in_([FieldGroup.DOCUMENTS.value, FieldGroup.IDENTITY.value]),
            Attachment.removed_at.is_(None),
        )
        .distinct()
        .order_by(Attachment.kind)
        .correlate(Household)
        .subquery()
    )
    label = sa.case(
        {k: str(name) for k, name in KINDS.items()}, value=kinds.c.kind, else_=kinds.c.kind
    )
    if cells.dialect == "postgresql":
        joined = sa.func.string_agg(label, aggregate_order_by(sa.literal("; "), kinds.c.kind))
    else:  # SQLite reads the ordered subquery in its order
        joined = sa.func.group_concat(label, "; ")
    return text(sa.select(joined).scalar_subquery())


def cells_query(stmt: sa.Select, cells: list[sa.ColumnElement], context: Cells) -> sa.Select:
    """The scoped households of `stmt` (the policy's query, filters applied), their id then
    their cells, in the order of their ids."""
    query = stmt.with_only_columns(Household.id, *cells, maintain_column_froms=False)
    query = query.select_from(Household)
    for table, on in context.joins.values():
        query = query.outerjoin(table, on)
    if "members" in context.joins:  # one row per household
        query = query.group_by(Household.id, *_joined_keys(context))
    return query.order_by(Household.id)


def _joined_keys(context: Cells) -> list:
    """PostgreSQL reads a grouped row's other columns only from tables whose keys it groups by;
    SQLite takes them from the household's row as they are, and grouping by more would have
    it sort every batch rather than walk the households in order."""
    if context.dialect != "postgresql":
        return []
    return [table.id for key, (table, _on) in context.joins.items() if key != "members"]
