"""What watch-list screening keeps: the lists screeners load (the UN Security Council's
consolidated list, national lists of wanted persons), each load as a version, and each listed
person as an entry that knows the version that added, last changed or removed it, so that a new
version is screened again only where it changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db


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
