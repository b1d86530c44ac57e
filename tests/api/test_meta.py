"""Custom fields through the API: `metaFields` in forms, the …/meta endpoints, visibility."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

KINDS = ["customers", "projects", "activities"]
ENTITY_TYPE = {"customers": "customer", "projects": "project", "activities": "activity"}


@pytest.fixture
def make_record(make_customer, make_project, make_activity) -> Callable[[str], Any]:
    def factory(kind: str) -> Any:
        if kind == "customers":
            return make_customer()
        if kind == "projects":
            return make_project()
        return make_activity(make_project())

    return factory


def meta_errors(response) -> list[str]:
    assert response.status_code == 400, response.text
    return response.json()["errors"]["children"]["metaFields"]["errors"]


# --- metaFields in create and update --------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_update_stores_defined_fields_and_shows_the_visible_ones(make_user, make_record, define_field, kind):
    define_field(ENTITY_TYPE[kind], "reference")
    define_field(ENTITY_TYPE[kind], "internal", visible=False)
    record = make_record(kind)
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(
            f"/api/{kind}/{record.id}",
            json={"metaFields": {"reference": {"value": "R-1"}, "internal": {"value": "secret"}}},
        )
    assert response.status_code == 200, response.text
    assert response.json()["metaFields"] == [{"name": "reference", "value": "R-1"}]


def test_create_stores_fields_and_applies_defaults(make_user, define_field):
    define_field("customer", "reference")
    define_field("customer", "region", default_value="north")
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(
            "/api/customers", json={"name": "Meta", "metaFields": {"REFERENCE": {"value": 42}}}
        )
    assert response.status_code == 200, response.text
    assert response.json()["metaFields"] == [
        {"name": "reference", "value": "42"},
        {"name": "region", "value": "north"},
    ]


def test_create_project_and_activity_with_fields(make_user, make_customer, define_field):
    define_field("project", "code")
    define_field("activity", "kind")
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        project = client.post(
            "/api/projects",
            json={"name": "Project", "customer": customer.id, "metaFields": {"code": {"value": "X"}}},
        ).json()
        activity = client.post(
            "/api/activities",
            json={"name": "Activity", "project": project["id"], "metaFields": {"kind": {"value": "Y"}}},
        ).json()
    assert project["metaFields"] == [{"name": "code", "value": "X"}]
    assert activity["metaFields"] == [{"name": "kind", "value": "Y"}]


def test_snake_case_field_names_are_found_after_camelisation(make_user, make_customer, define_field):
    define_field("customer", "cost_center")
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(
            f"/api/customers/{customer.id}", json={"metaFields": {"cost_center": {"value": "7"}}}
        )
    assert response.json()["metaFields"] == [{"name": "cost_center", "value": "7"}]


def test_an_unknown_field_name_is_refused(make_user, make_customer, define_field):
    define_field("customer", "reference")
    define_field("project", "other")
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(
            f"/api/customers/{customer.id}", json={"metaFields": {"other": {"value": "x"}}}
        )
    assert meta_errors(response) == ["This form should not contain extra fields."]


@pytest.mark.parametrize(
    ("options", "value", "stored", "error"),
    [
        ({"type": "integer"}, "12", "12", None),
        ({"type": "integer"}, "1.5", None, "field: Please enter an integer."),
        ({"type": "number"}, 2.50, "2.5", None),
        ({"type": "number"}, "two", None, "field: Please enter a number."),
        ({"type": "boolean"}, True, "1", None),
        ({"type": "boolean"}, False, "0", None),
        ({"type": "choice", "options": ["small", "large"]}, "large", "large", None),
        (
            {"type": "choice", "options": ["small", "large"]},
            "huge",
            None,
            "field: The selected choice is invalid.",
        ),
        ({"type": "date"}, "2024-02-29", "2024-02-29", None),
        ({"type": "date"}, "2023-02-29", None, "field: Please enter a valid date."),
        ({"type": "email"}, "a@b.example", "a@b.example", None),
        ({"type": "email"}, "nope", None, "field: This value is not a valid email address."),
        ({"type": "url"}, "example.org", "https://example.org", None),
        ({"type": "color"}, "#abc", "#abc", None),
        ({"type": "color"}, "blue", None, "field: This value is not valid."),
        ({"type": "string", "required": True}, "", None, "field: This value should not be blank."),
        ({"type": "string"}, "", None, None),
    ],
)
def test_values_are_checked_against_the_field_type(
    make_user, make_customer, define_field, options, value, stored, error
):
    define_field("customer", "field", **options)
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(
            f"/api/customers/{customer.id}", json={"metaFields": {"field": {"value": value}}}
        )
    if error:
        assert meta_errors(response) == [error]
    else:
        assert response.status_code == 200, response.text
        assert response.json()["metaFields"] == [{"name": "field", "value": stored}]


def test_a_field_turned_visible_shows_its_stored_values(make_user, make_customer, define_field):
    define_field("customer", "internal", visible=False)
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        hidden = client.patch(
            f"/api/customers/{customer.id}", json={"metaFields": {"internal": {"value": "x"}}}
        )
        define_field("customer", "internal", visible=True)
        shown = client.get(f"/api/customers/{customer.id}")
    assert hidden.json()["metaFields"] == []
    assert shown.json()["metaFields"] == [{"name": "internal", "value": "x"}]


# --- PATCH …/meta ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_meta_endpoint_sets_a_defined_field(make_user, make_record, define_field, kind):
    define_field(ENTITY_TYPE[kind], "reference")
    record = make_record(kind)
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(
            f"/api/{kind}/{record.id}/meta", json={"name": "Reference", "value": "another,testing"}
        )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == record.id
    assert body["metaFields"] == [{"name": "reference", "value": "another,testing"}]


@pytest.mark.parametrize(("value", "stored"), [(12.5, "12.5"), (7, "7"), (True, "1"), ("", "")])
def test_meta_endpoint_stores_scalars_as_text(make_user, make_customer, define_field, value, stored):
    define_field("customer", "reference")
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        body = client.patch(
            f"/api/customers/{customer.id}/meta", json={"name": "reference", "value": value}
        ).json()
    assert body["metaFields"] == [{"name": "reference", "value": stored}]


@pytest.mark.parametrize(
    "body",
    [
        {"value": "X"},
        {"name": "reference"},
        {"name": "reference", "value": None},
        {"name": "reference", "value": False},
        {"name": "reference", "value": "a\x00b"},
    ],
)
def test_meta_endpoint_needs_a_name_and_a_value(make_user, make_customer, define_field, body):
    define_field("customer", "reference")
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/customers/{customer.id}/meta", json=body)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


@pytest.mark.parametrize("kind", KINDS)
def test_meta_endpoint_unknown_field_is_404(make_user, make_record, kind):
    record = make_record(kind)
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/{kind}/{record.id}/meta", json={"name": "X", "value": "Y"})
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


@pytest.mark.parametrize("kind", KINDS)
def test_meta_endpoint_checks_the_record_then_edit(make_user, make_record, define_field, kind):
    define_field(ENTITY_TYPE[kind], "reference")
    record = make_record(kind)
    with make_user().client() as client:
        assert (
            client.patch(f"/api/{kind}/999/meta", json={"name": "reference", "value": "x"}).status_code == 404
        )
        assert (
            client.patch(
                f"/api/{kind}/{record.id}/meta", json={"name": "reference", "value": "x"}
            ).status_code
            == 403
        )
