"""Households (the case) and their members."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    orm,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import Timestamped, utcnow
from app.extensions import db
from app.identity.identifiers import identifier_key
from app.identity.person import BirthDate, Precision, age_between
from app.reference.models import Camp, District, Governorate, ReturnBatch, Team
from app.registry import search_index


def merged_rows_index(table: str) -> Index:
    """The rows merged into another, by the row they were merged into. Partial: merged rows are
    few, and an index of every row's NULL would tempt SQLite (which keeps no statistics) to
    read a household's members through it, every member of every household (`IS NULL` cannot
    use a partial index on `IS NOT NULL`; `merged_into_id = ?` can)."""
    merged = text("merged_into_id IS NOT NULL")
    return Index(
        f"ix_{table}_merged_into_id", "merged_into_id", sqlite_where=merged, postgresql_where=merged
    )


class Household(Timestamped, db.Model):
    __tablename__ = "households"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(24), unique=True)
    camp_id: Mapped[int] = mapped_column(ForeignKey("camps.id"), index=True)
    camp_ref: Mapped[str] = mapped_column(String(40))
    # The camp ID as a key (app.identity.identifiers): unique within the camp, however typed.
    # NULL only for a row whose key collided when keys were first computed, until a person
    # resolves it (`flask registry camp-id-collisions`).
    camp_ref_key: Mapped[str | None] = mapped_column(String(40))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("return_batches.id"), index=True)
    shelter: Mapped[str | None] = mapped_column(String(100))
    origin_governorate_id: Mapped[int] = mapped_column(ForeignKey("governorates.id"), index=True)
    origin_district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    destination_governorate_id: Mapped[int | None] = mapped_column(ForeignKey("governorates.id"))
    destination_district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Names, numbers and phone of the household folded for search (see registry.search).
    # Deferred: it is only searched, never shown, and would weigh on every list's sort.
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    # Where the household is in its journey; changed only by app.workflow.services.
    stage: Mapped[str] = mapped_column(String(30), default="registered", index=True)
    stage_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when this household was merged into another (app.identity.merging): kept, out of
    # every list and search, so that the merge can be undone.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    # Optimistic lock: a save made from an older version is refused, never overwrites.
    version: Mapped[int] = mapped_column(Integer, default=1)

    camp: Mapped[Camp] = relationship()
    batch: Mapped[ReturnBatch | None] = relationship()
    origin_governorate: Mapped[Governorate] = relationship(foreign_keys=[origin_governorate_id])
    origin_district: Mapped[District | None] = relationship(foreign_keys=[origin_district_id])
    destination_governorate: Mapped[Governorate | None] = relationship(
        foreign_keys=[destination_governorate_id]
    )
    destination_district: Mapped[District | None] = relationship(
        foreign_keys=[destination_district_id]
    )
    team: Mapped[Team] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    # Members merged into another person stay in the table but not on the household.
    members: Mapped[list[Member]] = relationship(
        back_populates="household",
        order_by="Member.position",
        cascade="all, delete-orphan",
        primaryjoin="and_(Household.id == Member.household_id, Member.merged_into_id.is_(None))",
    )

    __table_args__ = (
        UniqueConstraint("camp_id", "camp_ref_key"),
        merged_rows_index("households"),
        Index(
            "ix_households_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )
    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    @orm.validates("camp_ref")
    def _keep_camp_ref_key(self, _attribute: str, camp_ref: str) -> str:
        self.camp_ref_key = identifier_key(camp_ref) or None
        return camp_ref

    @property
    def head(self) -> Member | None:
        return next((m for m in self.members if m.relationship == "head"), None)


class Member(db.Model):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    given_name_ar: Mapped[str] = mapped_column(String(80))
    father_name_ar: Mapped[str] = mapped_column(String(80))
    grandfather_name_ar: Mapped[str | None] = mapped_column(String(80))
    family_name_ar: Mapped[str | None] = mapped_column(String(80))
    given_name_en: Mapped[str | None] = mapped_column(String(80))
    father_name_en: Mapped[str | None] = mapped_column(String(80))
    grandfather_name_en: Mapped[str | None] = mapped_column(String(80))
    family_name_en: Mapped[str | None] = mapped_column(String(80))
    sex: Mapped[str] = mapped_column(String(1))
    mother_name_ar: Mapped[str | None] = mapped_column(String(160))
    mother_name_en: Mapped[str | None] = mapped_column(String(160))
    known_as: Mapped[str | None] = mapped_column(String(80))  # a kunya: Abu …, Umm …
    # The birth date with how much of it is known (app.identity.person.Precision): the whole
    # date, the 1st of its month, 1 January of its year, or for an estimated age the day it was
    # estimated less that age (`birth_estimated_on` holds that day).
    birth_date: Mapped[date] = mapped_column(Date)
    birth_precision: Mapped[str] = mapped_column(String(5), default=Precision.DAY.value)
    birth_estimated_on: Mapped[date | None] = mapped_column(Date)
    # Record linkage (app.identity): the folded full name (PostgreSQL's trigram index), and a
    # digest of everything the matcher reads, so that a judgement holds until the person changes.
    name_folded: Mapped[str] = mapped_column(Text, default="")
    identity_digest: Mapped[str | None] = mapped_column(String(40))
    # Set when a person judged the same as another was merged into it (app.identity.merging);
    # the row is kept, out of every list, so that the merge can be undone.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    relationship: Mapped[str] = mapped_column(String(20))
    # A member routed apart from the household (e.g. referred to the judiciary while the
    # family goes on); None while the member goes with the household.
    route: Mapped[str | None] = mapped_column(String(20))
    nationality_evidence: Mapped[str | None] = mapped_column(String(30))
    notes: Mapped[str | None] = mapped_column(Text)

    # `relationship` is a column here (to the head), so the ORM function is spelled in full.
    household: Mapped[Household] = orm.relationship(back_populates="members")
    documents: Mapped[list[MemberDocument]] = orm.relationship(cascade="all, delete-orphan")
    needs: Mapped[list[MemberNeed]] = orm.relationship(cascade="all, delete-orphan")
    identifiers: Mapped[list[MemberIdentifier]] = orm.relationship(
        cascade="all, delete-orphan", order_by="MemberIdentifier.kind"
    )

    __table_args__ = (
        merged_rows_index("members"),
        Index(
            "ix_members_name_folded_trgm",
            "name_folded",
            postgresql_using="gin",
            postgresql_ops={"name_folded": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    @property
    def name_ar(self) -> str:
        return full_name(
            self.given_name_ar, self.father_name_ar, self.grandfather_name_ar, self.family_name_ar
        )

    @property
    def name_en(self) -> str:
        return full_name(
            self.given_name_en, self.father_name_en, self.grandfather_name_en, self.family_name_en
        )

    @property
    def document_codes(self) -> list[str]:
        return [d.kind for d in self.documents]

    @property
    def need_codes(self) -> list[str]:
        return [n.code for n in self.needs]

    @property
    def birth(self) -> BirthDate:
        return BirthDate(self.birth_date, Precision(self.birth_precision), self.birth_estimated_on)

    @property
    def birth_is_estimate(self) -> bool:
        return self.birth_precision == Precision.AGE.value

    @property
    def identifier_numbers(self) -> dict[str, str]:
        """{kind: number as typed} of the member's document numbers."""
        return {i.kind: i.value for i in self.identifiers}

    def age_on(self, day: date) -> int:
        return age_between(self.birth_date, day)


class MemberDocument(db.Model):
    """A document the member holds (codes in registry.vocab.DOCUMENTS)."""

    __tablename__ = "member_documents"
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)


class MemberIdentifier(db.Model):
    """A document number of the member (kinds in registry.vocab.IDENTIFIER_KINDS), with its key
    (app.identity.identifiers.identifier_key) by which record linkage compares it."""

    __tablename__ = "member_identifiers"
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_member_identifiers_kind_key", "kind", "key"),)

    @orm.validates("value")
    def _keep_key(self, _attribute: str, value: str) -> str:
        self.key = identifier_key(value)
        return value


class MemberNeed(db.Model):
    """A specific need of the member (codes in registry.vocab.SPECIFIC_NEEDS)."""

    __tablename__ = "member_needs"
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)


class CaseCounter(db.Model):
    """Last case number handed out per year, so numbers stay short and readable aloud."""

    __tablename__ = "case_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(Household.__table__, "after_create")
def _create_search_index(_table, connection, **_kw) -> None:
    search_index.create(connection)


@event.listens_for(Household.__table__, "before_drop")
def _drop_search_index(_table, connection, **_kw) -> None:
    search_index.drop(connection)


def full_name(*parts: str | None) -> str:
    """Given name, father's, grandfather's and family name, those that are known."""
    return " ".join(p for p in parts if p)
