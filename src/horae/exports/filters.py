"""The timesheet list's filters as data, and the SQL that applies them and the caller's visibility.

`ExportFilter` holds the filters of GET /api/timesheets after the query parser has done its part:
patterns checked (400), ids checked for access (403), unknown ids dropped, tag names resolved to
ids, `begin`/`end` read in the caller's timezone. Anything that parser builds can therefore be
exported unchanged; the list's `term` search travels as extra SQL conditions in `conditions`
(`horae.timesheets.search.term_conditions`). The conditions on the records' own columns and
tags are the list's (`record_conditions`, `tagged_with`); only the user scope differs, since
exporting other users' records needs the export permissions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.sql import Select

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.errors import BadRequest
from horae.projects.models import Project
from horae.security.permissions import Actor
from horae.security.visibility import activity_visible, customer_visible, project_visible
from horae.teams.models import TeamMember
from horae.timesheets.models import Timesheet
from horae.timesheets.search import ordering as list_ordering
from horae.timesheets.search import record_conditions, tagged_with

TIMESHEETS = Timesheet.__table__
# Aliased so that the visibility subqueries, which name the projects and customers tables
# themselves, never correlate with the rows being exported.
PROJECTS = Project.__table__.alias("p")
CUSTOMERS = Customer.__table__.alias("c")
ACTIVITIES = Activity.__table__
ORDER_COLUMNS = ("id", "begin", "end", "rate")


@dataclass(frozen=True)
class ExportFilter:
    """Which timesheets a list or an export covers, on top of what the caller may see.

    * `users`: owners; empty means every user the caller may see (the list's `user=all` or no
      user filter). Ignored when the caller may only see their own records.
    * `customers`, `projects`, `activities`: any of these (by the project's customer for
      customers); empty means no restriction.
    * `tags`: records carrying any of these tag ids.
    * `begin`, `end`: UTC instants; both compare against the record's begin (Kimai's rule).
    * `exported`, `billable`: True or False to filter, None for all.
    * `active`: True for running records (no end), False for stopped ones, None for all.
    * `modified_after`: records last saved at or after this UTC instant.
    * `order_by` (id, begin, end, rate) and `order` (ASC, DESC); ties are broken by id.
    * `conditions`: further predicates over the timesheets table, ANDed.
    """

    users: tuple[int, ...] = ()
    customers: tuple[int, ...] = ()
    projects: tuple[int, ...] = ()
    activities: tuple[int, ...] = ()
    tags: tuple[int, ...] = ()
    begin: datetime | None = None
    end: datetime | None = None
    exported: bool | None = None
    billable: bool | None = None
    active: bool | None = None
    modified_after: datetime | None = None
    order_by: str = "begin"
    order: str = "ASC"
    conditions: tuple[ColumnElement[bool], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.order_by not in ORDER_COLUMNS or self.order not in ("ASC", "DESC"):
            raise BadRequest("order_by takes id, begin, end or rate, order ASC or DESC")


def apply_filter(statement: Select[Any], criteria: ExportFilter) -> Select[Any]:
    """Adds the filter's WHERE clauses (not the user scope, see `visible_rows`) to a select over
    the timesheets table."""
    t = TIMESHEETS.c
    clauses: list[ColumnElement[bool]] = []
    if criteria.customers:
        in_customers = select(Project.id).where(Project.customer_id.in_(_ids(criteria.customers)))
        clauses.append(t.project_id.in_(in_customers))
    if criteria.projects:
        clauses.append(t.project_id.in_(_ids(criteria.projects)))
    if criteria.activities:
        clauses.append(t.activity_id.in_(_ids(criteria.activities)))
    if criteria.tags:
        clauses.append(tagged_with(_ids(criteria.tags)))
    # The same conditions as the timesheet list's (timesheets.search).
    clauses.extend(record_conditions(criteria))
    clauses.extend(criteria.conditions)
    return statement.where(*clauses) if clauses else statement


def ordering(criteria: ExportFilter) -> list[ColumnElement[Any]]:
    """The list's order (ties by id; running records sort as the list sorts them)."""
    return list_ordering(criteria.order_by, criteria.order == "DESC")


def sees_other_users(actor: Actor, other_permission: str = "view_other_timesheet") -> bool:
    """Whether the caller's rows include other users' (the list needs `view_other_timesheet`, an
    export also `export_other_timesheet`)."""
    return actor.can("view_other_timesheet") and actor.can(other_permission)


def owner_scope(actor: Actor, users: Sequence[int], other_permission: str) -> ColumnElement[bool]:
    """The owners whose records the caller gets (contract TIMESHEETS §7.5)."""
    owner = TIMESHEETS.c.user_id
    if not sees_other_users(actor, other_permission):
        return owner == actor.id
    if users:
        return owner.in_(_ids(users))
    if actor.sees_all:
        return true()
    if not actor.led_team_ids:
        return owner == actor.id
    members = select(TeamMember.user_id).where(TeamMember.team_id.in_(sorted(actor.led_team_ids)))
    return or_(owner == actor.id, owner.in_(members))


def entity_visibility(actor: Actor) -> ColumnElement[bool]:
    """Drops rows whose customer, project or activity is restricted to teams the caller is not in,
    own rows included. Needs PROJECTS and ACTIVITIES joined."""
    if actor.sees_all:
        return true()
    t, p = TIMESHEETS.c, PROJECTS.c
    return and_(
        customer_visible(actor, p.customer_id),
        project_visible(actor, t.project_id, p.customer_id),
        activity_visible(actor, t.activity_id),
    )


def visible_rows(actor: Actor, criteria: ExportFilter, other_permission: str) -> ColumnElement[bool]:
    return and_(owner_scope(actor, criteria.users, other_permission), entity_visibility(actor))


def _ids(values: Sequence[int]) -> list[int]:
    return sorted(set(values))
