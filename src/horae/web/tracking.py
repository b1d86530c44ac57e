"""Time tracking pages: the timer, "My times" with create/edit/duplicate/delete, the week grid
and the week's calendar.

Every write goes through TimesheetService, which owns permissions, rules, rounding and rates;
these pages only translate form fields into the service's API-shaped body and its errors back
into field messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from horae.api.deps import SessionDep
from horae.api.forms import parse_duration
from horae.api.pagination import Page
from horae.api.params import ascii_digits
from horae.api.routing import UnitOfWorkRoute
from horae.errors import Forbidden, ServiceValidationFailed, ValidationFailed
from horae.timesheets.models import Timesheet
from horae.timesheets.search import TimesheetFilter
from horae.timesheets.service import RestartOptions, TimesheetService
from horae.web.auth import SignedInDep, WebUser, safe_next
from horae.web.choices import booking_choices
from horae.web.csrf import CheckedFormDep
from horae.web.dashboard import WEEKDAY_NUMBERS
from horae.web.exports import FILTER_FIELDS, export_dialog
from horae.web.forms import FormState, submitted
from horae.web.i18n import N_
from horae.web.navigation import NavItem, register
from horae.web.rendering import render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

PAGE_SIZE = 25
RECENT_SIZE = 8
# The week grid books a new cell's hours from this local time on (Kimai's quick entry does too).
GRID_BEGIN = time(8, 0)
ENTRY_FIELDS = ("begin", "end", "project", "activity", "description", "tags")
START_FIELDS = ("customer", "project", "activity", "description", "tags")
# The largest week the calendar and grid read at once; a week holds far fewer entries.
WEEK_LIMIT = 500

# The timesheet rules' messages, shown at the fields in the person's language.
RULE_MESSAGES = (
    N_("A project needs to be selected."),
    N_("An activity needs to be selected."),
    N_("An empty duration is not allowed."),
    N_("Cannot start a disabled activity."),
    N_("Cannot start a disabled customer."),
    N_("Cannot start a disabled project."),
    N_("Duration cannot be negative."),
    N_("Global activities are forbidden for the selected project."),
    N_("Maximum duration exceeded."),
    N_("Project mismatch, project specific activity and timesheet project are different."),
    N_("Sorry, the budget is used up."),
    N_("The begin date cannot be in the future."),
    N_("The end date cannot be in the future."),
    N_("The end date must not be earlier than the start date."),
    N_("The project has not started at that time."),
    N_("The project is finished at that time."),
    N_("There was a problem saving."),
    N_("This period is locked. Please choose a later date."),
    N_("This timesheet is already exported."),
    N_("You already have an entry for this time."),
    N_("You are not allowed to start this timesheet record."),
    N_("You are not allowed to use this activity."),
    N_("You are not allowed to use this project."),
    N_("You have an active time record which cannot be stopped automatically."),
    N_("You must submit a begin date."),
    N_("Please enter a valid date and time."),
)
DURATION_MESSAGE = N_("Please enter a duration such as 1:30 or 1.5.")

register(NavItem("timer", N_("Timer"), "tracking", ("view_own_timesheet",), prefix="/timer"))
register(NavItem("timesheets", N_("My times"), "tracking", ("view_own_timesheet",), prefix="/timesheets"))
register(NavItem("week", N_("Week"), "tracking", ("view_own_timesheet",), prefix="/week"))
register(NavItem("calendar", N_("Calendar"), "tracking", ("view_own_timesheet",), prefix="/calendar"))


# --- helpers --------------------------------------------------------------------------------------


def _require_tracking(web_user: WebUser) -> None:
    if not web_user.actor.can("view_own_timesheet"):
        raise Forbidden("view_own_timesheet")


def _zone(web_user: WebUser) -> ZoneInfo:
    return ZoneInfo(web_user.ui.formatter.timezone)


def _today(web_user: WebUser) -> date:
    return datetime.now(UTC).astimezone(_zone(web_user)).date()


def _week_start(day: date, first_weekday: str) -> date:
    return day - timedelta(days=(day.weekday() - WEEKDAY_NUMBERS.get(first_weekday, 0)) % 7)


def _date_param(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return default


def _id_param(value: str | None) -> int | None:
    return int(value) if value and ascii_digits(value) and len(value) < 10 else None


def _with_saved(path: str, key: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}saved={key}"


def _back(form: FormData, default: str, key: str) -> RedirectResponse:
    target = safe_next(form.get("next")) or default
    return RedirectResponse(_with_saved(target, key), status_code=303)


def _local_input(moment: datetime | None, zone: ZoneInfo) -> str:
    """A datetime-local field's value (minutes precision)."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _body(values: dict[str, str]) -> dict[str, str]:
    """The service's API body: empty selects are left out, so the service reports them as blank."""
    return {name: value for name, value in values.items() if value != "" or name in ("description", "tags")}


def _service_errors(exc: ServiceValidationFailed) -> ValidationFailed:
    fields = {name: messages for name, messages in exc.violations.items() if name in ENTRY_FIELDS}
    others = [m for name, messages in exc.violations.items() if name not in ENTRY_FIELDS for m in messages]
    return ValidationFailed(fields, others + ([exc.message] if exc.message else []), fields=ENTRY_FIELDS)


@dataclass
class EntryRow:
    record: Timesheet
    can_edit: bool
    can_duplicate: bool
    can_delete: bool
    can_stop: bool
    shows_rate: bool


def _rows(service: TimesheetService, records: list[Timesheet]) -> list[EntryRow]:
    can = service.access.can
    return [
        EntryRow(
            record,
            can("edit", record),
            can("duplicate", record),
            can("delete", record),
            record.end is None and can("stop", record),
            service.shows_rates(record),
        )
        for record in records
    ]


# --- timer ----------------------------------------------------------------------------------------


def _timer_page(
    session: Session, web_user: WebUser, form: FormState | None = None, status_code: int = 200
) -> Response:
    _require_tracking(web_user)
    service = TimesheetService(session, web_user.actor)
    recent = service.recent_pairs(RECENT_SIZE)
    return render(
        web_user.ui,
        "timer.html",
        {
            "form": form or FormState(),
            "choices": booking_choices(session, web_user.actor),
            "recent": recent,
            "can_start": web_user.actor.can("create_own_timesheet"),
        },
        status_code=status_code,
    )


@router.get("/timer", name="timer")
def timer_page(session: SessionDep, web_user: SignedInDep) -> Response:
    return _timer_page(session, web_user)


@router.post("/timer/start", name="timer_start")
def start_timer(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    _require_tracking(web_user)
    values = submitted(form, START_FIELDS)
    body = _body({name: values[name] for name in ("project", "activity", "description", "tags")})
    try:
        TimesheetService(session, web_user.actor).create(body)
    except ValidationFailed as exc:
        session.rollback()
        return _timer_page(session, web_user, FormState.failed(values, exc), status_code=422)
    return _back(form, "/timer", "started")


@router.post("/timesheets/{timesheet_id}/stop", name="timesheet_stop")
def stop_timer(
    session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, timesheet_id: int
) -> Response:
    try:
        TimesheetService(session, web_user.actor).stop(timesheet_id)
    except ServiceValidationFailed as exc:
        session.rollback()
        errors = _service_errors(exc)
        return _timer_page(
            session,
            web_user,
            FormState(
                {},
                {},
                errors.global_errors
                + [message for messages in errors.field_errors.values() for message in messages],
            ),
            status_code=422,
        )
    return _back(form, "/timer", "stopped")


@router.post("/timesheets/{timesheet_id}/restart", name="timesheet_restart")
def restart_timer(
    session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, timesheet_id: int
) -> Response:
    try:
        TimesheetService(session, web_user.actor).restart(
            timesheet_id, lambda: RestartOptions(copy_all=False)
        )
    except (ValidationFailed, ServiceValidationFailed) as exc:
        session.rollback()
        messages = (
            exc.global_errors + [m for ms in exc.field_errors.values() for m in ms]
            if isinstance(exc, ValidationFailed)
            else [m for ms in exc.violations.values() for m in ms] + ([exc.message] if exc.message else [])
        )
        return _timer_page(session, web_user, FormState({}, {}, messages), status_code=422)
    return _back(form, "/timer", "started")


# --- my times -------------------------------------------------------------------------------------


@dataclass
class ListFilters:
    begin: date | None = None
    end: date | None = None
    customer: int | None = None
    project: int | None = None
    activity: int | None = None
    term: str = ""
    page: int = 1
    values: dict[str, str] = field(default_factory=dict)

    def query(self, **changes: Any) -> str:
        params = {k: v for k, v in {**self.values, **changes}.items() if v not in ("", None)}
        return urlencode(params)


def _list_filters(request: Request) -> ListFilters:
    params = request.query_params
    names = ("begin", "end", "customer", "project", "activity", "term")
    values = {name: params.get(name, "")[:200] for name in names}
    begin = _date_param(values["begin"], date.min) if values["begin"] else None
    end = _date_param(values["end"], date.max) if values["end"] else None
    page = _id_param(params.get("page")) or 1
    return ListFilters(
        begin=begin if begin != date.min else None,
        end=end if end != date.max else None,
        customer=_id_param(values["customer"]),
        project=_id_param(values["project"]),
        activity=_id_param(values["activity"]),
        term=values["term"].strip(),
        page=max(1, page),
        values=values,
    )


def _search_filter(filters: ListFilters, zone: ZoneInfo, page: Page) -> TimesheetFilter:
    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    return TimesheetFilter(
        customers=[filters.customer] if filters.customer else [],
        projects=[filters.project] if filters.project else [],
        activities=[filters.activity] if filters.activity else [],
        begin=midnight(filters.begin) if filters.begin else None,
        end=midnight(filters.end + timedelta(days=1)) - timedelta(seconds=1) if filters.end else None,
        term=filters.term or None,
        page=page,
    )


@router.get("/timesheets", name="timesheets")
def my_times(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    _require_tracking(web_user)
    service = TimesheetService(session, web_user.actor)
    filters = _list_filters(request)
    zone = _zone(web_user)
    count, seconds, money = service.totals(_search_filter(filters, zone, Page(1, PAGE_SIZE)))
    pages = max(1, math.ceil(count / PAGE_SIZE))
    page = Page(min(filters.page, pages), PAGE_SIZE)
    records, _ = service.search(_search_filter(filters, zone, page), expanded=False, total=count)
    return render(
        web_user.ui,
        "timesheets.html",
        {
            "rows": _rows(service, records),
            "filters": filters,
            "filter_form": FormState(dict(filters.values)),
            "choices": booking_choices(session, web_user.actor),
            "count": count,
            "seconds": seconds,
            "money": money,
            "shows_money": web_user.actor.can("view_rate_own_timesheet"),
            "page": page.number,
            "pages": pages,
            "can_create": web_user.actor.can("create_own_timesheet"),
            "list_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "export": export_dialog(session, web_user.actor),
            "export_filters": FILTER_FIELDS,
        },
    )


def _times_editable(session: Session, web_user: WebUser) -> bool:
    """Punch and fixed-begin modes take begin and end away from plain users' forms."""
    return TimesheetService(session, web_user.actor).settings.can_edit_times(web_user.actor)


def _entry_body(session: Session, web_user: WebUser, values: dict[str, str]) -> dict[str, str]:
    names = ENTRY_FIELDS if _times_editable(session, web_user) else ENTRY_FIELDS[2:]
    return _body({name: values[name] for name in names})


def _entry_page(
    session: Session,
    web_user: WebUser,
    form: FormState,
    *,
    record: Timesheet | None,
    status_code: int = 200,
) -> Response:
    return render(
        web_user.ui,
        "timesheet_edit.html",
        {
            "form": form,
            "times": _times_editable(session, web_user),
            "record": record,
            "choices": booking_choices(session, web_user.actor),
            "back": safe_next(form.values.get("next")) or "/timesheets",
        },
        status_code=status_code,
    )


def _entry_values(form: FormData) -> dict[str, str]:
    values = submitted(form, ENTRY_FIELDS)
    values["next"] = safe_next(form.get("next"))
    return values


@router.get("/timesheets/create", name="timesheet_create")
def create_entry_page(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    if not web_user.actor.can("create_own_timesheet"):
        raise Forbidden("create_own_timesheet")
    zone = _zone(web_user)
    day = _date_param(request.query_params.get("date"), _today(web_user))
    begin = datetime.combine(day, GRID_BEGIN, tzinfo=zone)
    values = {
        "begin": _local_input(begin, zone),
        "end": _local_input(begin + timedelta(hours=1), zone),
        "next": safe_next(request.query_params.get("next")),
    }
    return _entry_page(session, web_user, FormState(values), record=None)


@router.post("/timesheets/create", name="timesheet_create_save")
def create_entry(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    values = _entry_values(form)
    try:
        TimesheetService(session, web_user.actor).create(_entry_body(session, web_user, values))
    except ValidationFailed as exc:
        session.rollback()
        return _entry_page(session, web_user, FormState.failed(values, exc), record=None, status_code=422)
    return _back(form, "/timesheets", "timesheet_created")


def _editable(session: Session, web_user: WebUser, timesheet_id: int) -> tuple[TimesheetService, Timesheet]:
    service = TimesheetService(session, web_user.actor)
    record = service.find(timesheet_id)
    if not service.access.can("edit", record):
        raise Forbidden("timesheet")
    return service, record


@router.get("/timesheets/{timesheet_id}/edit", name="timesheet_edit")
def edit_entry_page(
    request: Request, session: SessionDep, web_user: SignedInDep, timesheet_id: int
) -> Response:
    _, record = _editable(session, web_user, timesheet_id)
    zone = ZoneInfo(record.timezone)
    values = {
        "begin": _local_input(record.begin, zone),
        "end": _local_input(record.end, zone),
        "project": str(record.project_id),
        "activity": str(record.activity_id),
        "description": record.description or "",
        "tags": ", ".join(tag.name for tag in record.tags),
        "next": safe_next(request.query_params.get("next")),
    }
    return _entry_page(session, web_user, FormState(values), record=record)


@router.post("/timesheets/{timesheet_id}/edit", name="timesheet_edit_save")
def edit_entry(
    session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, timesheet_id: int
) -> Response:
    service, record = _editable(session, web_user, timesheet_id)
    values = _entry_values(form)
    body = _entry_body(session, web_user, values)
    if record.end is None and not values["end"]:
        body.pop("end", None)
    try:
        service.update(timesheet_id, body)
    except ValidationFailed as exc:
        session.rollback()
        record = TimesheetService(session, web_user.actor).find(timesheet_id)
        return _entry_page(session, web_user, FormState.failed(values, exc), record=record, status_code=422)
    return _back(form, "/timesheets", "timesheet_saved")


@router.post("/timesheets/{timesheet_id}/duplicate", name="timesheet_duplicate")
def duplicate_entry(
    session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, timesheet_id: int
) -> Response:
    try:
        TimesheetService(session, web_user.actor).duplicate(timesheet_id)
    except ServiceValidationFailed as exc:
        session.rollback()
        return _failed_action(session, web_user, exc)
    return _back(form, "/timesheets", "timesheet_duplicated")


@router.post("/timesheets/{timesheet_id}/delete", name="timesheet_delete")
def delete_entry(
    session: SessionDep, web_user: SignedInDep, form: CheckedFormDep, timesheet_id: int
) -> Response:
    TimesheetService(session, web_user.actor).delete(timesheet_id)
    return _back(form, "/timesheets", "timesheet_deleted")


def _failed_action(session: Session, web_user: WebUser, exc: ServiceValidationFailed) -> Response:
    messages = [m for ms in exc.violations.values() for m in ms] + ([exc.message] if exc.message else [])
    return _timer_page(session, web_user, FormState({}, {}, messages), status_code=422)


# --- week grid and calendar -----------------------------------------------------------------------


@dataclass
class Week:
    start: date
    days: list[date]
    start_utc: datetime
    end_utc: datetime

    @property
    def previous(self) -> date:
        return self.start - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.start + timedelta(days=7)


def _week(web_user: WebUser, value: str | None) -> Week:
    zone = _zone(web_user)
    start = _week_start(_date_param(value, _today(web_user)), web_user.ui.first_weekday)
    days = [start + timedelta(days=offset) for offset in range(7)]

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    return Week(start, days, midnight(start), midnight(start + timedelta(days=7)))


def _week_records(service: TimesheetService, week: Week) -> list[Any]:
    """The person's own records of the week, as rows with their names (`own_entries`)."""
    return service.own_entries(week.start_utc, week.end_utc - timedelta(seconds=1), WEEK_LIMIT)


@dataclass
class GridCell:
    name: str
    day: date
    records: list[Any] = field(default_factory=list)

    @property
    def seconds(self) -> int:
        return sum(record.duration or 0 for record in self.records)

    @property
    def editable(self) -> bool:
        # A cell of several entries, or of a running one, is changed in "My times", not here.
        return len(self.records) <= 1 and all(record.end is not None for record in self.records)


@dataclass
class GridRow:
    project_id: int
    activity_id: int
    customer: str
    project: str
    activity: str
    cells: list[GridCell]

    @property
    def key(self) -> str:
        return f"{self.project_id}-{self.activity_id}"

    @property
    def seconds(self) -> int:
        return sum(cell.seconds for cell in self.cells)


def _grid(service: TimesheetService, week: Week, zone: ZoneInfo) -> list[GridRow]:
    rows: dict[tuple[int, int], GridRow] = {}

    def row_for(project_id: int, activity_id: int, customer: str, project: str, activity: str) -> GridRow:
        key = (project_id, activity_id)
        if key not in rows:
            rows[key] = GridRow(
                project_id,
                activity_id,
                customer,
                project,
                activity,
                [GridCell(f"cell-{key[0]}-{key[1]}-{index}", day) for index, day in enumerate(week.days)],
            )
        return rows[key]

    for record in _week_records(service, week):
        row = row_for(record.project_id, record.activity_id, record.customer, record.project, record.activity)
        index = (record.begin.astimezone(zone).date() - week.start).days
        if 0 <= index < 7:
            row.cells[index].records.append(record)
    for pair in service.recent_pairs(RECENT_SIZE):
        row_for(pair.project_id, pair.activity_id, pair.customer, pair.project, pair.activity)
    return sorted(rows.values(), key=lambda r: (r.customer.lower(), r.project.lower(), r.activity.lower()))


def _format_cell(seconds: int) -> str:
    if not seconds:
        return ""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def _week_page(
    session: Session,
    web_user: WebUser,
    week: Week,
    *,
    submitted_values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    global_errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    service = TimesheetService(session, web_user.actor)
    zone = _zone(web_user)
    rows = _grid(service, week, zone)
    values = {cell.name: _format_cell(cell.seconds) for row in rows for cell in row.cells}
    values.update(submitted_values or {})
    day_totals = [sum(row.cells[index].seconds for row in rows) for index in range(7)]
    return render(
        web_user.ui,
        "week.html",
        {
            "week": week,
            "rows": rows,
            "form": FormState(values, errors or {}, global_errors or []),
            "day_totals": day_totals,
            "total": sum(day_totals),
            "today": _today(web_user),
            "choices": booking_choices(session, web_user.actor),
            "can_create": web_user.actor.can("create_own_timesheet"),
        },
        status_code=status_code,
    )


@router.get("/week", name="week")
def week_page(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    _require_tracking(web_user)
    return _week_page(session, web_user, _week(web_user, request.query_params.get("date")))


def _grid_changes(
    form: FormData, rows: list[GridRow], errors: dict[str, list[str]]
) -> list[tuple[GridRow | None, GridCell, int, tuple[str, str]]]:
    """(row, cell, new seconds, (project, activity)) for every cell whose hours changed."""
    changes: list[tuple[GridRow | None, GridCell, int, tuple[str, str]]] = []
    for row in rows:
        for cell in row.cells:
            raw = form.get(cell.name)
            if not isinstance(raw, str) or not cell.editable:
                continue
            seconds = _cell_seconds(raw, cell.name, errors)
            if seconds is not None and seconds != cell.seconds:
                changes.append((row, cell, seconds, (str(row.project_id), str(row.activity_id))))
    return changes


def _cell_seconds(raw: str, name: str, errors: dict[str, list[str]]) -> int | None:
    text = raw.strip()
    if not text:
        return 0
    seconds = parse_duration(text)
    if seconds is None or seconds < 0 or seconds > 24 * 3600:
        errors[name] = [DURATION_MESSAGE]
        return None
    return seconds


@router.post("/week", name="week_save")
def save_week(session: SessionDep, web_user: SignedInDep, form: CheckedFormDep) -> Response:
    _require_tracking(web_user)
    week_value = form.get("week")
    week = _week(web_user, week_value if isinstance(week_value, str) else None)
    zone = _zone(web_user)
    service = TimesheetService(session, web_user.actor)
    rows = _grid(service, week, zone)
    errors: dict[str, list[str]] = {}
    changes = _grid_changes(form, rows, errors)
    new_row = submitted(form, ("new_project", "new_activity"))
    if new_row["new_project"] or new_row["new_activity"]:
        for index, day in enumerate(week.days):
            name = f"new-{index}"
            raw = form.get(name)
            seconds = _cell_seconds(raw if isinstance(raw, str) else "", name, errors)
            if seconds:
                changes.append(
                    (None, GridCell(name, day), seconds, (new_row["new_project"], new_row["new_activity"]))
                )
    global_errors: list[str] = []
    if not errors:
        for row, cell, seconds, (project, activity) in changes:
            try:
                _apply_cell(service, cell, seconds, project, activity, zone)
            except ValidationFailed as exc:
                messages = [m for ms in exc.field_errors.values() for m in ms] + exc.global_errors
                target = "new_project" if row is None and "project" in exc.field_errors else cell.name
                if row is None and "activity" in exc.field_errors:
                    target = "new_activity"
                errors.setdefault(target, []).extend(messages)
    if errors or global_errors:
        session.rollback()
        values = {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}
        return _week_page(
            session,
            web_user,
            week,
            submitted_values=values,
            errors=errors,
            global_errors=global_errors,
            status_code=422,
        )
    return RedirectResponse(
        _with_saved(f"/week?date={week.start.isoformat()}", "week_saved"), status_code=303
    )


def _apply_cell(
    service: TimesheetService, cell: GridCell, seconds: int, project: str, activity: str, zone: ZoneInfo
) -> None:
    """Books a cell's hours: a new entry, a changed end, or a removed entry when emptied."""
    if cell.records:
        record = cell.records[0]
        if seconds == 0:
            service.delete(record.id)
            return
        local_zone = ZoneInfo(record.timezone)
        service.update(
            record.id, {"end": _local_seconds(record.begin + timedelta(seconds=seconds), local_zone)}
        )
        return
    if seconds == 0:
        return
    begin = datetime.combine(cell.day, GRID_BEGIN, tzinfo=zone)
    service.create(
        _body(
            {
                "begin": _local_seconds(begin, zone),
                "end": _local_seconds(begin + timedelta(seconds=seconds), zone),
                "project": project,
                "activity": activity,
            }
        )
    )


def _local_seconds(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


# The calendar draws the hours from 06:00 to 20:00 and widens to fit earlier or later entries.
CALENDAR_FIRST_HOUR = 6
CALENDAR_LAST_HOUR = 20


@dataclass
class CalendarEntry:
    record: Any
    start_minute: int
    end_minute: int


@router.get("/calendar", name="calendar")
def calendar_page(request: Request, session: SessionDep, web_user: SignedInDep) -> Response:
    _require_tracking(web_user)
    service = TimesheetService(session, web_user.actor)
    week = _week(web_user, request.query_params.get("date"))
    zone = _zone(web_user)
    now = datetime.now(UTC)
    columns: list[list[CalendarEntry]] = [[] for _ in week.days]
    first, last = CALENDAR_FIRST_HOUR * 60, CALENDAR_LAST_HOUR * 60
    for record in _week_records(service, week):
        begin = record.begin.astimezone(zone)
        index = (begin.date() - week.start).days
        if not 0 <= index < 7:
            continue
        start = begin.hour * 60 + begin.minute
        end_moment = (record.end or now).astimezone(zone)
        end = min(24 * 60, start + max(15, int((end_moment - begin).total_seconds() // 60)))
        columns[index].append(CalendarEntry(record, start, end))
        first = min(first, start // 60 * 60)
        last = max(last, math.ceil(end / 60) * 60)
    return render(
        web_user.ui,
        "calendar.html",
        {
            "week": week,
            "columns": list(zip(week.days, columns, strict=True)),
            "first_minute": first,
            "last_minute": last,
            "hours": list(range(first // 60, last // 60)),
            "today": _today(web_user),
        },
    )
