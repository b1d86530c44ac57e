"""Users and their credentials, created through the user service."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from horae.security.permissions import permission_matrix
from horae.users.models import Role, RolePermission, User
from horae.users.service import create_access_token, create_user
from tests.http import http_client

PASSWORD = "password-123"
API_PASSWORD = "api-password-123"
_sequence = itertools.count(1)


@dataclass
class UserHandle:
    """A created user with the secrets a test needs to call the API as them."""

    id: int
    username: str
    email: str
    roles: list[str]
    api_password: str | None
    token: str | None
    base_url: str

    @property
    def headers(self) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        return {"X-AUTH-USER": self.username, "X-AUTH-TOKEN": self.api_password or ""}

    @property
    def legacy_headers(self) -> dict[str, str]:
        return {"X-AUTH-USER": self.username, "X-AUTH-TOKEN": self.api_password or ""}

    def client(self, legacy: bool = False) -> httpx.Client:
        headers = self.legacy_headers if legacy else self.headers
        return http_client(base_url=self.base_url, headers=headers, timeout=30)


@pytest.fixture
def make_user(backend: Any) -> Iterator[Callable[..., UserHandle]]:
    """make_user(role="ROLE_TEAMLEAD", timezone=..., enabled=..., token=True) → UserHandle."""
    clients: list[httpx.Client] = []

    def factory(
        role: str | None = None,
        *,
        roles: list[str] | None = None,
        username: str | None = None,
        email: str | None = None,
        timezone: str | None = "Europe/Berlin",
        language: str | None = "en",
        enabled: bool = True,
        token: bool = True,
        api_password: str | None = API_PASSWORD,
        **attributes: Any,
    ) -> UserHandle:
        number = next(_sequence)
        username = username or f"user{number}"
        email = email or f"{username}@example.com"
        all_roles = roles if roles is not None else ([role] if role else [])
        with backend.db.session() as session:
            user = create_user(
                session,
                username=username,
                email=email,
                password=PASSWORD,
                roles=all_roles,
                api_password=api_password,
                timezone=timezone,
                language=language,
                enabled=enabled,
            )
            for key, value in attributes.items():
                setattr(user, key, value)
            plain = None
            if token:
                _, plain = create_access_token(session, user, "tests")
            handle = UserHandle(user.id, username, email, all_roles, api_password, plain, backend.base_url)
        return handle

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def admin(make_user: Callable[..., UserHandle]) -> UserHandle:
    return make_user("ROLE_SUPER_ADMIN", username="susan_super")


def load_user(backend: Any, user_id: int) -> User:
    with backend.db.session(write=False) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


@pytest.fixture
def make_role(backend: Any) -> Callable[[str], int]:
    """make_role("ROLE_ACCOUNTANT") → the id of the (custom) role row."""

    def factory(name: str) -> int:
        with backend.db.session() as session:
            role = session.query(Role).filter_by(name=name).one_or_none()
            if role is None:
                role = Role(name=name)
                session.add(role)
                session.flush()
            return role.id

    return factory


@pytest.fixture
def set_permission(backend: Any, make_role: Callable[[str], int]) -> Callable[[str, str, bool], None]:
    """set_permission("ROLE_USER", "api_access", False): an administrator's matrix override."""

    def factory(role: str, permission: str, allowed: bool) -> None:
        role_id = make_role(role)
        with backend.db.session() as session:
            session.add(RolePermission(role_id=role_id, permission=permission, allowed=allowed))
        permission_matrix.invalidate()

    return factory
