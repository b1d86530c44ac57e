"""SQLite runs in WAL mode; synchronous is NORMAL unless the operator asks for FULL."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from horae.app import create_app
from horae.db import Database
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
