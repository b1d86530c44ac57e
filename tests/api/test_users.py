"""/api/users: the user list, profiles, creating and editing users, preferences, tokens, roles."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from horae.api.forms import FORBIDDEN_CHARS_MESSAGE as FORBIDDEN
from horae.cli import main as cli_main
from horae.config.service import set_config
from horae.settings import get_settings
from horae.users.models import AccessToken, Role, User
from tests.factories.users import load_user

COLLECTION_KEYS = {
    "id",
    "username",
    "email",
    "enabled",
    "apiToken",
    "systemAccount",
    "color",
    "color-safe",
    "avatar",
    "alias",
    "accountNumber",
    "initials",
    "title",
    "language",
    "locale",
    "timezone",
}
ENTITY_KEYS = COLLECTION_KEYS | {"supervisor", "teams", "roles", "memberships", "preferences"}

NEW_USER = {
    "username": "newbie",
    "email": "newbie@example.com",
    "plainPassword": "secret-password",
    "language": "de",
    "timezone": "Europe/Paris",
    "enabled": True,
}


def error_children(response):
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == 400
    assert body["message"] == "Validation Failed"
    return body["errors"]["children"]


# --- GET /api/users --------------------------------------------------------------------------


def test_list_returns_enabled_users_by_username_in_collection_form(admin, make_user):
    make_user(username="bob")
    make_user(username="Alice")
    make_user(username="carl", enabled=False)
    with admin.client() as client:
        response = client.get("/api/users")
    assert response.status_code == 200
    body = response.json()
    assert [u["username"] for u in body] == ["Alice", "bob", "susan_super"]
    assert all(set(u) == COLLECTION_KEYS for u in body)


def test_list_visible_2_returns_only_disabled_users(admin, make_user):
    make_user(username="bob")
    make_user(username="carl", enabled=False)
    with admin.client() as client:
        body = client.get("/api/users", params={"visible": 2}).json()
    assert [u["username"] for u in body] == ["carl"]


def test_list_visible_3_returns_everyone(admin, make_user):
    make_user(username="bob")
    make_user(username="carl", enabled=False)
    with admin.client() as client:
        body = client.get("/api/users", params={"visible": 3}).json()
    assert [u["username"] for u in body] == ["bob", "carl", "susan_super"]


def test_list_orders_by_email_descending(admin, make_user):
    make_user(username="bob", email="a@example.com")
    make_user(username="carl", email="z@example.com")
    with admin.client() as client:
        body = client.get("/api/users", params={"orderBy": "email", "order": "DESC"}).json()
    assert [u["email"] for u in body] == ["z@example.com", "susan_super@example.com", "a@example.com"]


def test_list_orders_by_alias_with_missing_aliases_first(admin, make_user):
    make_user(username="bob", alias="Zed")
    make_user(username="carl", alias="adam")
    with admin.client() as client:
        body = client.get("/api/users", params={"orderBy": "alias"}).json()
    assert [u["username"] for u in body] == ["susan_super", "carl", "bob"]


def test_list_orders_by_id(admin, make_user):
    bob = make_user(username="bob")
    with admin.client() as client:
        body = client.get("/api/users", params={"orderBy": "id", "order": "DESC"}).json()
    assert [u["id"] for u in body] == [bob.id, admin.id]


def test_list_term_must_match_every_word(admin, make_user):
    make_user(username="anna", alias="Anna Smith", title="Engineer")
    make_user(username="bert", alias="Bert Smith")
    with admin.client() as client:
        body = client.get("/api/users", params={"term": "smith ENGINEER"}).json()
    assert [u["username"] for u in body] == ["anna"]


def test_list_term_negated_word_excludes_matches(admin, make_user):
    make_user(username="anna", alias="Anna Smith")
    make_user(username="bert", alias="Bert Smith")
    with admin.client() as client:
        body = client.get("/api/users", params={"term": "smith !bert"}).json()
    assert [u["username"] for u in body] == ["anna"]


def test_list_term_searches_preferences_by_name(admin, make_user):
    make_user(username="anna", timezone="America/New_York")
    with admin.client() as client:
        body = client.get("/api/users", params={"term": "timezone:new_york"}).json()
    assert [u["username"] for u in body] == ["anna"]


def test_list_term_wildcards_are_literal(admin, make_user):
    make_user(username="anna")
    with admin.client() as client:
        body = client.get("/api/users", params={"term": "%"}).json()
    assert body == []


def test_list_term_with_a_nul_character_finds_nobody(admin, make_user):
    make_user(username="anna")
    with admin.client() as client:
        assert client.get("/api/users", params={"term": "ann\x00"}).json() == []
        # Excluding what no one holds excludes no one.
        assert "anna" in [u["username"] for u in client.get("/api/users", params={"term": "!ann\x00"}).json()]
        assert client.get("/api/users", params={"term": "timezone:a\x00"}).json() == []
        assert client.get("/api/users", params={"term": "time\x00zone:a"}).json() == []


def test_list_full_returns_entities(admin, make_user):
    make_user(username="bob")
    with admin.client() as client:
        body = client.get("/api/users", params={"full": "true"}).json()
    assert all(set(u) == ENTITY_KEYS for u in body)


@pytest.mark.parametrize(
    "params",
    [
        {"visible": "4"},
        {"visible": ""},
        {"orderBy": "title"},
        {"order": "asc"},
        {"order": "UP"},
        {"full": "yes"},
    ],
)
def test_list_rejects_invalid_parameters(admin, params):
    with admin.client() as client:
        response = client.get("/api/users", params=params)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_list_needs_view_user(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        response = client.get("/api/users")
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


def test_list_without_view_all_data_shows_self_and_members_of_led_teams(make_user, make_team, set_permission):
    set_permission("ROLE_TEAMLEAD", "view_user", True)
    lead = make_user("ROLE_TEAMLEAD", username="lead")
    member = make_user(username="member")
    make_user(username="stranger")
    other_lead = make_user("ROLE_TEAMLEAD", username="other")
    make_team(leads=[lead], members=[member])
    make_team(leads=[other_lead], members=[lead])
    with lead.client() as client:
        body = client.get("/api/users").json()
    assert [u["username"] for u in body] == ["lead", "member"]


def test_list_has_a_fixed_number_of_queries(backend, admin, make_user, make_team):

    def count(client):
        # The caller is read afresh once after a change of the accounts (security/caller.py).
        assert client.get("/api/users", params={"full": 1}).status_code == 200
        counter = backend.count_queries()
        assert client.get("/api/users", params={"full": 1}).status_code == 200
        counter.active = False
        return len(counter)

    def add_users(n):
        users = [make_user() for _ in range(n)]
        make_team(leads=[users[0]], members=users[1:])
        with backend.db.session() as session:
            for user in users[1:]:
                session.get(User, user.id).supervisor_id = users[0].id

    add_users(3)
    with admin.client() as client:
        client.get("/api/users")
        few = count(client)
        add_users(27)
        many = count(client)
    assert few == many


# --- GET /api/users/me and /api/users/{id} ---------------------------------------------------


def test_me_returns_the_callers_entity(make_user):
    user = make_user(username="anna", timezone="Europe/Vienna", language="de")
    with user.client() as client:
        response = client.get("/api/users/me")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ENTITY_KEYS
    assert body["id"] == user.id
    assert body["username"] == "anna"
    assert body["email"] == "anna@example.com"
    assert body["enabled"] is True
    assert body["apiToken"] is True
    assert body["systemAccount"] is False
    assert body["roles"] == []
    assert body["language"] == "de"
    assert body["locale"] == "de"
    assert body["timezone"] == "Europe/Vienna"
    assert body["initials"] == "AN"
    assert body["supervisor"] is None
    assert body["teams"] == []
    assert body["memberships"] == []
    assert body["preferences"] == []


def test_roles_never_contain_role_user(make_user):
    user = make_user(roles=["ROLE_TEAMLEAD", "ROLE_ADMIN"])
    with user.client() as client:
        assert client.get("/api/users/me").json()["roles"] == ["ROLE_TEAMLEAD", "ROLE_ADMIN"]


def test_api_token_is_false_without_an_api_password(make_user):
    with make_user(api_password=None).client() as client:
        assert client.get("/api/users/me").json()["apiToken"] is False


def test_color_safe_is_derived_from_the_display_name(make_user):
    with make_user(alias="Test").client() as client:
        body = client.get("/api/users/me").json()
    assert body["color"] is None
    assert body["color-safe"] == "#5319e7"


def test_own_color_is_shown_as_color_safe(make_user):
    with make_user(color="#ff0000").client() as client:
        body = client.get("/api/users/me").json()
    assert (body["color"], body["color-safe"]) == ("#ff0000", "#ff0000")


@pytest.mark.parametrize(
    ("username", "alias", "initials"),
    [
        ("clara", "Clara Haynes", "CH"),
        ("clara", "Anna Maria Schmidt", "AM"),
        ("john.doe@example.com", None, "JD"),
        ("susan", None, "SU"),
        ("xavier", "  x  ", "X"),
    ],
)
def test_initials_come_from_the_display_name(make_user, username, alias, initials):
    with make_user(
        username=username, email=f"{abs(hash(username + str(alias)))}@example.org", alias=alias
    ).client() as c:
        assert c.get("/api/users/me").json()["initials"] == initials


def test_locale_falls_back_to_the_language(admin, make_user):
    with admin.client() as client:
        created = client.post("/api/users", json={**NEW_USER, "language": "fr"}).json()
        assert created["locale"] == "fr"
        patched = client.patch(f"/api/users/{created['id']}", json={"locale": "fr_CA"}).json()
    assert patched["locale"] == "fr_CA"


def test_entity_lists_teams_and_memberships(make_user, make_team):
    user = make_user()
    lead_of = make_team(leads=[user], name="Alpha", color="#00ff00")
    member_of = make_team(leads=[make_user()], members=[user], name="Beta")
    with user.client() as client:
        body = client.get("/api/users/me").json()
    assert body["teams"] == [
        {"id": lead_of.id, "name": "Alpha", "color": "#00ff00", "color-safe": "#00ff00"},
        {"id": member_of.id, "name": "Beta", "color": None, "color-safe": body["teams"][1]["color-safe"]},
    ]
    assert [(m["team"]["id"], m["teamlead"]) for m in body["memberships"]] == [
        (lead_of.id, True),
        (member_of.id, False),
    ]
    assert set(body["memberships"][0]) == {"team", "teamlead"}


def test_entity_supervisor_is_a_recursive_entity(backend, admin, make_user):
    boss = make_user(username="boss")
    middle = make_user(username="middle", supervisor_id=boss.id)
    worker = make_user(username="worker", supervisor_id=middle.id)
    with admin.client() as client:
        body = client.get(f"/api/users/{worker.id}").json()
    assert body["supervisor"]["username"] == "middle"
    assert set(body["supervisor"]) == ENTITY_KEYS
    assert body["supervisor"]["supervisor"]["username"] == "boss"
    assert body["supervisor"]["supervisor"]["supervisor"] is None


def test_entity_cuts_a_supervisor_loop(backend, admin, make_user):
    first = make_user(username="first")
    second = make_user(username="second", supervisor_id=first.id)
    with backend.db.session() as session:
        session.get(User, first.id).supervisor_id = second.id
    with admin.client() as client:
        body = client.get(f"/api/users/{first.id}").json()
    assert body["supervisor"]["username"] == "second"
    assert body["supervisor"]["supervisor"] is None


def test_get_other_user_as_super_admin(admin, make_user):
    other = make_user(username="other", alias="Clara Haynes", title="CFO")
    with admin.client() as client:
        response = client.get(f"/api/users/{other.id}")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["alias"], body["title"]) == (other.id, "Clara Haynes", "CFO")


def test_get_own_profile_is_allowed_to_everyone(make_user):
    user = make_user()
    with user.client() as client:
        response = client.get(f"/api/users/{user.id}")
    assert response.status_code == 200
    assert set(response.json()) == ENTITY_KEYS


def test_get_other_user_is_forbidden_without_view_other_profile(make_user):
    other = make_user()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.get(f"/api/users/{other.id}")
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


def test_get_unknown_user_is_404(admin):
    with admin.client() as client:
        response = client.get("/api/users/999999")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


@pytest.mark.parametrize("path", ["/api/users/abc", "/api/users/99999999999999999999"])
def test_get_user_with_an_impossible_id_is_404(admin, path):
    with admin.client() as client:
        assert client.get(path).status_code == 404


def test_get_by_id_applies_preference_defaults_but_me_does_not(make_user):
    user = make_user()
    with user.client() as client:
        by_id = client.get(f"/api/users/{user.id}").json()["preferences"]
        me = client.get("/api/users/me").json()["preferences"]
    assert by_id == [{"name": "first_weekday", "value": "monday"}, {"name": "favorite_routes", "value": ""}]
    assert me == []


def test_preferences_hide_hourly_rates_from_callers_without_hourly_rate_permission(admin, make_user):
    user = make_user()
    with admin.client() as client:
        assert (
            client.patch(
                f"/api/users/{user.id}/preferences", json=[{"name": "hourly_rate", "value": 80}]
            ).status_code
            == 200
        )
        seen_by_admin = client.get(f"/api/users/{user.id}").json()["preferences"]
    with user.client() as client:
        seen_by_user = client.get("/api/users/me").json()["preferences"]
    assert {"name": "hourly_rate", "value": "80"} in seen_by_admin
    assert seen_by_user == []


def test_preferences_leave_out_internal_and_unlisted_names(backend, make_user):
    user = make_user()
    from horae.users.service import set_preference

    with backend.db.session() as session:
        stored = session.get(User, user.id)
        for name, value in [
            ("_secret", "x"),
            ("skin", "dark"),
            ("daily_stats", "1"),
            ("first_weekday", "sunday"),
        ]:
            set_preference(stored, name, value)
    with user.client() as client:
        assert client.get("/api/users/me").json()["preferences"] == [
            {"name": "first_weekday", "value": "sunday"}
        ]


# --- POST /api/users -------------------------------------------------------------------------


def test_create_user_returns_the_entity(admin):
    body = {
        **NEW_USER,
        "alias": "New Bie",
        "title": "Trainee",
        "accountNumber": "A-1",
        "plainApiToken": "api-secret-1",
        "locale": "de_AT",
        "roles": ["ROLE_TEAMLEAD", "ROLE_ADMIN"],
    }
    with admin.client() as client:
        response = client.post("/api/users", json=body)
    assert response.status_code == 200
    created = response.json()
    assert set(created) == ENTITY_KEYS
    assert created["username"] == "newbie"
    assert created["email"] == "newbie@example.com"
    assert created["alias"] == "New Bie"
    assert created["title"] == "Trainee"
    assert created["accountNumber"] == "A-1"
    assert created["enabled"] is True
    assert created["apiToken"] is True
    assert created["language"] == "de"
    assert created["locale"] == "de_AT"
    assert created["timezone"] == "Europe/Paris"
    assert created["roles"] == ["ROLE_TEAMLEAD", "ROLE_ADMIN"]
    assert created["initials"] == "NB"


def test_created_user_signs_in_with_the_api_password(admin, http):
    with admin.client() as client:
        client.post("/api/users", json={**NEW_USER, "plainApiToken": "api-secret-1"})
    response = http.get("/api/users/me", headers={"X-AUTH-USER": "newbie", "X-AUTH-TOKEN": "api-secret-1"})
    assert response.status_code == 200
    assert response.json()["username"] == "newbie"


def test_create_user_without_enabled_creates_a_disabled_user(admin):
    body = {key: value for key, value in NEW_USER.items() if key != "enabled"}
    with admin.client() as client:
        created = client.post("/api/users", json=body).json()
    assert created["enabled"] is False
    assert created["systemAccount"] is False


def test_create_user_reads_null_enabled_as_true(admin):
    with admin.client() as client:
        assert client.post("/api/users", json={**NEW_USER, "enabled": None}).json()["enabled"] is True


def test_create_user_takes_snake_case_keys(admin):
    body = {**NEW_USER, "plain_password": NEW_USER["plainPassword"], "account_number": "77"}
    del body["plainPassword"]
    with admin.client() as client:
        response = client.post("/api/users", json=body)
    assert response.status_code == 200
    assert response.json()["accountNumber"] == "77"


def test_create_user_defaults_language_and_timezone(admin):
    body = {"username": "plain", "email": "plain@example.com", "plainPassword": "secret-password"}
    with admin.client() as client:
        created = client.post("/api/users", json=body).json()
    assert created["language"] == "en"
    assert created["timezone"] == "Europe/Berlin"


def test_create_user_stores_a_hashed_password(backend, admin):
    with admin.client() as client:
        created = client.post("/api/users", json=NEW_USER).json()
    stored = load_user(backend, created["id"])
    assert stored.password_hash != NEW_USER["plainPassword"]
    assert stored.password_hash.startswith("$argon2")


def test_create_user_lists_every_field_and_reports_missing_ones(admin):
    with admin.client() as client:
        response = client.post("/api/users", json={})
    children = error_children(response)
    assert set(children) == {
        "username",
        "email",
        "plainPassword",
        "plainApiToken",
        "alias",
        "title",
        "accountNumber",
        "color",
        "language",
        "locale",
        "timezone",
        "enabled",
        "supervisor",
        "systemAccount",
        "requiresPasswordReset",
        "roles",
    }
    assert children["username"] == {"errors": ["This value should not be blank."]}
    assert children["email"] == {"errors": ["This value should not be blank."]}
    assert children["plainPassword"] == {"errors": ["This value should not be blank."]}
    assert children["title"] == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "a", "This value is too short. It should have 2 characters or more."),
        ("username", "a" * 65, "This value is too long. It should have 64 characters or less."),
        ("username", "with/slash", "This value is not valid."),
        ("username", "<b>", FORBIDDEN),
        ("email", "not-an-email", "This value is not a valid email address."),
        ("plainPassword", "short", "This value is too short. It should have 8 characters or more."),
        ("plainApiToken", "short", "This value is too short. It should have 8 characters or more."),
        ("alias", "a" * 61, "This value is too long. It should have 60 characters or less."),
        ("title", "x=y", FORBIDDEN),
        ("language", "xx", "The selected choice is invalid."),
        ("language", "", "This value should not be blank."),
        ("timezone", "Mars/Olympus", "This value is not a valid timezone."),
        ("color", "#123456", "The selected choice is invalid."),
        ("supervisor", 999999, "The selected choice is invalid."),
    ],
)
def test_create_user_validates_fields(admin, field, value, message):
    with admin.client() as client:
        response = client.post("/api/users", json={**NEW_USER, field: value})
    assert error_children(response)[field] == {"errors": [message]}


def test_create_user_refuses_a_taken_username_and_email(admin, make_user):
    make_user(username="newbie", email="newbie@example.com")
    with admin.client() as client:
        children = error_children(client.post("/api/users", json=NEW_USER))
    assert children["username"] == {"errors": ["The username is already used."]}
    assert children["email"] == {"errors": ["The email is already used."]}


def test_create_user_refuses_a_username_that_is_someone_elses_email(admin, make_user):
    make_user(username="someone", email="taken@example.com")
    with admin.client() as client:
        children = error_children(
            client.post("/api/users", json={**NEW_USER, "username": "TAKEN@example.com"})
        )
    assert children["username"] == {"errors": ["The username is already used."]}
    assert "errors" not in children["email"]


def test_create_user_rejects_unknown_keys(admin):
    with admin.client() as client:
        response = client.post("/api/users", json={**NEW_USER, "teams": [1]})
    assert response.status_code == 400
    assert response.json()["errors"]["errors"] == ["This form should not contain extra fields."]


def test_create_user_accepts_avatar_only_when_enabled(backend, admin):
    with admin.client() as client:
        refused = client.post("/api/users", json={**NEW_USER, "avatar": "https://example.com/a.png"})
        assert refused.json()["errors"]["errors"] == ["This form should not contain extra fields."]
        with backend.db.session() as session:
            set_config(session, "theme.avatar_url", "1")
        created = client.post("/api/users", json={**NEW_USER, "avatar": "https://example.com/a.png"})
    assert created.json()["avatar"] == "https://example.com/a.png"


def test_create_user_sets_a_supervisor(admin, make_user):
    boss = make_user(username="boss")
    with admin.client() as client:
        created = client.post("/api/users", json={**NEW_USER, "supervisor": boss.id}).json()
    assert created["supervisor"]["id"] == boss.id


def test_create_user_refuses_a_disabled_supervisor(admin, make_user):
    boss = make_user(username="boss", enabled=False)
    with admin.client() as client:
        children = error_children(client.post("/api/users", json={**NEW_USER, "supervisor": boss.id}))
    assert children["supervisor"] == {"errors": ["The selected choice is invalid."]}


def test_create_user_reports_form_and_service_errors_together(admin, make_user):
    make_user(username="newbie")
    with admin.client() as client:
        children = error_children(client.post("/api/users", json={**NEW_USER, "supervisor": 999999}))
    assert children["username"] == {"errors": ["The username is already used."]}
    assert children["supervisor"] == {"errors": ["The selected choice is invalid."]}


@pytest.mark.parametrize("role", ["ROLE_USER", "ROLE_UNKNOWN"])
def test_create_user_refuses_roles_that_cannot_be_chosen(admin, role):
    with admin.client() as client:
        children = error_children(client.post("/api/users", json={**NEW_USER, "roles": [role]}))
    assert children["roles"] == {"errors": ["The selected choice is invalid."]}


def test_create_user_assigns_custom_roles(admin, make_role):
    make_role("ROLE_ACCOUNTANT")
    with admin.client() as client:
        created = client.post("/api/users", json={**NEW_USER, "roles": ["ROLE_ACCOUNTANT"]}).json()
    assert created["roles"] == ["ROLE_ACCOUNTANT"]


def test_admin_may_assign_admin_but_not_super_admin(make_user, set_permission):
    set_permission("ROLE_ADMIN", "create_user", True)
    set_permission("ROLE_ADMIN", "roles_other_profile", True)
    with make_user("ROLE_ADMIN").client() as client:
        refused = client.post("/api/users", json={**NEW_USER, "roles": ["ROLE_SUPER_ADMIN"]})
        created = client.post("/api/users", json={**NEW_USER, "roles": ["ROLE_ADMIN", "ROLE_TEAMLEAD"]})
    assert error_children(refused)["roles"] == {"errors": ["The selected choice is invalid."]}
    assert created.json()["roles"] == ["ROLE_ADMIN", "ROLE_TEAMLEAD"]


def test_create_user_without_roles_permission_does_not_accept_roles(make_user, set_permission):
    set_permission("ROLE_ADMIN", "create_user", True)
    with make_user("ROLE_ADMIN").client() as client:
        refused = client.post("/api/users", json={**NEW_USER, "roles": ["ROLE_TEAMLEAD"]})
        created = client.post("/api/users", json=NEW_USER)
    assert refused.json()["errors"]["errors"] == ["This form should not contain extra fields."]
    assert "roles" not in refused.json()["errors"]["children"]
    assert created.json()["roles"] == []


def test_create_user_needs_create_user(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/users", json=NEW_USER)
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


def test_create_user_checks_the_permission_before_the_body(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        assert client.post("/api/users", json={"username": ""}).status_code == 403


def test_create_user_with_invalid_json_is_a_bad_request(admin):
    with admin.client() as client:
        response = client.post("/api/users", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


# --- PATCH /api/users/{id} -------------------------------------------------------------------


def test_patch_changes_only_the_sent_fields(admin, make_user):
    other = make_user(username="other", alias="Before", title="Old")
    with admin.client() as client:
        response = client.patch(
            f"/api/users/{other.id}",
            json={
                "title": "qwertzui",
                "enabled": False,
                "language": "it",
                "timezone": "America/New_York",
                "roles": ["ROLE_TEAMLEAD"],
            },
        )
    assert response.status_code == 200
    body = response.json()
    assert body["alias"] == "Before"
    assert body["title"] == "qwertzui"
    assert body["enabled"] is False
    assert body["language"] == "it"
    assert body["timezone"] == "America/New_York"
    assert body["roles"] == ["ROLE_TEAMLEAD"]


def test_patch_roles_replace_all_roles(admin, make_user):
    other = make_user(roles=["ROLE_TEAMLEAD", "ROLE_ADMIN"])
    with admin.client() as client:
        assert client.patch(f"/api/users/{other.id}", json={"roles": []}).json()["roles"] == []


def test_patch_empty_text_clears_it(admin, make_user):
    other = make_user(alias="Someone")
    with admin.client() as client:
        assert client.patch(f"/api/users/{other.id}", json={"alias": ""}).json()["alias"] is None


def test_patch_own_profile_is_allowed_to_a_plain_user(make_user):
    user = make_user()
    with user.client() as client:
        response = client.patch(f"/api/users/{user.id}", json={"alias": "Me", "timezone": "Asia/Tokyo"})
    assert response.status_code == 200
    assert (response.json()["alias"], response.json()["timezone"]) == ("Me", "Asia/Tokyo")


@pytest.mark.parametrize(
    "field",
    ["enabled", "roles", "supervisor", "username", "plainPassword", "plainApiToken", "id"],
)
def test_patch_own_profile_refuses_fields_a_plain_user_may_not_send(make_user, field):
    user = make_user()
    with user.client() as client:
        response = client.patch(f"/api/users/{user.id}", json={field: "x"})
    assert response.status_code == 400
    assert response.json()["errors"]["errors"] == ["This form should not contain extra fields."]


def test_patch_lists_the_callers_fields(make_user):
    user = make_user()
    with user.client() as client:
        children = error_children(client.patch(f"/api/users/{user.id}", json={"email": "bad"}))
    assert set(children) == {
        "alias",
        "title",
        "accountNumber",
        "color",
        "email",
        "language",
        "locale",
        "timezone",
        # `password` on oneself (every role has it) opens these two flags.
        "systemAccount",
        "requiresPasswordReset",
    }


def test_patch_refuses_a_taken_email(admin, make_user):
    make_user(email="taken@example.com")
    other = make_user()
    with admin.client() as client:
        children = error_children(client.patch(f"/api/users/{other.id}", json={"email": "taken@example.com"}))
    assert children["email"] == {"errors": ["The email is already used."]}


def test_patch_keeps_the_own_email(admin, make_user):
    other = make_user(email="mine@example.com")
    with admin.client() as client:
        response = client.patch(f"/api/users/{other.id}", json={"email": "MINE@example.com"})
    assert response.status_code == 200
    assert response.json()["email"] == "MINE@example.com"


def test_patch_refuses_the_user_as_own_supervisor(admin, make_user):
    other = make_user()
    with admin.client() as client:
        children = error_children(client.patch(f"/api/users/{other.id}", json={"supervisor": other.id}))
    assert children["supervisor"] == {"errors": ["The selected choice is invalid."]}


def test_patch_sets_and_clears_the_supervisor(admin, make_user):
    boss = make_user(username="boss")
    other = make_user()
    with admin.client() as client:
        assert (
            client.patch(f"/api/users/{other.id}", json={"supervisor": boss.id}).json()["supervisor"]["id"]
            == boss.id
        )
        assert client.patch(f"/api/users/{other.id}", json={"supervisor": None}).json()["supervisor"] is None


def test_patch_other_user_needs_edit_other_profile(make_user):
    other = make_user()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/users/{other.id}", json={"alias": "x"})
    assert response.status_code == 403


def test_patch_unknown_user_is_404(admin):
    with admin.client() as client:
        assert client.patch("/api/users/999999", json={"alias": "x"}).status_code == 404


def test_patch_roles_needs_the_power_to_assign_the_current_roles(make_user, set_permission):
    set_permission("ROLE_ADMIN", "edit_other_profile", True)
    set_permission("ROLE_ADMIN", "roles_other_profile", True)
    super_admin = make_user("ROLE_SUPER_ADMIN")
    teamlead = make_user("ROLE_TEAMLEAD")
    with make_user("ROLE_ADMIN").client() as client:
        refused = client.patch(f"/api/users/{super_admin.id}", json={"roles": []})
        allowed = client.patch(f"/api/users/{teamlead.id}", json={"roles": ["ROLE_ADMIN"]})
    assert refused.json()["errors"]["errors"] == ["This form should not contain extra fields."]
    assert allowed.json()["roles"] == ["ROLE_ADMIN"]


# --- PATCH /api/users/{id}/preferences -------------------------------------------------------


def test_preferences_are_stored_as_text(admin, make_user):
    other = make_user()
    items = [
        {"name": "first_weekday", "value": "sunday"},
        {"name": "hourly_rate", "value": 12.5},
        {"name": "internal_rate", "value": 10.0},
        {"name": "favorite_routes", "value": True},
    ]
    with admin.client() as client:
        response = client.patch(f"/api/users/{other.id}/preferences", json=items)
    assert response.status_code == 200
    preferences = {p["name"]: p["value"] for p in response.json()["preferences"]}
    assert preferences["first_weekday"] == "sunday"
    assert preferences["hourly_rate"] == "12.5"
    assert preferences["internal_rate"] == "10"
    assert preferences["favorite_routes"] == "1"


def test_preference_false_is_stored_as_null_and_null_as_empty(admin, make_user):
    other = make_user()
    items = [{"name": "first_weekday", "value": False}, {"name": "favorite_routes", "value": None}]
    with admin.client() as client:
        body = client.patch(f"/api/users/{other.id}/preferences", json=items).json()
    preferences = {p["name"]: p["value"] for p in body["preferences"]}
    assert preferences["first_weekday"] is None
    assert preferences["favorite_routes"] == ""


def test_preferences_change_the_timezone(make_user):
    user = make_user()
    with user.client() as client:
        body = client.patch(
            f"/api/users/{user.id}/preferences", json=[{"name": "timezone", "value": "Asia/Tokyo"}]
        )
    assert body.json()["timezone"] == "Asia/Tokyo"


def test_unknown_preference_is_404(make_user):
    user = make_user()
    with user.client() as client:
        response = client.patch(f"/api/users/{user.id}/preferences", json=[{"name": "nope", "value": "1"}])
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


def test_preference_disabled_for_the_caller_is_403(make_user):
    user = make_user()
    with user.client() as client:
        response = client.patch(
            f"/api/users/{user.id}/preferences", json=[{"name": "hourly_rate", "value": "5"}]
        )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"name": "first_weekday", "value": "monday"},
        [{"name": "first_weekday"}],
        [{"value": "1"}],
        ["first_weekday"],
        [{"name": "first_weekday", "value": ["a"]}],
        [{"name": "timezone", "value": "Mars/Olympus"}],
        [{"name": "hourly_rate", "value": "-3"}],
    ],
)
def test_malformed_preferences_are_a_bad_request(admin, make_user, body):
    other = make_user()
    with admin.client() as client:
        response = client.patch(f"/api/users/{other.id}/preferences", json=body)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_preferences_of_another_user_need_edit_other_profile(make_user):
    other = make_user()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(
            f"/api/users/{other.id}/preferences", json=[{"name": "first_weekday", "value": "x"}]
        )
    assert response.status_code == 403


def test_preferences_of_an_unknown_user_are_404(admin):
    with admin.client() as client:
        assert client.patch("/api/users/999999/preferences", json=[]).status_code == 404


def test_a_failed_preference_update_changes_nothing(admin, make_user):
    other = make_user()
    items = [{"name": "first_weekday", "value": "sunday"}, {"name": "nope", "value": "1"}]
    with admin.client() as client:
        assert client.patch(f"/api/users/{other.id}/preferences", json=items).status_code == 404
        preferences = client.get(f"/api/users/{other.id}").json()["preferences"]
    assert {"name": "first_weekday", "value": "monday"} in preferences


# --- DELETE /api/users/api-token/{id} --------------------------------------------------------


def token_id(backend, user_id):
    with backend.db.session(write=False) as session:
        return session.scalars(select(AccessToken.id).where(AccessToken.user_id == user_id)).one()


def test_delete_own_access_token_answers_200_with_null(backend, make_user):
    user = make_user()
    with user.client(legacy=True) as client:
        response = client.delete(f"/api/users/api-token/{token_id(backend, user.id)}")
    assert response.status_code == 200
    assert response.content == b"null"
    with backend.db.session(write=False) as session:
        assert session.scalars(select(AccessToken).where(AccessToken.user_id == user.id)).all() == []


def test_delete_another_users_token_needs_api_token_other_profile(backend, make_user):
    other = make_user()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.delete(f"/api/users/api-token/{token_id(backend, other.id)}")
    assert response.status_code == 403


def test_super_admin_deletes_another_users_token(backend, admin, make_user):
    other = make_user()
    with admin.client() as client:
        assert client.delete(f"/api/users/api-token/{token_id(backend, other.id)}").status_code == 200


def test_delete_unknown_token_is_404(admin):
    with admin.client() as client:
        assert client.delete("/api/users/api-token/999999").status_code == 404


def test_delete_token_needs_api_token_on_oneself(backend, make_user, set_permission):
    set_permission("ROLE_USER", "api-token_own_profile", False)
    user = make_user()
    with user.client(legacy=True) as client:
        assert client.delete(f"/api/users/api-token/{token_id(backend, user.id)}").status_code == 403


# --- DELETE /api/users/roles/{id} ------------------------------------------------------------


def test_delete_role_removes_it_from_every_user(backend, admin, make_user, make_role):
    role_id = make_role("ROLE_ACCOUNTANT")
    holder = make_user(roles=["ROLE_TEAMLEAD", "ROLE_ACCOUNTANT"])
    with admin.client() as client:
        response = client.delete(f"/api/users/roles/{role_id}")
        assert response.status_code == 204
        assert response.content == b""
        assert client.get(f"/api/users/{holder.id}").json()["roles"] == ["ROLE_TEAMLEAD"]
    with backend.db.session(write=False) as session:
        assert session.get(Role, role_id) is None


def test_delete_role_needs_role_permissions(make_user, make_role):
    role_id = make_role("ROLE_ACCOUNTANT")
    with make_user("ROLE_ADMIN").client() as client:
        assert client.delete(f"/api/users/roles/{role_id}").status_code == 403


def test_delete_unknown_role_is_404(admin):
    with admin.client() as client:
        assert client.delete("/api/users/roles/999999").status_code == 404


def test_delete_builtin_role_is_refused(admin, make_role):
    role_id = make_role("ROLE_TEAMLEAD")
    with admin.client() as client:
        response = client.delete(f"/api/users/roles/{role_id}")
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_get_on_the_role_path_is_405(admin, make_role):
    role_id = make_role("ROLE_ACCOUNTANT")
    with admin.client() as client:
        response = client.get(f"/api/users/roles/{role_id}")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE"


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli(backend, monkeypatch):
    monkeypatch.setenv("HORAE_DATABASE_URL", backend.url)
    get_settings.cache_clear()
    yield cli_main
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("username", "email", "message"),
    [
        (
            "a",
            "a@example.com",
            "horae: error: username: This value is too short. It should have 2 characters or more.",
        ),
        ("with/slash", "s@example.com", "horae: error: username: This value is not valid."),
        ("valid", "not-an-email", "horae: error: email: This value is not a valid email address."),
    ],
)
def test_cli_user_create_validates_like_the_api(cli, capsys, username, email, message):
    assert cli(["user", "create", username, email, "--password", "secret-password"]) == 1
    err = capsys.readouterr().err
    assert err == message + "\n"


def test_cli_user_create_refuses_a_taken_username(cli, capsys, make_user):
    make_user(username="taken")
    assert cli(["user", "create", "taken", "new@example.com", "--password", "secret-password"]) == 1
    assert capsys.readouterr().err == "horae: error: username: The username is already used.\n"


def test_concurrent_creates_of_one_username_give_one_user(admin):
    def create(_):
        with admin.client() as client:
            return client.post("/api/users", json=NEW_USER).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(8)))
    assert sorted(statuses) == [200] + [400] * 7
