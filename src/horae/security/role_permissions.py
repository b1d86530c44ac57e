"""The administrators' view of the permission matrix: every role and permission, and saving it.

The defaults stay in security/matrix.py; only cells that differ from them are stored as
RolePermission rows, so a later change of the defaults reaches every untouched cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from horae.errors import Forbidden, ValidationFailed
from horae.security.matrix import ALL_PERMISSIONS, DEFAULT_GRANTS
from horae.security.permissions import (
    BUILTIN_ROLES,
    ROLE_SUPER_ADMIN,
    SUPER_ADMIN_FIXED,
    Actor,
)
from horae.users.models import Role, RolePermission

# The rows of the matrix page, grouped by what they are about (the name's last word).
PERMISSION_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("activity", ("_activity",)),
    ("project", ("_project",)),
    ("customer", ("_customer",)),
    ("invoice", ("_invoice", "_invoice_template")),
    ("timesheet", ("_timesheet", "create_export")),
    ("profile", ("_profile",)),
    ("tag", ("_tag",)),
    ("user", ("_user", "role_permissions")),
    ("team", ("_team", "_team_member")),
    ("reporting", ("_reporting",)),
)


def permission_group(permission: str) -> str:
    for group, endings in PERMISSION_GROUPS:
        if any(permission.endswith(ending) or permission == ending for ending in endings):
            return group
    return "system"


@dataclass
class RoleMatrix:
    roles: list[str]
    # role → permissions it grants now (defaults with overrides applied)
    granted: dict[str, set[str]]

    def fixed(self, role: str, permission: str) -> bool:
        """A cell nobody may clear: a super-admin keeps the rights to repair the matrix."""
        return role == ROLE_SUPER_ADMIN and permission in SUPER_ADMIN_FIXED

    def allows(self, role: str, permission: str) -> bool:
        return permission in self.granted.get(role, set()) or self.fixed(role, permission)


def _require(actor: Actor) -> None:
    if not actor.can("role_permissions"):
        raise Forbidden("role_permissions")


def load_role_matrix(session: Session, actor: Actor) -> RoleMatrix:
    """The current matrix, read from the database (two queries), not from the process cache."""
    _require(actor)
    custom = [
        name for name in session.scalars(select(Role.name).order_by(Role.name)) if name not in BUILTIN_ROLES
    ]
    roles = [*BUILTIN_ROLES, *custom]
    granted = {role: set(DEFAULT_GRANTS.get(role, frozenset())) for role in roles}
    rows = session.execute(
        select(Role.name, RolePermission.permission, RolePermission.allowed).join(RolePermission.role)
    ).all()
    for role, permission, allowed in rows:
        if role not in granted:
            continue
        if allowed:
            granted[role].add(permission)
        else:
            granted[role].discard(permission)
    return RoleMatrix(roles, granted)


def save_role_matrix(session: Session, actor: Actor, wanted: dict[str, set[str]]) -> RoleMatrix:
    """Makes each listed role grant exactly `wanted[role]`, storing only deviations from the defaults."""
    _require(actor)
    unknown = {p for perms in wanted.values() for p in perms} - set(ALL_PERMISSIONS)
    if unknown:
        raise ValidationFailed(global_errors=[f"Unknown permission: {name}" for name in sorted(unknown)])
    roles = {role.name: role for role in session.scalars(select(Role))}
    unknown_roles = set(wanted) - set(BUILTIN_ROLES) - set(roles)
    if unknown_roles:
        raise ValidationFailed(global_errors=[f"Unknown role: {name}" for name in sorted(unknown_roles)])
    for name in wanted:
        if name not in roles:
            roles[name] = Role(name=name)
            session.add(roles[name])
    session.flush()
    stored = {
        (row.role_id, row.permission): row
        for row in session.scalars(
            select(RolePermission).where(RolePermission.role_id.in_([roles[name].id for name in wanted]))
        )
    }
    stale: list[int] = []
    for name, permissions in wanted.items():
        role = roles[name]
        defaults = DEFAULT_GRANTS.get(name, frozenset())
        for permission in ALL_PERMISSIONS:
            allow = permission in permissions or (
                name == ROLE_SUPER_ADMIN and permission in SUPER_ADMIN_FIXED
            )
            row = stored.get((role.id, permission))
            if allow == (permission in defaults):
                if row is not None:
                    stale.append(row.id)
            elif row is None:
                session.add(RolePermission(role_id=role.id, permission=permission, allowed=allow))
            else:
                row.allowed = allow
    if stale:
        session.execute(delete(RolePermission).where(RolePermission.id.in_(stale)))
    session.flush()
    # Every process grants the change from its commit on: it moves the accounts' generation,
    # which the permission matrix is kept under (security/permissions.py).
    return load_role_matrix(session, actor)
