"""Structured logs: one JSON object per line, a request id on every line, one access line per request.

Nothing here ever reads request headers other than X-Request-ID, request bodies or cookies, so
credentials cannot reach the logs through the access line; query strings are logged with the
values of credential-like parameters replaced.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import MutableMapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it is a short plain token: it ends up in every log line.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# Query parameters whose values are never written out.
_SECRET_PARAMETER = re.compile(r"pass|token|secret|auth|key|session|cookie|signature|credential", re.I)
# A last line of defence for free-text messages (exceptions, third-party libraries).
_SECRET_IN_TEXT = re.compile(
    r"(?P<name>\b(?:bearer|basic)\s+"
    r"|\b(?:x-auth-token|authorization|cookie|set-cookie)[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic)\s+)?"
    r"|\b(?:plain_?password|password|api_?password|api_?token|token|secret)[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>[^\s\"',;&]+)",
    re.I,
)
REDACTED = "[redacted]"
MAX_LOGGED_PATH = 2000
# Orchestrators poll these; their successful answers are logged at DEBUG only.
QUIET_PATHS = ("/health/live", "/health/ready")

access_log = logging.getLogger("horae.access")
_request_id: ContextVar[str | None] = ContextVar("horae_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled by this task or thread, if any."""
    return _request_id.get()


def redact_text(text: str) -> str:
    return _SECRET_IN_TEXT.sub(lambda m: m.group("name") + REDACTED, text)


def redact_query(query: str) -> str:
    """The query string with the values of credential-like parameters replaced."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    cleaned = [(name, REDACTED if _SECRET_PARAMETER.search(name) else value) for name, value in pairs]
    return urlencode(cleaned, safe="[]:,/")[:1000]


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, message and the request context."""

    CONTEXT_FIELDS = ("method", "path", "query", "status", "duration_ms", "user_id", "client")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact_text(record.getMessage()),
            # Tells the workers of one server apart.
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for name in self.CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = redact_text(self.formatException(record.exc_info))
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A logging.config dictionary: JSON lines on standard error; uvicorn's access log silenced."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "horae.logging.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            # The RequestContextMiddleware writes the access lines.
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def request_id_for(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a sane token, else a new random one."""
    incoming = _header(scope, b"x-request-id")
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Gives every HTTP request an id (echoed in X-Request-ID) and writes one access line for it.

    It sits outside every other layer, so that even an answer written by the last-resort error
    handler carries the id and is logged. The authentication dependency leaves the user's id in
    the request state (`user_id`), which the access line reports.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        token = _request_id.set(request_id)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status: int | None = None
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (k, v) for k, v in message.get("headers", ()) if bytes(k).lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status = status or 500
            raise
        finally:
            self._log(scope, state, status, started)
            _request_id.reset(token)

    @staticmethod
    def _log(scope: Scope, state: MutableMapping[str, Any], status: int | None, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        path = str(scope.get("path", ""))[:MAX_LOGGED_PATH]
        method = scope.get("method", "")
        if status is None:
            # The client went away before an answer was written.
            status = 499
        level = logging.INFO
        if status >= 500:
            level = logging.ERROR
        elif path in QUIET_PATHS and status < 400:
            level = logging.DEBUG
        if not access_log.isEnabledFor(level):
            return
        client = scope.get("client")
        query = redact_query(bytes(scope.get("query_string", b"")).decode("latin-1"))
        access_log.log(
            level,
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "method": method,
                "path": path,
                "query": query or None,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": state.get("user_id"),
                "client": client[0] if client else None,
            },
        )
