"""Roles, the effective permission set of a user, and the acting user passed to services."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from horae.security.matrix import ALL_PERMISSIONS, DEFAULT_GRANTS
from horae.users.models import Role, RolePermission, User

ROLE_USER = "ROLE_USER"
ROLE_TEAMLEAD = "ROLE_TEAMLEAD"
ROLE_ADMIN = "ROLE_ADMIN"
ROLE_SUPER_ADMIN = "ROLE_SUPER_ADMIN"
BUILTIN_ROLES = (ROLE_USER, ROLE_TEAMLEAD, ROLE_ADMIN, ROLE_SUPER_ADMIN)
# What a super-admin keeps whatever the overrides say.
SUPER_ADMIN_FIXED = frozenset({"view_all_data", "role_permissions", "view_user"})


class PermissionMatrix:
    """The default grants merged with the administrators' overrides stored in the database.

    Overrides are cached per process for a short time; a write through `invalidate` clears the
    cache at once in this process, other workers see the change within `ttl` seconds.
    """

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._grants: dict[str, frozenset[str]] = dict(DEFAULT_GRANTS)

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = 0.0

    def grants(self, session: Session) -> dict[str, frozenset[str]]:
        now = time.monotonic()
        with self._lock:
            if now - self._loaded_at < self.ttl:
                return self._grants
        rows = session.execute(
            select(Role.name, RolePermission.permission, RolePermission.allowed).join(RolePermission.role)
        ).all()
        merged = {role: set(perms) for role, perms in DEFAULT_GRANTS.items()}
        for role, permission, allowed in rows:
            perms = merged.setdefault(role, set())
            if allowed:
                perms.add(permission)
            else:
                perms.discard(permission)
        merged.setdefault(ROLE_SUPER_ADMIN, set()).update(SUPER_ADMIN_FIXED)
        frozen = {role: frozenset(perms) for role, perms in merged.items()}
        with self._lock:
            self._grants = frozen
            self._loaded_at = now
        return frozen

    def permissions_of(self, session: Session, roles: list[str]) -> frozenset[str]:
        grants = self.grants(session)
        result: set[str] = set(grants.get(ROLE_USER, frozenset()))
        for role in roles:
            result |= grants.get(role, frozenset())
        return frozenset(result)


permission_matrix = PermissionMatrix()


def effective_roles(user: User) -> list[str]:
    return [*(r for r in user.roles if r != ROLE_USER), ROLE_USER]


@dataclass
class Actor:
    """The authenticated user acting in a request, with the permissions the matrix grants."""

    user: User
    permissions: frozenset[str]
    # How the request authenticated: "token", "api_password", "session" or "cli".
    via: str = "session"
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, session: Session, user: User, via: str = "session") -> Actor:
        return cls(user, permission_matrix.permissions_of(session, user.roles), via)

    @property
    def id(self) -> int:
        return self.user.id

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def has_role(self, role: str) -> bool:
        return role == ROLE_USER or role in self.user.roles

    @property
    def is_super_admin(self) -> bool:
        return ROLE_SUPER_ADMIN in self.user.roles

    @property
    def sees_all(self) -> bool:
        return self.can("view_all_data")

    @cached_property
    def team_ids(self) -> frozenset[int]:
        return frozenset(m.team_id for m in self.user.memberships)

    @cached_property
    def led_team_ids(self) -> frozenset[int]:
        return frozenset(m.team_id for m in self.user.memberships if m.teamlead)

    @property
    def timezone(self) -> str:
        from horae.users.service import user_timezone

        return user_timezone(self.user)


__all__ = ["ALL_PERMISSIONS", "Actor", "PermissionMatrix", "effective_roles", "permission_matrix"]
