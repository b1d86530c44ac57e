"""The default permission matrix, role by role, for the user, team and tag endpoints
(TIMESHEETS_AUTH_ERRORS §7.2, ENTITIES_AND_ADMIN §0.1): who gets 2xx, who 403, and that an
unknown id is 404 for everyone, even for those who would get 403."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from horae.users.models import AccessToken

ROLES = ("ROLE_USER", "ROLE_TEAMLEAD", "ROLE_ADMIN", "ROLE_SUPER_ADMIN")
UNKNOWN = 999999


@dataclass
class World:
    ids: dict[str, int]
    callers: dict[str, object]


@pytest.fixture
def world(backend, make_user, make_team, make_records, make_tag, make_role):
    callers = {role: make_user(None if role == "ROLE_USER" else role) for role in ROLES}
    other = make_user(username="other")
    member = make_user(username="member")
    outsider = make_user(username="outsider")
    team = make_team(leads=[callers["ROLE_TEAMLEAD"], other], members=[member])
    records = make_records()
    with backend.db.session(write=False) as session:
        tokens = dict(session.execute(select(AccessToken.user_id, AccessToken.id)).all())
    ids = {
        "other": other.id,
        "member": member.id,
        "outsider": outsider.id,
        "team": team.id,
        "other_token": tokens[other.id],
        "role": make_role("ROLE_ACCOUNTANT"),
        "tag": make_tag().id,
        "customer": records.customer,
        "project": records.project,
        "activity": records.activity,
    }
    return World(ids, callers)


NEW_USER = {"username": "newbie", "email": "newbie@example.com", "plainPassword": "secret-password"}
NEW_TEAM = {"name": "New team", "members": [{"user": "{outsider}", "teamlead": True}]}
PREFERENCE = [{"name": "first_weekday", "value": "sunday"}]

#           method, path, body, expected status for USER, TEAMLEAD, ADMIN, SUPER_ADMIN
MATRIX = [
    ("GET", "/api/users", None, (403, 403, 403, 200)),
    ("GET", "/api/users/me", None, (200, 200, 200, 200)),
    ("GET", "/api/users/{self}", None, (200, 200, 200, 200)),
    ("GET", "/api/users/{other}", None, (403, 403, 403, 200)),
    ("POST", "/api/users", NEW_USER, (403, 403, 403, 200)),
    ("PATCH", "/api/users/{self}", {"title": "Boss"}, (200, 200, 200, 200)),
    ("PATCH", "/api/users/{other}", {"title": "Boss"}, (403, 403, 403, 200)),
    ("PATCH", "/api/users/{self}/preferences", PREFERENCE, (200, 200, 200, 200)),
    ("PATCH", "/api/users/{other}/preferences", PREFERENCE, (403, 403, 403, 200)),
    ("DELETE", "/api/users/api-token/{own_token}", None, (200, 200, 200, 200)),
    ("DELETE", "/api/users/api-token/{other_token}", None, (403, 403, 403, 200)),
    ("DELETE", "/api/users/roles/{role}", None, (403, 403, 403, 204)),
    ("GET", "/api/teams", None, (403, 403, 200, 200)),
    ("GET", "/api/teams/{team}", None, (403, 403, 200, 200)),
    ("POST", "/api/teams", NEW_TEAM, (403, 403, 200, 200)),
    ("PATCH", "/api/teams/{team}", {"name": "Renamed"}, (403, 403, 200, 200)),
    ("DELETE", "/api/teams/{team}", None, (403, 403, 204, 204)),
    ("POST", "/api/teams/{team}/members/{outsider}", None, (403, 403, 200, 200)),
    ("DELETE", "/api/teams/{team}/members/{member}", None, (403, 403, 200, 200)),
    ("POST", "/api/teams/{team}/customers/{customer}", None, (403, 403, 200, 200)),
    ("POST", "/api/teams/{team}/projects/{project}", None, (403, 403, 200, 200)),
    ("POST", "/api/teams/{team}/activities/{activity}", None, (403, 403, 200, 200)),
    ("GET", "/api/tags", None, (200, 200, 200, 200)),
    ("GET", "/api/tags/find?name=tag", None, (200, 200, 200, 200)),
    ("POST", "/api/tags", {"name": "fresh"}, (200, 200, 200, 200)),
    ("DELETE", "/api/tags/{tag}", None, (403, 204, 204, 204)),
]

# Paths whose entity does not exist: 404 before any permission check, for every role.
UNKNOWN_IDS = [
    ("GET", "/api/users/{unknown}", None),
    ("PATCH", "/api/users/{unknown}", {"title": "Boss"}),
    ("PATCH", "/api/users/{unknown}/preferences", PREFERENCE),
    ("DELETE", "/api/users/api-token/{unknown}", None),
    ("DELETE", "/api/users/roles/{unknown}", None),
    ("GET", "/api/teams/{unknown}", None),
    ("PATCH", "/api/teams/{unknown}", {"name": "Renamed"}),
    ("DELETE", "/api/teams/{unknown}", None),
    ("POST", "/api/teams/{unknown}/members/{outsider}", None),
    ("POST", "/api/teams/{team}/members/{unknown}", None),
    ("DELETE", "/api/teams/{unknown}/members/{member}", None),
    ("DELETE", "/api/teams/{team}/members/{unknown}", None),
    ("POST", "/api/teams/{unknown}/customers/{customer}", None),
    ("POST", "/api/teams/{team}/customers/{unknown}", None),
    ("DELETE", "/api/teams/{team}/projects/{unknown}", None),
    ("POST", "/api/teams/{team}/activities/{unknown}", None),
    ("DELETE", "/api/tags/{unknown}", None),
]


def fill(value, names):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]
        return value.format(**names)
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    return value


def call(backend, world, role, method, path, body):
    caller = world.callers[role]
    with backend.db.session(write=False) as session:
        own_token = session.scalars(select(AccessToken.id).where(AccessToken.user_id == caller.id)).one()
    names = {**world.ids, "self": caller.id, "own_token": own_token, "unknown": UNKNOWN}
    with caller.client() as client:
        return client.request(method, fill(path, names), json=fill(body, names) if body is not None else None)


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_default_matrix(backend, world, role_index, method, path, body, expected):
    response = call(backend, world, ROLES[role_index], method, path, body)
    assert response.status_code == expected[role_index], response.text
    if response.status_code == 403:
        assert response.json() == {"code": 403, "message": "Forbidden"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body"), UNKNOWN_IDS, ids=[f"{m} {p}" for m, p, _ in UNKNOWN_IDS])
def test_unknown_ids_are_404_before_permissions(backend, world, role, method, path, body):
    response = call(backend, world, role, method, path, body)
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}
