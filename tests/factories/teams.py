"""Teams with their members, and records a team can be granted access to."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.projects.models import Project
from horae.teams.models import Team, TeamMember

_sequence = itertools.count(1)


@dataclass
class TeamHandle:
    id: int
    name: str


@pytest.fixture
def make_team(backend: Any) -> Callable[..., TeamHandle]:
    """make_team(lead=handle, members=[handle, …], name=…, color=…) → TeamHandle.

    `lead` may also be a list of teamleads; members are plain members.
    """

    def factory(
        lead: Any = None,
        members: Iterable[Any] = (),
        *,
        name: str | None = None,
        color: str | None = None,
        customers: Iterable[int] = (),
        projects: Iterable[int] = (),
        activities: Iterable[int] = (),
    ) -> TeamHandle:
        leads = lead if isinstance(lead, list | tuple) else ([lead] if lead is not None else [])
        name = name or f"Team {next(_sequence)}"
        with backend.db.session() as session:
            team = Team(name=name, color=color)
            session.add(team)
            team.members = [TeamMember(user_id=handle.id, teamlead=True) for handle in leads] + [
                TeamMember(user_id=handle.id, teamlead=False) for handle in members
            ]
            team.customers = [session.get(Customer, cid) for cid in customers]  # type: ignore[misc]
            team.projects = [session.get(Project, pid) for pid in projects]  # type: ignore[misc]
            team.activities = [session.get(Activity, aid) for aid in activities]  # type: ignore[misc]
            session.flush()
            return TeamHandle(team.id, name)

    return factory


@dataclass
class Records:
    """A customer, one of its projects and one of that project's activities."""

    customer: int
    project: int
    activity: int


@pytest.fixture
def make_records(backend: Any) -> Callable[..., Records]:
    """make_records(visible=True, name="…") → Records (minimal rows for team access tests)."""

    def factory(name: str | None = None, *, visible: bool = True) -> Records:
        label = name or f"Record {next(_sequence)}"
        with backend.db.session() as session:
            customer = Customer(
                name=f"{label} customer",
                country="DE",
                currency="EUR",
                timezone="Europe/Berlin",
                visible=visible,
            )
            project = Project(customer=customer, name=f"{label} project", visible=visible)
            activity = Activity(project=project, name=f"{label} activity", visible=visible)
            session.add_all([customer, project, activity])
            session.flush()
            return Records(customer.id, project.id, activity.id)

    return factory
