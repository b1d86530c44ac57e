"""Parallel requests against the running server: the active-entries limit holds and no write to
a record is lost (the database serializes them with row locks or SQLite's write lock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

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
