"""The web app for people: pages, static files, security headers and HTML error pages.

app.py mounts `router` and calls `install(app)`. Pages call the domain services directly,
never the API over HTTP; the pages' own scripts call /api with the session cookie.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles

from horae.api.routing import UnitOfWorkRoute
from horae.web import (
    admin,
    catalog,
    dashboard,
    exports,
    profile,
    reports,
    signin,
    tags,
    teams,
    tracking,
    users,
)
from horae.web.errors import install_web_error_handlers
from horae.web.headers import SecurityHeadersMiddleware
from horae.web.rendering import STATIC_DIR

# Each module holds the pages of one area; later areas (tracking, catalog) join this list.
PAGE_MODULES = (signin, dashboard, tracking, exports, reports, catalog, tags, users, teams, profile, admin)

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
for module in PAGE_MODULES:
    router.include_router(module.router)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeadersMiddleware)
    install_web_error_handlers(app)
