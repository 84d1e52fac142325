"""Personal access tokens: what a partner system's script presents instead of a password; and
machine clients, which get short-lived tokens of the same kind by OAuth2 client credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db


class Scoped:
    """A row whose `scopes` column lists what it may do, space-separated
    (app.api.tokens.SCOPES)."""

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class ApiToken(Scoped, db.Model):
    """One token of one user. The token itself is shown once, when made; Awda keeps its
    SHA-256 only, with the public `prefix` that finds the row ("awda_3fK9…"). `scopes` is a
    space-separated list of what it may do (app.api.tokens.SCOPES); it never gives more than
    its user's own rights."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))  # what it is for ("IOM referral sync")
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when a machine client got the token (app.api.oauth); None for a personal token.
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    client: Mapped[ApiClient | None] = relationship(back_populates="tokens")


class ApiClient(Scoped, db.Model):
    """A partner system that gets tokens by OAuth2 client credentials (app.api.oauth), acting
    as one Awda user: the access policy decides for that user exactly as for their pages. The
    secret is shown once, when made; Awda keeps its SHA-256 only. `scopes` bounds what any of
    its tokens may do. Revoking it stops its live tokens at once."""

    __tablename__ = "api_clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(40), unique=True)  # "awdac_…", public
    secret_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))  # which system ("IOM referral sync")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the CLI
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="client", passive_deletes=True)
