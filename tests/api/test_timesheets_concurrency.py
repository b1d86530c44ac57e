"""Parallel requests against the running server: the active-entries limit holds and no write to
a record is lost (the database serializes them with row locks or SQLite's write lock)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from horae.timesheets.models import Timesheet
from horae.users.models import User
from tests.api.test_timesheets import html5, yesterday_at
from tests.parallel import in_parallel as parallel


def in_parallel(user, requests: list) -> list[httpx.Response]:
    """Sends each (method, url, body) as `user` from its own client, all released at once."""
    return parallel([(user, *request) for request in requests])


@pytest.mark.parametrize("limit", [1, 3])
def test_parallel_starts_leave_exactly_the_hard_limit_running(make_user, catalog, timesheets, limit):
    user = make_user()
    work = catalog.work()
    catalog.setting("timesheet.active_entries.hard_limit", str(limit))
    body = {"project": work.project.id, "activity": work.activity.id}
    responses = in_parallel(user, [("POST", "/api/timesheets", body)] * 20)
    assert [r.status_code for r in responses] == [200] * 20, [
        r.text for r in responses if r.status_code != 200
    ]
    assert timesheets.count(user_id=user.id) == 20
    assert len(timesheets.running(user)) == limit


@pytest.mark.parametrize("start", ["create", "restart"])
def test_a_start_that_waited_for_the_owner_takes_its_time_after_the_wait(
    make_user, catalog, timesheets, db, start
):
    """A start that queued behind another write of its owner reads the clock once it holds
    the owner: it stops a record begun while it waited instead of ending that record before
    its begin (which would fail the start)."""
    user = make_user()
    work = catalog.work()
    earlier = timesheets.create(user, work, yesterday_at(9), yesterday_at(10))
    method, url, body = {
        "create": ("POST", "/api/timesheets", {"project": work.project.id, "activity": work.activity.id}),
        "restart": ("PATCH", f"/api/timesheets/{earlier.id}/restart", {}),
    }[start]
    with user.client() as client, ThreadPoolExecutor(max_workers=1) as pool:
        client.get("/api/ping")  # connected and authenticated before the owner is held
        with db.session() as holder:
            # Another write of the owner's records holds the owner's row (SQLite: the write lock).
            holder.execute(select(User.id).where(User.id == user.id).with_for_update())
            waiting = pool.submit(client.request, method, url, json=body)
            time.sleep(1.5)
            # That write starts a record, begun after the waiting request came in.
            begin = datetime.now(UTC).replace(microsecond=0)
            begun_while_waiting = Timesheet(
                user_id=user.id,
                project_id=work.project.id,
                activity_id=work.activity.id,
                begin=begin,
                end=None,
                timezone="Europe/Berlin",
                date=begin.astimezone(ZoneInfo("Europe/Berlin")).date(),
                duration=0,
                rate=Decimal(0),
            )
            holder.add(begun_while_waiting)
            holder.flush()
        response = waiting.result()
    assert response.status_code == 200, response.text
    stopped = timesheets.load(begun_while_waiting.id)
    assert stopped.end is not None and stopped.end >= stopped.begin
    assert [r.id for r in timesheets.running(user)] == [response.json()["id"]]


def test_parallel_restarts_leave_one_record_running(make_user, catalog, timesheets):
    user = make_user()
    record = timesheets.create(user, catalog.work(), yesterday_at(9), yesterday_at(10))
    responses = in_parallel(user, [("PATCH", f"/api/timesheets/{record.id}/restart", {})] * 12)
    assert [r.status_code for r in responses] == [200] * 12
    assert len(timesheets.running(user)) == 1


def test_parallel_patches_of_different_fields_lose_no_write(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    tag = catalog.tag("parallel")
    record = timesheets.create(admin, work, yesterday_at(8), yesterday_at(9), hourly_rate="10", rate="10")
    url = f"/api/timesheets/{record.id}"
    requests = [
        ("PATCH", url, {"description": "changed"}),
        ("PATCH", url, {"tags": "parallel"}),
        ("PATCH", url, {"billable": False}),
        ("PATCH", url, {"exported": True}),
        ("PATCH", url, {"begin": html5(yesterday_at(7))}),
        ("PATCH", url, {"end": html5(yesterday_at(11))}),
        ("PATCH", url, {"hourlyRate": "40"}),
    ]
    responses = in_parallel(admin, requests)
    assert [r.status_code for r in responses] == [200] * len(requests), [r.text for r in responses]
    stored = timesheets.load(record.id)
    assert stored.description == "changed"
    assert [t.id for t in stored.tags] == [tag.id]
    assert (stored.billable, stored.exported) == (False, True)
    assert stored.begin == yesterday_at(7).astimezone(UTC)
    assert stored.end == yesterday_at(11).astimezone(UTC)
    # Derived values are computed from the final state, not from a stale copy of it.
    assert stored.duration == 4 * 3600
    assert stored.hourly_rate == Decimal("40")
    assert stored.rate == Decimal("160")


def test_parallel_export_toggles_see_each_others_result(make_user, catalog, timesheets):
    admin = make_user("ROLE_ADMIN")
    record = timesheets.create(admin, catalog.work(), yesterday_at(8), yesterday_at(9))
    responses = in_parallel(admin, [("PATCH", f"/api/timesheets/{record.id}/export", None)] * 20)
    states = [r.json()["exported"] for r in responses]
    # Any serial order of 20 toggles answers true and false ten times each and ends where it began.
    assert sorted(states) == [False] * 10 + [True] * 10
    assert timesheets.load(record.id).exported is False


def test_parallel_stops_and_starts_keep_the_limit(make_user, catalog, timesheets):
    user = make_user()
    work = catalog.work()
    running = timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=1))
    body = {"project": work.project.id, "activity": work.activity.id}
    requests = [("PATCH", f"/api/timesheets/{running.id}/stop", None)] * 5 + [
        ("POST", "/api/timesheets", body)
    ] * 5
    responses = in_parallel(user, requests)
    assert {r.status_code for r in responses} == {200}
    assert len(timesheets.running(user)) == 1
    assert timesheets.load(running.id).end is not None
