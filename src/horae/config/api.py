"""Status and configuration endpoints: ping, version, plugins, timesheet config, colours."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from horae.api.deps import ActorDep, SessionDep
from horae.api.openapi import answers, register_schema
from horae.api.responses import json_response
from horae.api.routing import UnitOfWorkRoute
from horae.config.service import load_config
from horae.version import KIMAI_VERSION, KIMAI_VERSION_ID

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=["Default"])

register_schema(
    "Pong",
    {
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string", "enum": ["pong"]}},
    },
)
register_schema(
    "Version",
    {
        "type": "object",
        "required": ["version", "versionId", "copyright"],
        "properties": {
            "version": {"type": "string", "example": "2.66.0"},
            "versionId": {"type": "integer", "example": 26600},
            "copyright": {"type": "string"},
        },
    },
)
register_schema(
    "Plugin",
    {
        "type": "object",
        "required": ["name", "version"],
        "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
    },
)
register_schema(
    "TimesheetConfig",
    {
        "type": "object",
        "required": [
            "trackingMode",
            "defaultBeginTime",
            "activeEntriesHardLimit",
            "isAllowFutureTimes",
            "isAllowOverlapping",
        ],
        "properties": {
            "trackingMode": {"type": "string", "example": "default"},
            "defaultBeginTime": {"type": "string", "example": "now"},
            "activeEntriesHardLimit": {"type": "integer", "example": 1},
            "isAllowFutureTimes": {"type": "boolean"},
            "isAllowOverlapping": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
)
register_schema(
    "ColorConfig",
    {
        "type": "object",
        "description": "Colour name to hex code, in the configured order.",
        "additionalProperties": {"type": "string"},
        "example": {"Silver": "#c0c0c0", "Gray": "#808080"},
    },
)


@router.get(
    "/ping", summary="A testing route for the API", operation_id="get_ping", responses=answers("Pong")
)
def ping(actor: ActorDep) -> Response:
    return json_response({"message": "pong"})


@router.get(
    "/version",
    summary="Returns information about the Kimai release",
    operation_id="get_version",
    responses=answers("Version"),
)
def version(actor: ActorDep) -> Response:
    return json_response(
        {
            "version": KIMAI_VERSION,
            "versionId": KIMAI_VERSION_ID,
            "copyright": f"Kimai {KIMAI_VERSION} by Kevin Papst.",
        }
    )


@router.get(
    "/plugins",
    summary="Returns a list of plugin names and versions",
    operation_id="get_plugins",
    responses=answers("Plugin", array=True),
)
def plugins(actor: ActorDep) -> Response:
    return json_response([])


@router.get(
    "/config/timesheet",
    summary="Returns the timesheet configuration",
    operation_id="get_timesheet_config",
    responses=answers("TimesheetConfig"),
)
def timesheet_config(actor: ActorDep, session: SessionDep) -> Response:
    config = load_config(session)
    return json_response(
        {
            "trackingMode": config.get("timesheet.mode"),
            "defaultBeginTime": config.get("timesheet.default_begin"),
            "activeEntriesHardLimit": config.get("timesheet.active_entries.hard_limit"),
            "isAllowFutureTimes": config.get("timesheet.rules.allow_future_times"),
            "isAllowOverlapping": config.get("timesheet.rules.allow_overlapping_records"),
        }
    )


@router.get(
    "/config/colors",
    summary="Returns the configured color codes",
    operation_id="get_config_colors",
    responses=answers("ColorConfig"),
)
def colors(actor: ActorDep, session: SessionDep) -> Response:
    return json_response(load_config(session).colors())
