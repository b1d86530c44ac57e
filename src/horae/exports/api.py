"""GET /api/export/timesheets.csv and .xlsx: a Horae extension of the Kimai API.

Kimai's /api/export/{id} only deletes export templates; these two GET paths mean nothing there,
so Kimai clients are unaffected. They take the filters of GET /api/timesheets (without paging:
every matching row is streamed, there is no item cap), `columns[]` and `markAsExported`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from horae.api.deps import ActorDep, DatabaseDep, SessionDep
from horae.api.openapi import query_parameters
from horae.api.routing import UnitOfWorkRoute
from horae.db import Database
from horae.exports.query import QueryValues, parse_export_request
from horae.exports.service import PreparedExport, prepare_export, run_export
from horae.exports.writers import FORMATS

EXTENSION_TAG = "Horae extension"
router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=[EXTENSION_TAG])

_END = object()


async def _in_threads(chunks: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """Runs the blocking export in worker threads; closes it (rolling back) if the client leaves."""
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(next, chunks, _END)
            if chunk is _END:
                break
            yield chunk  # type: ignore[misc]
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(chunks.close)


def export_response(db: Database, prepared: PreparedExport) -> StreamingResponse:
    """The export file as a download, streamed from worker threads (the API and the web app)."""
    headers = {
        "Content-Disposition": f'attachment; filename="{prepared.filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(
        _in_threads(run_export(db, prepared)), media_type=prepared.format.media_type, headers=headers
    )


def _parameters() -> dict[str, Any]:
    """The query parameters for the API document (parsed from the raw query string)."""
    text: dict[str, Any] = {"type": "string"}
    ids: dict[str, Any] = {"type": "array", "items": {"type": "string", "pattern": r"^\d+$"}}
    flag: dict[str, Any] = {"type": "string", "enum": ["0", "1"]}
    moment: dict[str, Any] = {"type": "string", "example": "2024-03-01T00:00:00"}
    spec = [
        ("user", text, "User id or `all` (needs view_other_timesheet; others get their own records)"),
        ("users[]", ids, "Several user ids"),
        ("customer", text, "Customer id"),
        ("customers[]", ids, "Customer ids"),
        ("project", text, "Project id"),
        ("projects[]", ids, "Project ids"),
        ("activity", text, "Activity id"),
        ("activities[]", ids, "Activity ids"),
        ("tags[]", {"type": "array", "items": text}, "Tag names: records with any of them"),
        ("begin", moment, "Records that begin at or after this local time (YYYY-MM-DDTHH:MM:SS)"),
        ("end", moment, "Records that begin at or before this local time"),
        ("exported", flag, "1 exported only, 0 not exported only"),
        ("billable", flag, "1 billable only, 0 not billable only"),
        ("active", flag, "1 running only, 0 stopped only"),
        ("modified_after", moment, "Records saved at or after this UTC time"),
        ("term", text, "Search: words in the description, !word to exclude, name:value on custom fields"),
        ("orderBy", {"type": "string", "enum": ["id", "begin", "end", "rate"]}, "Default: begin"),
        ("order", {"type": "string", "enum": ["ASC", "DESC"]}, "Default: ASC"),
        ("columns[]", {"type": "array", "items": text}, "Columns in order (default: Kimai's export columns)"),
        (
            "markAsExported",
            {"type": "string", "enum": ["0", "1", "true", "false"]},
            "Mark the rows as exported",
        ),
    ]
    return {"x-horae-extension": True, "parameters": query_parameters(spec)}


def _export(export_format: str) -> Callable[..., Response]:
    def handler(request: Request, actor: ActorDep, session: SessionDep, db: DatabaseDep) -> Response:
        query = QueryValues(list(request.query_params.multi_items()))
        prepared = prepare_export(session, actor, parse_export_request(session, actor, export_format, query))
        return export_response(db, prepared)

    return handler


for _name in ("csv", "xlsx"):
    router.add_api_route(
        f"/export/timesheets.{_name}",
        _export(_name),
        methods=["GET"],
        operation_id=f"get_horae_export_timesheets_{_name}",
        summary=f"Exports the filtered timesheet list as {_name.upper()} (Horae extension)",
        description="Takes the filters of `GET /api/timesheets`, streams every matching row (no paging, "
        "no item cap). Own records need `export_own_timesheet`; other users' records "
        "`view_other_timesheet` and `export_other_timesheet`; rate columns the rate permissions; "
        "`markAsExported=1` `edit_export_own_timesheet` (and `edit_export_other_timesheet`).",
        responses={
            200: {"description": "The file", "content": {FORMATS[_name].media_type: {}}},
            400: {"description": "Bad request"},
            401: {"description": "Authentication required"},
            403: {"description": "Forbidden"},
        },
        openapi_extra=_parameters(),
        response_class=Response,
    )
