"""Test data for timesheet tests: the customers, projects, activities, tags, teams, rates and
settings timesheets depend on, and timesheet records themselves.

Built straight from the models so that timesheet tests do not depend on the catalog services.
The fixtures are `catalog` (everything around a timesheet) and `timesheets` (records).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from horae.activities.models import Activity
from horae.config.service import set_config
from horae.customers.models import Customer
from horae.meta.models import MetaFieldDefinition, TimesheetMeta
from horae.projects.models import Project
from horae.rates.models import ActivityRate, CustomerRate, ProjectRate
from horae.tags.models import Tag
from horae.teams.models import Team, TeamMember
from horae.timesheets.models import Timesheet
from horae.users.models import User
from horae.users.service import set_preference

_sequence = itertools.count(1)


@dataclass
class Work:
    """A visible customer, project and project activity to book on."""

    customer: Customer
    project: Project
    activity: Activity


class Catalog:
    def __init__(self, backend: Any) -> None:
        self.db = backend.db

    def customer(self, name: str | None = None, *, teams: Iterable[Team] = (), **attributes: Any) -> Customer:
        values = {
            "country": "DE",
            "currency": "EUR",
            "timezone": "Europe/Berlin",
            "visible": True,
            "billable": True,
        }
        values.update(attributes)
        with self.db.session() as session:
            customer = Customer(name=name or f"Customer {next(_sequence)}", **values)
            customer.teams = [session.get(Team, team.id) for team in teams]
            session.add(customer)
            session.flush()
        return customer

    def project(
        self,
        customer: Customer | None = None,
        name: str | None = None,
        *,
        teams: Iterable[Team] = (),
        **attributes: Any,
    ) -> Project:
        customer = customer or self.customer()
        values = {"visible": True, "billable": True, "global_activities": True}
        values.update(attributes)
        with self.db.session() as session:
            project = Project(name=name or f"Project {next(_sequence)}", customer_id=customer.id, **values)
            project.teams = [session.get(Team, team.id) for team in teams]
            session.add(project)
            session.flush()
        return project

    def activity(
        self,
        project: Project | None = None,
        name: str | None = None,
        *,
        teams: Iterable[Team] = (),
        **attributes: Any,
    ) -> Activity:
        values = {"visible": True, "billable": True}
        values.update(attributes)
        with self.db.session() as session:
            activity = Activity(
                name=name or f"Activity {next(_sequence)}",
                project_id=project.id if project is not None else None,
                **values,
            )
            activity.teams = [session.get(Team, team.id) for team in teams]
            session.add(activity)
            session.flush()
        return activity

    def work(self, **customer_attributes: Any) -> Work:
        customer = self.customer(**customer_attributes)
        project = self.project(customer)
        return Work(customer, project, self.activity(project))

    def tag(self, name: str, *, visible: bool = True) -> Tag:
        with self.db.session() as session:
            tag = Tag(name=name, visible=visible)
            session.add(tag)
            session.flush()
        return tag

    def team(
        self, name: str | None = None, *, members: Iterable[Any] = (), leads: Iterable[Any] = ()
    ) -> Team:
        """A team; members and leads are user handles (anything with an `id`)."""
        with self.db.session() as session:
            team = Team(name=name or f"Team {next(_sequence)}")
            team.members = [TeamMember(user_id=user.id, teamlead=False) for user in members] + [
                TeamMember(user_id=user.id, teamlead=True) for user in leads
            ]
            session.add(team)
            session.flush()
        return team

    def rate(
        self,
        entity: Customer | Project | Activity,
        rate: str | Decimal,
        *,
        user: Any = None,
        internal: str | Decimal | None = None,
        fixed: bool = False,
    ) -> None:
        model, column = {
            Customer: (CustomerRate, "customer_id"),
            Project: (ProjectRate, "project_id"),
            Activity: (ActivityRate, "activity_id"),
        }[type(entity)]
        with self.db.session() as session:
            session.add(
                model(
                    **{column: entity.id},
                    user_id=user.id if user is not None else None,
                    user_key=user.id if user is not None else 0,
                    rate=Decimal(rate),
                    internal_rate=Decimal(internal) if internal is not None else None,
                    fixed=fixed,
                )
            )

    def meta_field(self, name: str, *, visible: bool = True) -> None:
        with self.db.session() as session:
            session.add(MetaFieldDefinition(entity_type="timesheet", name=name, visible=visible))

    def setting(self, name: str, value: str) -> None:
        with self.db.session() as session:
            set_config(session, name, value)

    def preference(self, user: Any, name: str, value: str | None) -> None:
        with self.db.session() as session:
            stored = session.get(User, user.id)
            assert stored is not None
            set_preference(stored, name, value)

    def update(self, entity: Any, **attributes: Any) -> None:
        with self.db.session() as session:
            stored = session.get(type(entity), entity.id)
            for key, value in attributes.items():
                setattr(stored, key, value)


class TimesheetFactory:
    def __init__(self, backend: Any) -> None:
        self.db = backend.db

    def create(
        self,
        user: Any,
        work: Work,
        begin: datetime,
        end: datetime | None = None,
        *,
        timezone: str = "Europe/Berlin",
        description: str | None = None,
        tags: Iterable[Tag] = (),
        meta: dict[str, tuple[str, bool]] | None = None,
        exported: bool = False,
        billable: bool = True,
        rate: str = "0",
        hourly_rate: str | None = None,
        fixed_rate: str | None = None,
        modified_at: datetime | None = None,
        activity: Activity | None = None,
    ) -> Timesheet:
        """A stored record with the values given (no rules, no rounding)."""
        begin = begin.astimezone(UTC)
        end = end.astimezone(UTC) if end is not None else None
        with self.db.session() as session:
            record = Timesheet(
                user_id=user.id,
                project_id=work.project.id,
                activity_id=(activity or work.activity).id,
                begin=begin,
                end=end,
                timezone=timezone,
                date=begin.astimezone(ZoneInfo(timezone)).date(),
                duration=int((end - begin).total_seconds()) if end is not None else 0,
                description=description,
                exported=exported,
                billable=billable,
                rate=Decimal(rate),
                hourly_rate=Decimal(hourly_rate) if hourly_rate is not None else None,
                fixed_rate=Decimal(fixed_rate) if fixed_rate is not None else None,
            )
            if modified_at is not None:
                record.modified_at = modified_at
            record.tags = [session.get(Tag, tag.id) for tag in tags]
            record.meta = [
                TimesheetMeta(name=name, value=value, visible=visible)
                for name, (value, visible) in (meta or {}).items()
            ]
            session.add(record)
            session.flush()
        return record

    def many(
        self, user: Any, work: Work, count: int, *, start: datetime | None = None, **kwargs: Any
    ) -> list[Timesheet]:
        """`count` finished one-hour records, one per day going back from `start`."""
        start = start or datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        return [
            self.create(
                user,
                work,
                start - timedelta(days=i),
                start - timedelta(days=i) + timedelta(hours=1),
                **kwargs,
            )
            for i in range(count)
        ]

    def load(self, timesheet_id: int) -> Timesheet | None:
        with self.db.session(write=False) as session:
            record = session.get(Timesheet, timesheet_id)
            if record is not None:
                _ = list(record.tags), list(record.meta)
            return record

    def count(self, **criteria: Any) -> int:
        with self.db.session(write=False) as session:
            query = session.query(Timesheet)
            for key, value in criteria.items():
                query = query.filter(getattr(Timesheet, key) == value)
            return query.count()

    def running(self, user: Any) -> list[Timesheet]:
        with self.db.session(write=False) as session:
            return list(
                session.query(Timesheet).filter(Timesheet.user_id == user.id, Timesheet.end.is_(None)).all()
            )


@pytest.fixture
def catalog(backend: Any) -> Catalog:
    return Catalog(backend)


@pytest.fixture
def timesheets(backend: Any) -> TimesheetFactory:
    return TimesheetFactory(backend)


def local(text: str, timezone: str = "Europe/Berlin") -> datetime:
    """A wall time in a zone, e.g. local("2024-03-05T10:00:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(timezone))


def today(timezone: str = "Europe/Berlin") -> date:
    return datetime.now(ZoneInfo(timezone)).date()
