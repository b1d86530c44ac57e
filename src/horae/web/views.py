"""The web app for people: pages, static files, security headers and HTML error pages.

app.py calls `install(app)`, which includes each area's router on its own, so that a request is
matched only against the areas whose paths could take it (`api/routing.py`). Pages call the
domain services directly, never the API over HTTP; the pages' own scripts call /api with the
session cookie.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

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


def install(app: FastAPI) -> None:
    for module in PAGE_MODULES:
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeadersMiddleware)
    install_web_error_handlers(app)
