"""What timesheet requests cost in SQL: fixed numbers of queries, whatever the data size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.test_timesheets import yesterday_at


def domain_queries(counter) -> list[str]:
    """The statements of the request itself, without transaction markers and the cached
    parts of authentication (token usage, role overrides)."""
    skipped = ("access_tokens", "role_permissions", "roles.")
    return [s for s in counter.statements if not s.startswith("BEGIN") and not any(w in s for w in skipped)]


@pytest.mark.parametrize("full", [None, "true"])
def test_a_page_costs_the_same_queries_for_5_and_50_rows(make_user, catalog, timesheets, backend, full):
    teamlead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    catalog.team(members=[member], leads=[teamlead])
    works = [catalog.work() for _ in range(5)]
    tag = catalog.tag("t")
    for i in range(50):
        owner = teamlead if i % 2 else member
        timesheets.create(
            owner, works[i % 5], yesterday_at(8) - timedelta(days=i), yesterday_at(9) - timedelta(days=i),
            tags=[tag], meta={"m": ("v", True)},
        )  # fmt: skip
    params = {"user": "all", **({"full": full} if full else {})}
    with teamlead.client() as client:
        client.get("/api/timesheets", params=params)
        counts = []
        for size in ("5", "50"):
            counter = backend.count_queries()
            assert len(client.get("/api/timesheets", params={**params, "size": size}).json()) == int(size)
            counts.append(len(domain_queries(counter)))
    assert counts[0] == counts[1]
    assert counts[0] <= 19


def test_a_page_of_ones_own_records_reads_no_settings(make_user, catalog, timesheets, backend):
    """W1 of the benchmarks: after the token, the caller's preferences and teams (one
    statement), the count, the page, its tags and its custom fields; the system settings only
    matter to changes (lockdown), so a list does not read them."""
    user = make_user()
    catalog.team(members=[user])
    work = catalog.work()
    for day in range(8):
        timesheets.create(
            user, work, yesterday_at(8) - timedelta(days=day), yesterday_at(9) - timedelta(days=day)
        )
    with user.client() as client:
        client.get("/api/timesheets")
        counter = backend.count_queries()
        assert len(client.get("/api/timesheets", params={"size": "5"}).json()) == 5
    statements = domain_queries(counter)
    assert not [s for s in statements if "configuration" in s]
    assert len([s for s in statements if s.startswith("SELECT")]) <= 5, statements


def _start_and_stop_costs(client, backend, work) -> tuple[int, int]:
    body = {"project": work.project.id, "activity": work.activity.id}
    counter = backend.count_queries()
    started = client.post("/api/timesheets", json=body)
    assert started.status_code == 200
    start = len(domain_queries(counter))
    counter = backend.count_queries()
    assert client.patch(f"/api/timesheets/{started.json()['id']}/stop").status_code == 200
    return start, len(domain_queries(counter))


def test_starting_and_stopping_cost_the_same_with_few_or_many_records(
    make_user, catalog, timesheets, backend
):
    user = make_user()
    work = catalog.work()
    with user.client() as client:
        client.get("/api/ping")
        timesheets.create(user, work, datetime.now(UTC) - timedelta(hours=1))
        few = _start_and_stop_costs(client, backend, work)
        timesheets.many(user, work, 40)
        timesheets.create(user, work, datetime.now(UTC) - timedelta(minutes=30))
        many = _start_and_stop_costs(client, backend, work)
    assert few == many
    start, stop = few
    assert start <= 22 and stop <= 16


def test_an_activitys_project_and_customer_are_chained_not_nested(make_user, catalog, timesheets, backend):
    """Reading an activity joins its optional project and that project's customer as a chain of
    outer joins. Nested (`LEFT JOIN (projects JOIN customers)`), SQLite first joins every project
    to its customer, for each activity read: on every write and every expanded list."""
    user = make_user()
    work = catalog.work()
    with user.client() as client:
        counter = backend.count_queries()
        started = client.post(
            "/api/timesheets", json={"project": work.project.id, "activity": work.activity.id}
        )
        assert started.status_code == 200, started.text
        listed = client.get("/api/timesheets", params={"full": "true"}).json()
    assert listed[0]["activity"]["project"]["customer"]["id"] == work.customer.id
    reads = [s for s in counter.statements if s.startswith("SELECT activities.")]
    assert reads
    for statement in reads:
        assert "JOIN (" not in " ".join(statement.split()), statement
