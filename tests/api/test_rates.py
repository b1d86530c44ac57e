"""Rates of customers, projects and activities: list, create, delete, uniqueness per user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from horae.api.wire import color_safe
from horae.app import create_app
from horae.db import Database
from horae.settings import Settings
from tests.http import http_client
from tests.reliability.servers import app_server

PARENTS = ["customers", "projects", "activities"]


@pytest.fixture
def make_parent(make_customer, make_project, make_activity) -> Callable[[str], Any]:
    def factory(kind: str, **attributes: Any) -> Any:
        if kind == "customers":
            return make_customer(**attributes)
        if kind == "projects":
            return make_project(**attributes)
        return make_activity(make_project(), **attributes)

    return factory


def embedded_user(handle, **overrides: Any) -> dict[str, Any]:
    result = {
        "id": handle.id,
        "username": handle.username,
        "email": handle.email,
        "enabled": True,
        "apiToken": True,
        "systemAccount": False,
        "color": None,
        "color-safe": color_safe(None, handle.username),
        "avatar": None,
        "alias": None,
        "accountNumber": None,
        "initials": handle.username[:2].upper(),
        "title": None,
        "language": "en",
        "locale": "en",
        "timezone": "Europe/Berlin",
    }
    result.update(overrides)
    return result


@pytest.mark.parametrize("kind", PARENTS)
def test_list_returns_every_rate_of_the_parent_key_by_key(make_user, make_parent, make_rate, kind):
    admin = make_user("ROLE_ADMIN")
    worker = make_user(alias="Jane Doe", title="Designer", account_number="A-7")
    parent = make_parent(kind)
    other = make_parent(kind)
    shared = make_rate(parent, "17.45")
    personal = make_rate(parent, "99", user=worker, internal_rate="9", fixed=True)
    make_rate(other, "1")
    with admin.client() as client:
        response = client.get(f"/api/{kind}/{parent.id}/rates")
    assert response.status_code == 200
    assert response.json() == [
        {"id": shared.id, "user": None, "rate": 17.45, "internalRate": None, "isFixed": False},
        {
            "id": personal.id,
            "user": embedded_user(
                worker,
                alias="Jane Doe",
                title="Designer",
                accountNumber="A-7",
                initials="JD",
                **{"color-safe": color_safe(None, "Jane Doe")},
            ),
            "rate": 99.0,
            "internalRate": 9.0,
            "isFixed": True,
        },
    ]


@pytest.mark.parametrize("kind", PARENTS)
def test_create_with_an_empty_body_is_a_zero_rate_for_everyone(make_user, make_parent, kind):
    parent = make_parent(kind)
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(f"/api/{kind}/{parent.id}/rates", json={})
    assert response.status_code == 200
    body = response.json()
    assert body == {"id": body["id"], "user": None, "rate": 0.0, "internalRate": None, "isFixed": False}


@pytest.mark.parametrize("kind", PARENTS)
def test_create_reads_snake_and_camel_case(make_user, make_parent, kind):
    admin = make_user("ROLE_ADMIN")
    parent = make_parent(kind)
    with admin.client() as client:
        response = client.post(
            f"/api/{kind}/{parent.id}/rates",
            json={"user": admin.id, "rate": "12.5", "internal_rate": 6.25, "is_fixed": True},
        )
    assert response.status_code == 200
    body = response.json()
    assert (body["user"]["id"], body["rate"], body["internalRate"], body["isFixed"]) == (
        admin.id,
        12.5,
        6.25,
        True,
    )


@pytest.mark.parametrize("kind", PARENTS)
def test_create_allows_one_rate_per_user_and_one_for_everyone(make_user, make_parent, make_rate, kind):
    admin = make_user("ROLE_ADMIN")
    parent = make_parent(kind)
    make_rate(parent, "10")
    make_rate(parent, "20", user=admin)
    with admin.client() as client:
        for_everyone = client.post(f"/api/{kind}/{parent.id}/rates", json={"rate": 30})
        for_admin = client.post(f"/api/{kind}/{parent.id}/rates", json={"user": admin.id, "rate": 40})
    for response in (for_everyone, for_admin):
        assert response.status_code == 400
        children = response.json()["errors"]["children"]
        assert children == {
            "user": {"errors": ["This value is already used."]},
            "rate": {},
            "internalRate": {},
            "isFixed": {},
        }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"rate": -1}, "rate", "This value should be greater than or equal to 0."),
        ({"rate": "ten"}, "rate", "Please enter a number."),
        ({"internalRate": "x"}, "internalRate", "Please enter a number."),
        ({"user": "abc"}, "user", "The selected choice is invalid."),
        ({"user": 999}, "user", "The selected choice is invalid."),
    ],
)
def test_create_validation(make_user, make_customer, body, field, message):
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(f"/api/customers/{customer.id}/rates", json=body)
    assert response.status_code == 400
    assert response.json()["errors"]["children"][field] == {"errors": [message]}


def test_create_refuses_extra_fields(make_user, make_customer):
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(f"/api/customers/{customer.id}/rates", json={"rate": 1, "id": 5})
    assert response.status_code == 400
    assert response.json()["errors"]["errors"] == ["This form should not contain extra fields."]


@pytest.mark.parametrize("subject", ["disabled", "system account"])
def test_create_refuses_users_that_cannot_be_selected(make_user, make_customer, subject):
    target = make_user(enabled=False) if subject == "disabled" else make_user(system_account=True)
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(f"/api/customers/{customer.id}/rates", json={"user": target.id})
    assert response.json()["errors"]["children"]["user"] == {"errors": ["The selected choice is invalid."]}


def test_a_teamlead_may_choose_itself_and_members_of_teams_it_leads(
    make_user, make_project, make_activity, make_team
):
    lead = make_user("ROLE_TEAMLEAD")
    member = make_user()
    stranger = make_user()
    project = make_project()
    activity = make_activity(project)
    make_team(leads=[lead], members=[member], projects=[project])
    make_team(members=[lead, stranger])
    url = f"/api/activities/{activity.id}/rates"
    with lead.client() as client:
        own = client.post(url, json={"user": lead.id})
        led_member = client.post(url, json={"user": member.id})
        other = client.post(url, json={"user": stranger.id})
    assert own.status_code == 200
    assert led_member.status_code == 200
    assert other.json()["errors"]["children"]["user"] == {"errors": ["The selected choice is invalid."]}


@pytest.mark.parametrize("kind", PARENTS)
def test_rates_need_edit_on_the_parent(make_user, make_parent, make_rate, kind):
    parent = make_parent(kind)
    rate = make_rate(parent)
    with make_user().client() as client:
        assert client.get(f"/api/{kind}/{parent.id}/rates").status_code == 403
        assert client.post(f"/api/{kind}/{parent.id}/rates", json={}).status_code == 403
        assert client.delete(f"/api/{kind}/{parent.id}/rates/{rate.id}").status_code == 403


@pytest.mark.parametrize("kind", PARENTS)
def test_rates_of_an_unknown_parent_are_404_for_anyone(make_user, kind):
    with make_user().client() as client:
        assert client.get(f"/api/{kind}/999/rates").status_code == 404
        assert client.post(f"/api/{kind}/999/rates", json={}).status_code == 404
        assert client.delete(f"/api/{kind}/999/rates/1").status_code == 404


@pytest.mark.parametrize("kind", PARENTS)
def test_delete_removes_the_rate(make_user, make_parent, make_rate, kind):
    parent = make_parent(kind)
    rate = make_rate(parent)
    kept = make_rate(parent, user=make_user())
    with make_user("ROLE_ADMIN").client() as client:
        response = client.delete(f"/api/{kind}/{parent.id}/rates/{rate.id}")
        remaining = client.get(f"/api/{kind}/{parent.id}/rates").json()
    assert response.status_code == 204
    assert [r["id"] for r in remaining] == [kept.id]


@pytest.mark.parametrize("kind", PARENTS)
def test_delete_a_rate_of_another_parent_or_an_unknown_rate_is_404(make_user, make_parent, make_rate, kind):
    parent = make_parent(kind)
    foreign = make_rate(make_parent(kind))
    with make_user("ROLE_ADMIN").client() as client:
        assert client.delete(f"/api/{kind}/{parent.id}/rates/{foreign.id}").status_code == 404
        assert client.delete(f"/api/{kind}/{parent.id}/rates/999").status_code == 404


def test_list_uses_the_same_number_of_queries_for_3_and_30_rates(
    backend, count_request_queries, make_user, make_customer, make_rate
):
    admin = make_user("ROLE_ADMIN")

    def count_for(total: int) -> int:
        customer = make_customer()
        for _ in range(total):
            make_rate(customer, "5", user=make_user())
        with admin.client() as client:
            count, response = count_request_queries(client, f"/api/customers/{customer.id}/rates")
        assert len(response.json()) == total
        return count

    assert count_for(3) == count_for(30)


def book_half_hour(client: Any, work: Any, hour: int) -> Any:
    """POST a record of half an hour on `work`, yesterday at `hour`; the answer."""
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    return client.post(
        "/api/timesheets",
        json={
            "project": work.project.id,
            "activity": work.activity.id,
            "begin": f"{day}T{hour:02d}:00:00",
            "end": f"{day}T{hour:02d}:30:00",
        },
    )


def _booked_rate(client: Any, work: Any, hour: int) -> float:
    """The rate of a new half hour's record on `work` (yesterday, at `hour`)."""
    answer = book_half_hour(client, work, hour)
    assert answer.status_code == 200, answer.text
    return float(answer.json()["rate"])


def test_a_rate_changed_through_the_api_prices_the_next_record(make_user, catalog):
    """Configured rates are kept between writes while the catalog is unchanged; every change of
    a rate moves the catalog's generation, so the very next record is priced by it."""
    user = make_user("ROLE_TEAMLEAD")  # sees the rates of its own records
    work = catalog.work()
    with make_user("ROLE_ADMIN").client() as admin, user.client() as client:
        assert _booked_rate(client, work, 8) == 0.0
        created = admin.post(f"/api/activities/{work.activity.id}/rates", json={"rate": 80})
        assert created.status_code == 200, created.text
        assert _booked_rate(client, work, 9) == 40.0
        own = admin.post(f"/api/projects/{work.project.id}/rates", json={"rate": 60, "user": user.id})
        assert own.status_code == 200, own.text
        assert _booked_rate(client, work, 10) == 40.0  # the activity's rate scores higher
        assert (
            admin.delete(f"/api/activities/{work.activity.id}/rates/{created.json()['id']}").status_code
            == 204
        )
        assert _booked_rate(client, work, 11) == 30.0
        customer = admin.post(f"/api/customers/{work.customer.id}/rates", json={"rate": 100, "isFixed": True})
        assert customer.status_code == 200, customer.text
        assert _booked_rate(client, work, 12) == 30.0  # the user's project rate scores higher
        assert admin.delete(f"/api/projects/{work.project.id}/rates/{own.json()['id']}").status_code == 204
        assert _booked_rate(client, work, 13) == 100.0


def test_a_rate_changed_by_another_server_prices_the_next_record(backend, make_user, catalog, make_rate):
    user = make_user("ROLE_TEAMLEAD")  # sees the rates of its own records
    work = catalog.work()
    # A second application on the same database, with the kept values of its own, as another
    # worker or another host has them.
    other_db = Database(backend.url)
    other = create_app(Settings(database_url=backend.url, environment="test"), db=other_db)
    try:
        with app_server(other) as other_url, http_client(other_url, headers=user.headers) as elsewhere:
            assert _booked_rate(elsewhere, work, 8) == 0.0
            make_rate(work.activity, rate="20")
            assert _booked_rate(elsewhere, work, 9) == 10.0
            make_rate(work.activity, rate="50", user=user)
            assert _booked_rate(elsewhere, work, 10) == 25.0
    finally:
        other_db.dispose()
