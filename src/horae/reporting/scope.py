"""Who may see which report, about whom, and with or without money (Kimai's report voter).

* own reports: `view_reporting`;
* reports about other users: also `view_other_reporting` and `view_other_timesheet`; the users are
  everyone for `view_all_data`, otherwise the viewer and the members of the teams they lead;
* project reports: `view_reporting` and `project_reporting`; customer reports: `view_reporting`
  and `customer_reporting`; both over the customers and projects the viewer may access (team rule);
* money (rates, internal cost, budgets in money) needs `view_rate_own_timesheet` for one's own
  figures and `view_rate_other_timesheet` for anybody else's.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import ColumnElement, case, literal, select, true, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from horae.db import inline_ids, inline_int
from horae.errors import Forbidden, NotFound
from horae.reporting.refs import USERS, UserRef, user_ref
from horae.security.permissions import Actor
from horae.teams.models import TeamMember

REPORT_PERMISSIONS = {
    "user": ("view_reporting",),
    "other": ("view_reporting", "view_other_reporting", "view_other_timesheet"),
    "project": ("view_reporting", "project_reporting"),
    "customer": ("view_reporting", "customer_reporting"),
}


def may_report(actor: Actor, kind: str) -> bool:
    return all(actor.can(permission) for permission in REPORT_PERMISSIONS[kind])


def require_report(actor: Actor, kind: str) -> None:
    if not may_report(actor, kind):
        raise Forbidden(f"report:{kind}")


def led_team_members(actor: Actor, *, inline: bool = False) -> Select[Any]:
    """The ids of every member of the teams the actor leads (teamleads included).

    One parameter per team, not a list parameter: SQLAlchemy writes a list's values into the
    statement's text on every execution, while these statements are rendered once per number of
    teams. `inline` writes the ids into the text, for a statement kept per `reportable_scope`."""
    teams = inline_ids(actor.led_team_ids) if inline else [literal(t) for t in sorted(actor.led_team_ids)]
    return select(TeamMember.user_id).where(TeamMember.team_id.in_(teams))


def reportable_users(
    actor: Actor, user_id: ColumnElement[int], *, inline: bool = False
) -> ColumnElement[bool]:
    """The users whose figures the actor may see in reports about several users; `inline`, as
    for `led_team_members`, for a statement kept per `reportable_scope` (the dashboard's sums
    repeat the condition per period: two values fewer to bind for each)."""
    if actor.sees_all:
        return true()
    me = inline_int(actor.id) if inline else literal(actor.id)
    if not actor.led_team_ids:
        return user_id == me
    # One IN over both, not `user_id = me OR user_id IN (…)`: PostgreSQL cannot look such an OR
    # up in an index and scanned every record for a team's year and its running records.
    return user_id.in_(union(select(me), led_team_members(actor, inline=inline)))


def reportable_scope(actor: Actor) -> Hashable:
    """What `reportable_users` depends on: equal scopes give the same condition."""
    if actor.sees_all:
        return "all"
    return (actor.id, tuple(sorted(actor.led_team_ids)))


def report_subject(session: Session, actor: Actor, user_id: int | None) -> UserRef:
    """The user a one-user report is about: the actor, or another user they may report on."""
    if user_id is None or user_id == actor.id:
        require_report(actor, "user")
        return user_ref(actor.user)
    u = USERS.c
    allowed = case((reportable_users(actor, u.id), 1), else_=0).label("allowed")
    row = session.execute(
        select(u.id, u.username, u.alias, u.color, u.enabled, allowed).where(u.id == user_id)
    ).first()
    if row is None:
        raise NotFound("user")
    require_report(actor, "other")
    if not row.allowed:
        raise Forbidden("report:other")
    return user_ref(row)


def shows_rates(actor: Actor, *, only_own: bool) -> bool:
    """Whether money may appear: own figures only, or figures that include other users'."""
    if only_own:
        return actor.can("view_rate_own_timesheet")
    return actor.can("view_rate_own_timesheet") and actor.can("view_rate_other_timesheet")
