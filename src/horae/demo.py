"""Demo data: realistic users, teams, customers, projects, activities, tags and timesheets in bulk.

`horae demo` writes through the same schema as the application, with SQLAlchemy Core bulk inserts
(executemany in batches, explicit ids), so that a million timesheets take about a minute on
SQLite. The same seed and parameters always produce the same rows (the password hashes aside,
whose salts are random).

The shape: one teamlead per team, the other people spread over the teams; about one customer in
five and one project in ten restricted to a team, and people book only on what their team may
see. Each person works Monday to Friday from about 8 o'clock local time, entries back to back
with short gaps, on a few projects per quarter; entries are written day by day, so ids follow
time. Local dates, durations and rates (project rate or the person's hourly rate) are computed
as Horae computes them; about 1.5 tags per entry, a custom field on a fifth, older entries
mostly exported, and 1% of the entries running (each one a person's latest, one per person at
most, the default limit).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time as clock
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection, Engine

from horae import cli
from horae.catalog_cache import WATCHED, advance
from horae.db import Base, Database
from horae.migrate import upgrade
from horae.models import (
    AccessToken,
    Activity,
    ActivityRate,
    Customer,
    MetaFieldDefinition,
    Project,
    ProjectRate,
    Tag,
    Team,
    TeamMember,
    Timesheet,
    TimesheetMeta,
    User,
    UserPreference,
)
from horae.security.passwords import hash_password, sha256_hex
from horae.security.permissions import ROLE_SUPER_ADMIN, ROLE_TEAMLEAD
from horae.settings import Settings
from horae.teams.models import team_customers, team_projects
from horae.timesheets.models import timesheet_tags

# Part of the benchmark's cache key: bump it whenever the same parameters would leave another
# database behind (other rows, or no planner statistics as before version 2).
GENERATOR_VERSION = 2


def schema_fingerprint() -> str:
    """The migrations' text: a dataset cached under another schema is built again."""
    from horae.migrate import MIGRATIONS

    digest = hashlib.sha256()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


DEFAULT_PASSWORD = "demo-password"
DEFAULT_API_PASSWORD = "demo-api-password"
ADMIN_USERNAME = "admin"
TIMESHEET_META_FIELD = "ticket"


@dataclass(frozen=True)
class DemoSpec:
    """What to generate. `until` is the first day after the generated period."""

    timesheets: int = 5_000
    users: int = 20
    teams: int = 4
    customers: int = 8
    projects: int = 40
    activities: int = 150
    tags: int = 60
    # Tags that exist but label no entry (a long-lived installation's leftovers).
    spare_tags: int = 0
    days: int = 182
    seed: int = 1
    until: date = field(default_factory=lambda: datetime.now(UTC).date())
    running_share: float = 0.01
    meta_share: float = 0.2
    batch_size: int = 10_000

    def cache_key(self) -> str:
        """Identifies the rows this spec writes (with the generator version), for caches."""
        values = {k: v for k, v in asdict(self).items() if k != "batch_size"}
        values["until"] = self.until.isoformat()
        values["version"] = GENERATOR_VERSION
        values["schema"] = schema_fingerprint()
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def running(self) -> int:
        """Running entries: a share of all entries, but at most one per user (the default limit)."""
        if not self.timesheets:
            return 0
        return min(max(1, round(self.timesheets * self.running_share)), self.users, self.timesheets)


PRESETS: dict[str, DemoSpec] = {
    # A demo a person can click through.
    "small": DemoSpec(),
    # The performance issue's dataset: 3 years of 200 people's work.
    "large": DemoSpec(
        timesheets=1_000_000,
        users=200,
        teams=10,
        customers=50,
        projects=500,
        activities=5_000,
        tags=2_000,
        days=3 * 365,
    ),
    # The catalog scale check: many customers, projects and activities, few entries.
    "catalog": DemoSpec(
        timesheets=20_000,
        users=50,
        teams=5,
        customers=5_000,
        projects=50_000,
        activities=100_000,
        tags=500,
        days=365,
    ),
}


@dataclass
class DemoUser:
    id: int
    username: str
    email: str
    alias: str
    roles: list[str]
    timezone: str
    language: str
    team_ids: list[int]
    led_team_ids: list[int]
    token: str
    hourly_rate: int
    internal_rate: int
    running: bool = False


@dataclass
class DemoResult:
    spec: DemoSpec
    users: list[DemoUser]
    counts: dict[str, int]
    seconds: float
    timesheet_seconds: float

    def credentials(self, password: str, api_password: str) -> dict[str, Any]:
        """Every demo account with its secrets, for scripts and benchmarks."""
        return {
            "generator_version": GENERATOR_VERSION,
            "spec": {**asdict(self.spec), "until": self.spec.until.isoformat()},
            "password": password,
            "api_password": api_password,
            "counts": self.counts,
            "users": [asdict(user) for user in self.users],
        }


class DemoError(Exception):
    """The demo data cannot be written (for example: the database already holds data)."""


# Word lists: enough variety that lists, reports and searches look like a real installation.
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Katja",
    "Leon", "Mara", "Nils", "Olga", "Paul", "Quentin", "Rosa", "Sven", "Tara", "Uwe", "Vera",
    "Wim", "Xenia", "Yusuf", "Zoe", "Amir", "Bea", "Chen", "Dana", "Emil", "Fatma", "Gil",
    "Hana", "Ivo", "Jana", "Kai", "Lina", "Milan", "Nora",
)  # fmt: skip
LAST_NAMES = (
    "Berg", "Costa", "Dahl", "Eder", "Fischer", "Garcia", "Hansen", "Ito", "Jung", "Keller",
    "Lund", "Meyer", "Novak", "Olsen", "Petrov", "Quast", "Richter", "Sato", "Tanaka", "Ulrich",
    "Vogel", "Weber", "Xu", "Yilmaz", "Zimmer", "Adler", "Brandt", "Cruz", "Dietz", "Engel",
)  # fmt: skip
# (timezone, weight, language): most people in one office, some abroad.
USER_ZONES = (
    ("Europe/Berlin", 60, "de"),
    ("Europe/London", 15, "en"),
    ("America/New_York", 10, "en"),
    ("America/Los_Angeles", 5, "en"),
    ("Asia/Tokyo", 5, "en"),
    ("Australia/Sydney", 5, "en"),
)
COMPANY_WORDS = (
    "Nordwind", "Alpen", "Blue Harbor", "Cedar", "Delta", "Eastgate", "Falcon", "Granite",
    "Helios", "Iris", "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orion", "Pioneer",
    "Quarry", "Riverstone", "Summit", "Tidal", "Umbra", "Vertex", "Willow", "Zenith",
)  # fmt: skip
COMPANY_KINDS = (
    "Logistics", "Software", "Consulting", "Media", "Energy", "Foods", "Health", "Finance",
    "Robotics", "Design", "Travel", "Retail", "Analytics", "Systems", "Labs",
)  # fmt: skip
COMPANY_FORMS = ("GmbH", "AG", "Ltd", "Inc.", "SARL", "BV", "KG", "LLC")
# (country, currency, timezone) of customers.
CUSTOMER_PLACES = (
    ("DE", "EUR", "Europe/Berlin"),
    ("AT", "EUR", "Europe/Vienna"),
    ("CH", "CHF", "Europe/Zurich"),
    ("GB", "GBP", "Europe/London"),
    ("US", "USD", "America/New_York"),
    ("FR", "EUR", "Europe/Paris"),
    ("JP", "JPY", "Asia/Tokyo"),
)
PROJECT_THEMES = (
    "Website relaunch", "Mobile app", "Data migration", "CRM rollout", "Security audit",
    "Support contract", "Cloud move", "Brand refresh", "Intranet", "Reporting suite",
    "Shop integration", "API platform", "Onboarding portal", "Maintenance", "Analytics dashboard",
    "Payment gateway", "Accessibility review", "Performance tuning", "Training programme",
    "Newsletter",
)  # fmt: skip
ACTIVITY_NAMES = (
    "Development", "Design", "Testing", "Meeting", "Support", "Consulting", "Project management",
    "Research", "Training", "Documentation", "Review", "Deployment", "Planning", "Analysis",
    "Copywriting", "Workshop", "Maintenance", "Bug fixing", "Prototyping", "Travel",
)  # fmt: skip
GLOBAL_ACTIVITY_NAMES = (
    "Internal meeting", "Administration", "Sales", "Hiring", "Team event", "Further education",
    "Holiday planning", "IT support", "Office", "Presales",
)  # fmt: skip
TAG_ADJECTIVES = (
    "urgent", "billable", "remote", "onsite", "backend", "frontend", "mobile", "legacy", "critical",
    "minor", "weekly", "monthly", "internal", "external", "blocked", "followup", "research", "ux",
    "infra", "security", "qa", "ops", "data", "ml", "docs", "sales", "finance", "legal", "hr",
    "design", "video", "print", "social", "seo", "ads", "cloud", "api", "db", "perf", "a11y",
    "i18n", "release", "hotfix", "sprint", "retro", "demo", "pitch", "audit", "travel", "call",
)  # fmt: skip
TAG_NOUNS = (
    "alpha", "beta", "gamma", "delta", "omega", "north", "south", "east", "west", "core", "edge",
    "hub", "lab", "desk", "field", "studio", "team", "client", "partner", "vendor", "phase1",
    "phase2", "phase3", "q1", "q2", "q3", "q4", "pilot", "rollout", "review", "sync", "kickoff",
    "handover", "workshop", "ticket", "bug", "feature", "spike", "epic", "story",
)  # fmt: skip
DESCRIPTIONS = (
    "Weekly planning", "Code review", "Customer call", "Bug fixing", "Deployment to production",
    "Wrote documentation", "Sprint retrospective", "Refined the backlog", "Pair programming",
    "Investigated a performance problem", "Updated dependencies", "Design review",
    "Prepared the demo", "Answered support tickets", "Release preparation", "Workshop with the client",
    "Onboarding a new colleague", "Database maintenance", "Test automation", "Estimation meeting",
)  # fmt: skip
COLORS = (
    "#c0c0c0", "#808080", "#800000", "#a52a2a", "#ff0000", "#ffa500", "#ffd700", "#808000",
    "#9acd32", "#008000", "#008080", "#add8e6", "#00bfff", "#1e90ff", "#0000ff", "#000080",
    "#800080", "#ee82ee", None, None,
)  # fmt: skip


def demo_token(seed: int, username: str) -> str:
    """The Bearer token of a demo user: derived from the seed, so scripts can rebuild it."""
    return hashlib.sha256(f"horae-demo:{seed}:{username}".encode()).hexdigest()[:40]


class _Writer:
    """Buffers rows per table and writes them with executemany, one transaction per flush."""

    def __init__(self, engine: Engine, batch_size: int) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self.buffers: dict[Table, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}
        self.last_ids: dict[Table, int] = {}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        """Buffers a row; a table with an `id` gets the next id unless the row names one.

        Explicit ids keep the output identical on every run and backend, sequences included.
        """
        if "id" in table.columns:
            if "id" not in row:
                row["id"] = self.last_ids.get(table, 0) + 1
            self.last_ids[table] = max(self.last_ids.get(table, 0), row["id"])
        self.buffers.setdefault(table, []).append(row)

    def pending(self, table: Table) -> int:
        return len(self.buffers.get(table, ()))

    def flush(self) -> None:
        """Writes every buffered row, parents before children."""
        written: set[str] = set()
        with self.engine.connect() as connection, self._bulk_load(connection), connection.begin():
            for table in Base.metadata.sorted_tables:
                rows = self.buffers.get(table)
                if not rows:
                    continue
                for start in range(0, len(rows), self.batch_size):
                    connection.execute(table.insert(), rows[start : start + self.batch_size])
                self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
                rows.clear()
                written.add(table.name)
            # Bulk rows bypass the session hooks: a running server must not keep old answers.
            for name, tables in WATCHED.items():
                if written & tables:
                    advance(connection, name)

    @contextmanager
    def _bulk_load(self, connection: Connection) -> Iterator[None]:
        # A bulk load into a fresh database: SQLite may skip the fsync per commit (a crash
        # means starting over anyway) and keep more pages in memory while indexes grow.
        # Pragmas that SQLite refuses inside a transaction go straight to the driver.
        if connection.dialect.name != "sqlite":
            yield
            return
        driver = connection.connection.dbapi_connection
        assert driver is not None
        driver.execute("PRAGMA synchronous=OFF")
        driver.execute("PRAGMA cache_size=-262144")
        try:
            yield
        finally:
            driver.execute("PRAGMA synchronous=NORMAL")
            driver.execute("PRAGMA cache_size=-2000")


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _unique_names(candidates: Iterator[str], count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for name in candidates:
        if name not in seen:
            seen.add(name)
            names.append(name)
            if len(names) == count:
                break
    return names


def _company_names(rng: random.Random) -> Iterator[str]:
    combos = [f"{w} {k}" for w in COMPANY_WORDS for k in COMPANY_KINDS]
    rng.shuffle(combos)
    for round_number in range(1, 10_000):
        suffix = f" {round_number}" if round_number > 1 else ""
        for position, combo in enumerate(combos):
            yield f"{combo}{suffix} {COMPANY_FORMS[position % len(COMPANY_FORMS)]}"


def _tag_names(rng: random.Random) -> Iterator[str]:
    combos = [f"{a}-{n}" for a in TAG_ADJECTIVES for n in TAG_NOUNS]
    rng.shuffle(combos)
    yield from TAG_ADJECTIVES
    yield from combos
    for round_number in range(2, 10_000):
        for combo in combos:
            yield f"{combo}-{round_number}"


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _reset_sequences(engine: Engine, tables: Sequence[Table]) -> None:
    """Rows were written with explicit ids; PostgreSQL's sequences must move past them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in tables:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT MAX(id) FROM {table.name}))"
                )
            )


def _refresh_statistics(engine: Engine) -> None:
    """PostgreSQL plans from statistics that its autovacuum gathers some time after a bulk load
    (or never, where it is switched off); the planner gets them at once, as after a restore.
    InnoDB recalculates its own when a tenth of a table changed; SQLite keeps none unless told,
    and Horae does not tell it, so the demo leaves it as a running installation has it."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _ensure_empty(engine: Engine) -> None:
    with engine.connect() as connection:
        for model in (User, Customer, Timesheet, Tag, Team):
            if connection.scalar(select(func.count()).select_from(_t(model))):
                raise DemoError(
                    "the database already holds data; demo data goes into a new, empty database "
                    "(point HORAE_DATABASE_URL at one)"
                )


def generate_demo(
    engine: Engine,
    spec: DemoSpec,
    *,
    password: str = DEFAULT_PASSWORD,
    api_password: str = DEFAULT_API_PASSWORD,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Writes the demo dataset described by `spec` into an empty, migrated database."""
    if spec.users < 1 or spec.teams < 1 or spec.customers < 1 or spec.projects < 1 or spec.activities < 1:
        raise DemoError("users, teams, customers, projects and activities must each be at least 1")
    if spec.days < 1 or spec.timesheets < 0 or spec.tags < 0 or spec.spare_tags < 0:
        raise DemoError("days must be at least 1; counts must not be negative")
    if spec.teams > spec.users:
        raise DemoError("every team needs a teamlead: use at most as many teams as users")
    _ensure_empty(engine)
    started = clock.perf_counter()
    say = progress or (lambda _message: None)
    rng = random.Random(spec.seed)
    writer = _Writer(engine, spec.batch_size)
    first_day = spec.until - timedelta(days=spec.days)
    epoch = datetime.combine(first_day, time(7, 0), tzinfo=UTC)

    users = _write_people(writer, rng, spec, password, api_password, epoch)
    catalog = _write_catalog(writer, rng, spec, epoch)
    writer.flush()
    say(
        f"wrote {len(users)} users, {spec.teams} teams, {spec.customers} customers, "
        f"{spec.projects} projects, {spec.activities} activities, {spec.tags + spec.spare_tags} tags"
    )
    timesheet_started = clock.perf_counter()
    _write_timesheets(writer, rng, spec, users, catalog, say)
    writer.flush()
    timesheet_seconds = clock.perf_counter() - timesheet_started
    _reset_sequences(engine, list(writer.last_ids))
    _refresh_statistics(engine)
    return DemoResult(spec, users, dict(writer.counts), clock.perf_counter() - started, timesheet_seconds)


def _write_people(
    writer: _Writer, rng: random.Random, spec: DemoSpec, password: str, api_password: str, epoch: datetime
) -> list[DemoUser]:
    # Two hashes in total: every demo account shares the documented secrets.
    password_hash = hash_password(password)
    api_password_hash = hash_password(api_password)
    zones = [zone for zone, _w, _l in USER_ZONES]
    zone_weights = [weight for _z, weight, _l in USER_ZONES]
    languages = {zone: language for zone, _w, language in USER_ZONES}

    for number in range(1, spec.teams + 1):
        writer.add(_t(Team), {"id": number, "name": f"Team {number:02d}", "color": COLORS[number % 18]})

    users: list[DemoUser] = []
    admin = DemoUser(
        id=1,
        username=ADMIN_USERNAME,
        email="admin@demo.example",
        alias="Demo Administrator",
        roles=[ROLE_SUPER_ADMIN],
        timezone="Europe/Berlin",
        language="en",
        team_ids=[],
        led_team_ids=[],
        token=demo_token(spec.seed, ADMIN_USERNAME),
        hourly_rate=120,
        internal_rate=70,
    )
    users.append(admin)
    taken: set[str] = {ADMIN_USERNAME}
    for index in range(spec.users):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        username = f"{first}.{last}".lower()
        suffix = 2
        while username in taken:
            username = f"{first}.{last}{suffix}".lower()
            suffix += 1
        taken.add(username)
        team_id = index % spec.teams + 1
        lead = index < spec.teams
        zone = rng.choices(zones, zone_weights)[0]
        hourly = rng.randrange(50, 155, 5)
        users.append(
            DemoUser(
                id=index + 2,
                username=username,
                email=f"{username}@demo.example",
                alias=f"{first} {last}",
                roles=[ROLE_TEAMLEAD] if lead else [],
                timezone=zone,
                language=languages[zone],
                team_ids=[team_id],
                led_team_ids=[team_id] if lead else [],
                token=demo_token(spec.seed, username),
                hourly_rate=hourly,
                internal_rate=round(hourly * 0.6),
            )
        )

    for position, user in enumerate(users):
        registered = epoch - timedelta(days=30) + timedelta(minutes=position)
        writer.add(
            _t(User),
            {
                "id": user.id,
                "username": user.username,
                "email": user.email,
                "alias": user.alias,
                "title": None,
                "avatar": None,
                "account_number": f"{user.id:05d}",
                "enabled": True,
                "password_hash": password_hash,
                "api_password_hash": api_password_hash,
                "roles": user.roles,
                "system_account": False,
                "requires_password_reset": False,
                "supervisor_id": None,
                "color": COLORS[position % len(COLORS)],
                "auth": "kimai",
                "registered_at": registered,
                "last_login": None,
            },
        )
    for user in users:
        for name, value in (
            ("timezone", user.timezone),
            ("language", user.language),
            ("hourly_rate", str(user.hourly_rate)),
            ("internal_rate", str(user.internal_rate)),
        ):
            writer.add(_t(UserPreference), {"user_id": user.id, "name": name, "value": value})
        writer.add(
            _t(AccessToken),
            {
                "user_id": user.id,
                "token_hash": sha256_hex(user.token),
                "name": "demo",
                "created_at": epoch,
                "last_usage": None,
                "expires_at": None,
            },
        )
        for team_id in user.team_ids:
            writer.add(
                _t(TeamMember),
                {"team_id": team_id, "user_id": user.id, "teamlead": team_id in user.led_team_ids},
            )
    return users


@dataclass
class _Catalog:
    # Per team (index = team id): the projects its members may book on.
    team_projects: dict[int, list[int]]
    # Per project id: (own activity ids, global activity ids allowed there).
    project_activities: dict[int, tuple[list[int], list[int]]]
    # Per project id: its billable flag combined with its customer's, and its hourly rate if any.
    project_billable: dict[int, bool]
    project_rate: dict[int, Decimal]
    project_key: dict[int, str]
    activity_billable: dict[int, bool]
    tag_cumulative_weights: list[float]


def _write_catalog(writer: _Writer, rng: random.Random, spec: DemoSpec, epoch: datetime) -> _Catalog:
    created = epoch - timedelta(days=20)
    customer_names = _unique_names(_company_names(rng), spec.customers)
    # About one customer in five works with a single team only.
    customer_team: dict[int, int | None] = {}
    customer_billable: dict[int, bool] = {}
    for number, name in enumerate(customer_names, start=1):
        country, currency, zone = CUSTOMER_PLACES[rng.randrange(len(CUSTOMER_PLACES))]
        restricted = spec.customers > 1 and rng.random() < 0.2
        customer_team[number] = rng.randrange(spec.teams) + 1 if restricted else None
        customer_billable[number] = rng.random() > 0.05
        writer.add(
            _t(Customer),
            {
                "id": number,
                "name": name,
                "number": f"C{number:05d}",
                "comment": None,
                "visible": True,
                "billable": customer_billable[number],
                "company": name,
                "vat_id": None,
                "contact": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "address": None,
                "address_line1": f"{rng.randrange(1, 200)} Main Street",
                "address_line2": None,
                "address_line3": None,
                "post_code": f"{rng.randrange(10000, 99999)}",
                "city": None,
                "country": country,
                "language": "en",
                "currency": currency,
                "phone": None,
                "fax": None,
                "mobile": None,
                "email": f"office{number}@customer.example",
                "invoice_email": None,
                "homepage": None,
                "timezone": zone,
                "invoice_text": None,
                "buyer_reference": None,
                "color": COLORS[number % len(COLORS)],
                "created_at": created,
                "budget": Decimal("0"),
                "time_budget": 0,
                "budget_type": None,
            },
        )
        if customer_team[number] is not None:
            writer.add(team_customers, {"team_id": customer_team[number], "customer_id": number})

    team_projects_map: dict[int, list[int]] = {team: [] for team in range(1, spec.teams + 1)}
    open_projects: list[int] = []
    project_billable: dict[int, bool] = {}
    project_rate: dict[int, Decimal] = {}
    project_key: dict[int, str] = {}
    project_global: dict[int, bool] = {}
    for number in range(1, spec.projects + 1):
        # The first projects go one to each customer, so that no customer is empty.
        customer = number if number <= spec.customers else rng.randrange(spec.customers) + 1
        team = customer_team[customer]
        if team is None and spec.projects > 1 and rng.random() < 0.1:
            team = rng.randrange(spec.teams) + 1
            writer.add(team_projects, {"team_id": team, "project_id": number})
        (team_projects_map[team] if team is not None else open_projects).append(number)
        billable = rng.random() > 0.05
        project_billable[number] = billable and customer_billable[customer]
        project_global[number] = rng.random() > 0.1
        project_key[number] = f"P{number:05d}"
        writer.add(
            _t(Project),
            {
                "id": number,
                "customer_id": customer,
                "name": f"{rng.choice(PROJECT_THEMES)} {2020 + rng.randrange(6)}",
                "number": project_key[number],
                "order_number": f"PO-{rng.randrange(10000, 99999)}" if rng.random() < 0.3 else None,
                "order_date": None,
                "start": None,
                "end": None,
                "timezone": None,
                "comment": None,
                "visible": True,
                "billable": billable,
                "global_activities": project_global[number],
                "invoice_text": None,
                "color": COLORS[number % len(COLORS)],
                "created_at": created,
                "budget": Decimal("0"),
                "time_budget": 0,
                "budget_type": None,
            },
        )
        if rng.random() < 0.1:
            rate = Decimal(rng.randrange(80, 200, 10))
            project_rate[number] = rate
            writer.add(
                _t(ProjectRate),
                {
                    "project_id": number,
                    "user_key": 0,
                    "user_id": None,
                    "rate": rate,
                    "internal_rate": None,
                    "fixed": False,
                },
            )
    if not open_projects and not all(team_projects_map.values()):
        # Every team must reach at least one project: open the first one to everyone.
        open_projects.append(1)
    for team in team_projects_map:
        team_projects_map[team] = open_projects + team_projects_map[team]

    # A few global activities (Kimai installations have a handful), the rest inside projects.
    global_count = min(len(GLOBAL_ACTIVITY_NAMES) * 2, max(1, spec.activities // 10))
    own: dict[int, list[int]] = {number: [] for number in range(1, spec.projects + 1)}
    global_ids: list[int] = []
    activity_billable: dict[int, bool] = {}
    for number in range(1, spec.activities + 1):
        is_global = number <= global_count
        if is_global:
            project = None
            name = GLOBAL_ACTIVITY_NAMES[(number - 1) % len(GLOBAL_ACTIVITY_NAMES)]
            if number > len(GLOBAL_ACTIVITY_NAMES):
                name = f"{name} (external)"
            global_ids.append(number)
        else:
            # Again one for every project first, then at random.
            slot = number - global_count
            project = slot if slot <= spec.projects else rng.randrange(spec.projects) + 1
            own[project].append(number)
            name = rng.choice(ACTIVITY_NAMES)
        activity_billable[number] = rng.random() > 0.1
        writer.add(
            _t(Activity),
            {
                "id": number,
                "project_id": project,
                "name": name,
                "number": f"A{number:06d}",
                "comment": None,
                "visible": True,
                "billable": activity_billable[number],
                "invoice_text": None,
                "color": COLORS[number % len(COLORS)],
                "created_at": created,
                "budget": Decimal("0"),
                "time_budget": 0,
                "budget_type": None,
            },
        )
        if is_global and rng.random() < 0.3:
            writer.add(
                _t(ActivityRate),
                {
                    "activity_id": number,
                    "user_key": 0,
                    "user_id": None,
                    "rate": Decimal(rng.randrange(40, 90, 5)),
                    "internal_rate": None,
                    "fixed": False,
                },
            )
    project_activities: dict[int, tuple[list[int], list[int]]] = {}
    for project, activities in own.items():
        allowed_global = global_ids if project_global[project] or not activities else []
        if not activities and not allowed_global:
            allowed_global = global_ids
        project_activities[project] = (activities, allowed_global)

    tag_names = _unique_names(_tag_names(rng), spec.tags + spec.spare_tags)
    if len(tag_names) < spec.tags + spec.spare_tags:
        raise DemoError("too many tags requested")
    # Spare tags get the later names; used tags are scattered over the alphabet anyway.
    for number, name in enumerate(tag_names, start=1):
        writer.add(
            _t(Tag),
            {
                "id": number,
                "name": name,
                "visible": number <= spec.tags or rng.random() > 0.05,
                "color": None,
            },
        )
    # A few tags are on most entries, most tags on few (Zipf-like popularity).
    weights = [1 / (rank + 1) ** 0.8 for rank in range(spec.tags)]
    cumulative: list[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)

    writer.add(
        _t(MetaFieldDefinition),
        {
            "entity_type": "timesheet",
            "name": TIMESHEET_META_FIELD,
            "label": "Ticket",
            "type": "string",
            "options": None,
            "default_value": None,
            "required": False,
            "visible": True,
        },
    )
    return _Catalog(
        team_projects=team_projects_map,
        project_activities=project_activities,
        project_billable=project_billable,
        project_rate=project_rate,
        project_key=project_key,
        activity_billable=activity_billable,
        tag_cumulative_weights=cumulative,
    )


def _workdays(spec: DemoSpec) -> list[date]:
    first = spec.until - timedelta(days=spec.days)
    days = [first + timedelta(days=offset) for offset in range(spec.days)]
    workdays = [day for day in days if day.weekday() < 5]
    return workdays or days


def _write_timesheets(
    writer: _Writer,
    rng: random.Random,
    spec: DemoSpec,
    all_users: list[DemoUser],
    catalog: _Catalog,
    say: Callable[[str], None],
) -> None:
    """Day by day, person by person: ids follow time, as in a database filled by real use."""
    people = [user for user in all_users if user.team_ids]
    workdays = _workdays(spec)
    day_count = len(workdays)
    base, extra = divmod(spec.timesheets, len(people))
    per_user = [base + (1 if index < extra else 0) for index in range(len(people))]
    # Each user's entries are spread evenly over the working days.
    running_people = set(rng.sample(range(len(people)), spec.running))
    last_day = [
        max((d for d in range(day_count) if _entries_on(d, per_user[i], day_count)), default=-1)
        for i in range(len(people))
    ]
    zones = {user.timezone: ZoneInfo(user.timezone) for user in people}
    working_sets: dict[tuple[int, int], list[int]] = {}
    exported_before = spec.until - timedelta(days=45)
    tags_table, meta_table, sheet_table = timesheet_tags, _t(TimesheetMeta), _t(Timesheet)
    tag_cw = catalog.tag_cumulative_weights
    tag_total = tag_cw[-1] if tag_cw else 0.0
    next_id = 1
    reported = 0

    for day_index, day in enumerate(workdays):
        quarter = (day.year * 12 + day.month - 1) // 3
        for person_index, user in enumerate(people):
            count = _entries_on(day_index, per_user[person_index], day_count)
            if not count:
                continue
            zone = zones[user.timezone]
            working = working_sets.get((person_index, quarter))
            if working is None:
                pool = catalog.team_projects[user.team_ids[0]]
                working = rng.sample(pool, min(len(pool), rng.randint(3, 8)))
                working_sets[(person_index, quarter)] = working
            start_minute = rng.randrange(8 * 60, 9 * 60 + 31, 5)
            cursor = datetime.combine(day, time(start_minute // 60, start_minute % 60), tzinfo=zone)
            cursor = cursor.astimezone(UTC)
            day_minutes = rng.randrange(6 * 60, 9 * 60 + 1, 15)
            shares = [rng.random() + 0.3 for _ in range(count)]
            share_total = sum(shares)
            for slot in range(count):
                minutes = max(5, round(day_minutes * shares[slot] / share_total / 5) * 5)
                begin = cursor
                end = begin + timedelta(minutes=minutes)
                cursor = end + timedelta(minutes=rng.choice((0, 0, 0, 5, 10, 15, 30)))
                running = (
                    person_index in running_people
                    and day_index == last_day[person_index]
                    and slot == count - 1
                )
                project = rng.choice(working)
                own, shared = catalog.project_activities[project]
                if own and (not shared or rng.random() < 0.75):
                    activity = rng.choice(own)
                else:
                    activity = rng.choice(shared)
                hourly = catalog.project_rate.get(project) or Decimal(user.hourly_rate)
                duration = 0 if running else minutes * 60
                rate = _money(hourly * duration / 3600)
                internal = _money(Decimal(user.internal_rate) * duration / 3600)
                description = None
                roll = rng.random()
                if roll < 0.6:
                    description = rng.choice(DESCRIPTIONS)
                elif roll < 0.7:
                    description = f"{rng.choice(DESCRIPTIONS)} (#{rng.randrange(100, 9999)})"
                local_begin = begin.astimezone(zone)
                writer.add(
                    sheet_table,
                    {
                        "id": next_id,
                        "user_id": user.id,
                        "activity_id": activity,
                        "project_id": project,
                        "begin": begin,
                        "end": None if running else end,
                        "timezone": user.timezone,
                        "date": local_begin.date(),
                        "duration": duration,
                        "break": 0,
                        "description": description,
                        "rate": rate,
                        "internal_rate": internal,
                        "fixed_rate": None,
                        "hourly_rate": hourly,
                        "exported": (not running) and day < exported_before and rng.random() < 0.9,
                        "billable": catalog.project_billable[project] and catalog.activity_billable[activity],
                        "category": "work",
                        "modified_at": begin if running else end,
                    },
                )
                if tag_total:
                    # 0, 1, 2 or 3 tags with 15/35/35/15 %: 1.5 on average.
                    roll = rng.random()
                    wanted = 0 if roll < 0.15 else 1 if roll < 0.5 else 2 if roll < 0.85 else 3
                    chosen: set[int] = set()
                    for _ in range(wanted):
                        chosen.add(bisect(tag_cw, rng.random() * tag_total) + 1)
                    for tag_id in sorted(chosen):
                        writer.add(tags_table, {"timesheet_id": next_id, "tag_id": tag_id})
                if rng.random() < spec.meta_share:
                    writer.add(
                        meta_table,
                        {
                            "timesheet_id": next_id,
                            "name": TIMESHEET_META_FIELD,
                            "value": f"{catalog.project_key[project]}-{rng.randrange(1, 2000)}",
                            "visible": True,
                        },
                    )
                if running:
                    user.running = True
                next_id += 1
            if writer.pending(sheet_table) >= spec.batch_size:
                writer.flush()
                written = next_id - 1
                if written - reported >= 100_000:
                    reported = written
                    say(f"  {written:,} timesheets")


def _entries_on(day_index: int, total: int, day_count: int) -> int:
    return (day_index + 1) * total // day_count - day_index * total // day_count


# ---------------------------------------------------------------------------------------------
# The `horae demo` command


def _register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help="fill an empty database with realistic demo data",
        description=(
            "Fills an empty database with demo data. Presets: small (default), large (the "
            "benchmark's 1,000,000 timesheets) and catalog (5,000 customers, 50,000 projects, "
            "100,000 activities); every count can be overridden. Every demo user shares the login "
            f"password {DEFAULT_PASSWORD!r} and the API password {DEFAULT_API_PASSWORD!r} unless "
            "told otherwise; each has a Bearer token (see --credentials)."
        ),
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    for name, what in (
        ("timesheets", "timesheet records"),
        ("users", "users (besides the super-admin 'admin')"),
        ("teams", "teams (each led by one of the users)"),
        ("customers", "customers"),
        ("projects", "projects"),
        ("activities", "activities"),
        ("tags", "tags used on timesheets (about 1.5 per entry)"),
        ("spare-tags", "further tags that label no entry"),
        ("days", "days of history, ending yesterday"),
        ("seed", "random seed: the same seed and counts give the same data"),
        ("batch-size", "rows per INSERT batch"),
    ):
        parser.add_argument(f"--{name}", type=int, metavar="N", help=what)
    parser.add_argument("--until", type=cli._iso_date, help="first day after the history (default: today)")
    parser.add_argument("--password", default=DEFAULT_PASSWORD, help="login password of every demo user")
    parser.add_argument(
        "--api-password", default=DEFAULT_API_PASSWORD, help="API password of every demo user"
    )
    parser.add_argument(
        "--credentials", type=Path, help="write every account and its secrets to this JSON file"
    )
    parser.set_defaults(handler=cmd_demo)


def spec_from_args(args: argparse.Namespace) -> DemoSpec:
    spec = PRESETS[args.preset]
    overrides: dict[str, Any] = {
        key: getattr(args, key)
        for key in (
            "timesheets",
            "users",
            "teams",
            "customers",
            "projects",
            "activities",
            "tags",
            "spare_tags",
            "days",
            "seed",
            "batch_size",
            "until",
        )
        if getattr(args, key) is not None
    }
    if "until" not in overrides:
        overrides["until"] = datetime.now(UTC).date()
    return replace(spec, **overrides)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    spec = spec_from_args(args)
    if spec.batch_size < 1:
        raise cli.CommandError("--batch-size must be at least 1")
    db = Database(settings.database_url)
    try:
        upgrade(db.engine)
        result = generate_demo(
            db.engine,
            spec,
            password=args.password,
            api_password=args.api_password,
            progress=lambda message: print(message, flush=True),
        )
    except DemoError as exc:
        raise cli.CommandError(str(exc)) from exc
    finally:
        db.dispose()
    rate = spec.timesheets / result.timesheet_seconds if result.timesheet_seconds else 0.0
    print(
        f"Wrote {spec.timesheets:,} timesheets in {result.timesheet_seconds:.1f} s "
        f"({rate:,.0f} per second); {result.seconds:.1f} s in all."
    )
    if args.credentials:
        args.credentials.parent.mkdir(parents=True, exist_ok=True)
        args.credentials.write_text(
            json.dumps(result.credentials(args.password, args.api_password), indent=1) + "\n"
        )
        print(f"Accounts and their secrets: {args.credentials}")
    print(f"Every account's login password: {args.password}; API password: {args.api_password}")
    shown = [result.users[0], *[u for u in result.users if u.led_team_ids][:1]]
    shown += [u for u in result.users if u.team_ids and not u.led_team_ids][:1]
    for user in shown:
        role = ", ".join(user.roles) or "ROLE_USER"
        print(f"  {user.username:<24} {role:<18} Bearer {user.token}")
    if not args.credentials:
        print("Every user's Bearer token: see --credentials.")
    return 0


cli.EXTRA_COMMANDS.append(_register)
