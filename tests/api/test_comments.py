"""Comments on customers and projects: list order, create, pin toggle, delete, permissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from horae.api.wire import color_safe

PARENTS = ["customers", "projects"]


@pytest.fixture
def make_parent(make_customer, make_project) -> Callable[[str], Any]:
    def factory(kind: str) -> Any:
        return make_customer() if kind == "customers" else make_project()

    return factory


@pytest.mark.parametrize("kind", PARENTS)
def test_list_shows_pinned_comments_first_then_the_newest(make_user, make_parent, make_comment, kind):
    admin = make_user("ROLE_ADMIN")
    parent = make_parent(kind)
    old = make_comment(parent, admin, "old", created_at=datetime(2024, 1, 1, 10, tzinfo=UTC))
    new = make_comment(parent, admin, "new", created_at=datetime(2024, 3, 1, 10, tzinfo=UTC))
    pinned = make_comment(parent, admin, "pinned", pinned=True, created_at=datetime(2023, 1, 1, tzinfo=UTC))
    make_comment(make_parent(kind), admin, "elsewhere")
    with admin.client() as client:
        response = client.get(f"/api/{kind}/{parent.id}/comments")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [pinned.id, new.id, old.id]


@pytest.mark.parametrize("kind", PARENTS)
def test_a_comment_has_exactly_kimais_keys(make_user, make_parent, make_comment, kind):
    admin = make_user("ROLE_ADMIN", alias="Ada Admin")
    parent = make_parent(kind)
    comment = make_comment(parent, admin, "**Hello**", created_at=datetime(2024, 7, 1, 12, 30, tzinfo=UTC))
    with admin.client() as client:
        body = client.get(f"/api/{kind}/{parent.id}/comments").json()
    assert body == [
        {
            "id": comment.id,
            "message": "**Hello**",
            "createdBy": {
                "id": admin.id,
                "username": admin.username,
                "email": admin.email,
                "enabled": True,
                "apiToken": True,
                "systemAccount": False,
                "color": None,
                "color-safe": color_safe(None, "Ada Admin"),
                "avatar": None,
                "alias": "Ada Admin",
                "accountNumber": None,
                "initials": "AA",
                "title": None,
                "language": "en",
                "locale": "en",
                "timezone": "Europe/Berlin",
            },
            "createdAt": "2024-07-01T14:30:00+0200",
            "pinned": False,
        }
    ]


@pytest.mark.parametrize("kind", PARENTS)
def test_create_stores_the_callers_comment(make_user, make_parent, kind):
    admin = make_user("ROLE_ADMIN")
    parent = make_parent(kind)
    with admin.client() as client:
        response = client.post(
            f"/api/{kind}/{parent.id}/comments", json={"message": "First!", "pinned": True}
        )
        listed = client.get(f"/api/{kind}/{parent.id}/comments").json()
    assert response.status_code == 200
    body = response.json()
    assert (body["message"], body["pinned"], body["createdBy"]["id"]) == ("First!", True, admin.id)
    assert body["createdAt"].endswith(("+0100", "+0200"))
    assert listed == [body]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"message": {"errors": ["This value should not be blank."]}, "pinned": {}}),
        ({"message": ""}, {"message": {"errors": ["This value should not be blank."]}, "pinned": {}}),
        (
            {"message": None, "pinned": False},
            {"message": {"errors": ["This value should not be blank."]}, "pinned": {}},
        ),
    ],
)
def test_create_needs_a_message(make_user, make_customer, body, errors):
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(f"/api/customers/{customer.id}/comments", json=body)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Validation Failed", "errors": {"children": errors}}


@pytest.mark.parametrize("kind", PARENTS)
def test_pin_toggles(make_user, make_parent, make_comment, kind):
    admin = make_user("ROLE_ADMIN")
    parent = make_parent(kind)
    comment = make_comment(parent, admin)
    with admin.client() as client:
        first = client.patch(f"/api/{kind}/{parent.id}/comments/{comment.id}/pin")
        second = client.patch(f"/api/{kind}/{parent.id}/comments/{comment.id}/pin")
    assert (first.status_code, first.json()["pinned"]) == (200, True)
    assert second.json()["pinned"] is False


@pytest.mark.parametrize("kind", PARENTS)
def test_delete_removes_the_comment(make_user, make_parent, make_comment, kind):
    admin = make_user("ROLE_ADMIN")
    parent = make_parent(kind)
    comment = make_comment(parent, admin)
    with admin.client() as client:
        response = client.delete(f"/api/{kind}/{parent.id}/comments/{comment.id}")
        listed = client.get(f"/api/{kind}/{parent.id}/comments").json()
    assert response.status_code == 204
    assert listed == []


@pytest.mark.parametrize("kind", PARENTS)
def test_a_comment_of_another_record_is_forbidden_not_hidden(make_user, make_parent, make_comment, kind):
    admin = make_user("ROLE_ADMIN")
    parent = make_parent(kind)
    foreign = make_comment(make_parent(kind), admin)
    with admin.client() as client:
        pin = client.patch(f"/api/{kind}/{parent.id}/comments/{foreign.id}/pin")
        delete = client.delete(f"/api/{kind}/{parent.id}/comments/{foreign.id}")
    assert pin.status_code == 403
    assert delete.status_code == 403
    assert pin.json() == {"code": 403, "message": "Forbidden"}


@pytest.mark.parametrize("kind", PARENTS)
def test_unknown_parent_or_comment_is_404_even_without_permission(make_user, make_parent, kind):
    parent = make_parent(kind)
    with make_user().client() as client:
        assert client.get(f"/api/{kind}/999/comments").status_code == 404
        assert client.post(f"/api/{kind}/999/comments", json={"message": "x"}).status_code == 404
        assert client.patch(f"/api/{kind}/{parent.id}/comments/999/pin").status_code == 404
        assert client.delete(f"/api/{kind}/{parent.id}/comments/999").status_code == 404


@pytest.mark.parametrize("kind", PARENTS)
def test_a_plain_user_may_not_read_or_write_comments(make_user, make_parent, make_comment, make_team, kind):
    user = make_user()
    parent = make_parent(kind)
    comment = make_comment(parent, user)
    make_team(members=[user], **{kind: [parent]})
    with user.client() as client:
        assert client.get(f"/api/{kind}/{parent.id}/comments").status_code == 403
        assert client.post(f"/api/{kind}/{parent.id}/comments", json={"message": "x"}).status_code == 403
        assert client.patch(f"/api/{kind}/{parent.id}/comments/{comment.id}/pin").status_code == 403
        assert client.delete(f"/api/{kind}/{parent.id}/comments/{comment.id}").status_code == 403


@pytest.mark.parametrize("kind", PARENTS)
def test_a_teamlead_may_comment_but_not_pin_or_delete(make_user, make_parent, make_comment, make_team, kind):
    lead = make_user("ROLE_TEAMLEAD")
    parent = make_parent(kind)
    comment = make_comment(parent, lead)
    make_team(leads=[lead], **{kind: [parent]})
    with lead.client() as client:
        assert client.get(f"/api/{kind}/{parent.id}/comments").status_code == 200
        assert client.post(f"/api/{kind}/{parent.id}/comments", json={"message": "x"}).status_code == 200
        # pin and delete also need edit, which teamleads lack by default
        assert client.patch(f"/api/{kind}/{parent.id}/comments/{comment.id}/pin").status_code == 403
        assert client.delete(f"/api/{kind}/{parent.id}/comments/{comment.id}").status_code == 403


def test_activities_have_no_comments(make_user, make_activity):
    activity = make_activity()
    with make_user("ROLE_ADMIN").client() as client:
        assert client.get(f"/api/activities/{activity.id}/comments").status_code == 404


def test_list_uses_the_same_number_of_queries_for_3_and_30_comments(
    backend, count_request_queries, make_user, make_project, make_comment
):
    admin = make_user("ROLE_ADMIN")

    def count_for(total: int) -> int:
        project = make_project()
        for index in range(total):
            make_comment(project, make_user(), f"Comment {index}")
        with admin.client() as client:
            count, response = count_request_queries(client, f"/api/projects/{project.id}/comments")
        assert len(response.json()) == total
        return count

    assert count_for(3) == count_for(30)
