"""The dashboard: the person's chosen widgets, recent activities and latest entries.

The widgets are the `dashboard_widgets` preference (web/api.py stores it; Kimai's widget ids), in
the chosen order: working time and money of today, this week, month, year or in total (the
person's own, `user…`, or everyone they may see, `Duration…`/`Amount…`), active users, the
person's teams and their projects, and the working time chart (hours per day of this week and
per project of this month, drawn as SVG by web/charts.py).

Totals are summed in SQL over the timesheets table (finished entries by their begin, in the
person's timezone), plus the elapsed part of running entries. Recent activities to start again,
and for teamleads the running timers of their teams' members: a fixed number of queries in all.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    func,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session
from starlette.responses import Response

from horae.activities.models import Activity
from horae.api.deps import SessionDep
from horae.api.routing import UnitOfWorkRoute
from horae.customers.models import Customer
from horae.db import inline_ids, inline_int, utcnow
from horae.projects.models import Project
from horae.reporting.scope import reportable_scope, reportable_users, shows_rates
from horae.security.caller import kept_own
from horae.security.permissions import Actor
from horae.teams.models import Team, TeamMember, team_projects
from horae.timesheets.models import Timesheet
from horae.timesheets.service import TimesheetService
from horae.users.models import User
from horae.web.api import WIDGETS, dashboard_widgets
from horae.web.auth import SignedInDep, WebUser
from horae.web.charts import ChartBar, bar_chart
from horae.web.rendering import Ui, fragment, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

LATEST_ENTRIES = 10
RECENT_ACTIVITIES = 5
TEAM_TIMERS = 20
WEEKDAY_NUMBERS = {"monday": 0, "sunday": 6}
# The day chart is drawn against at least a working day, so one short entry is not a full bar.
BAR_SCALE_MINIMUM = 8 * 3600
TEAM_LIST_LIMIT = 50
PERIOD_NAMES = {"Today": "today", "Week": "week", "Month": "month", "Year": "year", "Total": "total"}
# Every entry is later than this, so the "total" period starts here.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    key: str
    first_day: date
    start: datetime
    end: datetime


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    # In UTC, so that differences between bounds are real durations across DST changes.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _period(key: str, first: date, after_last: date, zone: ZoneInfo) -> Period:
    return Period(key, first, _midnight(first, zone), _midnight(after_last, zone))


def calendar_periods(
    now: datetime, timezone: str, first_weekday: str
) -> tuple[tuple[Period, ...], tuple[Period, ...]]:
    """(today, this week, this month) and the seven days of this week, as local midnights."""
    return _calendar_periods(now.astimezone(ZoneInfo(timezone)).date(), timezone, first_weekday)


@lru_cache(maxsize=256)
def _calendar_periods(
    today: date, timezone: str, first_weekday: str
) -> tuple[tuple[Period, ...], tuple[Period, ...]]:
    # The same for every page of a day (ten periods, twenty conversions to UTC: 35 µs).
    zone = ZoneInfo(timezone)
    week_start = today - timedelta(days=(today.weekday() - WEEKDAY_NUMBERS.get(first_weekday, 0)) % 7)
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    totals = (
        _period("today", today, today + timedelta(days=1), zone),
        _period("week", week_start, week_start + timedelta(days=7), zone),
        _period("month", month_start, next_month, zone),
    )
    days = tuple(
        _period(
            f"day{offset}", week_start + timedelta(days=offset), week_start + timedelta(days=offset + 1), zone
        )
        for offset in range(7)
    )
    return totals, days


def year_and_total(now: datetime, timezone: str) -> list[Period]:
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    first = today.replace(month=1, day=1)
    return [
        _period("year", first, first.replace(year=first.year + 1), zone),
        Period("total", EPOCH.date(), EPOCH, now + timedelta(days=1)),
    ]


@dataclass
class PeriodSums:
    """Seconds worked and money earned in each period, by period key."""

    seconds: dict[str, int]
    money: dict[str, Decimal]


@dataclass(frozen=True)
class SumScope:
    """Whose records a set of periods sums: `owner` builds the condition on their owner, which
    depends on `key` alone (the statement is kept per key and the periods' bounds), its named
    parameters given by `values`."""

    key: Hashable
    owner: Callable[[], ColumnElement[bool]]
    periods: list[Period]
    values: Mapping[str, Any] = field(default_factory=dict)


# Built statements by the shape of their scopes; the instants that bound the periods are bound at
# execution.
_SUM_STATEMENTS: dict[tuple[Any, ...], Any] = {}
_SUM_STATEMENTS_KEPT = 256


def period_sums(session: Session, scopes: list[SumScope], now: datetime) -> list[PeriodSums]:
    """Seconds and money of each scope's periods, one statement for all of them.

    Finished records count by begin, a branch per period that reads only its own range of the
    owner's begin index (instead of one scan of the widest period that sorts every row into the
    periods); each scope's running records come back as their begins and count up to now
    (seconds only). The statement is built once per shape: building and keying a dozen
    branches cost about 2 ms a page. The periods share their bounds (a day ends where the next
    begins, the week where its last day ends): each instant is bound once, and which instants
    bound which period is part of the shape (a lead's dashboard binds 14 values instead of 64)."""
    instants = sorted({bound for scope in scopes for p in scope.periods for bound in (p.start, p.end)})
    number_of = {instant: number for number, instant in enumerate(instants)}
    bounds = tuple(tuple((number_of[p.start], number_of[p.end]) for p in scope.periods) for scope in scopes)
    shape = (tuple(scope.key for scope in scopes), bounds)
    statement = _SUM_STATEMENTS.get(shape)
    if statement is None:
        if len(_SUM_STATEMENTS) >= _SUM_STATEMENTS_KEPT:
            _SUM_STATEMENTS.clear()
        statement = _SUM_STATEMENTS[shape] = _sums_statement(scopes, bounds)
    values: dict[str, Any] = {f"instant_{number}": instant for number, instant in enumerate(instants)}
    values["now"] = now
    for scope in scopes:
        values.update(scope.values)
    sums = [
        PeriodSums({p.key: 0 for p in scope.periods}, {p.key: Decimal(0) for p in scope.periods})
        for scope in scopes
    ]
    for number, index, seconds, money, running in session.connection().execute(statement, values).all():
        found, periods = sums[number], scopes[number].periods
        if index >= 0:
            key = periods[index].key
            found.seconds[key] += int(seconds or 0)
            found.money[key] += money if isinstance(money, Decimal) else Decimal(str(money or 0))
            continue
        # A running record began before now: it overlaps the periods that end after its begin
        # and start before now.
        for p in periods:
            if running < p.end and p.start < now:
                found.seconds[p.key] += int((min(now, p.end) - max(running, p.start)).total_seconds())
    return sums


def _sums_statement(scopes: list[SumScope], bounds: tuple[tuple[tuple[int, int], ...], ...]) -> Any:
    begin_type = Timesheet.begin.type
    branches: list[Any] = []
    for number, (scope, periods) in enumerate(zip(scopes, bounds, strict=True)):
        owner = scope.owner()
        for index, (start, end) in enumerate(periods):
            branches.append(
                select(
                    # Written into the kept statement's text: some fifty of these, each a bound
                    # value to collect and send at every execution otherwise.
                    inline_int(number).label("scope"),
                    inline_int(index).label("period"),
                    func.coalesce(func.sum(Timesheet.duration), inline_int(0)).label("seconds"),
                    func.coalesce(func.sum(Timesheet.rate), inline_int(0)).label("money"),
                    cast(null(), begin_type).label("running"),
                ).where(
                    owner,
                    Timesheet.end.is_not(None),
                    Timesheet.begin >= bindparam(f"instant_{start}", type_=begin_type),
                    Timesheet.begin < bindparam(f"instant_{end}", type_=begin_type),
                )
            )
        branches.append(
            select(inline_int(number), inline_int(-1), inline_int(0), inline_int(0), Timesheet.begin).where(
                owner, Timesheet.end.is_(None), Timesheet.begin < bindparam("now", type_=begin_type)
            )
        )
    return union_all(*branches)


# The page's statements select columns and run on the unit of work's connection: the ORM's
# execution layer would add nothing. The per-person ones are built once and run with the person's
# values.


@cache
def _latest_entries() -> Any:
    return (
        select(
            Timesheet.id,
            Timesheet.begin,
            Timesheet.end,
            Timesheet.duration,
            Timesheet.description,
            Customer.name.label("customer"),
            Project.name.label("project"),
            Activity.name.label("activity"),
        )
        .join(Project, Timesheet.project_id == Project.id)
        .join(Customer, Project.customer_id == Customer.id)
        .join(Activity, Timesheet.activity_id == Activity.id)
        .where(Timesheet.user_id == bindparam("user_id"))
        .order_by(Timesheet.begin.desc(), Timesheet.id.desc())
        .limit(bindparam("size", type_=Integer))
    )


def latest_entries(
    session: Session, user_id: int, counters: tuple[int | None, ...] = (), limit: int = LATEST_ENTRIES
) -> tuple[Any, ...]:
    """The person's latest records with their names, kept under the counters of the person's
    records and the catalog read with the web session (`security/caller.kept_own`)."""

    def read() -> tuple[Any, ...]:
        values = {"user_id": user_id, "size": limit}
        return tuple(session.connection().execute(_latest_entries(), values).all())

    return kept_own(session, user_id, counters, ("latest", limit), read)


def active_users(session: Session, owners: ColumnElement[bool], periods: list[Period]) -> dict[str, int]:
    """How many of the owners booked (finished entries) in each period, one query."""
    counts = [
        func.count(
            distinct(case((and_(Timesheet.begin >= p.start, Timesheet.begin < p.end), Timesheet.user_id)))
        )
        for p in periods
    ]
    row = session.connection().execute(select(*counts).where(owners, Timesheet.end.is_not(None))).one()
    return {p.key: int(value or 0) for p, value in zip(periods, row, strict=True)}


@cache
def _month_by_project() -> Any:
    seconds = func.sum(Timesheet.duration)
    return (
        select(Customer.name.label("customer"), Project.name.label("project"), seconds.label("seconds"))
        .join(Project, Timesheet.project_id == Project.id)
        .join(Customer, Project.customer_id == Customer.id)
        .where(
            Timesheet.user_id == bindparam("user_id"),
            Timesheet.end.is_not(None),
            Timesheet.begin >= bindparam("start"),
            Timesheet.begin < bindparam("end"),
        )
        .group_by(Customer.name, Project.id, Project.name)
        .order_by(seconds.desc(), Project.name)
    )


def month_by_project(
    session: Session, user_id: int, month: Period, counters: tuple[int | None, ...] = ()
) -> tuple[Any, ...]:
    """The person's finished hours per project in the month (customer and project names), one
    query, kept like `latest_entries`."""

    def read() -> tuple[Any, ...]:
        values = {"user_id": user_id, "start": month.start, "end": month.end}
        return tuple(session.connection().execute(_month_by_project(), values).all())

    return kept_own(session, user_id, counters, ("month", month.start, month.end), read)


def own_teams(session: Session, user_id: int) -> list[Any]:
    """The person's teams, with whether they lead them, one query."""
    return list(
        session.connection()
        .execute(
            select(Team.id, Team.name, TeamMember.teamlead)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user_id)
            .order_by(Team.name)
            .limit(TEAM_LIST_LIMIT)
        )
        .all()
    )


def team_project_list(session: Session, user_id: int) -> list[Any]:
    """The visible projects assigned to the person's teams, one query."""
    mine = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    return list(
        session.connection()
        .execute(
            select(Project.id, Project.name, Customer.name.label("customer"))
            .join(Customer, Project.customer_id == Customer.id)
            .where(
                Project.id.in_(select(team_projects.c.project_id).where(team_projects.c.team_id.in_(mine))),
                Project.visible == true(),
                Customer.visible == true(),
            )
            .order_by(Customer.name, Project.name)
            .limit(TEAM_LIST_LIMIT)
        )
        .all()
    )


@lru_cache(maxsize=256)
def _team_timers(led_team_ids: frozenset[int]) -> Any:
    """Kept per set of led teams, their ids in the statement's text (`db.inline_ids`)."""
    members = select(TeamMember.user_id).where(TeamMember.team_id.in_(inline_ids(led_team_ids)))
    return (
        select(
            Timesheet.id,
            Timesheet.begin,
            User.alias,
            User.username,
            Project.name.label("project"),
            Activity.name.label("activity"),
        )
        .join(User, User.id == Timesheet.user_id)
        .join(Project, Timesheet.project_id == Project.id)
        .join(Activity, Timesheet.activity_id == Activity.id)
        .where(
            Timesheet.end.is_(None), Timesheet.user_id.in_(members), Timesheet.user_id != bindparam("user_id")
        )
        .order_by(Timesheet.begin.desc(), Timesheet.id.desc())
        .limit(TEAM_TIMERS)
    )


def team_timers(session: Session, actor: Actor) -> list[Any]:
    """Running entries of the members of the teams the person leads (not their own), one query."""
    if not actor.led_team_ids:
        return []
    statement = _team_timers(actor.led_team_ids)
    return list(session.connection().execute(statement, {"user_id": actor.id}).all())


@dataclass(frozen=True)
class Widget:
    """One widget of the dashboard as the page draws it."""

    id: str
    kind: str  # "stat", "chart", "teams", "team_projects"
    period: str | None = None
    # "own" figures, or those of everyone the person may see ("visible").
    scope: str = "own"
    measure: str = "duration"  # "duration", "amount", "active"

    @property
    def dom_id(self) -> str:
        prefix = {"duration": "total", "amount": "amount", "active": "active"}[self.measure]
        return f"{'own-' if self.scope == 'own' and self.id.startswith('user') else ''}{prefix}-{self.period}"


def _widget(widget_id: str) -> Widget | None:
    if widget_id == "PaginatedWorkingTimeChart":
        return Widget(widget_id, "chart")
    if widget_id == "UserTeams":
        return Widget(widget_id, "teams")
    if widget_id == "UserTeamProjects":
        return Widget(widget_id, "team_projects")
    for prefix, scope, measure in (
        ("userDuration", "own", "duration"),
        ("userAmount", "own", "amount"),
        ("Duration", "visible", "duration"),
        ("Amount", "visible", "amount"),
        ("activeUsers", "visible", "active"),
    ):
        if widget_id.startswith(prefix) and widget_id[len(prefix) :] in PERIOD_NAMES:
            return Widget(widget_id, "stat", PERIOD_NAMES[widget_id[len(prefix) :]], scope, measure)
    return None


def chosen_widgets(actor: Actor) -> list[Widget]:
    """The person's widgets in their order, those they may see.

    `Duration…` is the working time of everyone the person may see: for someone without
    `view_other_timesheet` (the default dashboard of a plain user) that is their own."""
    result = []
    for widget_id in dashboard_widgets(actor.user):
        widget = _widget(widget_id)
        if widget is None or widget_id not in WIDGETS:
            continue
        permission = WIDGETS[widget_id]
        if widget.scope == "visible" and widget.measure == "duration":
            permission = "view_own_timesheet"
            if not actor.can("view_other_timesheet"):
                widget = Widget(widget.id, widget.kind, widget.period, "own", widget.measure)
        if permission is None or actor.can(permission):
            result.append(widget)
    return result


def visible_owners(actor: Actor, *, inline: bool = False) -> ColumnElement[bool]:
    return reportable_users(actor, Timesheet.user_id, inline=inline)  # type: ignore[arg-type]


def scope_label(actor: Actor) -> str:
    if actor.sees_all:
        return "everyone"
    return "team" if actor.led_team_ids else "own"


def day_chart(ui: Ui, days: Sequence[tuple[Period, int, bool]]) -> Any:
    largest = max([seconds for _, seconds, _ in days] + [BAR_SCALE_MINIMUM])
    bars = [
        ChartBar(
            ui.formatter.format_day(day.first_day, "EEEd") + (f" ({ui.gettext('today')})" if today else ""),
            seconds,
            ui.formatter.format_duration(seconds),
            marked=today,
        )
        for day, seconds, today in days
    ]
    return bar_chart(
        "chart-week",
        ui.gettext("This week by day"),
        ui.gettext("Hours per day of this week"),
        bars,
        maximum=largest,
    )


def month_chart(ui: Ui, rows: Sequence[Any]) -> Any:
    bars = [
        ChartBar(
            f"{row.customer} / {row.project}",
            int(row.seconds or 0),
            ui.formatter.format_duration(row.seconds),
        )
        for row in rows
    ]
    return bar_chart(
        "chart-month-projects",
        ui.gettext("This month by project"),
        ui.gettext("Hours per project of this month"),
        bars,
    )


def _widget_context(
    session: Session, web_user: WebUser, widgets: list[Widget], now: datetime
) -> dict[str, Any]:
    """The values of the widgets' part of the page (`dashboard/widgets.html`, its chart a part of
    its own), a fixed number of queries."""
    ui, actor = web_user.ui, web_user.actor
    totals, days = calendar_periods(now, ui.formatter.timezone, ui.first_weekday)
    periods = {p.key: p for p in [*totals, *year_and_total(now, ui.formatter.timezone)]}
    stats = [w for w in widgets if w.kind == "stat"]
    own_periods = [p for p in periods.values() if any(w.period == p.key and w.scope == "own" for w in stats)]
    seen_periods = [
        p for p in periods.values() if any(w.period == p.key and w.scope == "visible" for w in stats)
    ]
    context: dict[str, Any] = {"widgets": tuple(widgets), "scope": scope_label(actor)}
    chart = any(w.kind == "chart" for w in widgets)
    scopes = [
        # One statement for everyone's own periods, the person bound once.
        SumScope(
            "own",
            lambda: Timesheet.user_id == bindparam("own_user", type_=Integer),
            [*own_periods, *(days if chart else [])] or [periods["today"]],
            {"own_user": actor.id},
        )
    ]
    if seen_periods:
        # Built only where used: the statement is kept per scope, its ids written into its text
        # (a teamlead's teams, or everyone), and few dashboards count users.
        seen_key = ("seen", reportable_scope(actor))
        scopes.append(SumScope(seen_key, lambda: visible_owners(actor, inline=True), seen_periods))
    own, *seen_sums = period_sums(session, scopes, now)
    own_seconds = own.seconds
    context["own_seconds"] = own_seconds
    own_rates = shows_rates(actor, only_own=True)
    seen_rates = shows_rates(actor, only_own=False)
    if own_rates and own_periods:
        context["own_money"] = {p.key: own.money[p.key] for p in own_periods}
    if seen_sums:
        seen = seen_sums[0]
        context["seen_seconds"] = seen.seconds
        if seen_rates and any(w.scope == "visible" and w.measure != "active" for w in stats):
            context["seen_money"] = seen.money
        if any(w.measure == "active" for w in stats):
            context["active"] = active_users(session, visible_owners(actor), seen_periods)
    if chart:
        today = totals[0].first_day
        day_rows = tuple((d, own_seconds[d.key], d.first_day == today) for d in days)
        month_rows = month_by_project(session, actor.id, totals[2], web_user.web_session.records_counters)
        context["charts"] = fragment(
            ui,
            "dashboard/charts.html",
            lambda: {"day_chart": day_chart(ui, day_rows), "month_chart": month_chart(ui, month_rows)},
            widget_id=next(w.id for w in widgets if w.kind == "chart"),
            days=day_rows,
            month_rows=month_rows,
        )
    if any(w.kind == "teams" for w in widgets):
        context["teams"] = own_teams(session, actor.id)
    if any(w.kind == "team_projects" for w in widgets):
        context["team_projects"] = team_project_list(session, actor.id)
    return context


@router.get("/dashboard", name="dashboard")
def dashboard(session: SessionDep, web_user: SignedInDep) -> Response:
    ui, actor = web_user.ui, web_user.actor
    context: dict[str, Any] = {"tracking": actor.can("view_own_timesheet")}
    if not context["tracking"]:
        return render(ui, "dashboard.html", context)
    widget_values = _widget_context(session, web_user, chosen_widgets(actor), utcnow())
    context["widgets"] = fragment(ui, "dashboard/widgets.html", **widget_values)
    recent = TimesheetService(session, actor).recent_pairs(RECENT_ACTIVITIES)
    context["recent"] = fragment(
        ui, "dashboard/recent.html", recent=recent, can_start=actor.can("create_own_timesheet")
    )
    if actor.led_team_ids and actor.can("view_other_timesheet"):
        context["team_timers"] = fragment(
            ui, "dashboard/team_timers.html", team_timers=team_timers(session, actor)
        )
    entries = latest_entries(session, actor.id, web_user.web_session.records_counters)
    context["entries"] = fragment(ui, "dashboard/entries.html", entries=entries)
    return render(ui, "dashboard.html", context)
