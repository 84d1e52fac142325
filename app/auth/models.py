"""User accounts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.access.roles import Role
from app.core.db import Timestamped, utcnow
from app.extensions import db
from app.reference.models import Agency, Team


class User(UserMixin, Timestamped, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case so that "Amal" and "amal" are one account.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    # E-mail me when work waits (app.notifications.mailing): the user's choice, off at first.
    email_notifications: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    # Separation of duties: an administrator sees no case content unless another administrator
    # gives them a case role as well, explicitly and on the record.
    second_role: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Lockout: consecutive failed logins, and until when the account refuses to log in.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Two-factor: the TOTP secret once enrolled, and the last time step used (a code works once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    agency: Mapped[Agency] = relationship()
    team: Mapped[Team | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def roles(self) -> frozenset[Role]:
        """Every role this user holds: their role, and an administrator's case role if any."""
        held = {Role(self.role)}
        if self.second_role:
            held.add(Role(self.second_role))
        return frozenset(held)

    @property
    def roles_label(self) -> str:
        """ "Administrator + Supervisor" for an administrator with a case role."""
        second = [Role(self.second_role).label] if self.second_role else []
        return " + ".join([self.role_enum.label, *second])

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @classmethod
    def holding(cls, role: Role) -> sa.ColumnElement[bool]:
        """SQL: users who hold this role, as their role or as an administrator's second one."""
        return sa.or_(cls.role == role.value, cls.second_role == role.value)

    def __str__(self) -> str:
        return self.full_name or self.username


class UserSession(db.Model):
    """A login, kept on the server (app.auth.sessions): the browser holds a random token, this
    row its SHA-256. Every app server reads it at every request, so ending it ends it everywhere.
    """

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When and why it ended: logout, idle, expired, password, deactivated.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_why: Mapped[str | None] = mapped_column(String(16))
    client: Mapped[str | None] = mapped_column(String(64))  # the address it was opened from
    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A failed login from a client address, to slow down guessing across many usernames."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_login_failures_client_at", "client", "at"),)


class RecoveryCode(db.Model):
    """A one-time code to log in without the authenticator; only its hash is kept."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
