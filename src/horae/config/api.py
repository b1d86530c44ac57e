"""Status and configuration endpoints: ping, version, plugins, timesheet config, colours."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from horae.api.deps import ActorDep, SessionDep
from horae.api.responses import json_response
from horae.config.service import load_config
from horae.version import KIMAI_VERSION, KIMAI_VERSION_ID

router = APIRouter(prefix="/api", tags=["Default"])


@router.get("/ping", summary="A testing route for the API", operation_id="get_ping")
def ping(actor: ActorDep) -> Response:
    return json_response({"message": "pong"})


@router.get("/version", summary="Returns information about the Kimai release", operation_id="get_version")
def version(actor: ActorDep) -> Response:
    return json_response(
        {
            "version": KIMAI_VERSION,
            "versionId": KIMAI_VERSION_ID,
            "copyright": f"Kimai {KIMAI_VERSION} by Kevin Papst.",
        }
    )


@router.get("/plugins", summary="Returns a list of plugin names and versions", operation_id="get_plugins")
def plugins(actor: ActorDep) -> Response:
    return json_response([])


@router.get(
    "/config/timesheet",
    summary="Returns the timesheet configuration",
    tags=["System"],
    operation_id="get_timesheet_config",
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
    tags=["System"],
    operation_id="get_config_colors",
)
def colors(actor: ActorDep, session: SessionDep) -> Response:
    return json_response(load_config(session).colors())
