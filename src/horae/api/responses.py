"""JSON responses written with orjson, as Kimai writes them (nulls kept, slashes unescaped)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse
from starlette.responses import Response


class KimaiJSONResponse(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> KimaiJSONResponse:
    return KimaiJSONResponse(content, status_code=status_code, headers=headers)


def no_content() -> Response:
    """The empty 204 answer of a successful delete."""
    return Response(status_code=204)
