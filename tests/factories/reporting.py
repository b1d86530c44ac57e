"""Customers, projects, activities, teams and timesheet entries for report and export tests.

Entries are written as rows (begin and end given as wall-clock times in the entry's timezone), so
the tests do not depend on the timesheet service; `date` and `duration` are derived the way the
service stores them: begin's local calendar date, and the seconds between begin and end.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.meta.models import MetaFieldDefinition, TimesheetMeta
from horae.projects.models import Project
from horae.tags.models import Tag
from horae.teams.models import Team, TeamMember, team_activities, team_customers, team_projects
from horae.timesheets.models import Timesheet, timesheet_tags
from horae.users.models import UserPreference

_sequence = itertools.count(1)


def local(text: str, timezone: str) -> datetime:
    """A wall-clock time `YYYY-MM-DDTHH:MM` in a zone, as a UTC instant (earlier of two folds)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(timezone), fold=0).astimezone(UTC)


@dataclass(frozen=True)
class Entry:
    """What a test needs to know about a created entry to compute expected figures."""

    id: int
    user_id: int
    project_id: int
    activity_id: int
    begin: datetime
    end: datetime | None
    timezone: str
    duration: int
    rate: Decimal
    internal_rate: Decimal | None
    billable: bool
    exported: bool
    description: str | None

    @property
    def local_date(self) -> date:
        return self.begin.astimezone(ZoneInfo(self.timezone)).date()


class Ledger:
    """Builds the catalogue and the entries of one test through plain rows."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.entries: list[Entry] = []

    def _add(self, obj: Any) -> int:
        with self.backend.db.session() as session:
            session.add(obj)
            session.flush()
            return int(obj.id)

    def customer(
        self,
        name: str | None = None,
        *,
        currency: str = "EUR",
        visible: bool = True,
        teams: Sequence[int] = (),
        **attributes: Any,
    ) -> int:
        name = name or f"Customer {next(_sequence)}"
        customer_id = self._add(
            Customer(
                name=name, country="DE", currency=currency, timezone="Europe/Berlin", visible=visible, **attributes
            )
        )
        self._link(team_customers, "customer_id", customer_id, teams)
        return customer_id

    def project(
        self, customer_id: int, name: str | None = None, *, teams: Sequence[int] = (), **attributes: Any
    ) -> int:
        name = name or f"Project {next(_sequence)}"
        project_id = self._add(Project(customer_id=customer_id, name=name, **attributes))
        self._link(team_projects, "project_id", project_id, teams)
        return project_id

    def activity(
        self, name: str | None = None, *, project_id: int | None = None, teams: Sequence[int] = (), **attributes: Any
    ) -> int:
        name = name or f"Activity {next(_sequence)}"
        activity_id = self._add(Activity(name=name, project_id=project_id, **attributes))
        self._link(team_activities, "activity_id", activity_id, teams)
        return activity_id

    def team(self, name: str | None = None, *, leads: Iterable[int] = (), members: Iterable[int] = ()) -> int:
        team = Team(name=name or f"Team {next(_sequence)}")
        team.members = [TeamMember(user_id=u, teamlead=True) for u in leads]
        team.members += [TeamMember(user_id=u, teamlead=False) for u in members]
        return self._add(team)

    def tag(self, name: str, *, visible: bool = True) -> int:
        return self._add(Tag(name=name, visible=visible))

    def meta_field(self, name: str, *, visible: bool = True, label: str | None = None) -> int:
        return self._add(MetaFieldDefinition(entity_type="timesheet", name=name, label=label, visible=visible))

    def preference(self, user_id: int, name: str, value: str) -> None:
        with self.backend.db.session() as session:
            found = session.scalars(
                select(UserPreference).where(UserPreference.user_id == user_id, UserPreference.name == name)
            ).first()
            if found is None:
                session.add(UserPreference(user_id=user_id, name=name, value=value))
            else:
                found.value = value

    def _link(self, table: Any, column: str, entity_id: int, teams: Sequence[int]) -> None:
        if teams:
            with self.backend.db.session() as session:
                session.execute(insert(table), [{"team_id": team, column: entity_id} for team in teams])

    def entry(
        self,
        user_id: int,
        project_id: int,
        activity_id: int,
        begin: str,
        end: str | None,
        *,
        timezone: str = "Europe/Berlin",
        rate: str | Decimal = "0",
        internal_rate: str | Decimal | None = None,
        hourly_rate: str | Decimal | None = None,
        fixed_rate: str | Decimal | None = None,
        billable: bool = True,
        exported: bool = False,
        description: str | None = None,
        tags: Sequence[int] = (),
        meta: dict[str, str] | None = None,
    ) -> Entry:
        start = local(begin, timezone)
        stop = local(end, timezone) if end else None
        duration = int((stop - start).total_seconds()) if stop else 0
        row = Timesheet(
            user_id=user_id,
            project_id=project_id,
            activity_id=activity_id,
            begin=start,
            end=stop,
            timezone=timezone,
            date=start.astimezone(ZoneInfo(timezone)).date(),
            duration=duration,
            rate=Decimal(rate),
            internal_rate=None if internal_rate is None else Decimal(internal_rate),
            hourly_rate=None if hourly_rate is None else Decimal(hourly_rate),
            fixed_rate=None if fixed_rate is None else Decimal(fixed_rate),
            billable=billable,
            exported=exported,
            description=description,
        )
        entry_id = self._add(row)
        with self.backend.db.session() as session:
            if tags:
                session.execute(insert(timesheet_tags), [{"timesheet_id": entry_id, "tag_id": t} for t in tags])
            for name, value in (meta or {}).items():
                session.add(TimesheetMeta(timesheet_id=entry_id, name=name, value=value))
        entry = Entry(
            entry_id, user_id, project_id, activity_id, start, stop, timezone, duration, Decimal(rate),
            None if internal_rate is None else Decimal(internal_rate), billable, exported, description,
        )  # fmt: skip
        self.entries.append(entry)
        return entry


@pytest.fixture
def ledger(backend: Any) -> Iterator[Ledger]:
    yield Ledger(backend)
