"""Health endpoints for load balancers and orchestrators; they need no credentials.

`/health/live` says the process answers HTTP and never touches the database, so a slow database
does not get healthy processes restarted. `/health/ready` says whether requests can be served
now: it runs `SELECT 1` on the database.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from horae.api.deps import DatabaseDep
from horae.api.responses import json_response
from horae.api.routing import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/health", tags=["Health"], include_in_schema=False)
log = logging.getLogger("horae.health")
# Never cached: a proxy must not answer for a process that died.
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/live", summary="The process is running", operation_id="get_health_live")
async def live() -> Response:
    return json_response({"status": "ok"}, headers=NO_STORE)


@router.get("/ready", summary="The database answers", operation_id="get_health_ready")
def ready(db: DatabaseDep) -> Response:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("readiness check failed: %s", type(exc).__name__)
        return json_response(
            {"status": "unavailable", "reason": "database unreachable"}, status_code=503, headers=NO_STORE
        )
    return json_response({"status": "ok"}, headers=NO_STORE)
