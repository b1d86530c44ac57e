"""The reports: one user by week, month or year; all users by period; projects and customers.

Each report is a fixed number of statements whatever the data: one aggregate statement (see
`reporting.sql`), then at most one look-up per kind of name shown (users, projects with their
customers, activities). Only stopped entries count, each on its stored local date, as in Kimai.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CTE, ColumnElement, Select, and_, bindparam, case, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CompoundSelect

from horae.errors import BadRequest, Forbidden, NotFound
from horae.reporting.calendar import Period, first_weekday_of, month_of, period_of, week_number, week_of
from horae.reporting.refs import (
    CUSTOMERS,
    PROJECTS,
    USERS,
    ActivityRef,
    CustomerRef,
    ProjectRef,
    UserRef,
    load_activities,
    load_projects,
    load_users,
    sort_key,
    user_ref,
)
from horae.reporting.scope import (
    report_subject,
    reportable_scope,
    reportable_users,
    require_report,
    shows_rates,
)
from horae.reporting.sql import (
    MONEY,
    TIMESHEETS,
    GroupingSets,
    Sums,
    Totals,
    iso_weekday,
    metric_sums,
    year_month,
)
from horae.security.permissions import Actor
from horae.security.visibility import customer_visible, project_visible

BUDGET_STATES = ("with", "without", "all")


def today_for(actor: Actor) -> date:
    return datetime.now(ZoneInfo(actor.timezone)).date()


# --- one user: days (or months) by customer, project and activity ------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a period report: a day (key: the date) or a month (key: yyyymm)."""

    key: date | int
    week: int | None = None


@dataclass
class ActivityRow:
    project: ProjectRef
    activity: ActivityRef
    values: dict[date | int, Totals] = field(default_factory=dict)
    total: Totals = field(default_factory=Totals)


@dataclass
class ProjectTotal:
    project: ProjectRef
    total: Totals


@dataclass
class CustomerTotal:
    customer: CustomerRef
    total: Totals


@dataclass
class UserPeriodReport:
    subject: UserRef
    period: Period
    first_weekday: str
    show_rates: bool
    columns: list[Column]
    rows: list[ActivityRow]
    projects: list[ProjectTotal]
    customers: list[CustomerTotal]
    column_totals: dict[date | int, Totals]
    weekdays: dict[int, Totals]
    total: Totals


def _columns(period: Period, first_weekday: str) -> list[Column]:
    if period.kind == "year":
        return [Column(key) for key in period.months()]
    return [Column(day, week_number(day, first_weekday)) for day in period.days()]


def _column_key(period: Period) -> ColumnElement[Any]:
    return year_month(TIMESHEETS.c.date) if period.kind == "year" else TIMESHEETS.c.date


def _stopped_within(period: Period) -> ColumnElement[bool]:
    return _stopped_between(period.begin, period.end)


def _stopped_between(begin: Any, end: Any) -> ColumnElement[bool]:
    t = TIMESHEETS.c
    # Two comparisons, not BETWEEN: SQLite pushes them into each branch of a user OR (the
    # caller or the team's members) as a range of the (user, date) index; BETWEEN it does not.
    return and_(t.end.is_not(None), t.date >= begin, t.date <= end)


def user_period_report(
    session: Session, actor: Actor, *, kind: str, day: date | None = None, user_id: int | None = None
) -> UserPeriodReport:
    """One user's week or month by day, or year by month, per customer, project and activity."""
    subject = report_subject(session, actor, user_id)
    first_weekday = first_weekday_of(actor.user)
    period = period_of(kind, day or today_for(actor), first_weekday)
    show_rates = shows_rates(actor, only_own=subject.id == actor.id)

    t, p = TIMESHEETS.c, PROJECTS.c
    column_key = _column_key(period)
    weekday = iso_weekday(t.date)
    grain = (
        select(
            column_key.label("col"),
            p.customer_id.label("customer_id"),
            t.project_id.label("project_id"),
            t.activity_id.label("activity_id"),
            weekday.label("weekday"),
            *metric_sums(),
        )
        .select_from(TIMESHEETS.join(PROJECTS, p.id == t.project_id))
        .where(t.user_id == subject.id, _stopped_within(period))
        .group_by(column_key, p.customer_id, t.project_id, t.activity_id, weekday)
        .cte("grain")
    )
    sets = GroupingSets(
        keys=("col", "customer_id", "project_id", "activity_id", "weekday"),
        levels=(
            ("col", "customer_id", "project_id", "activity_id"),
            ("customer_id", "project_id", "activity_id"),
            ("customer_id", "project_id"),
            ("customer_id",),
            ("col",),
            ("weekday",),
            (),
        ),
    )
    levels = sets.read(session, grain, show_rates)
    cells, by_activity, by_project, by_customer, by_column, by_weekday, grand = levels

    # Each row: col, customer_id, project_id, activity_id, weekday, Totals.
    projects = load_projects(session, (row[2] for row in by_activity))
    activities = load_activities(session, (row[3] for row in by_activity))

    rows: dict[tuple[int, int], ActivityRow] = {}
    for _, _, project_id, activity_id, _, totals in by_activity:
        rows[(project_id, activity_id)] = ActivityRow(
            projects[project_id], activities[activity_id], total=totals
        )
    for col, _, project_id, activity_id, _, totals in cells:
        rows[(project_id, activity_id)].values[col] = totals
    project_totals = [ProjectTotal(projects[row[2]], row[-1]) for row in by_project]
    customer_refs = {ref.customer.id: ref.customer for ref in projects.values()}
    customer_totals = [CustomerTotal(customer_refs[row[1]], row[-1]) for row in by_customer]
    return UserPeriodReport(
        subject=subject,
        period=period,
        first_weekday=first_weekday,
        show_rates=show_rates,
        columns=_columns(period, first_weekday),
        rows=sorted(
            rows.values(),
            key=lambda r: (
                sort_key(r.project.customer.name),
                sort_key(r.project.name),
                sort_key(r.activity.name),
                r.activity.id,
            ),
        ),
        projects=sorted(
            project_totals, key=lambda r: (sort_key(r.project.customer.name), sort_key(r.project.name))
        ),
        customers=sorted(customer_totals, key=lambda r: sort_key(r.customer.name)),
        column_totals={row[0]: row[-1] for row in by_column},
        weekdays={row[4]: row[-1] for row in by_weekday},
        total=grand[0][-1],
    )


# --- all users: users by days (or months) -------------------------------------------------------


@dataclass
class UserRow:
    user: UserRef
    values: Mapping[date | int, Totals] = field(default_factory=dict)
    total: Totals = field(default_factory=Totals)


@dataclass
class UsersPeriodReport:
    period: Period
    first_weekday: str
    show_rates: bool
    columns: list[Column]
    rows: list[UserRow]
    column_totals: Mapping[date | int, Totals]
    total: Totals


_USERS_SETS = GroupingSets(keys=("col", "user_id"), levels=(("col", "user_id"), ("user_id",), ("col",), ()))


@dataclass(frozen=True)
class _UsersStatements:
    """The all-users report's two statements for one scope of users and one kind of column; the
    period's bounds (`begin`, `end`) and the booked users (`booked`) are bound at run time."""

    grain: CTE
    sums: CompoundSelect
    listed: Select[Any]


_USERS_STATEMENTS: dict[tuple[Hashable, ...], _UsersStatements] = {}


def _users_statements(actor: Actor, by_month: bool) -> _UsersStatements:
    """Built once per scope (see `reportable_scope`): the report runs on every request, and
    building its statements costs as much as a tenth of it."""
    key = (by_month, reportable_scope(actor))
    found = _USERS_STATEMENTS.get(key)
    if found is not None:
        return found
    t, u = TIMESHEETS.c, USERS.c
    column_key = year_month(t.date) if by_month else t.date
    grain = (
        select(column_key.label("col"), t.user_id.label("user_id"), *metric_sums())
        .where(
            reportable_users(actor, t.user_id),
            _stopped_between(bindparam("begin", type_=t.date.type), bindparam("end", type_=t.date.type)),
        )
        .group_by(column_key, t.user_id)
        .cte("grain")
    )
    listed = select(u.id, u.username, u.alias, u.color, u.enabled).where(
        reportable_users(actor, u.id),
        or_(u.enabled == true(), u.id.in_(bindparam("booked", type_=u.id.type, expanding=True))),
    )
    found = _UsersStatements(grain, _USERS_SETS.select(grain), listed)
    if len(_USERS_STATEMENTS) >= 256:
        _USERS_STATEMENTS.clear()
    _USERS_STATEMENTS[key] = found
    return found


def users_period_report(
    session: Session, actor: Actor, *, kind: str, day: date | None = None
) -> UsersPeriodReport:
    """Every user the actor may report on, by day of a week or month, or by month of a year.

    Lists the enabled users in scope, and disabled ones only when they booked in the period.
    The cells keep the driver's sums (see `Sums`): a month of 200 users has 6,000 of them.
    """
    require_report(actor, "other")
    first_weekday = first_weekday_of(actor.user)
    period = period_of(kind, day or today_for(actor), first_weekday)
    show_rates = shows_rates(actor, only_own=False)

    statements = _users_statements(actor, period.kind == "year")
    cells, by_user, by_column, grand = _USERS_SETS.read_sums(
        session, statements.grain, statements.sums, {"begin": period.begin, "end": period.end}
    )

    booked = sorted({user_id for _, user_id, _ in by_user})
    listed = session.connection().execute(statements.listed, {"booked": booked}).all()
    rows = {row.id: UserRow(user_ref(row), Sums(show_rates), Totals.zero(show_rates)) for row in listed}
    for _, user_id, sums in by_user:
        rows[user_id].total = Totals.of_sums(sums, show_rates)
    for col, user_id, sums in cells:
        rows[user_id].values.raw[col] = sums  # type: ignore[attr-defined]
    return UsersPeriodReport(
        period=period,
        first_weekday=first_weekday,
        show_rates=show_rates,
        columns=_columns(period, first_weekday),
        rows=sorted(rows.values(), key=lambda r: (sort_key(r.user.display_name), r.user.id)),
        column_totals=Sums(show_rates, {col: sums for col, _, sums in by_column}),
        total=Totals.of_sums(grand[0][-1], show_rates),
    )


# --- projects: budgets against bookings ----------------------------------------------------------


@dataclass
class Budget:
    """A project's budgets and what was booked against them (billable entries, as Kimai counts)."""

    type: str | None
    money: Decimal | None
    time: int | None
    money_used: Decimal | None
    time_used: int

    @property
    def money_percent(self) -> float | None:
        if not self.money or self.money_used is None:
            return None
        return round(float(self.money_used / self.money * 100), 1)

    @property
    def time_percent(self) -> float | None:
        if not self.time:
            return None
        return round(self.time_used / self.time * 100, 1)


def _money(value: Any, show_rates: bool) -> Decimal | None:
    if not show_rates:
        return None
    return Decimal(0) if value is None else Decimal(value).quantize(Decimal("0.0001"))


def _budget(
    row: Any, show_rates: bool, *, month_used: tuple[Any, Any], total_used: tuple[Any, Any]
) -> Budget:
    monthly = row.budget_type == "month"
    duration, rate = month_used if monthly else total_used
    money_budget = Decimal(row.budget or 0)
    return Budget(
        type=row.budget_type,
        money=(money_budget if money_budget > 0 else None) if show_rates else None,
        time=int(row.time_budget or 0) or None,
        money_used=_money(rate, show_rates),
        time_used=int(duration or 0),
    )


@dataclass
class ProjectOverviewRow:
    project: ProjectRef
    budget: Budget
    today: int
    week: int
    month: Totals
    total: Totals
    not_exported: Totals
    not_billed: Totals
    non_billable: Totals
    last_record: date | None


@dataclass
class ProjectOverview:
    day: date
    week: Period
    month: Period
    show_rates: bool
    rows: list[ProjectOverviewRow]


def _sum(value: ColumnElement[Any], when: ColumnElement[bool] | None = None, *, money: bool = False) -> Any:
    expression = value if when is None else case((when, value), else_=0)
    return func.sum(expression, type_=MONEY) if money else func.sum(expression)


def _project_columns() -> list[ColumnElement[Any]]:
    p, c = PROJECTS.c, CUSTOMERS.c
    return [
        p.id, p.name, p.number, p.color, p.budget, p.time_budget, p.budget_type,
        c.id.label("customer_id"), c.name.label("customer_name"), c.number.label("customer_number"),
        c.currency, c.color.label("customer_color"),
    ]  # fmt: skip


def _project_ref(row: Any) -> ProjectRef:
    customer = CustomerRef(
        row.customer_id, row.customer_name, row.customer_number, row.currency, row.customer_color
    )
    return ProjectRef(row.id, row.name, customer, row.number, row.color)


def _totals(duration: Any, rate: Any, internal: Any, show_rates: bool) -> Totals:
    return Totals(
        duration=int(duration or 0),
        billable_duration=0,
        rate=_money(rate, show_rates),
        billable_rate=None,
        internal_rate=_money(internal, show_rates),
    )


def project_overview(
    session: Session,
    actor: Actor,
    *,
    day: date | None = None,
    customer_id: int | None = None,
    budget: str = "with",
    include_no_work: bool = False,
) -> ProjectOverview:
    """Visible, running projects with today's, this week's, this month's and all bookings.

    `budget`: "with" (default) lists projects with a money or time budget, "without" those with
    none, "all" both. Projects without any booking are left out unless `include_no_work`.
    """
    require_report(actor, "project")
    if budget not in BUDGET_STATES:
        raise BadRequest("budget")
    show_rates = shows_rates(actor, only_own=False)
    day = day or today_for(actor)
    week, month = week_of(day, first_weekday_of(actor.user)), month_of(day)
    t, p, c = TIMESHEETS.c, PROJECTS.c, CUSTOMERS.c
    billable, exported = t.billable == true(), t.exported == true()
    in_month = t.date.between(month.begin, month.end)
    columns = _project_columns()
    statement = (
        select(
            *columns,
            _sum(t.duration).label("duration"),
            _sum(t.rate, money=True).label("rate"),
            _sum(t.internal_rate, money=True).label("internal_rate"),
            _sum(t.duration, t.date == day).label("duration_today"),
            _sum(t.duration, t.date.between(week.begin, week.end)).label("duration_week"),
            _sum(t.duration, in_month).label("duration_month"),
            _sum(t.rate, in_month, money=True).label("rate_month"),
            _sum(t.internal_rate, in_month, money=True).label("internal_rate_month"),
            _sum(t.duration, and_(in_month, billable)).label("billable_duration_month"),
            _sum(t.rate, and_(in_month, billable), money=True).label("billable_rate_month"),
            _sum(t.duration, billable).label("billable_duration"),
            _sum(t.rate, billable, money=True).label("billable_rate"),
            _sum(t.duration, exported == false()).label("not_exported_duration"),
            _sum(t.rate, exported == false(), money=True).label("not_exported_rate"),
            _sum(t.duration, and_(exported == false(), billable)).label("not_billed_duration"),
            _sum(t.rate, and_(exported == false(), billable), money=True).label("not_billed_rate"),
            _sum(t.duration, t.billable == false()).label("non_billable_duration"),
            _sum(t.rate, t.billable == false(), money=True).label("non_billable_rate"),
            func.max(t.date).label("last_record"),
        )
        .select_from(
            PROJECTS.join(CUSTOMERS, c.id == p.customer_id).outerjoin(
                TIMESHEETS, and_(t.project_id == p.id, t.end.is_not(None))
            )
        )
        .where(
            p.visible == true(),
            c.visible == true(),
            or_(p.end.is_(None), p.end >= day),
            project_visible(actor, p.id, p.customer_id),
        )
        .group_by(*columns)
    )
    if customer_id is not None:
        statement = statement.where(p.customer_id == customer_id)
    has_budget = or_(p.budget > 0, p.time_budget > 0)
    if budget == "with":
        statement = statement.where(has_budget)
    elif budget == "without":
        statement = statement.where(~has_budget)
    if not include_no_work:
        statement = statement.having(func.coalesce(func.sum(t.duration), 0) > 0)

    rows = []
    for row in session.execute(statement).all():
        rows.append(
            ProjectOverviewRow(
                project=_project_ref(row),
                budget=_budget(
                    row,
                    show_rates,
                    month_used=(row.billable_duration_month, row.billable_rate_month),
                    total_used=(row.billable_duration, row.billable_rate),
                ),
                today=int(row.duration_today or 0),
                week=int(row.duration_week or 0),
                month=_totals(row.duration_month, row.rate_month, row.internal_rate_month, show_rates),
                total=_totals(row.duration, row.rate, row.internal_rate, show_rates),
                not_exported=_totals(row.not_exported_duration, row.not_exported_rate, None, show_rates),
                not_billed=_totals(row.not_billed_duration, row.not_billed_rate, None, show_rates),
                non_billable=_totals(row.non_billable_duration, row.non_billable_rate, None, show_rates),
                last_record=row.last_record,
            )
        )
    rows.sort(key=lambda r: (sort_key(r.project.customer.name), sort_key(r.project.name), r.project.id))
    return ProjectOverview(day=day, week=week, month=month, show_rates=show_rates, rows=rows)


@dataclass
class InactiveProject:
    project: ProjectRef
    last_record: date | None
    total: Totals


def inactive_projects(
    session: Session, actor: Actor, *, since: date | None = None
) -> tuple[date, bool, list[InactiveProject]]:
    """Visible projects with no booking on or after `since` (default: one year before today)."""
    require_report(actor, "project")
    show_rates = shows_rates(actor, only_own=False)
    since = since or today_for(actor) - timedelta(days=365)
    t, p, c = TIMESHEETS.c, PROJECTS.c, CUSTOMERS.c
    columns = _project_columns()
    last = func.max(t.date)
    statement = (
        select(
            *columns,
            last.label("last_record"),
            _sum(t.duration).label("duration"),
            _sum(t.rate, money=True).label("rate"),
            _sum(t.internal_rate, money=True).label("internal_rate"),
        )
        .select_from(
            PROJECTS.join(CUSTOMERS, c.id == p.customer_id).outerjoin(
                TIMESHEETS, and_(t.project_id == p.id, t.end.is_not(None))
            )
        )
        .where(p.visible == true(), c.visible == true(), project_visible(actor, p.id, p.customer_id))
        .group_by(*columns)
        .having(or_(last.is_(None), last < since))
    )
    rows = [
        InactiveProject(
            _project_ref(row), row.last_record, _totals(row.duration, row.rate, row.internal_rate, show_rates)
        )
        for row in session.execute(statement).all()
    ]
    rows.sort(key=lambda r: (r.last_record or date.min, sort_key(r.project.name), r.project.id))
    return since, show_rates, rows


# --- one project in detail -----------------------------------------------------------------------


@dataclass
class ProjectDetails:
    project: ProjectRef
    day: date
    show_rates: bool
    budget: Budget
    month: Totals
    activities: list[tuple[ActivityRef, Totals, list[tuple[UserRef, Totals]]]]
    users: list[tuple[UserRef, Totals]]
    months: list[tuple[int, Totals]]
    total: Totals


def _accessible_project(session: Session, actor: Actor, project_id: int) -> Any:
    """The project's row; an unknown id is reported before a missing permission, as Kimai does."""
    p, c = PROJECTS.c, CUSTOMERS.c
    accessible = case((project_visible(actor, p.id, p.customer_id), 1), else_=0)
    row = session.execute(
        select(*_project_columns(), accessible.label("accessible"))
        .select_from(PROJECTS.join(CUSTOMERS, c.id == p.customer_id))
        .where(p.id == project_id)
    ).first()
    if row is None:
        raise NotFound("project")
    require_report(actor, "project")
    if not row.accessible:
        raise Forbidden("project")
    return row


def project_details(
    session: Session, actor: Actor, *, project_id: int, day: date | None = None
) -> ProjectDetails:
    """Everything booked on one project: per activity (and user), per user, per month, in total."""
    show_rates = shows_rates(actor, only_own=False)
    day = day or today_for(actor)
    project = _accessible_project(session, actor, project_id)

    t = TIMESHEETS.c
    month_key = year_month(t.date)
    grain = (
        select(
            t.activity_id.label("activity_id"),
            t.user_id.label("user_id"),
            month_key.label("ym"),
            *metric_sums(),
        )
        .where(t.project_id == project_id, t.end.is_not(None))
        .group_by(t.activity_id, t.user_id, month_key)
        .cte("grain")
    )
    sets = GroupingSets(
        keys=("activity_id", "user_id", "ym"),
        levels=(("activity_id", "user_id"), ("activity_id",), ("user_id",), ("ym",), ()),
    )
    # Each row: activity_id, user_id, ym, Totals.
    by_activity_user, by_activity, by_user, by_month, grand = sets.read(session, grain, show_rates)
    activities = load_activities(session, (row[0] for row in by_activity))
    users = load_users(session, (row[1] for row in by_user))

    per_activity_users: dict[int, list[tuple[UserRef, Totals]]] = {}
    for activity_id, user_id, _, totals in by_activity_user:
        per_activity_users.setdefault(activity_id, []).append((users[user_id], totals))
    for entries in per_activity_users.values():
        entries.sort(key=lambda e: (sort_key(e[0].display_name), e[0].id))

    months = sorted(((row[2], row[-1]) for row in by_month), key=lambda m: m[0])
    this_month = day.year * 100 + day.month
    month = next((totals for key, totals in months if key == this_month), None)
    if month is None:
        month = Totals.zero(show_rates)
    total = grand[0][-1]
    budget = Budget(
        type=project.budget_type,
        money=(Decimal(project.budget) if project.budget and Decimal(project.budget) > 0 else None)
        if show_rates
        else None,
        time=int(project.time_budget or 0) or None,
        money_used=(month if project.budget_type == "month" else total).billable_rate,
        time_used=(month if project.budget_type == "month" else total).billable_duration,
    )
    return ProjectDetails(
        project=_project_ref(project),
        day=day,
        show_rates=show_rates,
        budget=budget,
        month=month,
        activities=sorted(
            ((activities[row[0]], row[-1], per_activity_users.get(row[0], [])) for row in by_activity),
            key=lambda a: (sort_key(a[0].name), a[0].id),
        ),
        users=sorted(
            ((users[row[1]], row[-1]) for row in by_user),
            key=lambda u: (sort_key(u[0].display_name), u[0].id),
        ),
        months=months,
        total=total,
    )


# --- customers by month --------------------------------------------------------------------------


@dataclass
class CustomerMonthActivity:
    activity: ActivityRef
    total: Totals
    users: list[tuple[UserRef, Totals]]


@dataclass
class CustomerMonthProject:
    project: ProjectRef
    total: Totals
    activities: list[CustomerMonthActivity]


@dataclass
class CustomerMonthCustomer:
    customer: CustomerRef
    total: Totals
    projects: list[CustomerMonthProject]


@dataclass
class CustomerMonthReport:
    period: Period
    show_rates: bool
    customers: list[CustomerMonthCustomer]
    total: Totals


def customer_month_report(
    session: Session, actor: Actor, *, day: date | None = None, customer_id: int | None = None
) -> CustomerMonthReport:
    """One month of bookings on the customers the actor may access, by project, activity, user."""
    require_report(actor, "customer")
    show_rates = shows_rates(actor, only_own=False)
    period = month_of(day or today_for(actor))
    t, p, c = TIMESHEETS.c, PROJECTS.c, CUSTOMERS.c
    if customer_id is not None:
        accessible = case((customer_visible(actor, c.id), 1), else_=0)
        found = session.execute(
            select(c.id, accessible.label("accessible")).where(c.id == customer_id)
        ).first()
        if found is None:
            raise NotFound("customer")
        if not found.accessible:
            raise Forbidden("customer")

    grain = (
        select(
            p.customer_id.label("customer_id"),
            t.project_id.label("project_id"),
            t.activity_id.label("activity_id"),
            t.user_id.label("user_id"),
            *metric_sums(),
        )
        .select_from(TIMESHEETS.join(PROJECTS, p.id == t.project_id))
        .where(_stopped_within(period), project_visible(actor, p.id, p.customer_id))
        .group_by(p.customer_id, t.project_id, t.activity_id, t.user_id)
    )
    if customer_id is not None:
        grain = grain.where(p.customer_id == customer_id)
    keys = ("customer_id", "project_id", "activity_id", "user_id")
    sets = GroupingSets(keys=keys, levels=(keys, keys[:3], keys[:2], keys[:1], ()))
    # Each row: customer_id, project_id, activity_id, user_id, Totals.
    by_user, by_activity, by_project, by_customer, grand = sets.read(session, grain.cte("grain"), show_rates)
    projects = load_projects(session, (row[1] for row in by_project))
    activities = load_activities(session, (row[2] for row in by_activity))
    users = load_users(session, (row[3] for row in by_user))

    users_of: dict[tuple[int, int], list[tuple[UserRef, Totals]]] = {}
    for _, project_id, activity_id, user_id, totals in by_user:
        users_of.setdefault((project_id, activity_id), []).append((users[user_id], totals))
    activities_of: dict[int, list[CustomerMonthActivity]] = {}
    for _, project_id, activity_id, _, totals in by_activity:
        entries = sorted(
            users_of[(project_id, activity_id)], key=lambda e: (sort_key(e[0].display_name), e[0].id)
        )
        activities_of.setdefault(project_id, []).append(
            CustomerMonthActivity(activities[activity_id], totals, entries)
        )
    projects_of: dict[int, list[CustomerMonthProject]] = {}
    for customer_id, project_id, _, _, totals in by_project:
        acts = sorted(activities_of[project_id], key=lambda a: (sort_key(a.activity.name), a.activity.id))
        projects_of.setdefault(customer_id, []).append(
            CustomerMonthProject(projects[project_id], totals, acts)
        )
    customers = []
    for customer_id, _, _, _, totals in by_customer:
        entries_p = sorted(projects_of[customer_id], key=lambda e: (sort_key(e.project.name), e.project.id))
        customers.append(CustomerMonthCustomer(entries_p[0].project.customer, totals, entries_p))
    customers.sort(key=lambda e: (sort_key(e.customer.name), e.customer.id))
    return CustomerMonthReport(period=period, show_rates=show_rates, customers=customers, total=grand[0][-1])
