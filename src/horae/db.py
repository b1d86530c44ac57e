"""Engine, sessions and the declarative base shared by every domain's models."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    Select,
    create_engine,
    event,
    func,
    literal_column,
    select,
)
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as naive UTC on every backend and read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes cannot be stored as instants")
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, the stored text in one step: what `process_bind_param` and SQLite's DATETIME
        processor give one after the other (whole seconds in UTC, in SQLAlchemy's default
        storage format), about 0.7 µs less for each instant a statement binds."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetimes cannot be stored as instants")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "seconds") + ".000000"

        return process


def inline_int(value: int) -> ColumnElement[int]:
    """An integer written into the text of a statement that is built once and kept, instead of a
    value bound and sent at every execution."""
    return literal_column(str(int(value)), Integer)


def inline_ids(ids: Iterable[int]) -> list[ColumnElement[int]]:
    """Ids written into a statement's text, for `column.in_(...)` in a statement kept per set of
    ids. A list of values is an expanding parameter instead, whose SQL SQLAlchemy renders again
    at every execution (about 30 µs for the team filters of a timesheet list)."""
    return [inline_int(value) for value in sorted(ids)]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


SQLITE_SYNCHRONOUS = ("NORMAL", "FULL")
# How long a SQLite writer waits for the write lock before the statement fails.
SQLITE_BUSY_SECONDS = 30
# Marks, in a pooled connection's info, that it holds this process's SQLite writer lock.
_WRITER_HELD = "horae_writer_held"


def make_engine(url: str, echo: bool = False, sqlite_synchronous: str = "NORMAL") -> Engine:
    """Creates an engine tuned for the backend named by the URL."""
    parsed = make_url(url)
    # Error messages leave the bound values out: they would carry hashes and personal data into
    # the logs. SQL echo, a debugging aid, shows them.
    kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": not echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
        kwargs["pool_size"] = 8
        kwargs["max_overflow"] = 32
        # The connection given back last is handed out first: its page cache and prepared
        # statements are the warm ones. In turn (the default), a quiet server walked through every
        # connection a busy minute had opened, each request on a cold cache: after ten
        # connections' load, one connection's dashboard took a fifth longer.
        kwargs["pool_use_lifo"] = True
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, sqlite_synchronous)
        return engine
    kwargs["pool_pre_ping"] = True
    kwargs["pool_size"] = 10
    kwargs["max_overflow"] = 20
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        kwargs["isolation_level"] = "READ COMMITTED"
        kwargs["pool_recycle"] = 3600
        url = str(parsed.update_query_dict({"charset": "utf8mb4"}).render_as_string(hide_password=False))
    return create_engine(url, **kwargs)


# Each connection's page cache (SQLite's default is 2 MiB). The dashboard's, a teamlead's list's
# and the pages' statements read a few MiB of pages over and over; with 2 MiB each pass read most
# of them from the file again (about a tenth of those requests' CPU). The memory is taken as
# pages are read, at most this much for each open connection.
SQLITE_CACHE_KIB = 8000


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"unsupported SQLite synchronous mode {synchronous!r}")

    # The driver's own transaction handling is switched off so that a write transaction can
    # start with BEGIN IMMEDIATE: two writers then queue on the lock instead of failing on a
    # stale snapshot, and read-modify-write rules (the active timer limit) stay serialized.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses nothing when the process dies; only an OS crash or power
        # loss can drop the last commits, which FULL prevents at the price of an fsync each.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    # One writer at a time within this process: a writer waits on this lock, woken the moment it
    # is free, rather than in SQLite's busy handler, which sleeps up to 100 ms between tries and
    # lets newcomers overtake (seconds at the 99th percentile with ten concurrent writers).
    # Writers in other processes still queue on SQLite's own lock (busy_timeout). The lock is
    # taken at BEGIN IMMEDIATE and given back when the connection returns to the pool, after
    # its COMMIT or ROLLBACK (possibly from another thread: a plain Lock allows that).
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not connection.get_execution_options().get("horae_write", False):
            # Straight to the driver: a deferred BEGIN takes no lock and cannot wait or fail,
            # and each request starts one (through SQLAlchemy's execution path it costs 10 µs more).
            connection.connection.driver_connection.execute("BEGIN")
            return
        info = connection.info
        if not info.get(_WRITER_HELD):
            # Past the busy timeout SQLite decides, as it would without this lock.
            info[_WRITER_HELD] = writer.acquire(timeout=SQLITE_BUSY_SECONDS)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _give_back(info)
            raise

    def _give_back(info: dict[Any, Any]) -> None:
        if info.pop(_WRITER_HELD, False):
            writer.release()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        _give_back(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        _give_back(record.info)


def count_rows(session: Session, statement: Select[Any]) -> int:
    """How many rows a list statement selects, in one COUNT (the page is read apart)."""
    return int(session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0)


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


class Database:
    """The engine and session factory of one running application."""

    def __init__(
        self,
        url: str,
        echo: bool = False,
        sqlite_synchronous: str = "NORMAL",
        answer_cache_bytes: int | None = None,
    ) -> None:
        # Every mapper must be known before the first query resolves relationships by name.
        import horae.models  # noqa: F401
        from horae.catalog_cache import DEFAULT_BUDGET_BYTES, AnswerCache, KeptValues
        from horae.security.caller import KeptCallers

        self.url = url
        self.engine = make_engine(url, echo=echo, sqlite_synchronous=sqlite_synchronous)
        # Built catalog lists, served again while the catalog is unchanged (catalog_cache.py).
        self.answer_cache = AnswerCache(
            DEFAULT_BUDGET_BYTES if answer_cache_bytes is None else answer_cache_bytes
        )
        # The callers and the values kept while their generations hold (catalog_cache.py,
        # security/caller.py), per database: another database's generations are unrelated.
        info = {"answer_cache": self.answer_cache, "kept_values": KeptValues(), "kept_callers": KeptCallers()}
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False, autoflush=True, info=info)
        # On SQLite a writing unit of work starts with BEGIN IMMEDIATE (see _configure_sqlite);
        # the transaction begins lazily, at the first statement.
        self.write_sessionmaker = sessionmaker(
            self.engine.execution_options(horae_write=True), expire_on_commit=False, autoflush=True, info=info
        )

    @contextmanager
    def session(self, write: bool = True) -> Iterator[Session]:
        """One unit of work: commits when the block succeeds, rolls back on any error."""
        session = (self.write_sessionmaker if write else self.sessionmaker)()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
