"""/api/tags: names, search, create and delete."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from horae.api.forms import FORBIDDEN_CHARS_MESSAGE as FORBIDDEN
from horae.tags.models import Tag

TAG_KEYS = {"id", "name", "visible", "color", "color-safe"}


# --- GET /api/tags ----------------------------------------------------------------------------


def test_names_of_visible_tags_alphabetically(make_user, make_tag):
    make_tag("beta")
    make_tag("Alpha")
    make_tag("hidden", visible=False)
    with make_user().client() as client:
        response = client.get("/api/tags")
    assert response.status_code == 200
    assert response.json() == ["Alpha", "beta"]


def test_names_filtered_by_part_of_the_name(make_user, make_tag):
    make_tag("project-x")
    make_tag("PROJECT-y")
    make_tag("other")
    with make_user().client() as client:
        assert client.get("/api/tags", params={"name": "proj"}).json() == ["project-x", "PROJECT-y"]


def test_names_without_tags_is_an_empty_list(make_user):
    with make_user().client() as client:
        assert client.get("/api/tags").json() == []


# --- GET /api/tags/find -----------------------------------------------------------------------


def test_find_returns_visible_matching_tags(make_user, make_tag):
    found = make_tag("meeting", color="#ff0000")
    make_tag("meetup-hidden", visible=False)
    make_tag("lunch")
    with make_user().client() as client:
        response = client.get("/api/tags/find", params={"name": "meet"})
    assert response.status_code == 200
    assert response.json() == [
        {"id": found.id, "name": "meeting", "visible": True, "color": "#ff0000", "color-safe": "#ff0000"}
    ]


def test_find_without_a_name_finds_nothing(make_user, make_tag):
    make_tag("meeting")
    with make_user().client() as client:
        assert client.get("/api/tags/find").json() == []
        assert client.get("/api/tags/find", params={"name": ""}).json() == []


def test_find_treats_wildcards_literally(make_user, make_tag):
    make_tag("100%")
    make_tag("1000")
    with make_user().client() as client:
        assert [t["name"] for t in client.get("/api/tags/find", params={"name": "0%"}).json()] == ["100%"]
        assert client.get("/api/tags/find", params={"name": "_"}).json() == []


def test_find_takes_slashes_and_backslashes_literally(make_user, make_tag):
    make_tag("back\\slash")
    make_tag("for/ward")
    with make_user().client() as client:
        for term, found in (
            ("\\", "back\\slash"),
            ("k\\s", "back\\slash"),
            ("/", "for/ward"),
            ("r/w", "for/ward"),
        ):
            assert [t["name"] for t in client.get("/api/tags/find", params={"name": term}).json()] == [found]


def test_a_name_with_a_nul_character_finds_nothing(make_user, make_tag):
    make_tag("meeting")
    with make_user().client() as client:
        for path in ("/api/tags/find", "/api/tags"):
            response = client.get(path, params={"name": "meet\x00"})
            assert (response.status_code, response.json()) == (200, []), path


def test_find_color_safe_comes_from_the_name(make_user, make_tag):
    make_tag("Test")
    with make_user().client() as client:
        body = client.get("/api/tags/find", params={"name": "test"}).json()
    assert (body[0]["color"], body[0]["color-safe"]) == (None, "#5319e7")


def test_find_has_a_fixed_number_of_queries(backend, make_user, make_tag):

    def count(client):
        backend.db.answer_cache.clear()  # the answer is built, not served again
        counter = backend.count_queries()
        assert client.get("/api/tags/find", params={"name": "tag"}).status_code == 200
        counter.active = False
        return len(counter)

    for _ in range(3):
        make_tag()
    with make_user().client() as client:
        client.get("/api/tags/find", params={"name": "tag"})
        few = count(client)
        for _ in range(27):
            make_tag()
        many = count(client)
        assert len(client.get("/api/tags/find", params={"name": "tag"}).json()) == 30
    assert few == many


# --- POST /api/tags ---------------------------------------------------------------------------


def test_create_tag_returns_the_entity(make_user):
    with make_user().client() as client:
        response = client.post("/api/tags", json={"name": "urgent", "visible": True, "color": "#ff0000"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == TAG_KEYS
    assert (body["name"], body["visible"], body["color"], body["color-safe"]) == (
        "urgent",
        True,
        "#ff0000",
        "#ff0000",
    )


def test_create_tag_without_visible_creates_a_hidden_tag(make_user):
    with make_user().client() as client:
        assert client.post("/api/tags", json={"name": "urgent"}).json()["visible"] is False


def test_create_tag_reads_null_visible_as_true(make_user):
    with make_user().client() as client:
        assert client.post("/api/tags", json={"name": "urgent", "visible": None}).json()["visible"] is True


def test_create_tag_trims_the_name(backend, make_user):
    with make_user().client() as client:
        body = client.post("/api/tags", json={"name": "  urgent  "}).json()
    assert body["name"] == "urgent"
    with backend.db.session(write=False) as session:
        assert session.get(Tag, body["id"]).name == "urgent"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a", "This value is too short. It should have 2 characters or more."),
        (" a ", "This value is too short. It should have 2 characters or more."),
        ("a" * 101, "This value is too long. It should have 100 characters or less."),
        ("a,b", "Tag name cannot contain comma"),
        ("<b>", FORBIDDEN),
        ("", "This value should not be blank."),
        (None, "This value should not be blank."),
    ],
)
def test_create_tag_validates_the_name(make_user, name, message):
    with make_user().client() as client:
        response = client.post("/api/tags", json={"name": name, "visible": True})
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "Validation Failed",
        "errors": {"children": {"name": {"errors": [message]}, "visible": {}, "color": {}}},
    }


def test_create_tag_refuses_a_taken_name_regardless_of_case(make_user, make_tag):
    make_tag("urgent")
    with make_user().client() as client:
        response = client.post("/api/tags", json={"name": "URGENT"})
    assert response.status_code == 400
    assert response.json()["errors"]["children"]["name"] == {"errors": ["This value is already used."]}


def test_create_tag_refuses_a_color_outside_the_palette(make_user):
    with make_user().client() as client:
        response = client.post("/api/tags", json={"name": "urgent", "color": "#123456"})
    assert response.json()["errors"]["children"]["color"] == {"errors": ["The selected choice is invalid."]}


def test_create_tag_rejects_unknown_keys(make_user):
    with make_user().client() as client:
        response = client.post("/api/tags", json={"name": "urgent", "id": 5})
    assert response.json()["errors"]["errors"] == ["This form should not contain extra fields."]


def test_create_tag_needs_create_tag_or_manage_tag(make_user, set_permission):
    set_permission("ROLE_USER", "create_tag", False)
    user = make_user()
    lead = make_user("ROLE_TEAMLEAD")
    with user.client() as client:
        assert client.post("/api/tags", json={"name": "one"}).status_code == 403
    with lead.client() as client:
        assert client.post("/api/tags", json={"name": "two"}).status_code == 200


# --- DELETE /api/tags/{id} --------------------------------------------------------------------


def test_delete_tag_answers_204(backend, make_user, make_tag):
    tag = make_tag()
    with make_user("ROLE_TEAMLEAD").client() as client:
        response = client.delete(f"/api/tags/{tag.id}")
    assert response.status_code == 204
    assert response.content == b""
    with backend.db.session(write=False) as session:
        assert session.get(Tag, tag.id) is None


def test_delete_tag_needs_delete_tag(make_user, make_tag):
    tag = make_tag()
    with make_user().client() as client:
        response = client.delete(f"/api/tags/{tag.id}")
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/tags/999999",
        "/api/tags/abc",
        "/api/tags/1.5",
        "/api/tags/99999999999999",
        "/api/tags/³",
        "/api/tags/٣",
    ],
)
def test_delete_unknown_tag_is_404_even_without_permission(make_user, path):
    with make_user().client() as client:
        response = client.delete(path)
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


def test_concurrent_creates_of_one_name_give_one_tag(make_user):
    user = make_user()

    def create(_):
        with user.client() as client:
            return client.post("/api/tags", json={"name": "race"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(8)))
    assert sorted(statuses) == [200] + [400] * 7
