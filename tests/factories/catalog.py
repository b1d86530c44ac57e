"""Customers, projects, activities, teams, custom fields, rates and comments for tests.

Each factory writes one committed record with plain defaults and returns it (detached, with
its columns loaded); keyword arguments override model attributes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from horae.activities.models import Activity
from horae.comments.models import CustomerComment, ProjectComment
from horae.config.service import set_config
from horae.customers.models import Customer
from horae.meta.models import MetaFieldDefinition
from horae.meta.service import define_meta_field, meta_model
from horae.projects.models import Project
from horae.rates.models import ActivityRate, CustomerRate, ProjectRate
from horae.teams.models import Team, TeamMember

_sequence = itertools.count(1)


def _id(value: Any) -> int:
    return value if isinstance(value, int) else value.id


@pytest.fixture
def make_customer(backend: Any) -> Callable[..., Customer]:
    def factory(name: str | None = None, **attributes: Any) -> Customer:
        values: dict[str, Any] = {
            "name": name or f"Customer {next(_sequence)}",
            "country": "DE",
            "currency": "EUR",
            "timezone": "Europe/Berlin",
            "language": "en",
            "visible": True,
            "billable": True,
        }
        values.update(attributes)
        with backend.db.session() as session:
            customer = Customer(**values)
            session.add(customer)
            session.flush()
        return customer

    return factory


@pytest.fixture
def make_project(backend: Any, make_customer: Callable[..., Customer]) -> Callable[..., Project]:
    def factory(
        customer: Customer | int | None = None, name: str | None = None, **attributes: Any
    ) -> Project:
        customer_id = _id(customer) if customer is not None else make_customer().id
        values: dict[str, Any] = {
            "name": name or f"Project {next(_sequence)}",
            "customer_id": customer_id,
            "visible": True,
            "billable": True,
            "global_activities": True,
        }
        values.update(attributes)
        with backend.db.session() as session:
            project = Project(**values)
            session.add(project)
            session.flush()
        return project

    return factory


@pytest.fixture
def make_activity(backend: Any) -> Callable[..., Activity]:
    """make_activity(project=None) creates a global activity."""

    def factory(project: Project | int | None = None, name: str | None = None, **attributes: Any) -> Activity:
        values: dict[str, Any] = {
            "name": name or f"Activity {next(_sequence)}",
            "project_id": _id(project) if project is not None else None,
            "visible": True,
            "billable": True,
        }
        values.update(attributes)
        with backend.db.session() as session:
            activity = Activity(**values)
            session.add(activity)
            session.flush()
        return activity

    return factory


@pytest.fixture
def make_team(backend: Any) -> Callable[..., Team]:
    """make_team(members=[user], leads=[user], customers=[…], projects=[…], activities=[…])."""

    def factory(
        name: str | None = None,
        *,
        members: Sequence[Any] = (),
        leads: Sequence[Any] = (),
        customers: Sequence[Any] = (),
        projects: Sequence[Any] = (),
        activities: Sequence[Any] = (),
        color: str | None = None,
    ) -> Team:
        with backend.db.session() as session:
            team = Team(name=name or f"Team {next(_sequence)}", color=color)
            session.add(team)
            for user in leads:
                team.members.append(TeamMember(user_id=_id(user), teamlead=True))
            for user in members:
                team.members.append(TeamMember(user_id=_id(user), teamlead=False))
            team.customers = [session.get(Customer, _id(c)) for c in customers]  # type: ignore[misc]
            team.projects = [session.get(Project, _id(p)) for p in projects]  # type: ignore[misc]
            team.activities = [session.get(Activity, _id(a)) for a in activities]  # type: ignore[misc]
            session.flush()
        return team

    return factory


@pytest.fixture
def define_field(backend: Any) -> Callable[..., MetaFieldDefinition]:
    """define_field("customer", "reference", type="string", visible=True, …)."""

    def factory(entity_type: str, name: str, **options: Any) -> MetaFieldDefinition:
        with backend.db.session() as session:
            return define_meta_field(session, entity_type, name, **options)

    return factory


@pytest.fixture
def set_meta(backend: Any) -> Callable[..., None]:
    """set_meta(record, name, value, visible=True): a stored custom-field value."""

    def factory(
        record: Customer | Project | Activity, name: str, value: str | None, visible: bool = True
    ) -> None:
        kind = {Customer: "customer", Project: "project", Activity: "activity"}[type(record)]
        model = meta_model(kind)
        with backend.db.session() as session:
            session.add(model(**{f"{kind}_id": record.id}, name=name, value=value, visible=visible))

    return factory


@pytest.fixture
def make_rate(backend: Any) -> Callable[..., Any]:
    """make_rate(record, rate=…, user=None, internal_rate=None, fixed=False)."""

    def factory(
        record: Customer | Project | Activity,
        rate: str | Decimal = "10",
        user: Any = None,
        internal_rate: str | Decimal | None = None,
        fixed: bool = False,
    ) -> Any:
        model, column = {
            Customer: (CustomerRate, "customer_id"),
            Project: (ProjectRate, "project_id"),
            Activity: (ActivityRate, "activity_id"),
        }[type(record)]
        user_id = _id(user) if user is not None else None
        with backend.db.session() as session:
            row = model(
                **{column: record.id},
                user_id=user_id,
                user_key=user_id or 0,
                rate=Decimal(rate),
                internal_rate=Decimal(internal_rate) if internal_rate is not None else None,
                fixed=fixed,
            )
            session.add(row)
            session.flush()
        return row

    return factory


@pytest.fixture
def make_comment(backend: Any) -> Callable[..., Any]:
    """make_comment(customer_or_project, author, message=…, pinned=False, created_at=…)."""

    def factory(
        record: Customer | Project,
        author: Any,
        message: str = "A comment",
        pinned: bool = False,
        created_at: datetime | None = None,
    ) -> Any:
        model, column = (
            (CustomerComment, "customer_id")
            if isinstance(record, Customer)
            else (ProjectComment, "project_id")
        )
        values: dict[str, Any] = {
            column: record.id,
            "created_by_id": _id(author),
            "message": message,
            "pinned": pinned,
        }
        if created_at is not None:
            values["created_at"] = created_at
        with backend.db.session() as session:
            row = model(**values)
            session.add(row)
            session.flush()
        return row

    return factory


@pytest.fixture
def configure(backend: Any) -> Iterator[Callable[[str, str], None]]:
    """configure(name, value): stores a system setting."""

    def factory(name: str, value: str) -> None:
        with backend.db.session() as session:
            set_config(session, name, value)

    yield factory


@pytest.fixture
def grant(backend: Any) -> Callable[..., None]:
    """grant(role, permission, allowed=True): overrides one cell of the permission matrix."""
    from horae.security.permissions import permission_matrix
    from horae.users.models import Role, RolePermission

    def factory(role: str, permission: str, allowed: bool = True) -> None:
        with backend.db.session() as session:
            found = session.query(Role).filter(Role.name == role).one_or_none()
            if found is None:
                found = Role(name=role)
                session.add(found)
                session.flush()
            session.add(RolePermission(role_id=found.id, permission=permission, allowed=allowed))
        permission_matrix.invalidate()

    return factory


@pytest.fixture
def count_request_queries(backend: Any) -> Callable[..., tuple[int, Any]]:
    """count_request_queries(client, url, params) → (number of SQL statements, response).

    A first request warms the authentication caches; the permission cache is then cleared, so
    that every measured request reloads it once and counts stay comparable. Built catalog lists
    are dropped too: the measured request builds its answer.
    """
    from horae.security.permissions import permission_matrix

    def measure(client: Any, url: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
        client.get(url, params=params)
        permission_matrix.invalidate()
        backend.db.answer_cache.clear()
        counter = backend.count_queries()
        response = client.get(url, params=params)
        counter.active = False
        assert response.status_code == 200, response.text
        return len(counter), response

    return measure
