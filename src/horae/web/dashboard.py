"""The dashboard: the person's working time today, this week and this month, and latest entries.

Totals are summed in SQL over the timesheets table (finished entries by their begin, in the
person's timezone), plus the elapsed part of running entries. Money of this week and month
(with view_rate_own_timesheet), recent activities to start again, and for teamleads the running
timers of their teams' members: a fixed number of queries in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from horae.activities.models import Activity
from horae.api.deps import SessionDep
from horae.customers.models import Customer
from horae.db import utcnow
from horae.projects.models import Project
from horae.security.permissions import Actor
from horae.teams.models import TeamMember
from horae.timesheets.models import Timesheet
from horae.timesheets.service import TimesheetService
from horae.users.models import User
from horae.web.auth import SignedInDep
from horae.web.rendering import render

router = APIRouter(include_in_schema=False)

LATEST_ENTRIES = 10
RECENT_ACTIVITIES = 5
TEAM_TIMERS = 20
WEEKDAY_NUMBERS = {"monday": 0, "sunday": 6}
# The day bars are drawn against at least a working day, so one short entry is not a full bar.
BAR_SCALE_MINIMUM = 8 * 3600
BAR_STEPS = 20


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


def calendar_periods(now: datetime, timezone: str, first_weekday: str) -> tuple[list[Period], list[Period]]:
    """(today, this week, this month) and the seven days of this week, as local midnights."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    week_start = today - timedelta(days=(today.weekday() - WEEKDAY_NUMBERS.get(first_weekday, 0)) % 7)
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    totals = [
        _period("today", today, today + timedelta(days=1), zone),
        _period("week", week_start, week_start + timedelta(days=7), zone),
        _period("month", month_start, next_month, zone),
    ]
    days = [
        _period(
            f"day{offset}", week_start + timedelta(days=offset), week_start + timedelta(days=offset + 1), zone
        )
        for offset in range(7)
    ]
    return totals, days


def working_time(session: Session, user_id: int, periods: list[Period], now: datetime) -> dict[str, int]:
    """Seconds worked in each period: finished entries by begin, running ones up to now."""
    lower = min(p.start for p in periods)
    upper = max(p.end for p in periods)
    sums = [
        func.coalesce(
            func.sum(
                case((and_(Timesheet.begin >= p.start, Timesheet.begin < p.end), Timesheet.duration), else_=0)
            ),
            0,
        )
        for p in periods
    ]
    row = session.execute(
        select(*sums).where(
            Timesheet.user_id == user_id,
            Timesheet.end.is_not(None),
            Timesheet.begin >= lower,
            Timesheet.begin < upper,
        )
    ).one()
    result = {p.key: int(value or 0) for p, value in zip(periods, row, strict=True)}
    running = session.scalars(
        select(Timesheet.begin).where(
            Timesheet.user_id == user_id, Timesheet.end.is_(None), Timesheet.begin < now
        )
    ).all()
    for begin in running:
        for p in periods:
            overlap = (min(now, p.end) - max(begin, p.start)).total_seconds()
            if overlap > 0:
                result[p.key] += int(overlap)
    return result


def latest_entries(session: Session, user_id: int, limit: int = LATEST_ENTRIES) -> list[Any]:
    return list(
        session.execute(
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
            .where(Timesheet.user_id == user_id)
            .order_by(Timesheet.begin.desc(), Timesheet.id.desc())
            .limit(limit)
        ).all()
    )


def earnings(session: Session, user_id: int, periods: list[Period]) -> dict[str, Decimal]:
    """The money of the person's finished entries in each period, one query."""
    lower = min(p.start for p in periods)
    upper = max(p.end for p in periods)
    sums = [
        func.coalesce(
            func.sum(
                case((and_(Timesheet.begin >= p.start, Timesheet.begin < p.end), Timesheet.rate), else_=0)
            ),
            0,
        )
        for p in periods
    ]
    row = session.execute(
        select(*sums).where(
            Timesheet.user_id == user_id,
            Timesheet.end.is_not(None),
            Timesheet.begin >= lower,
            Timesheet.begin < upper,
        )
    ).one()
    return {p.key: Decimal(str(value or 0)) for p, value in zip(periods, row, strict=True)}


def team_timers(session: Session, actor: Actor) -> list[Any]:
    """Running entries of the members of the teams the person leads (not their own), one query."""
    if not actor.led_team_ids:
        return []
    members = select(TeamMember.user_id).where(TeamMember.team_id.in_(actor.led_team_ids))
    return list(
        session.execute(
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
            .where(Timesheet.end.is_(None), Timesheet.user_id.in_(members), Timesheet.user_id != actor.id)
            .order_by(Timesheet.begin.desc(), Timesheet.id.desc())
            .limit(TEAM_TIMERS)
        ).all()
    )


def bar_step(seconds: int, largest: int) -> int:
    scale = max(largest, BAR_SCALE_MINIMUM)
    return min(BAR_STEPS, round(seconds * BAR_STEPS / scale)) if seconds > 0 else 0


@router.get("/dashboard", name="dashboard")
def dashboard(session: SessionDep, web_user: SignedInDep) -> Response:
    ui = web_user.ui
    context: dict[str, Any] = {"tracking": web_user.actor.can("view_own_timesheet")}
    if context["tracking"]:
        now = utcnow()
        totals, days = calendar_periods(now, ui.formatter.timezone, ui.first_weekday)
        seconds = working_time(session, web_user.actor.id, [*totals, *days], now)
        largest = max(seconds[d.key] for d in days)
        today = totals[0].first_day
        context.update(
            totals=[(p, seconds[p.key]) for p in totals],
            days=[(d, seconds[d.key], bar_step(seconds[d.key], largest), d.first_day == today) for d in days],
            entries=latest_entries(session, web_user.actor.id),
            recent=TimesheetService(session, web_user.actor).recent(None, RECENT_ACTIVITIES),
            can_start=web_user.actor.can("create_own_timesheet"),
        )
        if web_user.actor.can("view_rate_own_timesheet"):
            context["money"] = earnings(session, web_user.actor.id, totals[1:])
    if web_user.actor.led_team_ids and web_user.actor.can("view_other_timesheet"):
        context["team_timers"] = team_timers(session, web_user.actor)
    return render(ui, "dashboard.html", context)
