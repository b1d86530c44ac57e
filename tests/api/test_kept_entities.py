"""A write of a time entry takes its project and activity (with their parents) from copies kept
while the catalog is unchanged (`catalog_cache.kept_entity`): what it reads must always be what
the database holds, in every process, from the very next write after a change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from horae import catalog_cache
from horae.activities.models import Activity
from horae.app import create_app
from horae.catalog_cache import kept_entity
from horae.db import Database
from horae.projects.models import Project
from horae.settings import Settings
from tests.api.test_rates import book_half_hour
from tests.http import http_client
from tests.reliability.servers import app_server


def _status_and_billable(client: Any, work: Any, hour: int) -> tuple[int, bool | None]:
    answer = book_half_hour(client, work, hour)
    return answer.status_code, answer.json().get("billable") if answer.status_code == 200 else None


def test_a_change_through_the_api_counts_from_the_next_write(make_user, catalog):
    user = make_user()
    work = catalog.work()
    with make_user("ROLE_SUPER_ADMIN").client() as admin, user.client() as client:
        assert _status_and_billable(client, work, 8) == (200, True)
        assert admin.patch(f"/api/activities/{work.activity.id}", json={"billable": False}).status_code == 200
        assert _status_and_billable(client, work, 9) == (200, False)
        assert admin.patch(f"/api/activities/{work.activity.id}", json={"billable": True}).status_code == 200
        assert admin.patch(f"/api/projects/{work.project.id}", json={"visible": False}).status_code == 200
        assert _status_and_billable(client, work, 10) == (400, None)
        assert admin.patch(f"/api/projects/{work.project.id}", json={"visible": True}).status_code == 200
        assert _status_and_billable(client, work, 11) == (200, True)
        assert admin.patch(f"/api/customers/{work.customer.id}", json={"visible": False}).status_code == 200
        assert _status_and_billable(client, work, 12) == (400, None)
        assert admin.patch(f"/api/customers/{work.customer.id}", json={"visible": True}).status_code == 200
        assert admin.patch(f"/api/customers/{work.customer.id}", json={"billable": False}).status_code == 200
        assert _status_and_billable(client, work, 13) == (200, False)


def test_a_change_by_another_server_counts_from_the_next_write(backend, make_user, catalog):
    user = make_user()
    work = catalog.work()
    # A second application on the same database, with kept copies of its own, as another worker
    # or another host has them.
    other_db = Database(backend.url)
    other = create_app(Settings(database_url=backend.url, environment="test"), db=other_db)
    try:
        with app_server(other) as other_url, http_client(other_url, headers=user.headers) as elsewhere:
            assert _status_and_billable(elsewhere, work, 8) == (200, True)
            with catalog.db.session() as session:
                session.get(Activity, work.activity.id).billable = False
            assert _status_and_billable(elsewhere, work, 9) == (200, False)
            with catalog.db.session() as session:
                session.get(Project, work.project.id).visible = False
            assert _status_and_billable(elsewhere, work, 10) == (400, None)
    finally:
        other_db.dispose()


def test_a_deleted_activity_is_refused_from_the_next_write(make_user, catalog):
    user = make_user()
    work = catalog.work()
    spare = catalog.work()
    with make_user("ROLE_SUPER_ADMIN").client() as admin, user.client() as client:
        assert book_half_hour(client, spare, 8).status_code == 200
        assert admin.delete(f"/api/activities/{spare.activity.id}").status_code in (200, 204)
        refused = book_half_hour(client, spare, 9)
        assert refused.status_code == 400, refused.text
        assert book_half_hour(client, work, 10).status_code == 200


def test_a_kept_copy_comes_with_its_parents_and_costs_no_statement(backend, catalog):
    work = catalog.work()
    with backend.db.session() as session:
        first = kept_entity(session, Activity, work.activity.id)
        assert first is not None
    counter = backend.count_queries()
    with backend.db.session() as session:
        activity = kept_entity(session, Activity, work.activity.id)
        project = kept_entity(session, Project, work.project.id)
        assert activity is not None and project is not None
        assert activity in session and project in session
        assert activity.project is project
        names = (activity.name, project.name, project.customer.name)
        assert kept_entity(session, Activity, work.activity.id) is activity
    assert names == (work.activity.name, work.project.name, work.customer.name)
    reads = [s for s in counter.statements if not s.startswith("BEGIN")]
    # The project was never read alone: its copy came with the activity's.
    assert [s for s in reads if "FROM activities" in s or "FROM projects" in s] == [], reads


def test_an_entity_already_in_the_unit_of_work_is_its_own(backend, catalog):
    work = catalog.work()
    with backend.db.session() as session:
        kept_entity(session, Project, work.project.id)
    with backend.db.session() as session:
        project = session.get(Project, work.project.id)
        project.name = "renamed in this unit of work"
        assert kept_entity(session, Project, work.project.id) is project
        assert project.name == "renamed in this unit of work"
        session.rollback()


def test_missing_ids_are_none_and_the_copies_stay_bounded(backend, catalog, monkeypatch):
    monkeypatch.setattr(catalog_cache, "KEPT_ENTITIES", 2)
    works = [catalog.work() for _ in range(3)]
    for _ in range(2):
        with backend.db.session() as session:
            assert kept_entity(session, Project, 10**9) is None
            for work in works:
                found = kept_entity(session, Project, work.project.id)
                assert found is not None and found.name == work.project.name
    kept = backend.db.sessionmaker.kw["info"]["kept_values"]._kept["catalog_entities"][1]
    assert len(kept) <= 2


@pytest.mark.parametrize("hidden", ["project", "activity"])
def test_a_record_that_keeps_a_hidden_choice_may_still_be_changed(make_user, catalog, hidden):
    """An update that keeps the record's project and activity accepts them even when hidden
    since (Kimai's form keeps the current choice), kept copy or not."""
    user = make_user()
    work = catalog.work()
    with make_user("ROLE_SUPER_ADMIN").client() as admin, user.client() as client:
        booked = book_half_hour(client, work, 8)
        assert booked.status_code == 200, booked.text
        path = (
            f"/api/projects/{work.project.id}"
            if hidden == "project"
            else f"/api/activities/{work.activity.id}"
        )
        assert admin.patch(path, json={"visible": False}).status_code == 200
        changed = client.patch(f"/api/timesheets/{booked.json()['id']}", json={"description": "still mine"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["description"] == "still mine"


def test_a_stop_takes_the_records_project_and_activity_from_the_kept_copies(backend, make_user, catalog):
    user = make_user()
    work = catalog.work()
    body = {"project": work.project.id, "activity": work.activity.id}
    with user.client() as client:
        assert client.post("/api/timesheets", json=body).status_code == 200
        started = client.post("/api/timesheets", json=body)
        assert started.status_code == 200, started.text
        counter = backend.count_queries()
        stopped = client.patch(f"/api/timesheets/{started.json()['id']}/stop")
    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["project"], stopped.json()["activity"]) == (work.project.id, work.activity.id)
    read = [s for s in counter.statements if "FROM projects" in s or "FROM activities" in s]
    assert read == [], read


def test_a_record_whose_project_was_hidden_since_may_still_be_stopped(make_user, catalog):
    user = make_user()
    work = catalog.work()
    body = {"project": work.project.id, "activity": work.activity.id}
    with make_user("ROLE_SUPER_ADMIN").client() as admin, user.client() as client:
        started = client.post("/api/timesheets", json=body)
        assert started.status_code == 200, started.text
        assert admin.patch(f"/api/projects/{work.project.id}", json={"visible": False}).status_code == 200
        stopped = client.patch(f"/api/timesheets/{started.json()['id']}/stop")
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["end"] is not None


def _booked_tags(client: Any, work: Any, hour: int, tags: str) -> list[str]:
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    body = {
        "project": work.project.id,
        "activity": work.activity.id,
        "begin": f"{day}T{hour:02d}:00:00",
        "end": f"{day}T{hour:02d}:30:00",
        "tags": tags,
    }
    answer = client.post("/api/timesheets", json=body)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["tags"])


def test_the_tags_a_write_names_follow_every_change_from_the_next_write(backend, make_user, catalog):
    """A write's tags come from copies kept per list of names while the tags are unchanged
    (`catalog_cache.kept_tags`): a tag made, renamed or deleted, here or through another
    engine, shows in the very next write; once kept, a write reads no tag."""
    from sqlalchemy import create_engine, update

    from horae.tags.models import Tag

    user = make_user()
    work = catalog.work()
    with make_user("ROLE_SUPER_ADMIN").client() as admin, user.client() as client:
        assert admin.post("/api/tags", json={"name": "alpha"}).status_code == 200
        assert _booked_tags(client, work, 8, "alpha,beta,ALPHA") == ["alpha"]
        beta = admin.post("/api/tags", json={"name": "beta"}).json()["id"]
        assert _booked_tags(client, work, 9, "alpha,beta,ALPHA") == ["alpha", "beta"]
        counter = backend.count_queries()
        assert _booked_tags(client, work, 10, "alpha,beta,ALPHA") == ["alpha", "beta"]
        counter.active = False
        assert [s for s in counter.statements if "FROM tags" in s] == [], counter.statements
        with backend.db.session() as session:
            session.get(Tag, beta).name = "gamma"  # type: ignore[union-attr]
        assert _booked_tags(client, work, 11, "alpha,beta,ALPHA") == ["alpha"]
        other = create_engine(backend.url)
        try:
            with other.begin() as connection:
                connection.execute(update(Tag).where(Tag.id == beta).values(name="beta"))
                catalog_cache.advance(connection, catalog_cache.TAGS)
        finally:
            other.dispose()
        assert _booked_tags(client, work, 12, "alpha,beta,ALPHA") == ["alpha", "beta"]
        assert admin.delete(f"/api/tags/{beta}").status_code in (200, 204)
        assert _booked_tags(client, work, 13, "alpha,beta,ALPHA") == ["alpha"]
