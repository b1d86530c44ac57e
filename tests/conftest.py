"""Test fixtures: one real database per backend, a real HTTP server in front of each.

HORAE_TEST_DATABASES selects the backends (default: sqlite,postgresql,mariadb). A server that
does not answer is skipped locally and fails the run when CI is set.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, event, exists, literal, select, text, union_all
from sqlalchemy.orm import Session

import horae.models
from horae.app import create_app
from horae.db import Database
from horae.migrate import upgrade
from horae.security.passwords import configure_hasher
from horae.security.permissions import permission_matrix
from horae.settings import Settings
from tests.http import http_client

# Hashes in tests need not resist offline attacks; the production cost stays the library default.
configure_hasher(time_cost=1, memory_cost=1024)

SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test",
}
SELECTED = [
    name.strip()
    for name in os.environ.get("HORAE_TEST_DATABASES", "sqlite,postgresql,mariadb").split(",")
    if name.strip()
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class QueryCounter:
    """Counts the SQL statements an engine runs while active (see `Backend.count_queries`)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.active = False

    def __len__(self) -> int:
        return len(self.statements)


@dataclass
class Backend:
    name: str
    url: str
    db: Database
    base_url: str
    counter: QueryCounter

    def session(self) -> Session:
        return self.db.sessionmaker()

    def count_queries(self) -> QueryCounter:
        """Starts a fresh count; read `len(counter)` after the requests to measure."""
        self.counter.statements.clear()
        self.counter.active = True
        return self.counter


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test process keeps its own handlers
        pass


def _create_database(name: str, tmp_dir: Path) -> tuple[str, Any]:
    db_name = f"horae_test_{uuid.uuid4().hex[:10]}"
    if name == "sqlite":
        return f"sqlite:///{tmp_dir / (db_name + '.sqlite')}", None
    admin_url = SERVERS[name]
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {db_name}"))
    except Exception as exc:
        if os.environ.get("CI"):
            raise RuntimeError(f"{name} is not reachable in CI: {exc}") from exc
        pytest.skip(f"{name} server not reachable: {exc}")

    def drop() -> None:
        with admin.connect() as conn:
            if name == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {db_name}"))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + "/" + db_name, drop


@pytest.fixture(scope="session", params=SELECTED)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    name = request.param
    url, drop = _create_database(name, tmp_path_factory.mktemp(name))
    if name == "postgresql":
        # This database lives for one test run: its commits need not wait for the disk. The
        # crash tests use databases of their own (tests/reliability), which keep the default.
        database = url.rsplit("/", 1)[1]
        with create_engine(SERVERS[name], isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f"ALTER DATABASE {database} SET synchronous_commit = off"))
    settings = Settings(database_url=url, environment="test", default_timezone="Europe/Berlin")
    db = Database(url)
    upgrade(db.engine)
    counter = QueryCounter()

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if counter.active:
            counter.statements.append(statement)

    app = create_app(settings, db=db)
    port = _free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Backend(name, url, db, f"http://127.0.0.1:{port}", counter)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
        if drop:
            drop()


# Children before their parents. The generation counters only ever move forward: served lists
# depend on it.
_CLEANED_TABLES = [
    table for table in reversed(horae.models.metadata.sorted_tables) if table.name != "generations"
]
# The positions in _CLEANED_TABLES of the tables holding any row.
_FILLED_TABLES = union_all(
    *(
        select(literal(index)).where(exists(select(literal(1)).select_from(table)))
        for index, table in enumerate(_CLEANED_TABLES)
    )
)


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from empty tables."""
    yield
    if "backend" not in request.fixturenames:
        return
    backend: Backend = request.getfixturevalue("backend")
    backend.counter.active = False
    with backend.db.session() as session:
        # A test fills a few of the tables: one statement finds them, and only they are emptied.
        for (index,) in session.execute(_FILLED_TABLES):
            session.execute(_CLEANED_TABLES[index].delete())
    permission_matrix.invalidate()


@pytest.fixture
def db(backend: Backend) -> Database:
    return backend.db


@pytest.fixture
def http(backend: Backend) -> Iterator[httpx.Client]:
    """An HTTP client without credentials."""
    with http_client(base_url=backend.base_url, timeout=30) as client:
        yield client


pytest_plugins = [
    "tests.factories.users",
    "tests.factories.web",
    "tests.factories.timesheets",
    "tests.factories.catalog",
    "tests.factories.reporting",
    "tests.factories.teams",
    "tests.factories.tags",
    "tests.factories.invoices",
]
