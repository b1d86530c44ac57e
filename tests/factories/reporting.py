"""Customers, projects, activities, teams and timesheet entries for report and export tests.

Entries are written as rows (begin and end given as wall-clock times in the entry's timezone), so
the tests do not depend on the timesheet service; `date` and `duration` are derived the way the
service stores them: begin's local calendar date, and the seconds between begin and end.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.meta.models import MetaFieldDefinition, TimesheetMeta
from horae.projects.models import Project
from horae.security.permissions import Actor
from horae.tags.models import Tag
from horae.teams.models import Team, TeamMember, team_activities, team_customers, team_projects
from horae.timesheets.models import Timesheet, timesheet_tags
from horae.users.models import User, UserPreference
from tests.factories.users import UserHandle

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
    tags: tuple[str, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()

    @property
    def local_date(self) -> date:
        return self.begin.astimezone(ZoneInfo(self.timezone)).date()


class Ledger:
    """Builds the catalogue and the entries of one test through plain rows."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.entries: list[Entry] = []
        self.tag_names: dict[int, str] = {}

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
                name=name,
                country="DE",
                currency=currency,
                timezone="Europe/Berlin",
                visible=visible,
                **attributes,
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
        self,
        name: str | None = None,
        *,
        project_id: int | None = None,
        teams: Sequence[int] = (),
        **attributes: Any,
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
        tag_id = self._add(Tag(name=name, visible=visible))
        self.tag_names[tag_id] = name
        return tag_id

    def meta_field(self, name: str, *, visible: bool = True, label: str | None = None) -> int:
        return self._add(
            MetaFieldDefinition(entity_type="timesheet", name=name, label=label, visible=visible)
        )

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
                session.execute(
                    insert(timesheet_tags), [{"timesheet_id": entry_id, "tag_id": t} for t in tags]
                )
            for name, value in (meta or {}).items():
                session.add(TimesheetMeta(timesheet_id=entry_id, name=name, value=value))
        entry = Entry(
            entry_id, user_id, project_id, activity_id, start, stop, timezone, duration, Decimal(rate),
            None if internal_rate is None else Decimal(internal_rate), billable, exported, description,
            tuple(self.tag_names[t] for t in tags), tuple(sorted((meta or {}).items())),
        )  # fmt: skip
        self.entries.append(entry)
        return entry


@pytest.fixture
def ledger(backend: Any) -> Iterator[Ledger]:
    yield Ledger(backend)


# --- a shared scenario: a month boundary and two DST changes, booked by users of every role -----
#
# Europe/Berlin springs forward on Sunday 2024-03-31 (02:00 → 03:00), the last day of March;
# America/New_York did so on 2024-03-10. Entries cross midnight, the DST gap and the month
# boundary, and some sit on different calendar dates in UTC and in their own timezone.


@dataclass
class Scenario:
    ledger: Ledger
    alice: UserHandle  # ROLE_USER, member of the lead's team, Berlin
    bob: UserHandle  # ROLE_USER, in no team, New York
    lead: UserHandle  # ROLE_TEAMLEAD, leads the team
    carol: UserHandle  # ROLE_USER, plain member of another team
    admin: UserHandle  # ROLE_ADMIN
    super: UserHandle  # ROLE_SUPER_ADMIN
    acme: int
    globex: int
    secret: int  # restricted to the other team
    website: int
    support: int
    migration: int
    hidden: int  # a project of a customer restricted to the other team
    design: int
    development: int
    meeting: int

    @property
    def entries(self) -> list[Entry]:
        return self.ledger.entries


def actor_of(backend: Any, handle: UserHandle) -> Actor:
    with backend.db.session(write=False) as session:
        user = session.get(User, handle.id)
        assert user is not None
        return Actor.load(session, user)


def statements(counter: Any) -> int:
    """Statements counted, without SQLite's explicit BEGIN (other drivers begin implicitly)."""
    return len([q for q in counter.statements if not q.startswith("BEGIN")])


@pytest.fixture
def scenario(backend: Any, ledger: Ledger, make_user: Callable[..., UserHandle]) -> Scenario:
    alice = make_user(username="alice", timezone="Europe/Berlin")
    bob = make_user(username="bob", timezone="America/New_York")
    lead = make_user("ROLE_TEAMLEAD", username="lead", timezone="Europe/Berlin")
    carol = make_user(username="carol", timezone="Europe/Berlin")
    admin = make_user("ROLE_ADMIN", username="admin_anna", timezone="Europe/Berlin")
    superadmin = make_user("ROLE_SUPER_ADMIN", username="super_sam", timezone="UTC")
    ledger.team("Core", leads=[lead.id], members=[alice.id])
    other_team = ledger.team("Other", members=[carol.id])

    acme = ledger.customer("ACME", currency="EUR")
    globex = ledger.customer("Globex", currency="USD")
    secret = ledger.customer("Secret Corp", teams=[other_team])
    website = ledger.project(acme, "Website", budget=1000, time_budget=10 * 3600)
    support = ledger.project(acme, "Support", budget=300, time_budget=4 * 3600, budget_type="month")
    migration = ledger.project(globex, "Migration")
    hidden = ledger.project(secret, "Hidden work", budget=50)
    design = ledger.activity("Design")
    development = ledger.activity("Development")
    meeting = ledger.activity("Meeting", project_id=website)

    e = ledger.entry
    # alice, Berlin
    e(alice.id, website, design, "2024-02-29T10:00", "2024-02-29T11:00", rate="100", internal_rate="60")
    e(alice.id, website, design, "2024-03-25T09:00", "2024-03-25T12:30", rate="350", internal_rate="200")
    e(alice.id, support, development, "2024-03-30T23:00", "2024-03-31T01:00", rate="100", internal_rate="80")
    # 01:30 → 03:30 wall time across the spring-forward gap: one real hour.
    e(alice.id, website, development, "2024-03-31T01:30", "2024-03-31T03:30", rate="50", billable=False)
    # 23:30 local on 31 March is 21:30 UTC the same day; ends in April.
    e(alice.id, migration, meeting, "2024-03-31T23:30", "2024-04-01T00:30", rate="75.5", internal_rate="40")
    # 00:30 local on 1 April is 22:30 UTC on 31 March.
    e(alice.id, website, design, "2024-04-01T00:30", "2024-04-01T02:00", rate="150", exported=True)
    e(alice.id, website, meeting, "2024-04-01T09:00", "2024-04-01T10:15", rate="125.25", internal_rate="90.1")
    e(alice.id, website, design, "2024-04-02T10:00", None)  # running: never counted
    # bob, New York: 20:00 on 31 March local is 00:00 UTC on 1 April.
    e(
        bob.id,
        migration,
        development,
        "2024-03-31T20:00",
        "2024-03-31T22:00",
        timezone="America/New_York",
        rate="200",
    )
    e(
        bob.id,
        migration,
        development,
        "2024-03-10T01:30",
        "2024-03-10T03:30",
        timezone="America/New_York",
        rate="90",
    )
    e(bob.id, website, design, "2024-04-01T09:00", "2024-04-01T10:00", timezone="America/New_York", rate="80")
    # the lead, carol and the admin
    e(lead.id, website, design, "2024-04-01T08:00", "2024-04-01T09:00", rate="120", internal_rate="70")
    e(lead.id, support, meeting, "2024-03-28T14:00", "2024-03-28T16:00", rate="240", billable=False)
    e(carol.id, hidden, design, "2024-03-31T10:00", "2024-03-31T11:00", rate="60")
    e(carol.id, website, development, "2024-03-31T12:00", "2024-03-31T12:45", rate="45")
    e(admin.id, support, development, "2024-04-30T22:00", "2024-05-01T01:00", rate="300", internal_rate="150")

    return Scenario(
        ledger=ledger, alice=alice, bob=bob, lead=lead, carol=carol, admin=admin, super=superadmin,
        acme=acme, globex=globex, secret=secret, website=website, support=support, migration=migration,
        hidden=hidden, design=design, development=development, meeting=meeting,
    )  # fmt: skip


@dataclass
class ExportScenario:
    """The report scenario plus tags, custom fields and descriptions that name each entry."""

    base: Scenario
    urgent: int
    review: int
    hidden_tag: int

    @property
    def entries(self) -> list[Entry]:
        return self.base.entries

    def by_description(self) -> dict[str, Entry]:
        return {e.description: e for e in self.entries if e.description}


@pytest.fixture
def export_scenario(scenario: Scenario) -> ExportScenario:
    """Every entry gets a description `E<id>`; some get tags, custom fields and awkward text."""
    ledger = scenario.ledger
    urgent, review = ledger.tag("urgent"), ledger.tag("Review")
    hidden_tag = ledger.tag("internal", visible=False)
    ledger.meta_field("location", label="Location")
    ledger.meta_field("ticket")
    ledger.meta_field("secret", visible=False)
    with ledger.backend.db.session() as session:
        for entry in ledger.entries:
            named = update(Timesheet).where(Timesheet.id == entry.id).values(description=f"E{entry.id:04d}")
            session.execute(named)
    ledger.entries[:] = [replace(e, description=f"E{e.id:04d}") for e in ledger.entries]
    e = ledger.entry
    e(
        scenario.alice.id, scenario.website, scenario.design, "2024-03-27T08:00", "2024-03-27T09:45",
        rate="175.5", internal_rate="99.99", hourly_rate="100",
        description='Quote " comma, <b>bold</b> & Grüße €', tags=[urgent, review],
        meta={"location": "Berlin", "secret": "x"},
    )  # fmt: skip
    e(
        scenario.alice.id, scenario.support, scenario.development, "2024-03-28T13:00", "2024-03-28T13:30",
        rate="25", description="=SUM(A1:A2)\nsecond line", tags=[review, hidden_tag], meta={"ticket": "T-1"},
    )  # fmt: skip
    e(
        scenario.bob.id, scenario.migration, scenario.meeting, "2024-04-02T09:00", "2024-04-02T11:00",
        timezone="America/New_York", rate="300", fixed_rate="300", description="Bob's fixed", tags=[urgent],
    )  # fmt: skip
    e(scenario.lead.id, scenario.website, scenario.meeting, "2024-04-03T10:00", None, description="Running")
    return ExportScenario(scenario, urgent, review, hidden_tag)
