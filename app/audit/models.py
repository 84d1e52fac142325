"""Audit entries. Rows are only ever added; each carries a hash over its content and the
previous entry's hash, so an edited or deleted row breaks the chain (`flask audit verify`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Who: kept as plain values, not foreign keys, so the trail outlives any account.
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(64))  # client address
    action: Mapped[str] = mapped_column(String(60), index=True)
    household_id: Mapped[int | None] = mapped_column(Integer, index=True)
    target: Mapped[str | None] = mapped_column(String(120))  # e.g. "user:12", "camp:3"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Unique: two entries written at once cannot both follow the same entry (no fork).
    previous_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_entries_at", "at"),)
