"""Roles, the effective permission set of a user, and the acting user passed to services."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from horae.catalog_cache import ACCOUNTS, accounts_read, changes_watched
from horae.security.caller import kept_callers
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

    The merged grants are kept per database, with its callers (`security/caller.KeptCallers`),
    under the accounts' generation the request's transaction read when it authenticated the
    caller (`catalog_cache.accounts_read`). A change of a role or of its permissions, in any
    process and on any host, moves that generation at its commit: every worker grants the new
    permissions from its next request on, and no request reads the overrides while they are
    unchanged. A transaction that changes them reads them afresh and keeps nothing. `invalidate`
    drops what this process keeps, for a change written past the session's hooks.
    """

    def __init__(self) -> None:
        self._epoch = 0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._epoch += 1

    def grants(self, session: Session) -> dict[str, frozenset[str]]:
        # The epoch and the generation before the rows: what is kept is never older than its key.
        key = (accounts_read(session), self._epoch)
        changing = changes_watched(session, ACCOUNTS)
        holder = kept_callers(session)
        kept = holder.grants
        if kept is not None and kept[0] == key and not changing:
            return kept[1]
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
        if not changing:
            holder.grants = (key, frozen)
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
