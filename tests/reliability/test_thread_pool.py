"""Writes complete when every worker thread of the server is taken.

The request handlers run on anyio's shared thread pool. On SQLite a writer holds the write lock
from its first statement until its unit of work ends; the other writers wait for the lock on
pool threads. Were the COMMIT queued for the same pool, a writer could hold the lock while every
thread waits for it: nothing would move until SQLite's busy timeout failed the waiting writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from anyio import to_thread
from sqlalchemy import select

from horae.app import create_app
from horae.settings import Settings
from horae.timesheets.models import Timesheet
from tests.api.test_timesheets import html5, yesterday_at
from tests.parallel import in_parallel
from tests.reliability.servers import app_server

POOL_THREADS = 2
WRITERS = 8


def with_pool_of(app: Any, threads: int) -> Any:
    """The app, on a server whose shared thread pool has `threads` threads."""

    async def limited(scope: Any, receive: Any, send: Any) -> None:
        to_thread.current_default_thread_limiter().total_tokens = threads
        await app(scope, receive, send)

    return limited


@pytest.fixture
def small_pool_url(backend: Any) -> Iterator[str]:
    app = create_app(Settings(database_url=backend.url, environment="test"), db=backend.db)
    with app_server(with_pool_of(app, POOL_THREADS)) as base_url:
        yield base_url


def _writers(make_user: Any, base_url: str) -> list[Any]:
    return [dataclasses.replace(make_user(), base_url=base_url) for _ in range(WRITERS)]


def _hour_of(work: Any, description: str) -> dict[str, Any]:
    return {
        "project": work.project.id,
        "activity": work.activity.id,
        "begin": html5(yesterday_at(9)),
        "end": html5(yesterday_at(10)),
        "description": description,
    }


def _stored_descriptions(backend: Any, users: list[Any]) -> list[str]:
    with backend.db.session(write=False) as session:
        return list(
            session.scalars(
                select(Timesheet.description).where(Timesheet.user_id.in_([user.id for user in users]))
            )
        )


def test_writers_outnumbering_the_threads_all_commit(backend, make_user, catalog, small_pool_url):
    users = _writers(make_user, small_pool_url)
    body = _hour_of(catalog.work(), "one of many writers")
    answers = in_parallel([(user, "POST", "/api/timesheets", body) for user in users])

    assert [answer.status_code for answer in answers] == [200] * WRITERS
    assert _stored_descriptions(backend, users) == ["one of many writers"] * WRITERS


def test_writers_refused_after_taking_the_lock_give_it_back_while_the_threads_are_taken(
    backend, make_user, catalog, small_pool_url
):
    """A record whose end lies before its begin is refused by the form, after the unit of work
    has read the settings (on SQLite: after it took the write lock). Its rollback must not wait
    for a pool thread that a waiting writer holds."""
    users = _writers(make_user, small_pool_url)
    valid = _hour_of(catalog.work(), "a writer among refused ones")
    refused = {**valid, "begin": html5(yesterday_at(11)), "description": "ends before it begins"}
    calls = [(user, "POST", "/api/timesheets", refused if i % 2 else valid) for i, user in enumerate(users)]

    answers = in_parallel(calls)

    assert [answer.status_code for answer in answers] == [400 if i % 2 else 200 for i in range(WRITERS)]
    assert _stored_descriptions(backend, users) == ["a writer among refused ones"] * (WRITERS // 2)
