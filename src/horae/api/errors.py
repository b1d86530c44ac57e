"""The one place that turns errors into Kimai's error bodies."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from horae.api.responses import json_response
from horae.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    ServiceValidationFailed,
    ValidationFailed,
)

log = logging.getLogger("horae.api")


class Unauthorized(Exception):
    """No usable credentials at all."""


class LegacyAuthFailed(Exception):
    """X-AUTH-USER/X-AUTH-TOKEN refused: Kimai answers 403 with a message and no code."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class BearerAuthFailed(Exception):
    """A Bearer token refused: 401 with an empty body and a WWW-Authenticate header."""

    def __init__(self, description: str = "Invalid credentials.") -> None:
        self.description = description
        super().__init__(description)


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"retry after {retry_after}s")


def generic_body(status: int) -> dict[str, object]:
    return {"code": status, "message": HTTPStatus(status).phrase}


def generic_error(status: int, headers: dict[str, str] | None = None) -> Response:
    return json_response(generic_body(status), status_code=status, headers=headers)


def validation_body(exc: ValidationFailed) -> dict[str, object]:
    children: dict[str, dict[str, Any]] = {}

    def node(path: str) -> dict[str, Any]:
        # A dotted path ("members.0.user") is a field of a nested form, listed under "children".
        *parents, leaf = path.split(".")
        level = children
        for part in parents:
            level = level.setdefault(part, {}).setdefault("children", {})
        return level.setdefault(leaf, {})

    for name in exc.fields:
        node(name)
    for name, messages in exc.field_errors.items():
        node(name)["errors"] = messages
    errors: dict[str, object] = {}
    if exc.global_errors:
        errors["errors"] = exc.global_errors
    errors["children"] = children
    return {"code": 400, "message": "Validation Failed", "errors": errors}


def service_validation_body(exc: ServiceValidationFailed) -> dict[str, object]:
    children = {path: {"errors": messages} for path, messages in exc.violations.items()}
    return {"code": "400", "message": exc.message, "errors": {"children": children}}


def install_error_handlers(app: FastAPI) -> None:
    """Registers the handlers; web pages register their own HTML variants on top (see web/)."""

    @app.exception_handler(ValidationFailed)
    async def _validation(request: Request, exc: ValidationFailed) -> Response:
        return json_response(validation_body(exc), status_code=400)

    @app.exception_handler(ServiceValidationFailed)
    async def _service_validation(request: Request, exc: ServiceValidationFailed) -> Response:
        return json_response(service_validation_body(exc), status_code=400)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return generic_error(404)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return generic_error(403)

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> Response:
        return generic_error(400)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> Response:
        return generic_error(400)

    @app.exception_handler(Gone)
    async def _gone(request: Request, exc: Gone) -> Response:
        return json_response({"code": 410, "message": str(exc)}, status_code=410)

    @app.exception_handler(RequestValidationError)
    async def _bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        return generic_error(400)

    @app.exception_handler(Unauthorized)
    async def _unauthorized(request: Request, exc: Unauthorized) -> Response:
        return generic_error(401)

    @app.exception_handler(LegacyAuthFailed)
    async def _legacy(request: Request, exc: LegacyAuthFailed) -> Response:
        return json_response({"message": exc.message}, status_code=403)

    @app.exception_handler(BearerAuthFailed)
    async def _bearer(request: Request, exc: BearerAuthFailed) -> Response:
        header = f'Bearer error="invalid_token",error_description="{exc.description}"'
        return Response(status_code=401, headers={"WWW-Authenticate": header})

    @app.exception_handler(TooManyAttempts)
    async def _too_many(request: Request, exc: TooManyAttempts) -> Response:
        return generic_error(429, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code in (301, 302, 303, 307, 308):
            return Response(status_code=exc.status_code, headers=headers)
        return generic_error(exc.status_code, headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return generic_error(500)


def install_body_limit_handler(app: FastAPI) -> None:
    from horae.api.body_limit import PAYLOAD_TOO_LARGE
    from horae.api.deps import BodyTooLarge

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> Response:
        return json_response(PAYLOAD_TOO_LARGE, status_code=413)
