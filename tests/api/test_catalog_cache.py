"""Built catalog lists are served again while the catalog is unchanged (horae/catalog_cache.py):
a repeated list reads no catalog rows, and every kind of change shows in the very next answer,
through this server or another one on the same database."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update

from horae.app import create_app
from horae.catalog_cache import AnswerCache, generation
from horae.customers.models import Customer
from horae.db import Database
from horae.settings import Settings
from horae.tags.models import Tag
from horae.teams.models import team_customers
from tests.http import http_client
from tests.parallel import in_parallel
from tests.reliability.servers import app_server

CATALOG_READS = ("FROM customers", "FROM projects", "FROM activities")


def catalog_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if any(table in s for table in CATALOG_READS)]


def current_generation(backend) -> int:
    with backend.db.session(write=False) as session:
        return generation(session)


def names(client, path: str, **params: str) -> list[str]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return [entry["name"] for entry in response.json()]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/customers", {}),
        ("/api/projects", {"ignoreDates": "1"}),
        ("/api/activities", {}),
        ("/api/activities", {"project": "PROJECT"}),
    ],
)
def test_a_repeated_list_reads_no_catalog_rows(backend, admin, make_project, make_activity, path, params):
    project = make_project(name="Apollo")
    make_activity(project, name="Design")
    make_activity(None, name="Meetings")
    params = {k: str(project.id) if v == "PROJECT" else v for k, v in params.items()}
    with admin.client() as client:
        first = client.get(path, params=params)
        counter = backend.count_queries()
        second = client.get(path, params=params)
        counter.active = False
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.json()
    assert catalog_reads(counter.statements) == []


def test_different_parameters_and_callers_get_their_own_answers(
    make_user, make_customer, make_project, make_team
):
    public = make_customer(name="Public")
    secret = make_customer(name="Secret")
    make_project(public, name="Open")
    make_project(public, name="Hidden", visible=False)
    insider = make_user()
    outsider = make_user()
    make_team(leads=[insider], customers=[secret])
    with insider.client() as client:
        assert names(client, "/api/customers") == ["Public", "Secret"]
        assert names(client, "/api/projects") == ["Open"]
        assert names(client, "/api/projects", visible="3") == ["Hidden", "Open"]
        assert names(client, "/api/projects", visible="2") == ["Hidden"]
    with outsider.client() as client:
        assert names(client, "/api/customers") == ["Public"]


def test_every_change_through_the_api_shows_in_the_next_answer(backend, admin, make_team):
    team = make_team(name="Blue", leads=[admin])
    with admin.client() as client:
        assert names(client, "/api/customers") == []
        created = client.post(
            "/api/customers",
            json={"name": "Acme", "country": "DE", "currency": "EUR", "timezone": "Europe/Berlin"},
        )
        assert created.status_code == 200, created.text
        customer = created.json()["id"]
        assert names(client, "/api/customers") == ["Acme"]

        project = client.post("/api/projects", json={"name": "Rocket", "customer": customer}).json()["id"]
        assert client.get("/api/projects").json()[0]["parentTitle"] == "Acme"
        assert client.patch(f"/api/customers/{customer}", json={"name": "Acme Corp"}).status_code == 200
        assert client.get("/api/projects").json()[0]["parentTitle"] == "Acme Corp"

        activity = client.post("/api/activities", json={"name": "Build", "project": project}).json()["id"]
        assert client.get("/api/activities").json()[0]["parentTitle"] == "Rocket"
        assert client.patch(f"/api/projects/{project}", json={"name": "Shuttle"}).status_code == 200
        assert client.get("/api/activities").json()[0]["parentTitle"] == "Shuttle"

        assert client.post(f"/api/teams/{team.id}/customers/{customer}").status_code == 200
        assert [t["name"] for t in client.get("/api/customers").json()[0]["teams"]] == ["Blue"]
        assert (
            client.patch(
                f"/api/teams/{team.id}",
                json={"name": "Navy", "members": [{"user": admin.id, "teamlead": True}]},
            ).status_code
            == 200
        )
        assert [t["name"] for t in client.get("/api/customers").json()[0]["teams"]] == ["Navy"]
        assert client.delete(f"/api/teams/{team.id}/customers/{customer}").status_code == 200
        assert client.get("/api/customers").json()[0]["teams"] == []

        assert client.patch(f"/api/activities/{activity}", json={"visible": False}).status_code == 200
        assert names(client, "/api/activities") == []
        assert names(client, "/api/activities", visible="3") == ["Build"]
        assert client.delete(f"/api/activities/{activity}").status_code == 204
        assert names(client, "/api/activities", visible="3") == []


def test_custom_field_values_show_in_the_next_answer(admin, make_customer, define_field):
    customer = make_customer(name="Acme")
    define_field("customer", "reference", type="string", visible=True)
    with admin.client() as client:
        assert client.get("/api/customers").json()[0]["metaFields"] == []
        response = client.patch(
            f"/api/customers/{customer.id}/meta", json={"name": "reference", "value": "R-1"}
        )
        assert response.status_code == 200, response.text
        assert client.get("/api/customers").json()[0]["metaFields"] == [{"name": "reference", "value": "R-1"}]


def test_bulk_statements_through_a_session_show_in_the_next_answer(backend, admin, make_customer, make_team):
    customer = make_customer(name="Acme")
    team = make_team(name="Blue")
    with admin.client() as client:
        assert names(client, "/api/customers") == ["Acme"]
        with backend.db.session() as session:
            session.execute(update(Customer).where(Customer.id == customer.id).values(name="Renamed"))
        assert names(client, "/api/customers") == ["Renamed"]
        with backend.db.session() as session:
            session.execute(insert(team_customers).values(team_id=team.id, customer_id=customer.id))
        assert [t["name"] for t in client.get("/api/customers").json()[0]["teams"]] == ["Blue"]


def test_a_new_team_membership_and_a_new_permission_show_in_the_next_answer(
    backend, admin, make_user, make_customer, make_team, grant
):
    customer = make_customer(name="Secret", budget=100)
    make_team(name="Owners", customers=[customer])
    user = make_user()
    with user.client() as client:
        assert names(client, "/api/customers") == []
        with admin.client() as admins:
            team = admins.get("/api/teams").json()[0]["id"]
            assert admins.post(f"/api/teams/{team}/members/{user.id}").status_code == 200
        (entry,) = client.get("/api/customers").json()
        assert entry["name"] == "Secret"
        assert "budget" not in entry
        grant("ROLE_USER", "budget_customer")
        (entry,) = client.get("/api/customers").json()
        assert entry["budget"] == 100.0


def test_tracking_time_leaves_the_catalog_generation_alone(backend, make_user, make_project, make_activity):
    project = make_project()
    activity = make_activity(project)
    user = make_user()
    before = current_generation(backend)
    with user.client() as client:
        started = client.post("/api/timesheets", json={"project": project.id, "activity": activity.id})
        assert started.status_code == 200, started.text
        assert client.patch(f"/api/timesheets/{started.json()['id']}/stop").status_code == 200
    assert current_generation(backend) == before


def test_a_change_through_another_server_shows_in_the_next_answer(backend, admin, make_customer):
    make_customer(name="Acme")
    # A second application on the same database: its own process-wide cache, as another worker
    # or another host would have.
    other_db = Database(backend.url)
    other = create_app(Settings(database_url=backend.url, environment="test"), db=other_db)
    try:
        with app_server(other) as other_url, http_client(other_url, headers=admin.headers) as elsewhere:
            assert names(elsewhere, "/api/customers") == ["Acme"]
            with admin.client() as client:
                created = client.post(
                    "/api/customers",
                    json={"name": "Bolt", "country": "DE", "currency": "EUR", "timezone": "UTC"},
                )
                assert created.status_code == 200, created.text
            assert names(elsewhere, "/api/customers") == ["Acme", "Bolt"]
            assert len(other_db.answer_cache) == 1
    finally:
        other_db.dispose()


def test_parallel_catalog_changes_all_succeed_and_all_show(backend, admin, make_customer, make_team):
    customers = [make_customer(name=f"Old {n}") for n in range(4)]
    team = make_team(name="Blue", leads=[admin])
    with admin.client() as client:
        assert len(names(client, "/api/customers")) == 4  # kept before the changes
    before = current_generation(backend)
    new = {"country": "DE", "currency": "EUR", "timezone": "UTC"}
    calls = [
        *((admin, "POST", "/api/customers", {**new, "name": f"New {n}"}) for n in range(4)),
        *(
            (admin, "PATCH", f"/api/customers/{c.id}", {"name": f"Renamed {n}"})
            for n, c in enumerate(customers)
        ),
        *((admin, "POST", f"/api/teams/{team.id}/customers/{c.id}", None) for c in customers[:2]),
    ]
    answers = in_parallel(calls)
    assert [a.status_code for a in answers] == [200] * len(calls), [
        a.text for a in answers if a.status_code != 200
    ]
    assert current_generation(backend) == before + len(calls)
    with admin.client() as client:
        listed = client.get("/api/customers").json()
    assert sorted(entry["name"] for entry in listed) == sorted(
        [f"New {n}" for n in range(4)] + [f"Renamed {n}" for n in range(4)]
    )
    assert sum(1 for entry in listed if entry["teams"]) == 2


def test_a_rejected_change_leaves_the_generation_alone(backend, admin):
    before = current_generation(backend)
    with admin.client() as client:
        response = client.post("/api/customers", json={"name": "", "country": "XX"})
    assert response.status_code == 400
    assert current_generation(backend) == before


def test_a_repeated_tag_search_reads_no_tag_rows_and_sees_every_change(backend, admin, make_user):
    user = make_user()
    with admin.client() as client:
        assert client.post("/api/tags", json={"name": "alpha", "visible": True}).status_code == 200
        assert names(client, "/api/tags/find", name="al") == ["alpha"]
        counter = backend.count_queries()
        assert names(client, "/api/tags/find", name="al") == ["alpha"]
        assert client.get("/api/tags", params={"name": "al"}).json() == ["alpha"]
        assert client.get("/api/tags", params={"name": "al"}).json() == ["alpha"]
        counter.active = False
        assert not [sql for sql in counter.statements if "FROM tags" in sql][1:]
    with user.client() as client:
        assert names(client, "/api/tags/find", name="al") == ["alpha"]
    with admin.client() as client:
        assert client.post("/api/tags", json={"name": "alpine", "visible": True}).status_code == 200
    with user.client() as client:
        assert names(client, "/api/tags/find", name="al") == ["alpha", "alpine"]
        assert client.get("/api/tags", params={"name": "al"}).json() == ["alpha", "alpine"]
        with backend.db.session() as session:
            session.execute(update(Tag).where(Tag.name == "alpine").values(visible=False))
        assert names(client, "/api/tags/find", name="al") == ["alpha"]
    with admin.client() as client:
        alpha = client.get("/api/tags/find", params={"name": "alpha"}).json()[0]["id"]
        assert names(client, "/api/tags/find", name="al") == ["alpha"]
        assert client.delete(f"/api/tags/{alpha}").status_code == 204
        assert names(client, "/api/tags/find", name="al") == []


# --- the cache itself --------------------------------------------------------------------------


def test_an_answer_is_kept_for_its_generation_only():
    cache = AnswerCache(budget=100)
    cache.put("list", 3, b"[1]")
    assert cache.get("list", 3) == b"[1]"
    assert cache.get("list", 4) is None
    # The outdated answer is gone for good.
    assert cache.get("list", 3) is None
    assert len(cache) == 0


def test_the_least_recently_used_answers_go_first_when_the_budget_is_full():
    cache = AnswerCache(budget=10)
    cache.put("a", 1, b"aaaa")
    cache.put("b", 1, b"bbbb")
    assert cache.get("a", 1) == b"aaaa"  # now the most recent
    cache.put("c", 1, b"cccc")
    assert cache.get("b", 1) is None
    assert cache.get("a", 1) == b"aaaa"
    assert cache.get("c", 1) == b"cccc"
    cache.put("a", 1, b"aaaaaaa")  # replaced, not counted twice: 11 bytes
    assert cache.get("c", 1) is None
    assert len(cache) == 1


def test_an_answer_larger_than_the_budget_is_not_kept_and_a_zero_budget_keeps_nothing():
    cache = AnswerCache(budget=4)
    cache.put("big", 1, b"12345")
    assert cache.get("big", 1) is None
    off = AnswerCache(budget=0)
    off.put("some", 1, b"x")
    assert off.get("some", 1) is None
