"""Signed-in browser sessions over plain HTTP, and work entries for pages that show them."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.projects.models import Project
from horae.timesheets.models import Timesheet
from tests.factories.users import PASSWORD, UserHandle
from tests.http import http_client

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_sequence = itertools.count(1)


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no form token"
    return match.group(1)


@dataclass
class WebSession:
    """An HTTP client holding a signed-in session cookie, and the session's form token."""

    client: httpx.Client
    csrf: str

    def post_form(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """POSTs a form with the session's token (pass csrf_token yourself to override it)."""
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)


def sign_in_over_http(client: httpx.Client, login: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    return client.post(
        "/login", data={"csrf_token": csrf_token(page.text), "login": login, "password": password}
    )


@pytest.fixture
def web_session(backend: Any) -> Iterator[Callable[..., WebSession]]:
    """web_session(user) → a WebSession signed in through the sign-in form."""
    clients: list[httpx.Client] = []

    def factory(user: UserHandle, password: str = PASSWORD, **client_options: Any) -> WebSession:
        client = http_client(base_url=backend.base_url, timeout=30, **client_options)
        clients.append(client)
        response = sign_in_over_http(client, user.username, password)
        assert response.status_code == 303, response.text
        landing = client.get(response.headers["location"])
        return WebSession(client, csrf_token(landing.text))

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def work_entry(backend: Any) -> Callable[..., int]:
    """work_entry(user, begin, minutes=60 | None for a running timer) → the new timesheet's id.

    Rows are written directly until the timesheet service exists; customer, project and
    activity are created per call with readable names.
    """

    def factory(
        user: UserHandle,
        begin: datetime,
        minutes: int | None = 60,
        *,
        description: str | None = None,
        timezone: str = "Europe/Berlin",
    ) -> int:
        number = next(_sequence)
        with backend.db.session() as session:
            customer = Customer(name=f"Customer {number}", country="DE", currency="EUR", timezone=timezone)
            session.add(customer)
            session.flush()
            project = Project(customer_id=customer.id, name=f"Project {number}")
            activity = Activity(name=f"Activity {number}")
            session.add_all([project, activity])
            session.flush()
            entry = Timesheet(
                user_id=user.id,
                project_id=project.id,
                activity_id=activity.id,
                begin=begin,
                end=None if minutes is None else begin + timedelta(minutes=minutes),
                duration=0 if minutes is None else minutes * 60,
                timezone=timezone,
                date=begin.astimezone(ZoneInfo(timezone)).date(),
                description=description,
                rate=Decimal("0"),
            )
            session.add(entry)
            session.flush()
            return entry.id

    return factory
