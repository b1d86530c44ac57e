"""Parallel clients against the real server keep the data consistent.

Threads with their own HTTP clients are released together; afterwards the stored records must
satisfy what any serial order of the same requests would leave: with overlapping entries
forbidden no two entries of a user overlap, durations equal end - begin (rounding off), rates
equal hourly rate x hours, a record holds one writer's values and never a mix, and generated
customer, project and activity numbers stay unique.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.projects.models import Project
from horae.timesheets.models import Timesheet
from tests.api.test_timesheets import html5, yesterday_at
from tests.parallel import Call, in_parallel


def statuses(responses: list[httpx.Response]) -> list[int]:
    return [response.status_code for response in responses]


def no_overlap_forbidden_settings(catalog: Any) -> None:
    catalog.setting("timesheet.rules.allow_overlapping_records", "0")
    for part in ("begin", "end", "duration"):
        catalog.setting(f"timesheet.rounding.default.{part}", "0")


def stored_records(backend: Any, user_ids: list[int]) -> list[Timesheet]:
    with backend.db.session(write=False) as session:
        query = select(Timesheet).where(Timesheet.user_id.in_(user_ids)).order_by(Timesheet.begin)
        return list(session.scalars(query))


def assert_consistent(records: list[Timesheet]) -> None:
    """No overlap per user; duration = end - begin; rate = hourly rate x hours."""
    by_user: dict[int, list[Timesheet]] = {}
    for record in records:
        by_user.setdefault(record.user_id, []).append(record)
        if record.end is None:
            assert record.duration == 0, record.id
            continue
        assert record.duration == int((record.end - record.begin).total_seconds()), record.id
        if record.fixed_rate is None:
            assert record.hourly_rate is not None, record.id
            expected = record.hourly_rate * record.duration / 3600
            assert abs(record.rate - expected) < Decimal("0.0001"), (record.id, record.rate, expected)
    for user_id, own in by_user.items():
        stopped = sorted((r for r in own if r.end is not None), key=lambda r: r.begin)
        for earlier, later in itertools.pairwise(stopped):
            assert earlier.end is not None
            assert earlier.end <= later.begin, f"user {user_id}: {earlier.id} and {later.id} overlap"


def test_parallel_creates_edits_and_stops_never_overlap(backend, make_user, catalog, timesheets):
    no_overlap_forbidden_settings(catalog)
    work = catalog.work()
    catalog.rate(work.customer, "60")
    admin = make_user("ROLE_ADMIN")
    users = [make_user(), make_user()]
    book = {"project": work.project.id, "activity": work.activity.id}
    calls: list[Call] = []
    seeded: dict[int, dict[str, int]] = {}
    for user in users:
        seeded[user.id] = {
            f"{hour}": timesheets.create(
                user, work, yesterday_at(hour), yesterday_at(hour + 1), hourly_rate="60", rate="60"
            ).id
            for hour in (8, 10, 12, 14)
        }
        running = timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=2))
        url = f"/api/timesheets/{running.id}/stop"
        calls += [(user, "PATCH", url, None), (admin, "PATCH", url, None)]
        # Intervals that overlap each other: at most one of each conflicting group can be saved.
        for begin, end in [
            ((9, 30), (10, 0)),
            ((9, 15), (9, 45)),
            ((11, 0), (12, 0)),
            ((11, 30), (11, 45)),
            ((15, 0), (16, 0)),
            ((15, 0), (16, 0)),
            ((15, 30), (17, 0)),
        ]:
            body = book | {"begin": html5(yesterday_at(*begin)), "end": html5(yesterday_at(*end))}
            calls.append((user, "POST", "/api/timesheets", body))
        ids = seeded[user.id]
        calls += [
            (user, "PATCH", f"/api/timesheets/{ids['8']}", {"begin": html5(yesterday_at(7))}),
            (admin, "PATCH", f"/api/timesheets/{ids['8']}", {"end": html5(yesterday_at(9, 20))}),
            (user, "PATCH", f"/api/timesheets/{ids['12']}", {"end": html5(yesterday_at(14, 30))}),
            (admin, "PATCH", f"/api/timesheets/{ids['14']}", {"begin": html5(yesterday_at(13, 30))}),
            (admin, "PATCH", f"/api/timesheets/{ids['10']}", {"description": "edited"}),
            (user, "PATCH", f"/api/timesheets/{ids['10']}", {"end": html5(yesterday_at(10, 45))}),
            (user, "POST", "/api/timesheets", book),  # starts a timer now
        ]
    responses = in_parallel(calls)
    assert set(statuses(responses)) <= {200, 400}, [r.text for r in responses if r.status_code >= 500]
    # Overlap refusals are validation errors, not lost requests.
    refused = [r for r in responses if r.status_code == 400]
    assert all("You already have an entry for this time." in r.text for r in refused), [
        r.text for r in refused if "You already have an entry" not in r.text
    ]
    records = stored_records(backend, [user.id for user in users])
    assert_consistent(records)
    for user in users:
        own = [r for r in records if r.user_id == user.id]
        # Two identical 15:00-16:00 entries were sent: only one may exist.
        fifteen = yesterday_at(15).astimezone(UTC)
        assert sum(1 for r in own if r.begin.replace(tzinfo=UTC) == fifteen) <= 1
        # Both the description and the new end of the 10:00 record arrived.
        ten = next(r for r in own if r.id == seeded[user.id]["10"])
        assert ten.description == "edited"
        assert ten.end is not None and ten.end.replace(tzinfo=UTC) == yesterday_at(10, 45).astimezone(UTC)


def test_parallel_full_rewrites_of_one_record_leave_one_writers_values(
    backend, make_user, catalog, timesheets
):
    no_overlap_forbidden_settings(catalog)
    admin = make_user("ROLE_ADMIN")
    work = catalog.work()
    record = timesheets.create(admin, work, yesterday_at(8), yesterday_at(9), hourly_rate="10", rate="10")
    bodies = [
        {
            "description": f"writer {i}",
            "begin": html5(yesterday_at(1 + i)),
            "end": html5(yesterday_at(1 + i, 10 + 5 * i)),
            "hourlyRate": str(20 + i),
        }
        for i in range(8)
    ]
    responses = in_parallel([(admin, "PATCH", f"/api/timesheets/{record.id}", body) for body in bodies])
    assert statuses(responses) == [200] * len(bodies), [r.text for r in responses]
    stored = timesheets.load(record.id)
    winner = int(stored.description.split()[1])
    # Every field comes from the same request: the last writer wins as a whole.
    assert stored.begin == yesterday_at(1 + winner).astimezone(UTC)
    assert stored.end == yesterday_at(1 + winner, 10 + 5 * winner).astimezone(UTC)
    assert stored.hourly_rate == Decimal(20 + winner)
    assert_consistent([stored])


MODELS = {"customers": Customer, "projects": Project, "activities": Activity}


def _create_body(kind: str, index: int, customer_id: int) -> dict[str, Any]:
    body: dict[str, Any] = {"name": f"Parallel {kind} {index}"}
    if kind == "projects":
        body["customer"] = customer_id
    return body


def _numbers(backend: Any, model: Any) -> list[str | None]:
    with backend.db.session(write=False) as session:
        return list(session.scalars(select(model.number)))


def test_parallel_creates_get_distinct_generated_numbers(backend, make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    customer = catalog.customer(number="C-1")
    for kind, model in MODELS.items():
        calls = [(admin, "POST", f"/api/{kind}", _create_body(kind, i, customer.id)) for i in range(10)]
        responses = in_parallel(calls)
        assert statuses(responses) == [200] * 10, [r.text for r in responses]
        created = [response.json()["number"] for response in responses]
        assert None not in created
        assert len(set(created)) == 10, f"{kind}: {sorted(created)}"
        numbers = [n for n in _numbers(backend, model) if n is not None]
        assert len(numbers) == len(set(numbers)), f"{kind}: {sorted(numbers)}"


def test_parallel_creates_with_one_number_store_it_once(backend, make_user, catalog):
    admin = make_user("ROLE_ADMIN")
    customer = catalog.customer(number="C-1")
    for kind, model in MODELS.items():
        calls = [
            (admin, "POST", f"/api/{kind}", _create_body(kind, i, customer.id) | {"number": "SAME-1"})
            for i in range(8)
        ]
        responses = in_parallel(calls)
        assert sorted(statuses(responses)) == [200] + [400] * 7, [r.text for r in responses]
        assert _numbers(backend, model).count("SAME-1") == 1
