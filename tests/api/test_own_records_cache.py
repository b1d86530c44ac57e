"""A list of one's own time entries is served again while none of them changes
(catalog_cache.cached_own_records): a repeated list reads no record, and every change of the
records, of what they show and of the caller shows in the very next answer, through this server
or another one on the same database. A user's counter moves with that user's records only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from horae.app import create_app
from horae.catalog_cache import OWNERS, TIMESHEETS, generation
from horae.db import Database
from horae.settings import Settings
from horae.timesheets.models import Timesheet
from horae.users.models import User
from tests.api.test_timesheets import html5, yesterday_at
from tests.http import http_client
from tests.parallel import in_parallel
from tests.reliability.servers import app_server

RECORD_TABLES = ("FROM timesheets", "JOIN timesheets", "FROM timesheet_tags", "FROM timesheet_meta")


def record_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if any(table in s for table in RECORD_TABLES)]


def counters(backend, *users) -> tuple[int, ...]:
    """Each user's counter, then everyone's records' counter."""
    with backend.db.session(write=False) as session:
        own = [session.scalar(select(User.timesheets_generation).where(User.id == u.id)) for u in users]
        return (*own, generation(session, TIMESHEETS))


def listed(client, **params: str) -> list[dict]:
    response = client.get("/api/timesheets", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def descriptions(client, **params: str) -> list[str | None]:
    return [entry["description"] for entry in listed(client, **params)]


@pytest.fixture
def owner(make_user, catalog, timesheets):
    """A user with three finished records (one tagged, one with a custom field)."""
    user = make_user()
    user.work = catalog.work()
    catalog.meta_field("ref")
    tag = catalog.tag("alpha")
    for day, description in enumerate(("first", "second", "third")):
        begin = yesterday_at(8) - timedelta(days=day)
        timesheets.create(
            user, user.work, begin, begin + timedelta(hours=1), description=description,
            tags=[tag] if day == 0 else [], meta={"ref": ("R-1", True)} if day == 1 else None,
        )  # fmt: skip
    return user


@pytest.mark.parametrize("params", [{}, {"full": "true"}, {"size": "2", "page": "2"}, {"tags[]": "alpha"}])
def test_a_repeated_list_of_ones_own_records_reads_none_of_them(backend, owner, params):
    with owner.client() as client:
        first = client.get("/api/timesheets", params=params)
        counter = backend.count_queries()
        second = client.get("/api/timesheets", params=params)
        counter.active = False
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.json()
    paging = ("X-Page", "X-Total-Count", "X-Total-Pages", "X-Per-Page")
    assert [second.headers[h] for h in paging] == [first.headers[h] for h in paging]
    assert record_reads(counter.statements) == []


def test_a_kept_page_beyond_the_last_is_still_a_404_and_a_bad_parameter_a_400(owner):
    with owner.client() as client:
        assert len(listed(client, size="2")) == 2
        for _ in range(2):
            assert client.get("/api/timesheets", params={"size": "2", "page": "3"}).status_code == 404
            assert client.get("/api/timesheets", params={"begin": "yesterday"}).status_code == 400


def test_every_change_of_ones_records_through_the_api_shows_in_the_next_answer(backend, owner, admin):
    work = owner.work
    before = counters(backend, owner)
    with owner.client() as client:
        assert descriptions(client) == ["first", "second", "third"]
        created = client.post(
            "/api/timesheets",
            json={
                "project": work.project.id,
                "activity": work.activity.id,
                "begin": html5(yesterday_at(12)),
                "end": html5(yesterday_at(13)),
                "description": "fourth",
            },
        )
        assert created.status_code == 200, created.text
        record = created.json()["id"]
        assert descriptions(client) == ["fourth", "first", "second", "third"]

        assert client.patch(f"/api/timesheets/{record}", json={"description": "4th"}).status_code == 200
        assert descriptions(client)[0] == "4th"
        assert client.patch(f"/api/timesheets/{record}", json={"tags": "alpha"}).status_code == 200
        assert listed(client)[0]["tags"] == ["alpha"]
        meta = client.patch(f"/api/timesheets/{record}/meta", json={"name": "ref", "value": "R-9"})
        assert meta.status_code == 200, meta.text
        assert listed(client)[0]["metaFields"] == [{"name": "ref", "value": "R-9"}]
        with admin.client() as admins:
            assert admins.patch(f"/api/timesheets/{record}/export").status_code == 200
        assert listed(client)[0]["exported"] is True

        duplicated = client.patch(f"/api/timesheets/{record}/duplicate")
        assert duplicated.status_code == 200, duplicated.text
        assert len(listed(client)) == 5
        assert client.delete(f"/api/timesheets/{duplicated.json()['id']}").status_code == 204
        assert len(listed(client)) == 4

        started = client.post(
            "/api/timesheets", json={"project": work.project.id, "activity": work.activity.id}
        )
        assert started.status_code == 200, started.text
        running = started.json()["id"]
        assert listed(client, active="1")[0]["id"] == running
        assert client.patch(f"/api/timesheets/{running}/stop").status_code == 200
        assert listed(client, active="1") == []
        restarted = client.patch(f"/api/timesheets/{running}/restart")
        assert restarted.status_code == 200, restarted.text
        assert [entry["id"] for entry in listed(client, active="1")] == [restarted.json()["id"]]
    # each change moved the owner's counter and left everyone's alone
    own, everyones = counters(backend, owner)
    assert own >= before[0] + 10
    assert everyones == before[1]


def test_what_a_record_shows_and_who_asks_show_in_the_next_answer(backend, owner, admin, grant):
    work = owner.work
    with owner.client() as client:
        (entry,) = listed(client, full="true", **{"tags[]": "alpha"})
        assert entry["project"]["name"] == work.project.name
        with admin.client() as admins:
            # the catalog: a project's name in the expanded list
            assert (
                admins.patch(f"/api/projects/{work.project.id}", json={"name": "Renamed"}).status_code == 200
            )
            assert listed(client, full="true")[0]["project"]["name"] == "Renamed"
            # the tags: one deleted leaves its records
            (tag,) = admins.get("/api/tags/find", params={"name": "alpha"}).json()
            assert admins.delete(f"/api/tags/{tag['id']}").status_code == 204
            assert [e["tags"] for e in listed(client)] == [[], [], []]
            # the caller's permissions: the rates shown
            assert "rate" not in listed(client)[0]
            grant("ROLE_USER", "view_rate_own_timesheet")
            assert listed(client)[0]["rate"] == 0.0
            # an administrator's change of the owner's record
            record = listed(client)[0]["id"]
            assert (
                admins.patch(f"/api/timesheets/{record}", json={"description": "by admin"}).status_code == 200
            )
            assert descriptions(client)[0] == "by admin"


def test_marking_records_as_exported_shows_in_the_next_answer(backend, owner, admin):
    with owner.client() as client:
        assert [e["exported"] for e in listed(client)] == [False] * 3
        before = counters(backend, owner)
        with admin.client() as admins:
            marked = admins.get(
                "/api/export/timesheets.csv",
                params={"users[]": str(owner.id), "markAsExported": "1", "columns[]": "id"},
            )
            assert marked.status_code == 200
        assert [e["exported"] for e in listed(client)] == [True] * 3
    # many users' records written by one statement: everyone's counter moves
    assert counters(backend, owner)[1] == before[1] + 1


def test_another_users_changes_leave_ones_answer_kept(backend, owner, make_user, catalog, timesheets):
    other = make_user()
    with owner.client() as client:
        assert len(listed(client)) == 3
        before = counters(backend, owner, other)
        timesheets.create(other, owner.work, yesterday_at(15), yesterday_at(16))
        with other.client() as others:
            created = others.post(
                "/api/timesheets",
                json={
                    "project": owner.work.project.id,
                    "activity": owner.work.activity.id,
                    "begin": html5(yesterday_at(17)),
                    "end": html5(yesterday_at(18)),
                },
            )
            assert created.status_code == 200, created.text
        after = counters(backend, owner, other)
        counter = backend.count_queries()
        assert len(listed(client)) == 3
        counter.active = False
    assert after == (before[0], before[1] + 2, before[2])
    assert record_reads(counter.statements) == []


def test_reassigning_a_record_moves_everyones_counter(backend, owner, make_user, admin):
    """The write locked the record's owner only: the new owner's row is left alone."""
    other = make_user()
    with owner.client() as client, other.client() as others:
        record = listed(client)[0]["id"]
        assert listed(others) == []
        before = counters(backend, owner, other)
        with admin.client() as admins:
            moved = admins.patch(f"/api/timesheets/{record}", json={"user": other.id})
            assert moved.status_code == 200, moved.text
        assert counters(backend, owner, other) == (before[0], before[1], before[2] + 1)
        assert [e["id"] for e in listed(others)] == [record]
        assert record not in [e["id"] for e in listed(client)]


def test_bulk_statements_move_their_owners_or_everyones_counter(backend, owner, make_user):
    other = make_user()
    with owner.client() as client:
        assert descriptions(client) == ["first", "second", "third"]
        before = counters(backend, owner, other)
        with backend.db.session() as session:
            session.execute(
                update(Timesheet).where(Timesheet.description == "first").values(description="1st"),
                execution_options={OWNERS: (owner.id,)},
            )
        assert counters(backend, owner, other) == (before[0] + 1, before[1], before[2])
        assert descriptions(client) == ["1st", "second", "third"]
        with backend.db.session() as session:
            session.execute(update(Timesheet).where(Timesheet.description == "1st").values(description="one"))
        assert counters(backend, owner, other) == (before[0] + 1, before[1], before[2] + 1)
        assert descriptions(client) == ["one", "second", "third"]


def test_a_rejected_change_leaves_the_counters_alone(backend, owner):
    before = counters(backend, owner)
    with owner.client() as client:
        response = client.post("/api/timesheets", json={"project": owner.work.project.id, "activity": 0})
        assert response.status_code == 400
        record = listed(client)[0]["id"]
        assert client.patch(f"/api/timesheets/{record}", json={"end": "not a time"}).status_code == 400
    assert counters(backend, owner) == before


def test_a_change_through_another_server_shows_in_the_next_answer(backend, owner):
    other_db = Database(backend.url)
    other = create_app(Settings(database_url=backend.url, environment="test"), db=other_db)
    try:
        with app_server(other) as other_url, http_client(other_url, headers=owner.headers) as elsewhere:
            assert descriptions(elsewhere) == ["first", "second", "third"]
            with owner.client() as client:
                record = listed(client)[0]["id"]
                assert (
                    client.patch(f"/api/timesheets/{record}", json={"description": "1st"}).status_code == 200
                )
            assert descriptions(elsewhere) == ["1st", "second", "third"]
            assert len(other_db.answer_cache) == 1
    finally:
        other_db.dispose()


def test_parallel_writes_of_two_users_all_succeed_and_all_show(backend, owner, make_user):
    other = make_user()
    work = owner.work
    with owner.client() as client, other.client() as others:
        assert len(listed(client)) == 3 and listed(others) == []
    before = counters(backend, owner, other)
    day = datetime.now(UTC) - timedelta(days=3)

    def create(user, hour: int):
        begin = day.replace(hour=hour, minute=0, second=0, microsecond=0)
        body = {
            "project": work.project.id,
            "activity": work.activity.id,
            "begin": html5(begin),
            "end": html5(begin + timedelta(minutes=30)),
            "description": f"parallel {hour}",
        }
        return user, "POST", "/api/timesheets", body

    calls = [create(user, hour) for hour in range(4) for user in (owner, other)]
    answers = in_parallel(calls)
    assert [a.status_code for a in answers] == [200] * len(calls), [a.text for a in answers]
    assert counters(backend, owner, other) == (before[0] + 4, before[1] + 4, before[2])
    with owner.client() as client, other.client() as others:
        assert len(listed(client)) == 7
        assert len(listed(others)) == 4


@pytest.mark.parametrize("path", ["/api/timesheets/active", "/api/timesheets/recent"])
def test_the_running_and_the_recent_records_are_kept_until_one_changes(backend, owner, path):
    work = owner.work
    with owner.client() as client:
        started = client.post(
            "/api/timesheets", json={"project": work.project.id, "activity": work.activity.id}
        )
        assert started.status_code == 200, started.text
        running = started.json()["id"]
        first = client.get(path)
        counter = backend.count_queries()
        second = client.get(path)
        counter.active = False
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        assert running in [entry["id"] for entry in first.json()]
        assert record_reads(counter.statements) == []

        assert client.patch(f"/api/timesheets/{running}", json={"description": "now"}).status_code == 200
        (entry,) = [e for e in client.get(path).json() if e["id"] == running]
        assert entry["description"] == "now"
        assert client.patch(f"/api/timesheets/{running}/stop").status_code == 200
        after = {e["id"]: e for e in client.get(path).json()}
        if path.endswith("active"):
            assert after == {}
        else:
            assert after[running]["end"] is not None


def test_the_recent_records_are_kept_per_parameters(owner):
    with owner.client() as client:
        for _ in range(2):
            assert len(client.get("/api/timesheets/recent", params={"size": "1"}).json()) == 1
            assert len(client.get("/api/timesheets/recent").json()) == 1  # one project and activity
            since = client.get("/api/timesheets/recent", params={"begin": html5(datetime.now(UTC))})
            assert since.json() == []
            assert client.get("/api/timesheets/recent", params={"size": "x"}).status_code == 400
