"""A synchronous handler's unit of work is committed when the handler returns, in the handler's
own call (`api/routing.UnitOfWorkRoute`): by the time the session's end runs, its connection
(and on SQLite the write lock) is already given back. A handler that raises commits nothing."""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations, which name
# a dependency defined inside `probe_app`.
import inspect
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session

from horae.api.routing import UnitOfWorkRoute
from horae.tags.models import Tag
from tests.api.test_routing import leaf_routes
from tests.http import http_client
from tests.reliability.servers import app_server


def probe_app(backend: Any, route_class: type, seen: dict[str, bool]) -> FastAPI:
    """An app with one writing handler; `seen` records whether the session was still in its
    transaction when its end began."""

    def unit_of_work() -> Iterator[Session]:
        with backend.db.session() as session:
            yield session
            seen["open_at_end"] = session.in_transaction()

    UnitOfWork = Annotated[Session, Depends(unit_of_work, scope="function")]
    router = APIRouter(route_class=route_class)

    @router.post("/tags/{name}")
    def add_tag(name: str, session: UnitOfWork) -> dict[str, str]:
        session.add(Tag(name=name))
        session.flush()
        return {"name": name}

    @router.post("/failing/{name}")
    def add_and_fail(name: str, session: UnitOfWork) -> dict[str, str]:
        session.add(Tag(name=name))
        session.flush()
        raise RuntimeError("the handler failed after its flush")

    app = FastAPI()
    app.include_router(router)
    return app


def stored(backend: Any, name: str) -> bool:
    with backend.db.session(write=False) as session:
        return session.scalar(select(Tag.id).where(Tag.name == name)) is not None


@pytest.mark.parametrize(("route_class", "open_at_end"), [(UnitOfWorkRoute, False), (APIRoute, True)])
def test_the_handler_commits_before_the_session_ends(backend, route_class, open_at_end):
    seen: dict[str, bool] = {}
    name = f"uow-{uuid.uuid4().hex[:12]}"
    with app_server(probe_app(backend, route_class, seen)) as base_url, http_client(base_url) as client:
        answer = client.post(f"/tags/{name}")
    assert answer.status_code == 200
    # The plain route leaves the commit to the session's end; ours has committed already.
    assert seen["open_at_end"] is open_at_end
    assert stored(backend, name)


def test_a_handler_that_raises_commits_nothing(backend):
    seen: dict[str, bool] = {}
    name = f"uow-{uuid.uuid4().hex[:12]}"
    with app_server(probe_app(backend, UnitOfWorkRoute, seen)) as base_url, http_client(base_url) as client:
        answer = client.post(f"/failing/{name}")
    assert answer.status_code == 500
    assert not stored(backend, name)


def session_app(backend: Any, made: list[Session]) -> FastAPI:
    """An app on Horae's own request session (`SessionDep`); `made` collects the sessions its
    handlers were given."""
    from horae.api.deps import SessionDep

    router = APIRouter(route_class=UnitOfWorkRoute)

    @router.post("/tags/{name}")
    def add_tag(name: str, session: SessionDep) -> dict[str, Any]:
        made.append(session)
        session.add(Tag(name=name))
        session.flush()
        return {"name": name}

    @router.post("/failing/{name}")
    def add_and_fail(name: str, session: SessionDep) -> dict[str, Any]:
        made.append(session)
        session.add(Tag(name=name))
        session.flush()
        raise RuntimeError("the handler failed after its flush")

    @router.post("/left-open/{name}")
    async def add_and_leave_open(name: str, session: SessionDep) -> dict[str, Any]:
        # An async handler is not committed in its own call: the route's end commits it.
        made.append(session)
        session.add(Tag(name=name))
        session.flush()
        return {"name": name, "open": session.in_transaction()}

    app = FastAPI()
    app.state.db = backend.db
    app.include_router(router)
    return app


def test_the_request_session_is_ended_by_its_route(backend, monkeypatch):
    """`api/deps.get_session` is a plain coroutine; the route (`UnitOfWorkRoute`) ends the
    session once the handler has answered: committed, rolled back when it raised, and closed in
    each case, its connection back in the pool."""
    made: list[Session] = []
    closed: list[Session] = []
    original_close = Session.close

    def close(session: Session) -> None:
        closed.append(session)
        original_close(session)

    names = {kind: f"uow-{kind}-{uuid.uuid4().hex[:8]}" for kind in ("tags", "left-open", "failing")}
    pool = backend.db.engine.pool
    answers = {}
    with app_server(session_app(backend, made)) as base_url:
        checked_out = pool.checkedout()
        monkeypatch.setattr(Session, "close", close)
        for kind, name in names.items():
            # A connection each: the server drops the one a failed handler answered on.
            with http_client(base_url) as client:
                answers[kind] = client.post(f"/{kind}/{name}")
        monkeypatch.setattr(Session, "close", original_close)
        assert pool.checkedout() == checked_out
    assert len(made) == 3
    assert all(any(session is ended for ended in closed) for session in made)
    assert answers["tags"].status_code == 200
    assert answers["failing"].status_code == 500
    assert answers["left-open"].json() == {"name": names["left-open"], "open": True}
    assert stored(backend, names["tags"])
    assert not stored(backend, names["failing"])
    assert stored(backend, names["left-open"])


def test_no_dependency_of_the_application_is_a_generator(backend):
    """FastAPI enters and leaves a generator dependency through a context manager on the
    request's exit stack (about 20 µs a request); the request's session is ended by its route
    instead (`api/deps.end_request_session`)."""
    from horae.app import create_app
    from horae.settings import Settings

    def calls(dependant: Any) -> Iterator[Any]:
        for sub in dependant.dependencies:
            yield sub.call
            yield from calls(sub)

    app = create_app(Settings(database_url=backend.url, environment="test"), db=backend.db)
    generators = [
        (route.path, call.__name__)
        for route in leaf_routes(app.routes)
        for call in calls(route.dependant)
        if inspect.isasyncgenfunction(call) or inspect.isgeneratorfunction(call)
    ]
    assert generators == []


def test_every_route_of_the_application_ends_its_unit_of_work_in_its_handler(backend):
    from horae.app import create_app
    from horae.settings import Settings

    app = create_app(Settings(database_url=backend.url, environment="test"), db=backend.db)
    routes = list(leaf_routes(app.routes))
    assert len(routes) > 100
    assert [route.path for route in routes if not isinstance(route, UnitOfWorkRoute)] == []


def test_every_synchronous_dependency_of_the_application_runs_in_its_handlers_thread(backend):
    """FastAPI hands a synchronous dependency to a worker thread of its own; each of Horae's is
    declared through `in_handler_thread` and made by the route in the handler's thread, so a
    route of the application has no other synchronous dependency, and every route with a
    deferred one is a `UnitOfWorkRoute` with a synchronous handler, which makes them."""
    from horae.api.deferred import is_deferring
    from horae.app import create_app
    from horae.settings import Settings

    def calls(dependant: Any) -> Iterator[Any]:
        for sub in dependant.dependencies:
            yield sub.call
            yield from calls(sub)

    app = create_app(Settings(database_url=backend.url, environment="test"), db=backend.db)
    synchronous, deferring = [], 0
    for route in leaf_routes(app.routes):
        for call in calls(route.dependant):
            if is_deferring(call):
                deferring += 1
                assert isinstance(route, UnitOfWorkRoute), route.path
                assert not inspect.iscoroutinefunction(route.endpoint), route.path
            elif not (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)):
                synchronous.append((route.path, call.__name__))
    assert deferring > 100
    assert synchronous == []


def test_a_request_hands_only_its_handler_to_a_worker_thread(backend, make_user, catalog, monkeypatch):
    """The request's session is made and forgotten on the event loop (`api/deps.get_session`),
    and the caller is authenticated in the handler's own thread (`api/deferred.py`): a worker
    thread is a round trip that costs as much CPU as a small query. A handler that takes only
    the caller (`/api/ping`) ends its authentication's unit of work in its own thread too."""
    from anyio import to_thread

    user = make_user()
    work = catalog.work()
    handed: list[str] = []
    original = to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(getattr(func, "__name__", type(func).__name__))
        return await original(func, *args, **kwargs)

    with user.client() as client:
        client.get("/api/ping")
        monkeypatch.setattr(to_thread, "run_sync", counted)
        listed = client.get("/api/timesheets")
        reading = list(handed)
        handed.clear()
        body = {"project": work.project.id, "activity": work.activity.id}
        started = client.post("/api/timesheets", json=body)
        writing = list(handed)
        handed.clear()
        pinged = client.get("/api/ping")
        pinging = list(handed)
    assert listed.status_code == 200 and started.status_code == 200, started.text
    assert pinged.json() == {"message": "pong"}
    assert len(reading) == 1 and len(writing) == 1, (reading, writing)
    assert len(pinging) == 1, pinging


def test_the_caller_is_known_before_the_body_is_decoded(backend, make_user):
    """The body is decoded after the caller's authentication (`api/deps.read_body`): Kimai
    answers a body that is not JSON with 401 or 403 when the credentials fail, 400 otherwise."""
    user = make_user()
    broken = b'{"project": '
    headers = {"Content-Type": "application/json"}
    with user.client() as client:
        assert client.post("/api/timesheets", content=broken, headers=headers).status_code == 400
    with http_client(user.base_url) as anonymous:
        nobody = anonymous.post("/api/timesheets", content=broken, headers=headers)
        wrong = {**headers, "Authorization": "Bearer not-a-token"}
        bad_token = anonymous.post("/api/timesheets", content=broken, headers=wrong)
        legacy = {**headers, "X-AUTH-USER": user.username, "X-AUTH-TOKEN": "wrong"}
        bad_password = anonymous.post("/api/tags", content=broken, headers=legacy)
    assert nobody.status_code == 401
    assert nobody.json() == {"code": 401, "message": "Unauthorized"}
    assert bad_token.status_code == 401 and bad_token.content == b""
    assert bad_password.status_code == 403 and "code" not in bad_password.json()


def test_deferred_values_are_made_once_in_the_handlers_order_the_late_ones_last():
    from horae.api.deferred import Deferred, make_arguments

    made: list[str] = []

    def make(name: str) -> Any:
        def call(**arguments: Any) -> str:
            made.append(name)
            return f"{name}{sorted(arguments.items())}"

        return call

    caller = Deferred(make("caller"), {})
    form = Deferred(make("form"), {"caller": caller})
    arguments = {
        "body": Deferred(make("body"), {}, late=True),
        "form": form,
        "plain": 7,
        "caller": caller,
    }
    done = make_arguments(arguments)
    assert made == ["caller", "form", "body"]
    assert done == {
        "body": "body[]",
        "form": "form[('caller', 'caller[]')]",
        "plain": 7,
        "caller": "caller[]",
    }
    assert make_arguments({"plain": 7}) == {"plain": 7}
