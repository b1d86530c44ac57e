"""A request is matched only against the included routers whose paths could take it
(`api/routing.index_inclusions`), and it ends at the route it ended at without that index."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from fastapi.routing import APIRoute, _IncludedRouter
from starlette.routing import Mount

from horae.api.routing import _IndexedInclusion
from horae.app import create_app
from horae.db import Database
from horae.migrate import upgrade
from horae.settings import Settings

PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path_factory.mktemp('routing') / 'horae.sqlite'}"
    db = Database(url)
    upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    """An event loop of the tests' own, in a thread (another test may have one in this thread)."""
    with start_blocking_portal() as running:
        yield running


def application(db: Database, indexed: bool) -> FastAPI:
    app = create_app(Settings(database_url=db.url, environment="test"), db=db)
    if not indexed:
        for route in app.router.routes:
            if isinstance(route, _IndexedInclusion):
                route.__class__ = _IncludedRouter
    return app


def leaf_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif isinstance(route, _IncludedRouter):
            yield from leaf_routes(route.original_router.routes)


def concrete(path: str) -> str:
    """A path the route's pattern takes: every parameter filled with a plausible value."""
    return PARAMETER.sub(lambda m: "7" if m.group(2) == "int" or m.group(1) == "id" else "x", path)


def requests_of(app: FastAPI) -> list[tuple[str, str]]:
    """Every route's path with each of its methods, a method it does not take, and the path
    with a trailing slash toggled; paths no route takes."""
    wanted: set[tuple[str, str]] = set()
    for route in leaf_routes(app.router.routes):
        path = concrete(route.path)
        for method in route.methods or ():
            wanted.add((method, path))
        wanted.add(("DELETE" if "DELETE" not in (route.methods or ()) else "PUT", path))
        wanted.add(("GET", path[:-1] if path.endswith("/") and len(path) > 1 else path + "/"))
    wanted |= {
        ("GET", "/api/nowhere"),
        ("GET", "/nowhere"),
        ("GET", "/static/css/app.css"),
        ("GET", "/api"),
        ("GET", "/"),
    }
    return sorted(wanted)


def serve(
    portal: BlockingPortal, app: FastAPI, method: str, path: str, root_path: str = ""
) -> tuple[int, str | None]:
    """The status of one request and the route that answered it, called as an ASGI server would
    (behind a proxy that mounts the application at `root_path`, the path starts with it)."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    portal.call(app, scope, receive, send)
    route = scope.get("route")
    return statuses[0], f"{route.path} {sorted(route.methods or ())}" if route is not None else None


def test_every_request_ends_where_it_ends_without_the_index(database, portal):
    indexed, plain = application(database, indexed=True), application(database, indexed=False)
    requests = requests_of(indexed)
    assert len(requests) > 300
    different = {
        (method, path): (serve(portal, indexed, method, path), serve(portal, plain, method, path))
        for method, path in requests
    }
    different = {request: pair for request, pair in different.items() if pair[0] != pair[1]}
    assert different == {}


def test_the_answers_that_depend_on_the_order_of_the_routes(database, portal):
    app = application(database, indexed=True)
    # A literal path declared beside parametrised ones of the same router.
    assert serve(portal, app, "GET", "/api/timesheets/active") == (401, "/api/timesheets/active ['GET']")
    # Mounted under a prefix by a proxy: the routes see the path without it.
    assert serve(portal, app, "GET", "/horae/api/tags/find", root_path="/horae") == (
        401,
        "/api/tags/find ['GET']",
    )
    # A known path with a method none of its routes takes.
    assert serve(portal, app, "PUT", "/api/ping")[0] == 405
    assert serve(portal, app, "GET", "/api/nowhere") == (404, None)
    assert serve(portal, app, "GET", "/static/nothing-here.css")[0] == 404


def test_a_request_does_not_walk_routers_whose_paths_cannot_take_it(database, portal):
    app = application(database, indexed=True)
    inclusions = [route for route in app.router.routes if isinstance(route, _IncludedRouter)]
    # Every router the application includes is indexed (none has a route without a literal start).
    assert all(isinstance(route, _IndexedInclusion) for route in inclusions)
    walked: list[str] = []
    for route in inclusions:
        original = route.original_router

        def spy(scope: Any, original: Any = original, name: str = route.literal_parts[0]) -> Any:
            walked.append(name)
            return type(original).matches(original, scope)

        original.matches = spy  # type: ignore[method-assign]
    try:
        assert serve(portal, app, "GET", "/api/tags/find")[0] == 401
    finally:
        for route in inclusions:
            del route.original_router.matches
    # Only the tags router's paths start with /api/tags.
    assert walked == ["/api/tags"]


def test_mounts_and_routes_give_their_literal_start(database):
    app = application(database, indexed=True)
    tags = next(
        route
        for route in app.router.routes
        if isinstance(route, _IndexedInclusion) and "/api/tags/find" in route.literal_parts
    )
    assert tags.literal_parts == ("/api/tags", "/api/tags/", "/api/tags/find")
    assert any(isinstance(route, Mount) and route.path == "/static" for route in app.router.routes)
