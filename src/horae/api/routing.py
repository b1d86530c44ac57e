"""The routes of Horae: a synchronous handler ends the request's unit of work in its own thread,
and a request is matched only against the routers whose paths could take it.

FastAPI runs a plain handler on a worker thread, and the request session's end (`api/deps.
end_request_session`) comes only after the handler's result has made a round trip through the
event loop. A writing unit of work on SQLite holds the write lock until it ends, so every other
writer would wait for that round trip too. Committed at the handler's return, in the handler's
thread, the unit of work gives its connection (and with it the lock) back at once; the
session's end then only forgets it, on the event loop.
The unit of work's rule is unchanged: committed when the handler returns, rolled back when it
raises, before the answer leaves.

FastAPI matches a request against every route in order, each included router walking all of its
routes with a regular expression and a scope update per route, and then once more to handle the
chosen one: some 80 routes before `POST /api/timesheets`, 130 before a web page, about 2.5 µs
each. Every route's path starts with a literal part (up to its first `{parameter}`), and no
path can match a route whose literal part it does not start with; `index_inclusions` gives each
router the app includes its routes' literal parts, and the router answers "no match" at once for
a path that starts with none of them. Which route answers is unchanged: the routers are still
tried in order and a candidate router still matches exactly as FastAPI does.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, _IncludedRouter
from sqlalchemy.orm import Session
from starlette._utils import get_route_path
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from horae.api.deferred import make_arguments
from horae.api.deps import end_request_session, request_session


def _committing(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        # The dependencies marked to run here (`api/deferred.py`), the caller's first.
        kwargs = make_arguments(kwargs)
        answer = handler(*args, **kwargs)
        sessions = [value for value in kwargs.values() if isinstance(value, Session)]
        # A handler that takes only the caller (`/api/ping`) ends the unit of work its
        # authentication read in here too, not in one more hand-off to a thread.
        own = request_session()
        if own is not None and own not in sessions:
            sessions.append(own)
        for session in sessions:
            if session.in_transaction():
                session.commit()
        return answer

    return run


class UnitOfWorkRoute(APIRoute):
    """An APIRoute whose synchronous handler commits the session it was given when it returns,
    and which ends the request's session (`api/deps.end_request_session`) once the handler has
    answered or failed, before the answer leaves."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_in_unit_of_work(request: Request) -> Response:
            try:
                response = await handle(request)
            except BaseException:
                await end_request_session(request.scope, failed=True)
                raise
            await end_request_session(request.scope, failed=False)
            return response

        return handle_in_unit_of_work


class _IndexedInclusion(_IncludedRouter):
    """An included router that declines at once a path none of its routes' literal parts starts."""

    literal_parts: tuple[str, ...]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.literal_parts):
            return Match.NONE, {}
        return super().matches(scope)


def _literal_parts(routes: list[BaseRoute], prefix: str) -> list[str] | None:
    """The literal start of every route's path (None when a route has no plain path)."""
    parts: list[str] = []
    for route in routes:
        if isinstance(route, _IncludedRouter):
            found = _literal_parts(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, Route | Mount):
            found = [(prefix + route.path).split("{", 1)[0]]
        else:
            found = None
        if found is None:
            return None
        parts.extend(found)
    return parts


def index_inclusions(app: FastAPI) -> None:
    """Gives each router the app includes the literal parts of its routes' paths (see above)."""
    for route in app.router.routes:
        if type(route) is not _IncludedRouter:
            continue
        parts = _literal_parts(route.original_router.routes, route.include_context.prefix)
        if parts is None or "" in parts:
            continue
        # FastAPI made the inclusion; it keeps its identity and, for every check FastAPI makes
        # (the OpenAPI document, the slash redirect), its kind.
        route.__class__ = _IndexedInclusion
        route.literal_parts = tuple(sorted(set(parts)))  # type: ignore[attr-defined]
