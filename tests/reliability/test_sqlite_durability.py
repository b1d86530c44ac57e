"""SQLite runs in WAL mode; synchronous is NORMAL unless the operator asks for FULL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import event, text

from horae.app import create_app
from horae.db import SQLITE_CACHE_KIB, Database
from horae.migrate import upgrade
from horae.settings import Settings

NORMAL, FULL = 1, 2  # the values PRAGMA synchronous reports


def pragmas(db: Database) -> tuple[str, int]:
    with db.engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    return str(journal), int(synchronous or 0)


def test_sqlite_defaults_to_wal_with_synchronous_normal(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'h.sqlite'}")
    try:
        assert pragmas(db) == ("wal", NORMAL)
    finally:
        db.dispose()


def test_every_connection_keeps_a_larger_page_cache(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'h.sqlite'}")
    try:
        with db.engine.connect() as first, db.engine.connect() as second:
            for connection in (first, second):
                assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
        assert SQLITE_CACHE_KIB > 2000  # SQLite's own default
    finally:
        db.dispose()


def test_the_pool_hands_out_the_connection_given_back_last(tmp_path: Path):
    """Its page cache is the warm one; in turn, a quiet server would use every connection a
    busy minute opened."""
    db = Database(f"sqlite:///{tmp_path / 'h.sqlite'}")
    try:
        connections = [db.engine.connect() for _ in range(3)]
        opened = [c.connection.driver_connection for c in connections]
        for connection in connections:  # given back in the order opened: the third goes back last
            connection.close()
        for _ in range(3):
            with db.engine.connect() as again:
                assert again.connection.driver_connection is opened[2]
    finally:
        db.dispose()


def test_operators_can_ask_for_synchronous_full(tmp_path: Path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'h.sqlite'}", sqlite_synchronous="full")
    assert settings.sqlite_synchronous == "FULL"
    app = create_app(settings)
    try:
        assert pragmas(app.state.db) == ("wal", FULL)
    finally:
        app.state.db.dispose()


@pytest.mark.parametrize("value", ["OFF", "EXTRA", "0", ""])
def test_unsafe_or_unknown_synchronous_modes_are_refused(value):
    with pytest.raises(ValidationError):
        Settings(sqlite_synchronous=value)


def test_the_body_limit_must_be_positive():
    with pytest.raises(ValidationError):
        Settings(max_body_bytes=0)
    assert Settings(max_body_bytes=10).max_body_bytes == 10


def test_the_body_limit_and_log_level_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("HORAE_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("HORAE_LOG_LEVEL", "warning")
    monkeypatch.setenv("HORAE_SQLITE_SYNCHRONOUS", "FULL")
    settings = Settings()
    assert (settings.max_body_bytes, settings.log_level, settings.sqlite_synchronous) == (
        4096,
        "WARNING",
        "FULL",
    )


def _write(db: Database, value: str, hold: threading.Event | None = None) -> None:
    with db.session() as session:
        session.execute(text("INSERT INTO configuration (name, value) VALUES (:n, :n)"), {"n": value})
        if hold is not None:
            hold.wait(10)


def test_writers_of_one_process_queue_on_its_lock_not_in_sqlites_busy_handler(tmp_path: Path):
    """A second writer does not send BEGIN IMMEDIATE (and sleep in SQLite's busy handler)
    while the first holds the write lock: it is woken when the first has committed."""
    db = Database(f"sqlite:///{tmp_path / 'h.sqlite'}")
    upgrade(db.engine)
    sent: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda _c, _u, sql, *_rest: sent.append(sql))
    event.listen(db.engine, "commit", lambda _connection: sent.append("COMMIT"))
    release = threading.Event()
    first = threading.Thread(target=_write, args=(db, "first", release))
    try:
        first.start()
        while not any(sql.startswith("INSERT") for sql in sent):
            time.sleep(0.01)
        second = threading.Thread(target=_write, args=(db, "second"))
        second.start()
        time.sleep(0.3)  # the second writer reaches its BEGIN
        release.set()
        first.join(10)
        second.join(10)
    finally:
        release.set()
        db.dispose()
    transactions = [sql for sql in sent if sql in ("BEGIN IMMEDIATE", "COMMIT")]
    assert transactions == ["BEGIN IMMEDIATE", "COMMIT", "BEGIN IMMEDIATE", "COMMIT"]


def test_a_connection_keeps_the_writer_lock_across_its_transactions(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'h.sqlite'}")
    upgrade(db.engine)
    try:
        with db.engine.execution_options(horae_write=True).connect() as connection:
            for value in ("one", "two"):
                with connection.begin():
                    connection.execute(
                        text("INSERT INTO configuration (name, value) VALUES (:n, :n)"), {"n": value}
                    )
        _write(db, "three")
        with db.session(write=False) as session:
            names = session.scalars(text("SELECT name FROM configuration ORDER BY name")).all()
    finally:
        db.dispose()
    assert names == ["one", "three", "two"]


def test_a_reading_unit_of_work_sees_one_snapshot(tmp_path: Path):
    """A read transaction begins with the unit of work's first statement (its BEGIN goes
    straight to the driver): a commit made meanwhile elsewhere stays unseen until it ends."""
    db = Database(f"sqlite:///{tmp_path / 'h.sqlite'}")
    upgrade(db.engine)
    count = text("SELECT count(*) FROM configuration")
    try:
        with db.session(write=False) as reader:
            before = reader.scalar(count)
            _write(db, "meanwhile")
            during = reader.scalar(count)
        with db.session(write=False) as reader:
            after = reader.scalar(count)
    finally:
        db.dispose()
    assert (before, during, after) == (0, 0, 1)
