"""`horae config list` and `horae config set`, run as a real process on a temporary database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from horae.config.service import SETTINGS, load_config
from horae.db import Database


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated by `horae migrate`; each test works on a copy of it."""
    path = tmp_path_factory.mktemp("cli") / "template.sqlite"
    result = horae(f"sqlite:///{path}", "migrate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The database is up to date."
    return path


@pytest.fixture
def database(migrated: Path, tmp_path: Path) -> str:
    copy = tmp_path / "cli.sqlite"
    shutil.copyfile(migrated, copy)
    return f"sqlite:///{copy}"


def stored(url: str, name: str) -> str:
    """A setting as the application reads it."""
    db = Database(url)
    try:
        with db.session(write=False) as session:
            return str(load_config(session).raw(name))
    finally:
        db.dispose()


def horae(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HORAE_DATABASE_URL": url, "HORAE_ENVIRONMENT": "local"}
    return subprocess.run(
        [sys.executable, "-m", "horae.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def listed(url: str) -> dict[str, str]:
    result = horae(url, "config", "list")
    assert result.returncode == 0, result.stderr
    pairs = [line.split(" = ", 1) for line in result.stdout.splitlines()]
    return {name: value for name, value in pairs}


def test_list_shows_every_setting_with_its_default(database):
    values = listed(database)
    assert list(values) == list(SETTINGS)
    assert values["timesheet.mode"] == "default"
    assert values["timesheet.active_entries.hard_limit"] == "1"
    assert values["timesheet.rules.break_time_active"] == "0"
    assert (
        values["timesheet.rounding.default.days"]
        == "monday,tuesday,wednesday,thursday,friday,saturday,sunday"
    )


def test_set_stores_a_value_that_list_and_the_application_read(database):
    result = horae(database, "config", "set", "timesheet.mode", "punch")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "timesheet.mode = punch"
    assert listed(database)["timesheet.mode"] == "punch"
    assert stored(database, "timesheet.mode") == "punch"


def test_set_twice_keeps_the_last_value(database):
    horae(database, "config", "set", "timesheet.active_entries.hard_limit", "2")
    horae(database, "config", "set", "timesheet.active_entries.hard_limit", "5")
    assert stored(database, "timesheet.active_entries.hard_limit") == "5"


def test_an_unknown_setting_is_refused_with_one_line(database):
    result = horae(database, "config", "set", "timesheet.nope", "1")
    assert result.returncode == 1
    assert result.stderr == "horae: error: timesheet.nope: Unknown setting.\n"
    assert "timesheet.nope" not in SETTINGS


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        (
            "timesheet.mode",
            "sometimes",
            "Invalid value: one of default, duration_only, duration_fixed_begin, punch.",
        ),
        ("timesheet.active_entries.hard_limit", "-1", "Invalid value: must not be negative."),
        ("timesheet.rules.allow_future_times", "maybe", "Invalid value: expected true or false."),
        ("timesheet.rounding.default.days", "funday", "Invalid value: a comma list of weekday names."),
        ("timesheet.default_begin", "25:00", "Invalid value: now or a time of day HH:MM."),
        ("timesheet.rules.lockdown_period_timezone", "Mars/Olympus", "Invalid value: an IANA timezone name."),
    ],
)
def test_an_invalid_value_is_refused_and_nothing_changes(database, name, value, reason):
    before = stored(database, name)
    result = horae(database, "config", "set", name, value)
    assert result.returncode == 1
    assert result.stderr == f"horae: error: {name}: {reason}\n"
    assert stored(database, name) == before


def test_a_missing_argument_is_a_usage_error(database):
    result = horae(database, "config", "set", "timesheet.mode")
    assert result.returncode == 2
    assert "usage:" in result.stderr or "error:" in result.stderr


def test_an_unreachable_database_is_reported_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing' / 'deeper' / 'nothing.sqlite'}"
    result = horae(url, "config", "list")
    assert result.returncode == 1
    assert result.stderr.startswith("horae: error:")
    assert len(result.stderr.strip().splitlines()) == 1
