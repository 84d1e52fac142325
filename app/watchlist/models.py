"""What watch-list screening keeps: the lists screeners load (the UN Security Council's
consolidated list, national lists of wanted persons), each load as a version, and each listed
person as an entry that knows the version that added, last changed or removed it, so that a new
version is screened again only where it changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.registry.models import Member


class ListKind:
    UN = "un"  # the UN Security Council consolidated list, in its published XML
    NATIONAL = "national"  # a national body's list, as a spreadsheet mapped by its headings

    ALL = (UN, NATIONAL)


class WatchList(db.Model):
    """A list screened against ("UN consolidated list", "Wanted persons, Ninewa court")."""

    __tablename__ = "watch_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    versions: Mapped[list[WatchListVersion]] = relationship(
        back_populates="watch_list", order_by="WatchListVersion.number"
    )


class WatchListVersion(db.Model):
    """One load of a list: its file's SHA-256 and what it changed against the last one."""

    __tablename__ = "watch_list_versions"
    __table_args__ = (UniqueConstraint("watch_list_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    watch_list_id: Mapped[int] = mapped_column(ForeignKey("watch_lists.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per list
    filename: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    loaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entries: Mapped[int] = mapped_column(Integer, default=0)  # persons listed in this version
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)

    watch_list: Mapped[WatchList] = relationship(back_populates="versions")
    loaded_by: Mapped[User] = relationship()


class WatchEntry(db.Model):
    """A person on a list, by the list's own reference ("QDi.123"), as its latest version
    gives them. `data` holds names (the four parts in Latin letters, the name in its original
    script, aliases with their quality), births with their precision, documents, nationalities
    and the mother's name where a list gives it (app.watchlist.loading.entry_data); `digest`
    says whether a new version changed them. An entry a later version no longer lists keeps
    its row with `removed_in_id`, so that decisions about it stay explained."""

    __tablename__ = "watch_entries"
    __table_args__ = (UniqueConstraint("watch_list_id", "reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    watch_list_id: Mapped[int] = mapped_column(ForeignKey("watch_lists.id"), index=True)
    reference: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    added_in_id: Mapped[int] = mapped_column(ForeignKey("watch_list_versions.id"))
    changed_in_id: Mapped[int] = mapped_column(ForeignKey("watch_list_versions.id"))
    removed_in_id: Mapped[int | None] = mapped_column(ForeignKey("watch_list_versions.id"))

    watch_list: Mapped[WatchList] = relationship()


class WatchEntryKey(db.Model):
    """One blocking key of a listed entry (of any of its names and births; see
    app.watchlist.matching): persons sharing a key with an entry are scored against it."""

    __tablename__ = "watch_entry_keys"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("watch_entries.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AlertStatus:
    """Where an alert stands. Only people move it; none of these changes a household or its
    vetting (a confirmed match is shown on the vetting record for a screener to act on)."""

    OPEN = "open"  # raised, waiting for a screener
    NOT_PERSON = "not_person"  # not the listed person: not raised again while both unchanged
    POSSIBLE = "possible"  # may be the person: stays in the queue for more checks
    PENDING = "pending"  # one screener said "the person"; a second must confirm (four eyes)
    CONFIRMED = "confirmed"  # two screeners: the person listed
    WITHDRAWN = "withdrawn"  # the entry left its list before anyone decided

    DECISIONS = (NOT_PERSON, POSSIBLE, PENDING)  # what a first screener may answer
    WAITING = (OPEN, POSSIBLE, PENDING)  # in the queue
    DECIDED = (NOT_PERSON, CONFIRMED)  # settled by screeners, for these very records


class WatchAlert(db.Model):
    """A registered person the screening found alike to a listed entry. One row per (person,
    entry): the digests are those of the person (`Member.identity_digest`) and the entry when
    the pair was last scored or decided, so that a decision stands until either changes.
    `explanation` holds each feature's level and weight, never the values (read live)."""

    __tablename__ = "watch_alerts"
    __table_args__ = (UniqueConstraint("member_id", "entry_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("watch_entries.id", ondelete="CASCADE"), index=True
    )
    weight: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(40))
    matched_name: Mapped[str] = mapped_column(String(12))  # primary, good, low
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20))  # registration, import, list
    status: Mapped[str] = mapped_column(String(12), default=AlertStatus.OPEN, index=True)
    member_digest: Mapped[str] = mapped_column(String(40))
    entry_digest: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    member: Mapped[Member] = relationship()
    entry: Mapped[WatchEntry] = relationship()
    decisions: Mapped[list[AlertDecision]] = relationship(
        back_populates="alert", order_by="AlertDecision.id"
    )


class AlertDecision(db.Model):
    """One screener's answer on an alert, with their reason; kept, never edited, so that the
    alert's page tells who said what and when, and the four-eyes rule can be checked."""

    __tablename__ = "watch_alert_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("watch_alerts.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(12))  # an AlertStatus
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    alert: Mapped[WatchAlert] = relationship(back_populates="decisions")
    decided_by: Mapped[User] = relationship()
