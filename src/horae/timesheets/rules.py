"""Kimai's timesheet rules: the settings that drive them, the values a record is about to get,
the calculations done on save, and every validation rule of contract §6.7 with its message.

Validation runs on a `Draft` (the values a save would write) so nothing touches the database
before the rules passed. Each violation names Kimai's internal path (`begin_date`, `project` …);
the API decides whether a path becomes a form field error or a global one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.api.wire import localize, zone
from horae.config.service import load_config
from horae.customers.models import Customer
from horae.projects.models import Project
from horae.security.permissions import Actor
from horae.tags.models import Tag
from horae.timesheets.access import TimesheetAccess
from horae.timesheets.lockdown import Lockdown
from horae.timesheets.models import Timesheet
from horae.timesheets.rates import RateFactor, RateResult, best_rate, calculate_rates, preference_amount
from horae.timesheets.rounding import RoundingRule, round_record, weekday
from horae.users.models import User
from horae.users.service import user_language

MAX_DURATION = 31_536_000  # one year; a hard limit before the configurable one
# The largest amount a rate column (Numeric(16, 4)) holds.
MAX_AMOUNT = Decimal("999999999999")
TIME_EDITING_MODES = ("default", "duration_only")


@dataclass(frozen=True)
class TimesheetSettings:
    """The timesheet settings as read once per unit of work."""

    mode: str = "default"
    default_begin: str = "now"
    hard_limit: int = 1
    allow_future_times: bool = True
    allow_zero_duration: bool = True
    allow_overlapping: bool = True
    allow_overbooking_budget: bool = True
    long_running_minutes: int = 0
    require_activity: bool = True
    break_time_active: bool = False
    rounding: tuple[RoundingRule, ...] = ()
    rate_factors: tuple[RateFactor, ...] = ()
    rate_rounding_mode: str = "classic"
    lockdown: Lockdown = field(default_factory=lambda: Lockdown("", "", "", ""))

    @classmethod
    def load(cls, session: Session) -> TimesheetSettings:
        config = load_config(session)
        rounding = RoundingRule(
            days=frozenset(filter(None, config.get("timesheet.rounding.default.days").split(","))),
            begin=config.get("timesheet.rounding.default.begin"),
            end=config.get("timesheet.rounding.default.end"),
            duration=config.get("timesheet.rounding.default.duration"),
            mode=config.get("timesheet.rounding.default.mode"),
        )
        factor_days = frozenset(filter(None, config.get("timesheet.rates.default.days").split(",")))
        factors = (
            (RateFactor(factor_days, config.get("timesheet.rates.default.factor")),) if factor_days else ()
        )
        return cls(
            mode=config.get("timesheet.mode"),
            default_begin=config.get("timesheet.default_begin"),
            hard_limit=config.get("timesheet.active_entries.hard_limit"),
            allow_future_times=config.get("timesheet.rules.allow_future_times"),
            allow_zero_duration=config.get("timesheet.rules.allow_zero_duration"),
            allow_overlapping=config.get("timesheet.rules.allow_overlapping_records"),
            allow_overbooking_budget=config.get("timesheet.rules.allow_overbooking_budget"),
            long_running_minutes=config.get("timesheet.rules.long_running_duration"),
            require_activity=config.get("timesheet.rules.require_activity"),
            break_time_active=config.get("timesheet.rules.break_time_active"),
            rounding=(rounding,),
            rate_factors=factors,
            rate_rounding_mode=config.get("invoice.rounding_mode"),
            lockdown=Lockdown(
                config.get("timesheet.rules.lockdown_period_start"),
                config.get("timesheet.rules.lockdown_period_end"),
                config.get("timesheet.rules.lockdown_grace_period"),
                config.get("timesheet.rules.lockdown_period_timezone"),
            ),
        )

    def can_edit_times(self, actor: Actor) -> bool:
        """Whether begin/end are fields of the API form (punch and fixed-begin modes: teamleads+)."""
        return self.mode in TIME_EDITING_MODES or actor.can("view_other_timesheet")

    def default_begin_of(self, now: datetime, timezone: str) -> datetime:
        """`timesheet.default_begin` applied to a moment: "now" keeps it, a time of day replaces it."""
        if self.default_begin == "now":
            return now
        hour, minute, *rest = (int(part) for part in self.default_begin.split(":"))
        local_day = now.astimezone(zone(timezone)).date()
        return localize(datetime.combine(local_day, time(hour, minute, rest[0] if rest else 0)), timezone)

    def begin_rounding_minutes(self) -> int:
        return max((rule.begin for rule in self.rounding), default=0)

    def end_rounding_minutes(self) -> int:
        return max((rule.end for rule in self.rounding), default=0)


@dataclass
class MetaValue:
    name: str
    value: str | None
    visible: bool = True


@dataclass
class Draft:
    """The values a save would give a record; duck-types a Timesheet for the voter."""

    user: User
    project: Project | None
    activity: Activity | None
    begin: datetime | None
    end: datetime | None
    timezone: str
    break_seconds: int = 0
    description: str | None = None
    tags: list[Tag] = field(default_factory=list)
    fixed_rate: Decimal | None = None
    hourly_rate: Decimal | None = None
    exported: bool = False
    # None: decided on save from the activity, project and customer (Kimai's "auto").
    billable: bool | None = None
    meta: list[MetaValue] = field(default_factory=list)
    id: int | None = None

    @classmethod
    def of(cls, record: Timesheet) -> Draft:
        return cls(
            user=record.user,
            project=record.project,
            activity=record.activity,
            begin=record.begin,
            end=record.end,
            timezone=record.timezone,
            break_seconds=record.break_seconds or 0,
            description=record.description,
            tags=list(record.tags),
            fixed_rate=record.fixed_rate,
            hourly_rate=record.hourly_rate,
            exported=record.exported,
            billable=record.billable,
            meta=[MetaValue(m.name, m.value, m.visible) for m in record.meta],
            id=record.id,
        )

    @property
    def customer(self) -> Customer | None:
        return self.project.customer if self.project is not None else None


@dataclass(frozen=True)
class Snapshot:
    """What a record looked like before this change (for "changed" rules and budget deltas)."""

    id: int
    user_id: int
    project_id: int
    activity_id: int
    begin: datetime
    end: datetime | None
    duration: int
    rate: Decimal
    billable: bool
    exported: bool
    date: date

    @classmethod
    def of(cls, record: Timesheet) -> Snapshot:
        return cls(
            record.id,
            record.user_id,
            record.project_id,
            record.activity_id,
            record.begin,
            record.end,
            record.duration or 0,
            record.rate or Decimal(0),
            record.billable,
            record.exported,
            record.date,
        )


@dataclass(frozen=True)
class Calculated:
    """The values the server computes on save."""

    begin: datetime | None
    end: datetime | None
    duration: int
    billable: bool
    rates: RateResult
    date: date | None


@dataclass(frozen=True)
class Violation:
    path: str
    message: str


def automatic_billable(draft: Draft) -> bool:
    """Kimai's billable "auto": activity, project and customer are all billable."""
    parts = [draft.activity, draft.project, draft.customer]
    return all(part.billable for part in parts if part is not None)


def calculate(session: Session, draft: Draft, settings: TimesheetSettings) -> Calculated:
    """Rounding, duration, billable and rates, as done on every save of a record."""
    billable = automatic_billable(draft) if draft.billable is None else draft.billable
    if draft.begin is None:
        # Nothing to compute; the rules reject a record without begin.
        return Calculated(None, draft.end, 0, billable, RateResult(Decimal(0), None, None, None), None)
    begin, end, duration = draft.begin, draft.end, 0
    if end is not None:
        rounded = round_record(begin, end, draft.break_seconds, settings.rounding, draft.timezone)
        begin, end, duration = rounded.begin, rounded.end, rounded.duration
    best = None
    if end is not None:
        customer = draft.customer
        best = best_rate(
            session,
            draft.user.id,
            draft.activity.id if draft.activity is not None else None,
            draft.project.id if draft.project is not None else None,
            customer.id if customer is not None else None,
        )
    rates = calculate_rates(
        end=end,
        duration=duration,
        fixed_rate=draft.fixed_rate,
        hourly_rate=draft.hourly_rate,
        best=best,
        hourly_preference=preference_amount(draft.user.preference("hourly_rate")),
        internal_preference=preference_amount(draft.user.preference("internal_rate")),
        factors=settings.rate_factors,
        end_weekday=weekday(end, draft.timezone) if end is not None else "",
        mode=settings.rate_rounding_mode,
    )
    local_day = begin.astimezone(zone(draft.timezone)).date()
    return Calculated(begin, end, duration, billable, rates, local_day)


@dataclass
class RuleContext:
    session: Session
    actor: Actor
    settings: TimesheetSettings
    access: TimesheetAccess
    now: datetime
    original: Snapshot | None = None


def _hours_minutes(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def validate(draft: Draft, calculated: Calculated, ctx: RuleContext) -> list[Violation]:
    """Every rule of contract §6.7, in Kimai's order; an empty list means the record may be saved."""
    out: list[Violation] = []
    add = lambda path, message: out.append(Violation(path, message))  # noqa: E731
    settings, actor, original = ctx.settings, ctx.actor, ctx.original
    begin, end = draft.begin, draft.end
    is_new = original is None
    project, activity, customer = draft.project, draft.activity, draft.customer

    if begin is None:
        add("begin_date", "You must submit a begin date.")
    elif end is not None and end < begin:
        add("end_date", "The end date must not be earlier than the start date.")
    if activity is None and settings.require_activity:
        add("activity", "An activity needs to be selected.")
    if project is None:
        add("project", "A project needs to be selected.")
    else:
        if activity is not None and activity.project_id is not None and activity.project_id != project.id:
            add("project", "Project mismatch, project specific activity and timesheet project are different.")
        if activity is not None and activity.project_id is None and not project.global_activities:
            add("activity", "Global activities are forbidden for the selected project.")
        out.extend(_project_date_range(draft, project))

    if is_new or end is None:
        if activity is not None and not activity.visible:
            add("activity", "Cannot start a disabled activity.")
        if project is not None and not project.visible:
            add("project", "Cannot start a disabled project.")
        if customer is not None and not customer.visible:
            add("customer", "Cannot start a disabled customer.")

    if not actor.sees_all:
        project_changed = project is not None and (original is None or original.project_id != project.id)
        if project_changed and project is not None and not ctx.access.reaches_project(project):
            add("project", "You are not allowed to use this project.")
        activity_changed = activity is not None and (original is None or original.activity_id != activity.id)
        if activity_changed and activity is not None and not ctx.access.reaches_activity(activity):
            add("activity", "You are not allowed to use this activity.")

    if not settings.allow_future_times and begin is not None:
        if begin > ctx.now + timedelta(minutes=settings.begin_rounding_minutes() + 1):
            add("begin_date", "The begin date cannot be in the future.")
        if end is not None and end > ctx.now + timedelta(minutes=settings.end_rounding_minutes() + 1):
            add("end_time", "The end date cannot be in the future.")

    stopped = begin is not None and end is not None
    if stopped:
        assert begin is not None and end is not None
        if not settings.allow_zero_duration and calculated.duration == 0:
            add("duration", "An empty duration is not allowed.")
        if (end - begin).total_seconds() - draft.break_seconds < 0:
            add("duration", "Duration cannot be negative.")
        if not settings.allow_overlapping and _overlaps(ctx.session, draft, calculated):
            add("begin_date", "You already have an entry for this time.")
        if calculated.duration > MAX_DURATION:
            add("duration", "Maximum duration exceeded.")
        elif settings.long_running_minutes and calculated.duration > settings.long_running_minutes * 60:
            add("duration", f"Maximum {_hours_minutes(settings.long_running_minutes)} hours allowed.")

    if calculated.begin is not None and _locked_for_caller(draft, calculated, ctx):
        add("begin_date", "This period is locked. Please choose a later date.")

    if original is not None and original.exported and not ctx.access.can("edit_export", draft):
        add("exported", "This timesheet is already exported.")

    if end is None and not ctx.access.can("start", draft):
        add(_restart_path(settings), "You are not allowed to start this timesheet record.")

    if not settings.allow_overbooking_budget and stopped:
        out.extend(_budget_violations(draft, calculated, ctx))
    amounts = (calculated.rates.rate, calculated.rates.internal_rate, calculated.rates.hourly_rate)
    if any(amount is not None and abs(amount) > MAX_AMOUNT for amount in amounts):
        add("rate", "There was a problem saving.")
    return out


def _restart_path(settings: TimesheetSettings) -> str:
    if settings.mode == "default":
        return "end_date"
    if settings.mode == "duration_fixed_begin":
        return "duration"
    return "start_date"


def _project_date_range(draft: Draft, project: Project) -> list[Violation]:
    """The project's start/end dates as instants: start of the first day, end of the last."""
    timezone = project.timezone or draft.timezone
    starts = localize(datetime.combine(project.start, time(0, 0)), timezone) if project.start else None
    ends = localize(datetime.combine(project.end, time(23, 59, 59)), timezone) if project.end else None
    found: list[Violation] = []
    if draft.begin is not None:
        if starts is not None and draft.begin < starts:
            found.append(Violation("begin_date", "The project has not started at that time."))
        elif ends is not None and draft.begin > ends:
            found.append(Violation("begin_date", "The project is finished at that time."))
    if draft.end is not None:
        if ends is not None and draft.end > ends:
            found.append(Violation("end_date", "The project is finished at that time."))
        elif starts is not None and draft.end < starts:
            found.append(Violation("end_date", "The project has not started at that time."))
    return found


def _overlaps(session: Session, draft: Draft, calculated: Calculated) -> bool:
    """Another stopped record of the owner overlaps (touching edges do not: 1 s tolerance)."""
    assert calculated.begin is not None
    begin = calculated.begin + timedelta(seconds=1)
    end = (calculated.end or calculated.begin) - timedelta(seconds=1)
    query = select(Timesheet.id).where(
        Timesheet.user_id == draft.user.id,
        Timesheet.end.is_not(None),
        (Timesheet.begin.between(begin, end))
        | (Timesheet.end.between(begin, end))
        | ((Timesheet.begin < begin) & (Timesheet.end > end)),
    )
    if draft.id is not None:
        query = query.where(Timesheet.id != draft.id)
    return session.scalars(query.limit(1)).first() is not None


def _locked_for_caller(draft: Draft, calculated: Calculated, ctx: RuleContext) -> bool:
    lockdown = ctx.settings.lockdown
    if not lockdown.active or ctx.actor.can("lockdown_override_timesheet"):
        return False
    return lockdown.is_locked(
        calculated.begin,
        ctx.now,
        draft.timezone,
        may_use_grace=ctx.actor.can("lockdown_grace_timesheet"),
    )


# --- budgets ----------------------------------------------------------------------------------


def _budget_violations(draft: Draft, calculated: Calculated, ctx: RuleContext) -> list[Violation]:
    """Money and time budgets of activity, project and customer (contract §6.9)."""
    if draft.project is None or not calculated.billable:
        return []
    original = ctx.original
    if original is not None and (
        original.duration == calculated.duration
        and original.rate == calculated.rates.rate
        and original.billable == calculated.billable
        and original.date == calculated.date
        and original.project_id == draft.project.id
        and original.activity_id == (draft.activity.id if draft.activity is not None else None)
    ):
        return []
    found: list[Violation] = []
    levels: list[tuple[str, Any]] = [
        ("activity", draft.activity),
        ("project", draft.project),
        ("customer", draft.customer),
    ]
    for kind, entity in levels:
        if entity is None:
            continue
        money, seconds = Decimal(entity.budget or 0), int(entity.time_budget or 0)
        if money <= 0 and seconds <= 0:
            continue
        used_money, used_seconds = _booked(ctx.session, kind, entity, draft, calculated)
        if money > 0 and calculated.rates.rate > 0 and used_money + calculated.rates.rate > money:
            found.append(
                Violation(kind, _budget_message(ctx, kind, entity, "budget", money, used_money, draft))
            )
        if seconds > 0 and calculated.duration > 0 and used_seconds + calculated.duration > seconds:
            found.append(
                Violation(kind, _budget_message(ctx, kind, entity, "time", seconds, used_seconds, draft))
            )
    return found


def _booked(
    session: Session, kind: str, entity: Any, draft: Draft, calculated: Calculated
) -> tuple[Decimal, int]:
    """What other billable records already booked on the entity (in the record's month for a
    monthly budget)."""
    query = select(
        func.coalesce(func.sum(Timesheet.rate), 0), func.coalesce(func.sum(Timesheet.duration), 0)
    ).where(Timesheet.billable.is_(True), Timesheet.end.is_not(None))
    if kind == "activity":
        query = query.where(Timesheet.activity_id == entity.id)
    elif kind == "project":
        query = query.where(Timesheet.project_id == entity.id)
    else:
        query = query.join(Project, Project.id == Timesheet.project_id).where(
            Project.customer_id == entity.id
        )
    if draft.id is not None:
        query = query.where(Timesheet.id != draft.id)
    if entity.budget_type == "month" and calculated.date is not None:
        first = calculated.date.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        query = query.where(Timesheet.date >= first, Timesheet.date < following)
    money, seconds = session.execute(query).one()
    return Decimal(money), int(seconds)


def _budget_message(
    ctx: RuleContext, kind: str, entity: Any, measure: str, available: Any, used: Any, draft: Draft
) -> str:
    if not _may_see_budget(ctx.actor, kind, entity, measure):
        return "Sorry, the budget is used up."
    if measure == "budget":
        customer = draft.customer
        currency = customer.currency if customer is not None else "EUR"
        locale = draft.user.preference("locale") or user_language(draft.user)
        show = lambda amount: _money(amount, currency, locale)  # noqa: E731
    else:
        show = _duration_text
    free = available - used
    return (
        f"The budget is used up. Of the available {show(available)}, {show(used)} has been booked so far, "
        f"{show(free)} can still be used."
    )


def _money(amount: Decimal, currency: str, locale: str) -> str:
    try:
        return str(format_currency(amount, currency, locale=locale))
    except (ValueError, LookupError):
        return str(format_currency(amount, currency, locale="en"))


def _duration_text(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}"


def _may_see_budget(actor: Actor, kind: str, entity: Any, measure: str) -> bool:
    """Kimai's `budget`/`time` grant on a customer, project or activity (contract §0.4)."""
    if actor.can(f"{measure}_{kind}"):
        return True
    team_ids = _entity_team_ids(kind, entity)
    if actor.can(f"{measure}_teamlead_{kind}") and team_ids & actor.led_team_ids:
        return True
    return bool(actor.can(f"{measure}_team_{kind}") and team_ids & actor.team_ids)


def _entity_team_ids(kind: str, entity: Any) -> set[int]:
    teams = {team.id for team in entity.teams}
    if kind == "activity" and entity.project is not None:
        teams |= {team.id for team in entity.project.teams} | {
            team.id for team in entity.project.customer.teams
        }
    elif kind == "project":
        teams |= {team.id for team in entity.customer.teams}
    return teams
