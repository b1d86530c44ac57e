"""JSON variants of the reports under /api/horae/reports: a Horae extension, no Kimai path.

Kimai has no report API, so these paths live under a prefix Kimai never uses; /api/doc.json tags
them "Horae extension". Dates are `YYYY-MM-DD` in the viewer's calendar; a period report takes
any day of the wanted week, month or year (default: today in the viewer's timezone).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from horae.api.deps import ActorDep, SessionDep
from horae.api.openapi import answers
from horae.api.responses import json_response
from horae.api.routing import UnitOfWorkRoute
from horae.errors import BadRequest, NotFound
from horae.reporting import schemas, service

EXTENSION_TAG = "Horae extension"
EXTENSION = {"x-horae-extension": True}
router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/horae/reports", tags=[EXTENSION_TAG])

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^\d+$")
# Ids are 32-bit integers in every backend; a larger one names no record.
MAX_ID = 2**31 - 1

DateQuery = Annotated[str | None, Query(description="Any day of the period, YYYY-MM-DD (default: today)")]


def parse_day(value: str | None) -> date | None:
    if value is None or value == "":
        return None
    if not _DATE.match(value):
        raise BadRequest("date")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest("date") from exc


def parse_id(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not _ID.match(value):
        raise BadRequest("id")
    if int(value) > MAX_ID:
        raise NotFound("id")
    return int(value)


def parse_flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    raise BadRequest("flag")


def _user_period(kind: str) -> Callable[..., Response]:
    def handler(
        actor: ActorDep,
        session: SessionDep,
        date: DateQuery = None,
        user: Annotated[str | None, Query(description="User id (default: the caller)")] = None,
    ) -> Response:
        report = service.user_period_report(
            session, actor, kind=kind, day=parse_day(date), user_id=parse_id(user)
        )
        return json_response(schemas.user_period_json(report))

    return handler


def _users_period(kind: str) -> Callable[..., Response]:
    def handler(actor: ActorDep, session: SessionDep, date: DateQuery = None) -> Response:
        report = service.users_period_report(session, actor, kind=kind, day=parse_day(date))
        return json_response(schemas.users_period_json(report))

    return handler


def _unit(kind: str) -> str:
    return "month" if kind == "year" else "day"


Handler = TypeVar("Handler", bound=Callable[..., Response])


def report_route(
    path: str, operation: str, schema: str, doc: str | None = None
) -> Callable[[Handler], Handler]:
    """Declares a GET report, documented as a Horae extension answering `schema`.

    `doc` (by default the handler's docstring) holds the summary in its first line and the
    description in the paragraph after it.
    """

    def register(handler: Handler) -> Handler:
        summary, _, description = inspect.cleandoc(doc or handler.__doc__ or "").partition("\n\n")
        router.add_api_route(
            path,
            handler,
            methods=["GET"],
            operation_id=f"get_horae_report_{operation}",
            summary=summary,
            description=" ".join(description.split()),
            responses=answers(schema),
            openapi_extra=EXTENSION,
        )
        return handler

    return register


for _kind in ("week", "month", "year"):
    report_route(
        f"/user/{_kind}",
        f"user_{_kind}",
        "HoraeUserPeriodReport",
        doc=f"""One user's {_kind} by {_unit(_kind)}, customer, project and activity

        Needs `view_reporting`; another user's report also `view_other_reporting` and
        `view_other_timesheet`, and the user must be in a team the caller leads (unless
        `view_all_data`).""",
    )(_user_period(_kind))
    report_route(
        f"/users/{_kind}",
        f"users_{_kind}",
        "HoraeUsersPeriodReport",
        doc=f"""Every visible user's {_kind} by {_unit(_kind)}

        Needs `view_reporting`, `view_other_reporting` and `view_other_timesheet`. Lists the
        caller and the members of the teams they lead, or everyone with `view_all_data`.""",
    )(_users_period(_kind))


@report_route("/projects", "projects", "HoraeProjectOverviewReport")
def project_overview(
    actor: ActorDep,
    session: SessionDep,
    date: DateQuery = None,
    customer: Annotated[str | None, Query(description="Only this customer's projects")] = None,
    budget: Annotated[str | None, Query(description="with (default), without or all")] = None,
    includeNoWork: Annotated[str | None, Query(description="1 to list projects without bookings")] = None,
) -> Response:
    """Project overview: budgets against bookings of today, this week, this month and all time

    Needs `view_reporting` and `project_reporting`.
    """
    report = service.project_overview(
        session,
        actor,
        day=parse_day(date),
        customer_id=parse_id(customer),
        budget=budget or "with",
        include_no_work=parse_flag(includeNoWork, False),
    )
    return json_response(schemas.project_overview_json(report))


@report_route("/projects/inactive", "projects_inactive", "HoraeInactiveProjectsReport")
def inactive_projects(
    actor: ActorDep,
    session: SessionDep,
    since: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
) -> Response:
    """Visible projects without bookings since a date

    Needs `view_reporting` and `project_reporting`. Default: one year before today.
    """
    day, show_rates, rows = service.inactive_projects(session, actor, since=parse_day(since))
    return json_response(schemas.inactive_projects_json(day, show_rates, rows))


@report_route("/projects/{id:int}", "project_details", "HoraeProjectDetailsReport")
def project_details(
    actor: ActorDep,
    session: SessionDep,
    id: Annotated[int, Path(description="Project id")],
    date: DateQuery = None,
) -> Response:
    """One project by activity, user and month, with its budgets

    Needs `view_reporting` and `project_reporting`, and access to the project.
    """
    if id > MAX_ID:
        raise NotFound("project")
    report = service.project_details(session, actor, project_id=id, day=parse_day(date))
    return json_response(schemas.project_details_json(report))


@report_route("/customers/month", "customers_month", "HoraeCustomerMonthReport")
def customer_month(
    actor: ActorDep,
    session: SessionDep,
    date: DateQuery = None,
    customer: Annotated[str | None, Query(description="Only this customer")] = None,
) -> Response:
    """One month of every visible customer by project, activity and user

    Needs `view_reporting` and `customer_reporting`.
    """
    report = service.customer_month_report(
        session, actor, day=parse_day(date), customer_id=parse_id(customer)
    )
    return json_response(schemas.customer_month_json(report))
