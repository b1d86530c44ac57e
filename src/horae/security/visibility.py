"""Team-based visibility of customers, projects and activities (the contract's "team filter").

A record with no teams is open to everyone; a record with teams only to their members. A project
also needs its customer, an activity its project (if any). `view_all_data` sees everything.
The SQL predicates serve lists; the object checks serve single records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.db import inline_ids
from horae.projects.models import Project
from horae.security.permissions import Actor
from horae.teams.models import team_activities, team_customers, team_projects


def _open_or_shared(
    table: Table, column: str, entity_id: Any, team_ids: frozenset[int]
) -> ColumnElement[bool]:
    link = table.c[column]
    has_teams = exists(select(1).select_from(table).where(link == entity_id))
    if not team_ids:
        return ~has_teams
    # The statements holding it are kept per set of teams: the ids are written into their text.
    shared = exists(
        select(1).select_from(table).where(link == entity_id, table.c.team_id.in_(inline_ids(team_ids)))
    )
    return or_(~has_teams, shared)


def customer_visible(actor: Actor, customer_id: Any = None) -> ColumnElement[bool]:
    if actor.sees_all:
        return true()
    if customer_id is None:
        return _customer_visible(actor.team_ids)
    return _open_or_shared(team_customers, "customer_id", customer_id, actor.team_ids)


def project_visible(actor: Actor, project_id: Any = None, customer_id: Any = None) -> ColumnElement[bool]:
    """Needs the project's customer column in the query (Project.customer_id by default)."""
    if actor.sees_all:
        return true()
    if project_id is None and customer_id is None:
        return projects_visible_to(actor.team_ids)
    return _project_predicate(
        actor.team_ids,
        project_id if project_id is not None else Project.id,
        customer_id if customer_id is not None else Project.customer_id,
    )


def activity_visible(actor: Actor, activity_id: Any = None) -> ColumnElement[bool]:
    """For activities; project activities also need their project and customer (joined as
    Project, or checked with a subquery)."""
    if actor.sees_all:
        return true()
    if activity_id is None:
        return activities_visible_to(actor.team_ids)
    return _activity_predicate(actor.team_ids, activity_id)


# The predicates on the models' own columns depend only on the caller's teams: built once per
# set of teams and shared, so a request does not build them again (the timesheet lists keep
# whole statements per set of teams, timesheets/statements.py).
_SHARED_PREDICATES = 512


@lru_cache(maxsize=_SHARED_PREDICATES)
def _customer_visible(team_ids: frozenset[int]) -> ColumnElement[bool]:
    return _open_or_shared(team_customers, "customer_id", Customer.id, team_ids)


@lru_cache(maxsize=_SHARED_PREDICATES)
def projects_visible_to(team_ids: frozenset[int]) -> ColumnElement[bool]:
    return _project_predicate(team_ids, Project.id, Project.customer_id)


@lru_cache(maxsize=_SHARED_PREDICATES)
def activities_visible_to(team_ids: frozenset[int]) -> ColumnElement[bool]:
    return _activity_predicate(team_ids, Activity.id)


def _project_predicate(team_ids: frozenset[int], project_id: Any, customer_id: Any) -> ColumnElement[bool]:
    return and_(
        _open_or_shared(team_projects, "project_id", project_id, team_ids),
        _open_or_shared(team_customers, "customer_id", customer_id, team_ids),
    )


def _activity_predicate(team_ids: frozenset[int], activity_id: Any) -> ColumnElement[bool]:
    parent_ok = or_(
        Activity.project_id.is_(None),
        exists(
            select(1)
            .select_from(Project)
            .where(Project.id == Activity.project_id, projects_visible_to(team_ids))
            # Keeps its own Project when the outer query joins projects too (timesheet lists).
            .correlate_except(Project)
        ),
    )
    return and_(_open_or_shared(team_activities, "activity_id", activity_id, team_ids), parent_ok)


def nothing() -> ColumnElement[bool]:
    return false()


def _shares(actor: Actor, teams: list[Any]) -> bool:
    return not teams or any(team.id in actor.team_ids for team in teams)


def can_access_customer(actor: Actor, customer: Customer) -> bool:
    return actor.sees_all or _shares(actor, customer.teams)


def can_access_project(actor: Actor, project: Project) -> bool:
    return actor.sees_all or (_shares(actor, project.teams) and can_access_customer(actor, project.customer))


def can_access_activity(actor: Actor, activity: Activity) -> bool:
    if actor.sees_all:
        return True
    if not _shares(actor, activity.teams):
        return False
    return activity.project is None or can_access_project(actor, activity.project)


@dataclass(frozen=True)
class TeamLinks:
    """The teams each restricted customer, project and activity is shared with (an entity not
    listed is open to everyone): the object checks above without loading the entities' teams.
    Read in three statements; kept while the catalog is unchanged (`catalog_cache.kept_value`)."""

    customers: Mapping[int, frozenset[int]]
    projects: Mapping[int, frozenset[int]]
    activities: Mapping[int, frozenset[int]]

    @classmethod
    def load(cls, session: Session) -> TeamLinks:
        def read(table: Table, column: str) -> dict[int, frozenset[int]]:
            found: dict[int, set[int]] = {}
            for entity_id, team_id in session.execute(select(table.c[column], table.c.team_id)):
                found.setdefault(entity_id, set()).add(team_id)
            return {entity_id: frozenset(teams) for entity_id, teams in found.items()}

        return cls(
            read(team_customers, "customer_id"),
            read(team_projects, "project_id"),
            read(team_activities, "activity_id"),
        )

    @staticmethod
    def _open(links: Mapping[int, frozenset[int]], entity_id: int, team_ids: frozenset[int]) -> bool:
        teams = links.get(entity_id)
        return teams is None or not teams.isdisjoint(team_ids)

    def reaches_project(self, actor: Actor, project: Project) -> bool:
        """`can_access_project`."""
        return actor.sees_all or (
            self._open(self.projects, project.id, actor.team_ids)
            and self._open(self.customers, project.customer_id, actor.team_ids)
        )

    def reaches_activity(self, actor: Actor, activity: Activity) -> bool:
        """`can_access_activity`."""
        if actor.sees_all:
            return True
        if not self._open(self.activities, activity.id, actor.team_ids):
            return False
        return activity.project is None or self.reaches_project(actor, activity.project)
