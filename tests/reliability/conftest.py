"""Fixtures of the reliability tests: fresh databases for `horae serve` processes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from horae.db import Database
from horae.migrate import upgrade
from horae.users.service import create_access_token, create_user
from tests.conftest import SELECTED, _create_database

API_PASSWORD = "api-password-of-the-load-user"
LOGIN_PASSWORD = "login-password-of-the-load-user"


@dataclass
class FreshDatabase:
    """A migrated database of its own, with one user who may create tags."""

    backend: str
    url: str
    username: str
    token: str

    def open(self) -> Database:
        return Database(self.url)


@pytest.fixture(params=SELECTED)
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FreshDatabase]:
    """A database no other test uses, on each selected backend, dropped afterwards."""
    url, drop = _create_database(request.param, tmp_path)
    db = Database(url)
    try:
        upgrade(db.engine)
        with db.session() as session:
            user = create_user(
                session,
                username="loader",
                email="loader@example.com",
                password=LOGIN_PASSWORD,
                api_password=API_PASSWORD,
                roles=["ROLE_ADMIN"],
            )
            _, token = create_access_token(session, user, "load")
    finally:
        db.dispose()
    try:
        yield FreshDatabase(request.param, url, "loader", token)
    finally:
        if drop:
            drop()
