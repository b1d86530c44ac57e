"""Users, their preferences, API passwords, access tokens and custom roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from horae.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from horae.teams.models import TeamMember


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(180), unique=True)
    email: Mapped[str] = mapped_column(String(180), unique=True)
    alias: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str | None] = mapped_column(String(50))
    avatar: Mapped[str | None] = mapped_column(String(255))
    account_number: Mapped[str | None] = mapped_column(String(30))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # The legacy API password ("X-AUTH-TOKEN"), hashed like login passwords.
    api_password_hash: Mapped[str | None] = mapped_column(String(255))
    # Stored roles; ROLE_USER is implicit and never stored.
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    system_account: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_password_reset: Mapped[bool] = mapped_column(Boolean, default=False)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    color: Mapped[str | None] = mapped_column(String(7))
    auth: Mapped[str] = mapped_column(String(20), default="kimai")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Moves with every change of the user's time entries (catalog_cache.py); never loaded with
    # the user, never written through the ORM.
    timesheets_generation: Mapped[int] = mapped_column(BigInteger, server_default="0", deferred=True)

    supervisor: Mapped[User | None] = relationship(remote_side=[id], lazy="joined", join_depth=2)
    preferences: Mapped[list[UserPreference]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserPreference.id"
    )
    memberships: Mapped[list[TeamMember]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="TeamMember.id"
    )

    def preference(self, name: str, default: str | None = None) -> str | None:
        for pref in self.preferences:
            if pref.name == name:
                return pref.value
        return default

    @property
    def display_name(self) -> str:
        return self.alias or self.username


class UserPreference(Base):
    __tablename__ = "user_preferences"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    value: Mapped[str | None] = mapped_column(String(250))

    user: Mapped[User] = relationship(back_populates="preferences")


class AccessToken(Base):
    """A Bearer token; only its SHA-256 is stored."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_usage: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Role(Base):
    """A role name known to the system, built-in or custom."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class RolePermission(Base):
    """An administrator's override of one cell of the default permission matrix."""

    __tablename__ = "role_permissions"
    __table_args__ = (UniqueConstraint("role_id", "permission"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    permission: Mapped[str] = mapped_column(String(60))
    allowed: Mapped[bool] = mapped_column(Boolean, default=False)

    role: Mapped[Role] = relationship()


class WebSession(Base):
    """A signed-in browser session, kept in the database so every worker shares it."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class AuthFailure(Base):
    """Failed authentication attempts per key (client address or user) in a fixed window."""

    __tablename__ = "auth_failures"
    __table_args__ = (UniqueConstraint("key", "window_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)


Index("ix_auth_failures_window_start", AuthFailure.window_start)
