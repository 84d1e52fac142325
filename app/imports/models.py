"""What the intake of transfer lists keeps: the sources lists come from (with the column mapping
that the next list of the same source starts from), each list imported with its choices, its
stored preview and its progress, and the key that ties a source's own household reference to
the household it became, so that a list imported twice creates nothing new."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.reference.models import Camp, ReturnBatch, Team
from app.registry.models import Household


class ImportSource(db.Model):
    """Where lists come from ("al-Hol camp administration"), within one team. `template` maps
    a folded column heading to an Awda field name (app.imports.headers.FIELD_NAMES): the next
    list from this source maps itself by it."""

    __tablename__ = "import_sources"
    __table_args__ = (UniqueConstraint("team_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    name: Mapped[str] = mapped_column(String(120))
    template: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportFile(db.Model):
    """An uploaded list's bytes, by their SHA-256, kept in the database so that every app
    server and every worker reads the same file without a shared disk. Deleted when no import
    keeps it (`AWDA_IMPORT_KEEP_DAYS`)."""

    __tablename__ = "import_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ImportStatus:
    """A list's life: new (uploaded), checking then checked (its preview stored), then queued
    for the background commit, running, and done, failed or cancelled. `CANCELLING` asks the running
    job to stop after the chunk it is writing."""

    NEW = "new"  # uploaded; its columns are to be confirmed
    CHECKING = "checking"  # its rows being checked and matched, in the background
    CHECKED = "checked"
    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    DONE = "done"
    FAILED = "failed"

    EDITABLE = (NEW, CHECKED)
    UNDER_WAY = (QUEUED, RUNNING, CANCELLING)
    FINISHED = (CANCELLED, DONE, FAILED)


class ListImport(db.Model):
    """One uploaded list. Its file is kept (`ImportFile`, named by `stored_as`, its SHA-256)
    until `AWDA_IMPORT_KEEP_DAYS` have passed (`file_removed_at` then says when it went).
    `summary` holds the preview's counts, its problems (row, column, message) and, by row, the
    candidate member ids of possible duplicates, so the preview page is read, not recomputed;
    the commit checks every household again as it writes it."""

    __tablename__ = "list_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("import_sources.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    filename: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str | None] = mapped_column(String(64), index=True)
    file_removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    encoding: Mapped[str | None] = mapped_column(String(20))
    # Column index (as text: JSON keys) -> Awda field name.
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    camp_id: Mapped[int] = mapped_column(ForeignKey("camps.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("return_batches.id"))
    origin_governorate_id: Mapped[int | None] = mapped_column(ForeignKey("governorates.id"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=ImportStatus.NEW, index=True)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    committed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    households_total: Mapped[int] = mapped_column(Integer, default=0)
    households_done: Mapped[int] = mapped_column(Integer, default=0)  # resume from here
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure: Mapped[str | None] = mapped_column(Text)

    source: Mapped[ImportSource] = relationship()
    team: Mapped[Team] = relationship()
    camp: Mapped[Camp] = relationship()
    batch: Mapped[ReturnBatch | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    checked_by: Mapped[User | None] = relationship(foreign_keys=[checked_by_id])
    committed_by: Mapped[User | None] = relationship(foreign_keys=[committed_by_id])


class SourceKey(db.Model):
    """A source's own household reference (family or tent number) -> the household it became.
    Unique per source: importing the same list again updates or leaves that household, never
    creates a second one, even when two workers race. `digest` is that of the rows as last
    imported (unchanged rows are left alone)."""

    __tablename__ = "import_source_keys"
    __table_args__ = (UniqueConstraint("source_id", "reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("import_sources.id"))
    reference: Mapped[str] = mapped_column(String(80))
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    import_id: Mapped[int] = mapped_column(ForeignKey("list_imports.id"))  # last written by
    digest: Mapped[str] = mapped_column(String(64))

    household: Mapped[Household] = relationship()
