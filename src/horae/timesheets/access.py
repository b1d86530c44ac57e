"""Who may do what with a timesheet record (Kimai's timesheet voter, contract §7.3 to §7.6).

A record of the caller needs `<attribute>_own_timesheet`; anyone else's record needs team access
to it and `<attribute>_other_timesheet`. Records are duck-typed: anything with `user`,
`project`, `activity`, `exported` and `begin` works, so drafts can be checked before saving.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, select, true
from sqlalchemy.orm import Session

from horae.db import utcnow
from horae.security.permissions import ROLE_ADMIN, ROLE_TEAMLEAD, ROLE_USER, Actor
from horae.security.visibility import (
    TeamLinks,
    activities_visible_to,
    can_access_activity,
    can_access_project,
    projects_visible_to,
)
from horae.teams.models import TeamMember
from horae.users.models import User

# The permission name each voter attribute checks (`duplicate` is a create).
_PERMISSION_BASE = {
    "view": "view",
    "edit": "edit",
    "delete": "delete",
    "create": "create",
    "start": "start",
    "duplicate": "create",
    "stop": "stop",
    "view_rate": "view_rate",
    "edit_rate": "edit_rate",
    "edit_export": "edit_export",
    "edit_billable": "edit_billable",
    "export": "export",
}


class TimesheetAccess:
    """The voter for one caller; `is_locked` tells whether a begin lies in a locked period."""

    def __init__(
        self,
        actor: Actor,
        is_locked: Callable[[Any], bool] | None = None,
        team_links: Callable[[], TeamLinks] | None = None,
    ) -> None:
        self.actor = actor
        self._is_locked = is_locked or (lambda record: False)
        self._team_links = team_links

    def reaches_project(self, project: Any) -> bool:
        """`can_access_project`, from the kept team restrictions where the service has them."""
        if self._team_links is None:
            return can_access_project(self.actor, project)
        return self._team_links().reaches_project(self.actor, project)

    def reaches_activity(self, activity: Any) -> bool:
        """`can_access_activity`, likewise."""
        if self._team_links is None:
            return can_access_activity(self.actor, activity)
        return self._team_links().reaches_activity(self.actor, activity)

    def owns(self, record: Any) -> bool:
        # A stored record answers by its column without loading its user; a draft by its user.
        owner_id = getattr(record, "user_id", None)
        if owner_id is None and record.user is not None:
            owner_id = record.user.id
        return owner_id is not None and owner_id == self.actor.id

    def team_access(self, record: Any) -> bool:
        """A non-owner's access: the record's project and activity are accessible, and the owner
        is in no team or in a team the caller leads (plain co-membership is not enough)."""
        actor = self.actor
        if actor.sees_all or self.owns(record):
            return True
        if record.project is not None and not self.reaches_project(record.project):
            return False
        if record.activity is not None and not self.reaches_activity(record.activity):
            return False
        owner_teams = {membership.team_id for membership in record.user.memberships}
        return not owner_teams or bool(owner_teams & actor.led_team_ids)

    def entities_usable(self, record: Any, *, both_required: bool) -> bool:
        """Create/start precondition: activity and project visible and team-accessible."""
        activity, project = record.activity, record.project
        if both_required and (activity is None or project is None):
            return False
        if activity is not None and (not activity.visible or not self.reaches_activity(activity)):
            return False
        if project is not None:
            if not project.visible or not project.customer.visible:
                return False
            if not self.reaches_project(project):
                return False
        return True

    def can(self, attribute: str, record: Any) -> bool:
        actor = self.actor
        base = _PERMISSION_BASE[attribute]
        if attribute in ("edit", "delete"):
            if record.exported and not actor.can("edit_exported_timesheet"):
                return False
            if self._is_locked(record):
                return False
        if attribute == "create" and not self.entities_usable(record, both_required=False):
            return False
        if attribute in ("start", "duplicate") and not self.entities_usable(record, both_required=True):
            return False
        if self.owns(record):
            return actor.can(f"{base}_own_timesheet")
        return self.team_access(record) and actor.can(f"{base}_other_timesheet")


def lockdown_check(actor: Actor, lockdown: Any, now: datetime | None = None) -> Callable[[Any], bool]:
    """The voter's lockdown test for stored records: override ignores it, grace widens it."""
    if not lockdown.active or actor.can("lockdown_override_timesheet"):
        return lambda record: False
    moment = now or utcnow()
    may_use_grace = actor.can("lockdown_grace_timesheet")
    return lambda record: lockdown.is_locked(
        record.begin, moment, record.timezone, may_use_grace=may_use_grace
    )


# --- users a caller may filter by or book for -------------------------------------------------


@cache
def _members_of_teams() -> Any:
    return select(TeamMember.user_id).where(TeamMember.team_id.in_(bindparam("team_ids", expanding=True)))


def led_member_ids(session: Session, actor: Actor) -> set[int]:
    """The members of every team the caller leads."""
    if not actor.led_team_ids:
        return set()
    rows = session.connection().execute(_members_of_teams(), {"team_ids": sorted(actor.led_team_ids)})
    return {user_id for (user_id,) in rows}


def can_access_user(session: Session, actor: Actor, user: User) -> bool:
    """Kimai's `access_user`: which users a caller may look at in filters (contract §7.4)."""
    if user.id == actor.id or actor.sees_all or actor.is_super_admin:
        return True
    if not user.enabled:
        return False
    if user.system_account and not actor.user.system_account:
        return False
    if user.id in led_member_ids(session, actor):
        return True
    if actor.has_role(ROLE_TEAMLEAD) or actor.has_role(ROLE_ADMIN):
        only_user = all(role == ROLE_USER for role in user.roles)
        return only_user and not user.memberships
    return False


def selectable_user_ids(session: Session, actor: Actor) -> set[int] | None:
    """Users the caller may book for: None means everyone (view_all_data); otherwise the caller
    and the members of the teams the caller leads. Disabled and system accounts are excluded
    by the caller of this function."""
    if actor.sees_all:
        return None
    return {actor.id} | led_member_ids(session, actor)


# --- list filter ----------------------------------------------------------------------------


def entity_filter(actor: Actor) -> ColumnElement[bool]:
    """Rows whose customer, project or activity is restricted to teams the caller is not in are
    dropped, the caller's own rows included (needs Project and Activity joined)."""
    return teams_filter(None if actor.sees_all else actor.team_ids)


def teams_filter(team_ids: frozenset[int] | None) -> ColumnElement[bool]:
    """`entity_filter` for a caller in these teams (None: a caller who sees all)."""
    if team_ids is None:
        return true()
    return and_(projects_visible_to(team_ids), activities_visible_to(team_ids))
