"""The `horae` command, run as operators run it: a real process against a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from horae.db import Database
from horae.users.models import AccessToken, User
from tests.conftest import SELECTED, _create_database

HORAE = [sys.executable, "-m", "horae.cli"]


def run(args: list[str], url: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HORAE_DATABASE_URL": url}
    result = subprocess.run([*HORAE, *args], env=env, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"horae {' '.join(args)} failed: {result.stderr}")
    return result


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    run(["migrate"], url)
    return url


def _users(url: str) -> list[User]:
    db = Database(url)
    try:
        with db.session(write=False) as session:
            return list(session.scalars(select(User).order_by(User.id)))
    finally:
        db.dispose()


def test_migrate_reports_an_up_to_date_database(sqlite_url):
    result = run(["migrate"], sqlite_url)
    assert "up to date" in result.stdout


def test_user_create_stores_roles_preferences_and_hashes_only(sqlite_url):
    run(
        [
            "user", "create", "anna", "anna@example.com", "--role", "ROLE_TEAMLEAD",
            "--password", "secret-password", "--api-password", "api-secret-1",
            "--timezone", "Europe/Vienna", "--language", "de",
        ],
        sqlite_url,
    )  # fmt: skip
    [user] = _users(sqlite_url)
    assert (user.username, user.email, user.roles, user.enabled) == (
        "anna",
        "anna@example.com",
        ["ROLE_TEAMLEAD"],
        True,
    )
    assert user.preference("timezone") == "Europe/Vienna"
    assert user.preference("language") == "de"
    assert "secret-password" not in user.password_hash
    assert user.api_password_hash and "api-secret-1" not in user.api_password_hash


def test_user_create_without_password_prints_a_generated_one(sqlite_url):
    result = run(["user", "create", "bob", "bob@example.com"], sqlite_url)
    line = next(line for line in result.stdout.splitlines() if line.startswith("Password: "))
    assert len(line.removeprefix("Password: ")) >= 12


def test_user_create_refuses_a_taken_username_with_one_line(sqlite_url):
    run(["user", "create", "bob", "bob@example.com", "--password", "password-1"], sqlite_url)
    result = run(
        ["user", "create", "bob", "other@example.com", "--password", "password-1"], sqlite_url, check=False
    )
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "username" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_list_shows_every_user(sqlite_url):
    run(["user", "create", "bob", "bob@example.com", "--password", "password-1"], sqlite_url)
    run(
        ["user", "create", "carla", "carla@example.com", "--password", "password-1", "--role", "ROLE_ADMIN"],
        sqlite_url,
    )
    out = run(["user", "list"], sqlite_url).stdout
    assert "bob" in out and "carla" in out and "ROLE_ADMIN" in out


def test_user_password_replaces_the_hash(sqlite_url):
    run(["user", "create", "bob", "bob@example.com", "--password", "password-1"], sqlite_url)
    [before] = _users(sqlite_url)
    run(["user", "password", "bob", "--password", "password-2"], sqlite_url)
    [after] = _users(sqlite_url)
    assert after.password_hash != before.password_hash


def test_user_disable_and_enable(sqlite_url):
    run(["user", "create", "bob", "bob@example.com", "--password", "password-1"], sqlite_url)
    run(["user", "disable", "bob"], sqlite_url)
    assert _users(sqlite_url)[0].enabled is False
    run(["user", "enable", "bob"], sqlite_url)
    assert _users(sqlite_url)[0].enabled is True


def test_unknown_user_is_a_one_line_error(sqlite_url):
    result = run(["user", "disable", "nobody"], sqlite_url, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "nobody" in result.stderr


def test_token_create_prints_only_the_token_and_stores_its_hash(sqlite_url):
    run(["user", "create", "bob", "bob@example.com", "--password", "password-1"], sqlite_url)
    result = run(["token", "create", "bob", "--name", "laptop", "--expires", "2099-12-31"], sqlite_url)
    token = result.stdout.strip()
    assert "\n" not in token and len(token) >= 25
    db = Database(sqlite_url)
    with db.session(write=False) as session:
        stored = session.scalars(select(AccessToken)).one()
        assert stored.name == "laptop"
        assert stored.token_hash != token and len(stored.token_hash) == 64
        assert stored.expires_at is not None and stored.expires_at.year == 2099
    db.dispose()


def test_token_create_refuses_a_past_expiry(sqlite_url):
    run(["user", "create", "bob", "bob@example.com", "--password", "password-1"], sqlite_url)
    result = run(["token", "create", "bob", "--expires", "2000-01-01"], sqlite_url, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_bad_arguments_end_with_a_usage_error(sqlite_url):
    result = run(["token", "create", "bob", "--expires", "tomorrow"], sqlite_url, check=False)
    assert result.returncode == 2
    assert "YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_a_one_line_error():
    result = run(["migrate"], "postgresql+psycopg://nobody@127.0.0.1:1/none", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("horae: error: the database cannot be reached")
    assert len(result.stderr.strip().splitlines()) == 1


def test_invalid_settings_are_a_one_line_error(tmp_path):
    env = {
        **os.environ,
        "HORAE_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite",
        "HORAE_DEFAULT_TIMEZONE": "Mars/Base",
    }
    result = subprocess.run([*HORAE, "migrate"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_migrates_and_bootstraps_the_admin_once(tmp_path):
    from horae.cli import bootstrap_admin

    url = f"sqlite:///{tmp_path / 'boot.sqlite'}"
    run(["migrate"], url)
    printed: list[str] = []
    db = Database(url)
    bootstrap_admin(db, printed.append)
    bootstrap_admin(db, printed.append)
    db.dispose()
    [admin] = _users(url)
    assert admin.username == "admin" and admin.roles == ["ROLE_SUPER_ADMIN"]
    assert admin.api_password_hash is not None
    secrets = [line.split(":", 1)[1].split()[0] for line in printed if "password:" in line]
    assert len(secrets) == 2
    assert all(secret not in admin.password_hash for secret in secrets)
    assert len(printed) == 3  # printed once, not on the second start


@pytest.mark.parametrize("server", [name for name in ("postgresql", "mariadb") if name in SELECTED])
def test_cli_works_the_same_on_database_servers(server, tmp_path):
    url, drop = _create_database(server, tmp_path)
    try:
        run(["migrate"], url)
        run(
            ["user", "create", "bob", "bob@example.com", "--password", "password-1", "--role", "ROLE_ADMIN"],
            url,
        )
        token = run(["token", "create", "bob"], url).stdout.strip()
        assert len(token) >= 25
        [user] = _users(url)
        assert user.roles == ["ROLE_ADMIN"]
    finally:
        drop()
