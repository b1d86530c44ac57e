"""Report pages: one user by week, month or year; all users; projects; customers by month.

Every page calls `horae.reporting.service` (the same functions the JSON variants under
/api/horae/reports call), so the permission rules are the same: own figures for users, the
members of their teams for teamleads, everyone for `view_all_data`; money only with the rate
permissions. The period picker moves by whole periods (previous/next links) or to any date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date as babel_format_date
from fastapi import APIRouter, Request
from markupsafe import Markup, escape
from sqlalchemy import select, true
from starlette.responses import Response

from horae.api.deps import SessionDep
from horae.api.routing import UnitOfWorkRoute
from horae.errors import Forbidden, NotFound
from horae.reporting import service
from horae.reporting.api import parse_day, parse_id
from horae.reporting.calendar import Period
from horae.reporting.refs import USERS, sort_key
from horae.reporting.scope import may_report, reportable_users
from horae.reporting.sql import Totals
from horae.web.auth import SignedInDep, WebUser
from horae.web.charts import ChartBar, bar_chart
from horae.web.i18n import N_, Formatter
from horae.web.navigation import NavItem, register
from horae.web.rendering import Ui, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

PERIOD_KINDS = ("week", "month", "year")
# The figure the all-users report shows per cell; money needs the rate permissions.
METRICS = {"duration": N_("Duration"), "money": N_("Amount"), "internal": N_("Internal cost")}
ISO_WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)

register(NavItem("reports", N_("Reports"), "tracking", ("view_reporting",), prefix="/reports"))


@dataclass(frozen=True)
class ReportLink:
    route: str
    params: dict[str, str]
    title: str
    description: str


# The reports of the index page, each with the report kind whose permissions it needs.
_DAYS = N_("Days by customer, project and activity")
REPORTS: tuple[tuple[str, ReportLink], ...] = (
    ("user", ReportLink("report_user", {"kind": "week"}, N_("My week"), _DAYS)),
    ("user", ReportLink("report_user", {"kind": "month"}, N_("My month"), _DAYS)),
    (
        "user",
        ReportLink(
            "report_user", {"kind": "year"}, N_("My year"), N_("Months by customer, project and activity")
        ),
    ),
    ("other", ReportLink("report_users", {"kind": "week"}, N_("All users: week"), N_("Users by day"))),
    ("other", ReportLink("report_users", {"kind": "month"}, N_("All users: month"), N_("Users by day"))),
    ("other", ReportLink("report_users", {"kind": "year"}, N_("All users: year"), N_("Users by month"))),
    ("project", ReportLink("report_projects", {}, N_("Project overview"), N_("Budgets against bookings"))),
    (
        "project",
        ReportLink(
            "report_projects_inactive", {}, N_("Inactive projects"), N_("Projects without recent bookings")
        ),
    ),
    (
        "customer",
        ReportLink("report_customers", {}, N_("Customers by month"), N_("Projects, activities, users")),
    ),
)


@dataclass(frozen=True)
class PeriodNav:
    """The period picker: the shown period and the dates of its neighbours."""

    period: Period
    previous: date
    next: date

    @classmethod
    def of(cls, period: Period) -> PeriodNav:
        return cls(period, period.begin - timedelta(days=1), period.end + timedelta(days=1))


@dataclass(frozen=True)
class ColumnHead:
    key: date | int
    label: str
    full: str
    weekend: bool = False


def _columns(ui: Ui, keys: list[Any]) -> list[ColumnHead]:
    locale = ui.formatter.locale
    heads = []
    for key in keys:
        if isinstance(key, date):
            heads.append(
                ColumnHead(
                    key,
                    ui.formatter.format_day(key, "Ed"),
                    ui.formatter.format_date(key, "full"),
                    key.isoweekday() >= 6,
                )
            )
        else:
            first = date(key // 100, key % 100, 1)
            heads.append(
                ColumnHead(
                    key,
                    babel_format_date(first, "MMM", locale=locale),
                    babel_format_date(first, "MMMM y", locale=locale),
                )
            )
    return heads


def _kind(kind: str) -> str:
    if kind not in PERIOD_KINDS:
        raise NotFound("report")
    return kind


def _ordered_weekdays(first_weekday: str) -> tuple[int, ...]:
    return ISO_WEEKDAYS if first_weekday == "monday" else (7, 1, 2, 3, 4, 5, 6)


def weekday_names(ui: Ui) -> dict[int, str]:
    monday = date(2024, 1, 1)  # a Monday: ISO weekday n falls on 1 January + n - 1
    locale = ui.formatter.locale
    return {
        day: babel_format_date(monday + timedelta(days=day - 1), "EEEE", locale=locale)
        for day in ISO_WEEKDAYS
    }


def weekday_chart(ui: Ui, chart_id: str, title: str, seconds: dict[int, int], first_weekday: str) -> Any:
    """Hours per day of the week (ISO weekday → seconds), in the viewer's week order."""
    names = weekday_names(ui)
    bars = [
        ChartBar(
            names[day],
            seconds.get(day, 0),
            ui.formatter.format_duration(seconds.get(day, 0)),
        )
        for day in _ordered_weekdays(first_weekday)
    ]
    return bar_chart(chart_id, title, ui.gettext("Hours per day of the week"), bars)


def project_chart(ui: Ui, chart_id: str, title: str, projects: list[tuple[str, int]]) -> Any:
    """Hours per project: (label, seconds) pairs, largest first."""
    ordered = sorted(projects, key=lambda p: -p[1])
    bars = [ChartBar(label, seconds, ui.formatter.format_duration(seconds)) for label, seconds in ordered]
    return bar_chart(chart_id, title, ui.gettext("Hours per project"), bars)


def budget_chart(ui: Ui, chart_id: str, rows: list[service.ProjectOverviewRow]) -> Any:
    """Budget use per project in percent, a bar for the time budget and one for the money
    budget (when shown); 100 % is marked by a line, a bar beyond it is hatched and says so."""
    bars = []
    for row in rows:
        name = f"{row.project.customer.name} / {row.project.name}"
        for percent, kind in (
            (row.budget.time_percent, ui.gettext("Time budget")),
            (row.budget.money_percent, ui.gettext("Budget")),
        ):
            if percent is None:
                continue
            over = percent > 100
            text = f"{ui.formatter.format_number(percent, 1)} %"
            if over:
                text += " " + ui.gettext("over budget")
            bars.append(ChartBar(f"{name} · {kind}", percent, text, over))
    return bar_chart(
        chart_id,
        ui.gettext("Budget used"),
        ui.gettext("Share of each project's budget booked, in percent; the line marks 100 %."),
        bars,
        maximum=100,
        limit=100,
    )


def _reportable_users(session: Any, web_user: WebUser) -> list[Any]:
    """The users the viewer may open a one-user report about (one query)."""
    u = USERS.c
    rows = session.execute(
        select(u.id, u.username, u.alias).where(reportable_users(web_user.actor, u.id), u.enabled == true())
    ).all()
    return sorted(rows, key=lambda r: (sort_key(r.alias or r.username), r.id))


def _day(request: Request, name: str = "date") -> date | None:
    return parse_day(request.query_params.get(name))


# --- index -----------------------------------------------------------------------------------------


@router.get("/reports", name="reports")
def reports_index(web_user: SignedInDep) -> Response:
    available = [link for kind, link in REPORTS if may_report(web_user.actor, kind)]
    if not available:
        raise Forbidden("view_reporting")
    return render(web_user.ui, "reports/index.html", {"reports": available})


# --- one user ----------------------------------------------------------------------------------


@router.get("/reports/user/{kind}", name="report_user")
def user_report(kind: str, request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    ui = web_user.ui
    report = service.user_period_report(
        session,
        web_user.actor,
        kind=_kind(kind),
        day=_day(request),
        user_id=parse_id(request.query_params.get("user")),
    )
    users = _reportable_users(session, web_user) if may_report(web_user.actor, "other") else []
    weekday_seconds = {day: totals.duration for day, totals in report.weekdays.items()}
    projects = [(f"{p.project.customer.name} / {p.project.name}", p.total.duration) for p in report.projects]
    return render(
        ui,
        "reports/user.html",
        {
            "kind": kind,
            "report": report,
            "nav": PeriodNav.of(report.period),
            "columns": _columns(ui, [c.key for c in report.columns]),
            "users": users,
            "subject_param": {}
            if report.subject.id == web_user.actor.id
            else {"user": str(report.subject.id)},
            "weekday_chart": weekday_chart(
                ui,
                "chart-weekdays",
                ui.gettext("Hours per day of the week"),
                weekday_seconds,
                report.first_weekday,
            ),
            "weekdays": [
                (day, weekday_seconds.get(day, 0)) for day in _ordered_weekdays(report.first_weekday)
            ],
            "weekday_names": weekday_names(ui),
            "project_chart": project_chart(ui, "chart-projects", ui.gettext("Hours per project"), projects),
        },
    )


# --- all users ---------------------------------------------------------------------------------


def metric_value(totals: Totals | None, metric: str) -> Decimal | int:
    if totals is None:
        return 0
    if metric == "money":
        return totals.rate or Decimal(0)
    if metric == "internal":
        return totals.internal_rate or Decimal(0)
    return totals.duration


def metric_cells(
    ui: Ui, values: Mapping[Any, Totals], keys: list[Any], metric: str, weekends: list[bool] | None = None
) -> Markup:
    """A row's cells as the table's `<td>` elements: each column's `data-value` and its shown
    figure (nothing for an empty cell), the weekend's columns marked when `weekends` is given.
    Made in Python: the all-users month has 6,000 cells, and a template's loop step per cell
    (about 5 µs) cost more than the report's query. A value is an int or a Decimal and a
    duration is digits and colons, so only the locale's number text needs escaping."""
    show: Callable[[Decimal | int], str] = lambda amount: escape(ui.formatter.format_number(amount))  # noqa: E731
    if metric == "duration":
        show = lambda seconds: Formatter.format_duration(int(seconds))  # noqa: E731
    cells = []
    for index, key in enumerate(keys):
        totals = values.get(key)
        value = metric_value(totals, metric)
        kind = "numeric weekend" if weekends and weekends[index] else "numeric"
        shown = show(value) if totals else ""
        cells.append(f'<td class="{kind}" data-column="{index}" data-value="{value}">{shown}</td>')
    return Markup("".join(cells))


@router.get("/reports/users/{kind}", name="report_users")
def users_report(kind: str, request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    ui = web_user.ui
    report = service.users_period_report(session, web_user.actor, kind=_kind(kind), day=_day(request))
    metric = request.query_params.get("metric") or "duration"
    if metric not in METRICS:
        raise NotFound("metric")
    if metric != "duration" and not report.show_rates:
        raise Forbidden("view_rate_other_timesheet")
    keys = [c.key for c in report.columns]
    columns = _columns(ui, keys)
    weekends = [column.weekend for column in columns]
    return render(
        ui,
        "reports/users.html",
        {
            "kind": kind,
            "report": report,
            "rows": [(row, metric_cells(ui, row.values, keys, metric, weekends)) for row in report.rows],
            "column_totals": metric_cells(ui, report.column_totals, keys, metric),
            "nav": PeriodNav.of(report.period),
            "columns": columns,
            "metric": metric,
            "metrics": [
                (key, label) for key, label in METRICS.items() if key == "duration" or report.show_rates
            ],
            "value": metric_value,
        },
    )


# --- projects ----------------------------------------------------------------------------------


@router.get("/reports/projects", name="report_projects")
def projects_report(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    ui = web_user.ui
    budget = request.query_params.get("budget") or "with"
    overview = service.project_overview(
        session,
        web_user.actor,
        day=_day(request),
        customer_id=parse_id(request.query_params.get("customer")),
        budget=budget,
        include_no_work=request.query_params.get("includeNoWork") == "1",
    )
    month = overview.month
    return render(
        ui,
        "reports/projects.html",
        {
            "overview": overview,
            "budget": budget,
            "nav": PeriodNav(month, month.begin - timedelta(days=1), month.end + timedelta(days=1)),
            "budget_chart": budget_chart(ui, "chart-budgets", overview.rows),
        },
    )


@router.get("/reports/projects/inactive", name="report_projects_inactive")
def inactive_projects_report(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    since, show_rates, rows = service.inactive_projects(session, web_user.actor, since=_day(request, "since"))
    return render(
        web_user.ui, "reports/inactive.html", {"since": since, "show_rates": show_rates, "rows": rows}
    )


@router.get("/reports/projects/{project_id:int}", name="report_project")
def project_report(project_id: int, request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    ui = web_user.ui
    if project_id > 2**31 - 1:
        raise NotFound("project")
    details = service.project_details(session, web_user.actor, project_id=project_id, day=_day(request))
    months = _columns(ui, [key for key, _ in details.months])
    return render(
        ui,
        "reports/project.html",
        {
            "details": details,
            "months": list(zip(months, [totals for _, totals in details.months], strict=True)),
            "user_chart": project_chart(
                ui,
                "chart-project-users",
                ui.gettext("Hours per user"),
                [(user.display_name, totals.duration) for user, totals in details.users],
            ),
        },
    )


# --- customers ---------------------------------------------------------------------------------


@router.get("/reports/customers/month", name="report_customers")
def customers_report(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    report = service.customer_month_report(
        session,
        web_user.actor,
        day=_day(request),
        customer_id=parse_id(request.query_params.get("customer")),
    )
    return render(
        web_user.ui,
        "reports/customers.html",
        {"report": report, "nav": PeriodNav.of(report.period)},
    )
