"""The /api/timesheets and /api/favorites/timesheets routes: parse, call the service, shape."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from horae.api.deps import ActorDep, BodyDep, SessionDep
from horae.api.openapi import answers, body_doc, query_parameters
from horae.api.responses import json_response
from horae.api.routing import UnitOfWorkRoute
from horae.api.wire import parse_strict_datetime
from horae.catalog_cache import cached_own_records
from horae.errors import BadRequest
from horae.security.permissions import Actor
from horae.timesheets.listing import ListedTimesheet
from horae.timesheets.models import Timesheet
from horae.timesheets.schemas import Expansions, timesheet_form, timesheet_json
from horae.timesheets.search import ListQuery, TimesheetFilter, parse_list_query
from horae.timesheets.service import RestartOptions, TimesheetService

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api")
TAG = "Timesheet"


# --- query parameters ---------------------------------------------------------------------------


def _query(request: Request) -> ListQuery:
    return ListQuery(list(request.query_params.multi_items()))


def _list_filter(request: Request, actor: Actor) -> TimesheetFilter:
    """Every list parameter, validated as a whole before anything runs (a bad one is a 400)."""
    return parse_list_query(_query(request), actor.timezone)


def _entity(service: TimesheetService, record: Timesheet, *, expanded: bool = False) -> Response:
    return json_response(
        timesheet_json(record, entity=True, expanded=expanded, rates=service.shows_rates(record))
    )


def _collection(
    service: TimesheetService, records: Sequence[Timesheet | ListedTimesheet], *, expanded: bool
) -> list[dict[str, Any]]:
    expansions = Expansions()
    return [
        timesheet_json(
            record, entity=False, expanded=expanded, rates=service.shows_rates(record), expansions=expansions
        )
        for record in records
    ]


def _expanded(service: TimesheetService, records: Sequence[ListedTimesheet]) -> tuple[int, bytes]:
    return len(records), orjson.dumps(_collection(service, records, expanded=True))


def _own_records(
    session: Session, actor: Actor, key: tuple[Any, ...], build: Callable[[], tuple[int, bytes]]
) -> Response:
    """An answer listing only the caller's own records, kept while none of them changes."""
    _, body = cached_own_records(session, actor, key, build)
    return Response(body, media_type="application/json")


def _parameter(body: Any, request: Request, name: str) -> tuple[bool, Any]:
    """A body parameter of restart/meta (JSON or form); the query string is accepted too."""
    if isinstance(body, dict) and name in body:
        return True, body[name]
    if name in request.query_params:
        return True, request.query_params[name]
    return False, None


# --- routes -------------------------------------------------------------------------------------


_TEXT: dict[str, Any] = {"type": "string"}
_TEXTS: dict[str, Any] = {"type": "array", "items": _TEXT}
# The list's query parameters, documented only: `_list_filter` parses the query string itself
# (Kimai's arrays, its error answers), so FastAPI need not parse them as well.
LIST_PARAMETERS = query_parameters(
    [
        ("user", _TEXT, "User ID or 'all' (needs view_other_timesheet)"),
        ("users[]", _TEXTS, "User IDs"),
        ("customer", _TEXT, "Customer ID"),
        ("customers[]", _TEXTS, "Customer IDs"),
        ("project", _TEXT, "Project ID"),
        ("projects[]", _TEXTS, "Project IDs"),
        ("activity", _TEXT, "Activity ID"),
        ("activities[]", _TEXTS, "Activity IDs"),
        ("tags[]", _TEXTS, "Tag names"),
        ("begin", _TEXT, "Records beginning at or after (YYYY-MM-DDThh:mm:ss)"),
        ("end", _TEXT, "Records beginning at or before (YYYY-MM-DDThh:mm:ss)"),
        ("exported", _TEXT, "0 = not exported, 1 = exported"),
        ("active", _TEXT, "0 = stopped, 1 = running"),
        ("billable", _TEXT, "0 = not billable, 1 = billable"),
        ("full", _TEXT, "1/true: expanded objects"),
        ("term", _TEXT, "Free search term"),
        ("modified_after", _TEXT, "UTC, YYYY-MM-DDThh:mm:ss"),
        ("orderBy", _TEXT, "id, begin, end or rate"),
        ("order", _TEXT, "ASC or DESC"),
        ("page", _TEXT, "Page number (default 1)"),
        ("size", _TEXT, "Page size (default 50, max 500)"),
    ]
)


@router.get(
    "/timesheets",
    tags=[TAG],
    operation_id="get_get_timesheets",
    summary="Returns a collection of timesheet records (which are visible to the user)",
    responses=answers("TimesheetCollection", array=True, paginated=True),
    openapi_extra={"parameters": LIST_PARAMETERS},
)
def list_timesheets(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
) -> Response:
    service = TimesheetService(session, actor)
    service.require_listing()
    filters = _list_filter(request, actor)
    expanded = request.query_params.get("full") in ("1", "true")

    def build() -> tuple[int, bytes]:
        records, total = service.listing(filters, expanded=expanded)
        return total, orjson.dumps(_collection(service, records, expanded=expanded))

    if service.lists_only_own(filters):
        # A client's own records, asked again and again: kept while none of them changes.
        total, body = cached_own_records(session, actor, ("list", repr(filters), expanded), build)
    else:
        total, body = build()
    return Response(body, media_type="application/json", headers=filters.page.headers(total))


@router.get(
    "/timesheets/recent",
    tags=[TAG],
    operation_id="get_get_timesheets_recent",
    summary="Returns the latest record of each project/activity pair of the current user",
    responses=answers("TimesheetCollectionExpanded", array=True),
)
def recent_timesheets(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    begin: Annotated[
        str | None, Query(description="Only records from this moment on (YYYY-MM-DDThh:mm:ss)")
    ] = None,
    size: Annotated[str | None, Query(description="Number of records (default 10)")] = None,
) -> Response:
    service = TimesheetService(session, actor)
    service.require_own_view()
    since = _query(request).moment("begin", actor.timezone)
    amount = _query(request).scalar("size", r"\d+")
    count = min(int(amount) if amount else 10, 2**31 - 1)
    return _own_records(
        session, actor, ("recent", since, count), lambda: _expanded(service, service.recent(since, count))
    )


@router.get(
    "/timesheets/active",
    tags=[TAG],
    operation_id="get_get_timesheets_active",
    summary="Returns the running records of the current user",
    responses=answers("TimesheetCollectionExpanded", array=True),
)
def active_timesheets(actor: ActorDep, session: SessionDep) -> Response:
    service = TimesheetService(session, actor)
    # Clients poll their running records every few seconds: kept while none of them changes.
    return _own_records(session, actor, ("active",), lambda: _expanded(service, service.active()))


@router.get(
    "/timesheets/{id:int}",
    tags=[TAG],
    operation_id="get_get_timesheet",
    summary="Returns one timesheet record",
    responses=answers("TimesheetEntity"),
)
def get_timesheet(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service = TimesheetService(session, actor)
    return _entity(service, service.get(id))


@router.post(
    "/timesheets",
    tags=[TAG],
    operation_id="post_post_timesheet",
    summary="Creates a new timesheet record (a running one when end is left out)",
    responses=answers("TimesheetEntity"),
    openapi_extra=body_doc(
        timesheet_form(break_time=True, rates=True, user=True, exported=True, billable=True)
    ),
)
def create_timesheet(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    body: BodyDep,
    full: Annotated[str | None, Query(description="Any value: answer with expanded objects")] = None,
) -> Response:
    service = TimesheetService(session, actor)
    presets = {
        key: request.query_params[key]
        for key in ("begin", "end", "from", "to")
        if key in request.query_params
    }
    record = service.create(body, presets)
    return _entity(service, record, expanded="full" in request.query_params)


@router.patch(
    "/timesheets/{id:int}",
    tags=[TAG],
    operation_id="patch_patch_timesheet",
    summary="Updates an existing timesheet record (send only the fields to change)",
    responses=answers("TimesheetEntity"),
    openapi_extra=body_doc(
        timesheet_form(break_time=True, rates=True, user=True, exported=True, billable=True), required=False
    ),
)
def update_timesheet(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    service = TimesheetService(session, actor)
    return _entity(service, service.update(id, body))


@router.delete(
    "/timesheets/{id:int}",
    tags=[TAG],
    operation_id="delete_delete_timesheet",
    summary="Deletes an existing timesheet record",
    status_code=204,
    responses=answers(status=204, description="Deleted"),
)
def delete_timesheet(id: int, actor: ActorDep, session: SessionDep) -> Response:
    TimesheetService(session, actor).delete(id)
    return Response(status_code=204)


@router.patch(
    "/timesheets/{id:int}/stop",
    tags=[TAG],
    operation_id="patch_stop_timesheet",
    summary="Stops a running timesheet record",
    responses=answers("TimesheetEntity"),
)
def stop_timesheet(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service = TimesheetService(session, actor)
    return _entity(service, service.stop(id))


@router.patch(
    "/timesheets/{id:int}/restart",
    tags=[TAG],
    operation_id="patch_restart_timesheet",
    summary="Starts a new record for the current user with the project and activity of this one",
    responses=answers("TimesheetEntity"),
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "copy": {
                                "type": "string",
                                "enum": ["all"],
                                "description": "Copy description, tags, meta",
                            },
                            "begin": {"type": "string", "description": "YYYY-MM-DDThh:mm:ss (default now)"},
                        },
                    }
                }
            },
        }
    },
)
def restart_timesheet(
    id: int,
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    body: BodyDep,
) -> Response:
    def options() -> RestartOptions:
        # Read only once the record was found and the caller may restart it (404, 403, then 400).
        sent, copy = _parameter(body, request, "copy")
        if sent and copy not in (None, "", "all"):
            raise BadRequest("copy only accepts 'all'")
        sent_begin, begin = _parameter(body, request, "begin")
        moment = None
        if sent_begin and begin not in (None, ""):
            moment = parse_strict_datetime(begin, actor.timezone) if isinstance(begin, str) else None
            if moment is None:
                raise BadRequest("invalid begin")
        return RestartOptions(copy_all=copy == "all", begin=moment)

    service = TimesheetService(session, actor)
    record = service.restart(id, options)
    return _entity(service, record)


@router.patch(
    "/timesheets/{id:int}/duplicate",
    tags=[TAG],
    operation_id="patch_duplicate_timesheet",
    summary="Duplicates an existing timesheet record",
    responses=answers("TimesheetEntity"),
)
def duplicate_timesheet(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service = TimesheetService(session, actor)
    return _entity(service, service.duplicate(id))


@router.patch(
    "/timesheets/{id:int}/export",
    tags=[TAG],
    operation_id="patch_export_timesheet",
    summary="Switches the exported state of a timesheet record",
    responses=answers("TimesheetEntity"),
)
def export_timesheet(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service = TimesheetService(session, actor)
    return _entity(service, service.toggle_export(id))


@router.patch(
    "/timesheets/{id:int}/meta",
    tags=[TAG],
    operation_id="patch_meta_timesheet",
    summary="Sets the value of a meta field of a timesheet record",
    responses=answers("TimesheetEntity"),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["name", "value"],
                        "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                    }
                }
            },
        }
    },
)
def meta_timesheet(
    id: int,
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    body: BodyDep,
) -> Response:
    service = TimesheetService(session, actor)
    _, name = _parameter(body, request, "name")
    has_value, value = _parameter(body, request, "value")
    return _entity(service, service.set_meta(id, name, value, has_value=has_value))


# --- favourites ---------------------------------------------------------------------------------


@router.get(
    "/favorites/timesheets",
    tags=["Favorites"],
    operation_id="get_favorite_timesheets",
    summary="Returns the favourite timesheets of the current user (templates to start from)",
    responses=answers("TimesheetCollectionExpanded", array=True),
)
def favorite_timesheets(actor: ActorDep, session: SessionDep) -> Response:
    service = TimesheetService(session, actor)
    return json_response(_collection(service, service.favorites(), expanded=True))


@router.post(
    "/favorites/timesheets/{id:int}",
    tags=["Favorites"],
    operation_id="post_favorite_timesheet",
    summary="Adds one of the current user's timesheets to the favourites",
    status_code=204,
    responses=answers(status=204, description="Added"),
)
def add_favorite(id: int, actor: ActorDep, session: SessionDep) -> Response:
    TimesheetService(session, actor).add_favorite(id)
    return Response(status_code=204)


@router.delete(
    "/favorites/timesheets/{id:int}",
    tags=["Favorites"],
    operation_id="delete_favorite_timesheet",
    summary="Removes a timesheet from the favourites (not being one is no error)",
    status_code=204,
    responses=answers(status=204, description="Removed"),
)
def remove_favorite(id: int, actor: ActorDep, session: SessionDep) -> Response:
    TimesheetService(session, actor).remove_favorite(id)
    return Response(status_code=204)
