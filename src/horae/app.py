"""The ASGI application: the Kimai API, the web app, static files and error handlers."""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from horae.api.body_limit import BodyLimitMiddleware
from horae.api.errors import install_body_limit_handler, install_error_handlers
from horae.api.responses import KimaiJSONResponse
from horae.api.routing import index_inclusions
from horae.db import Database
from horae.logging import RequestContextMiddleware
from horae.security.authentication import FailureThrottle
from horae.settings import Settings, get_settings
from horae.version import HORAE_VERSION

log = logging.getLogger("horae")

# Each domain's API router, mounted in this order (static paths before parametrised ones).
API_MODULES = (
    "horae.config.api",
    "horae.users.api",
    "horae.teams.api",
    "horae.customers.api",
    "horae.projects.api",
    "horae.activities.api",
    "horae.tags.api",
    "horae.invoices.api",
    "horae.timesheets.api",
    "horae.reporting.api",
    "horae.exports.api",
    "horae.exports.templates",
    "horae.web.api",
)
WEB_MODULES = ("horae.health", "horae.api.docs", "horae.web.views")


class HoraeApp(FastAPI):
    """FastAPI with the request context (request id, access log) outside every other layer.

    Starlette puts its last-resort error handler outside all added middleware; wrapping the
    whole stack lets the 500 answers it writes carry an X-Request-ID and an access line too.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return RequestContextMiddleware(super().build_middleware_stack())


def _include(app: FastAPI, module_name: str) -> None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return
        raise
    router = getattr(module, "router", None)
    if router is not None:
        app.include_router(router)
    # A module may also bring middleware, static files or error handlers (the web app does).
    install = getattr(module, "install", None)
    if install is not None:
        install(app)


_startup_heap_frozen = False
YOUNG_COLLECTION_THRESHOLD = 10_000


def freeze_startup_heap() -> None:
    """Moves the objects that exist once the app is built (modules, models, routes: some 170,000)
    out of the cyclic collector's reach, once per process.

    A full collection runs whenever a quarter as many objects as it last found have outlived the
    younger generations, and walks every object. The all-users month report keeps some 10,000
    objects through its request, so every few such requests the collector walked the whole
    startup heap again: 30 to 70 ms each time, about 12 ms a request on average. Frozen objects
    are still freed by reference counting; only cycles among them are never collected.

    The youngest generation is collected after 10,000 new objects rather than Python's 700: a
    page holds a few thousand rows, cells and strings while it is built, and at 700 each was
    walked and moved up a generation several times over, to die by reference counting a moment
    later (0.2 ms of a dashboard's 7). What a request leaves in cycles (some 250 objects: the
    template's context and macros, the request and its view) waits a little longer.
    """
    global _startup_heap_frozen
    if not _startup_heap_frozen:
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
        _startup_heap_frozen = True


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production_ready()
    database = db or Database(
        settings.database_url,
        echo=settings.sql_echo,
        sqlite_synchronous=settings.sqlite_synchronous,
        answer_cache_bytes=settings.list_cache_mb * 1024 * 1024,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        freeze_startup_heap()
        yield
        if db is None:
            database.dispose()

    app = HoraeApp(
        title="Horae API",
        version=HORAE_VERSION,
        description="Kimai 2 compatible JSON API of Horae.",
        default_response_class=KimaiJSONResponse,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.throttle = FailureThrottle(
        database, settings.auth_failure_limit, settings.auth_failure_window_seconds
    )
    install_error_handlers(app)
    install_body_limit_handler(app)
    # Inside CORS, so that a 413 carries the CORS headers a browser needs to read it.
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Content-Type", "Authorization", "X-AUTH-USER", "X-AUTH-TOKEN"],
        expose_headers=["X-Page", "X-Total-Count", "X-Total-Pages", "X-Per-Page"],
        max_age=3600,
    )
    for name in (*API_MODULES, *WEB_MODULES):
        _include(app, name)
    index_inclusions(app)
    return app
