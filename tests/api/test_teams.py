"""/api/teams: teams, members and teamleads, and team access to customers, projects, activities."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from horae.api.forms import FORBIDDEN_CHARS_MESSAGE as FORBIDDEN
from horae.customers.models import Customer
from horae.meta.models import CustomerMeta
from horae.teams.models import Team, TeamMember

TEAM_KEYS = {"id", "name", "color", "color-safe"}
ENTITY_KEYS = TEAM_KEYS | {"members", "customers", "projects", "activities"}
USER_KEYS = {
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
CUSTOMER_KEYS = {
    "id",
    "name",
    "number",
    "comment",
    "visible",
    "billable",
    "company",
    "country",
    "language",
    "currency",
    "phone",
    "fax",
    "mobile",
    "homepage",
    "timezone",
    "color",
    "color-safe",
    "metaFields",
}
PROJECT_KEYS = {
    "id",
    "name",
    "customer",
    "number",
    "orderNumber",
    "orderDate",
    "start",
    "end",
    "comment",
    "visible",
    "billable",
    "globalActivities",
    "color",
    "color-safe",
    "metaFields",
}
ACTIVITY_KEYS = {
    "id",
    "name",
    "project",
    "number",
    "comment",
    "visible",
    "billable",
    "color",
    "color-safe",
    "metaFields",
}


@pytest.fixture
def team_admin(make_user):
    return make_user("ROLE_ADMIN", username="adam_admin")


def members_of(body):
    return [(m["user"]["id"], m["teamlead"]) for m in body["members"]]


# --- GET /api/teams ---------------------------------------------------------------------------


def test_list_returns_all_teams_by_name_for_view_all_data(team_admin, make_user, make_team):
    lead = make_user()
    make_team(leads=[lead], name="beta")
    make_team(leads=[lead], name="Alpha", color="#ff0000")
    with team_admin.client() as client:
        response = client.get("/api/teams")
    assert response.status_code == 200
    body = response.json()
    assert [t["name"] for t in body] == ["Alpha", "beta"]
    assert all(set(t) == TEAM_KEYS for t in body)
    assert (body[0]["color"], body[0]["color-safe"]) == ("#ff0000", "#ff0000")


def test_team_color_safe_comes_from_the_name(team_admin, make_user, make_team):
    make_team(leads=[make_user()], name="Test team")
    with team_admin.client() as client:
        body = client.get("/api/teams").json()
    assert (body[0]["color"], body[0]["color-safe"]) == (None, "#03A9F4")


def test_list_without_view_all_data_returns_only_led_teams(make_user, make_team, set_permission):
    set_permission("ROLE_TEAMLEAD", "view_team", True)
    lead = make_user("ROLE_TEAMLEAD")
    led = make_team(leads=[lead], name="Led")
    make_team(leads=[make_user()], members=[lead], name="Member only")
    make_team(leads=[make_user()], name="Foreign")
    with lead.client() as client:
        body = client.get("/api/teams").json()
    assert [t["id"] for t in body] == [led.id]


def test_list_needs_view_team(make_user):
    with make_user("ROLE_TEAMLEAD").client() as client:
        response = client.get("/api/teams")
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


def test_list_has_a_fixed_number_of_queries(backend, team_admin, make_user, make_team):
    lead = make_user()

    def count(client):
        # The caller is read afresh once after a change of the accounts (security/caller.py).
        assert client.get("/api/teams").status_code == 200
        counter = backend.count_queries()
        assert client.get("/api/teams").status_code == 200
        counter.active = False
        return len(counter)

    for _ in range(3):
        make_team(leads=[lead], members=[make_user()])
    with team_admin.client() as client:
        client.get("/api/teams")
        few = count(client)
        for _ in range(27):
            make_team(leads=[lead], members=[make_user()])
        many = count(client)
    assert few == many


# --- GET /api/teams/{id} ----------------------------------------------------------------------


def test_get_returns_the_entity_with_members_and_records(
    backend, team_admin, make_user, make_team, make_records
):
    lead = make_user(username="lead")
    member = make_user(username="member")
    records = make_records()
    with backend.db.session() as session:
        session.add(CustomerMeta(customer_id=records.customer, name="shown", value="1", visible=True))
        session.add(CustomerMeta(customer_id=records.customer, name="hidden", value="2", visible=False))
    team = make_team(
        leads=[lead],
        members=[member],
        name="Blue",
        customers=[records.customer],
        projects=[records.project],
        activities=[records.activity],
    )
    with team_admin.client() as client:
        response = client.get(f"/api/teams/{team.id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ENTITY_KEYS
    assert members_of(body) == [(lead.id, True), (member.id, False)]
    assert set(body["members"][0]) == {"user", "teamlead"}
    assert set(body["members"][0]["user"]) == USER_KEYS
    assert [set(c) for c in body["customers"]] == [CUSTOMER_KEYS]
    assert body["customers"][0]["metaFields"] == [{"name": "shown", "value": "1"}]
    assert [set(p) for p in body["projects"]] == [PROJECT_KEYS]
    assert body["projects"][0]["customer"] == records.customer
    assert [set(a) for a in body["activities"]] == [ACTIVITY_KEYS]
    assert body["activities"][0]["project"] == records.project


def test_get_needs_view_team_but_no_membership(team_admin, make_user, make_team):
    team = make_team(leads=[make_user()])
    with team_admin.client() as client:
        assert client.get(f"/api/teams/{team.id}").status_code == 200


def test_get_unknown_team_is_404_even_without_permission(make_user):
    with make_user().client() as client:
        response = client.get("/api/teams/999999")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


def test_get_existing_team_without_view_team_is_403(make_user, make_team):
    user = make_user()
    team = make_team(leads=[user])
    with user.client() as client:
        assert client.get(f"/api/teams/{team.id}").status_code == 403


# --- POST /api/teams --------------------------------------------------------------------------


def test_create_team_with_members(team_admin, make_user):
    lead = make_user()
    member = make_user()
    body = {
        "name": "Red",
        "color": "#ff0000",
        "members": [{"user": lead.id, "teamlead": True}, {"user": member.id, "teamlead": False}],
    }
    with team_admin.client() as client:
        response = client.post("/api/teams", json=body)
    assert response.status_code == 200
    created = response.json()
    assert set(created) == ENTITY_KEYS
    assert (created["name"], created["color"]) == ("Red", "#ff0000")
    assert members_of(created) == [(lead.id, True), (member.id, False)]
    assert created["customers"] == created["projects"] == created["activities"] == []


@pytest.mark.parametrize("falsy", [None, 0, "0", "", "false", False])
def test_member_teamlead_reads_form_false_values_as_false(team_admin, make_user, falsy):
    lead = make_user()
    member = make_user()
    body = {
        "name": "Red",
        "members": [{"user": lead.id, "teamlead": 1}, {"user": member.id, "teamlead": falsy}],
    }
    with team_admin.client() as client:
        created = client.post("/api/teams", json=body).json()
    assert members_of(created) == [(lead.id, True), (member.id, False)]


def test_member_teamlead_left_out_is_false(team_admin, make_user):
    lead = make_user()
    member = make_user()
    body = {"name": "Red", "members": [{"user": lead.id, "teamlead": "1"}, {"user": member.id}]}
    with team_admin.client() as client:
        assert members_of(client.post("/api/teams", json=body).json()) == [
            (lead.id, True),
            (member.id, False),
        ]


def test_create_team_keeps_the_first_entry_of_a_repeated_user(team_admin, make_user):
    lead = make_user()
    body = {
        "name": "Red",
        "members": [{"user": lead.id, "teamlead": True}, {"user": lead.id, "teamlead": False}],
    }
    with team_admin.client() as client:
        assert members_of(client.post("/api/teams", json=body).json()) == [(lead.id, True)]


def test_create_team_needs_a_teamlead(team_admin, make_user):
    body = {"name": "Red", "members": [{"user": make_user().id, "teamlead": False}]}
    with team_admin.client() as client:
        response = client.post("/api/teams", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "Validation Failed",
        "errors": {
            "children": {
                "name": {},
                "color": {},
                "members": {
                    "errors": ["At least one team leader must be assigned to the team."],
                    "children": {"0": {"children": {"user": {}, "teamlead": {}}}},
                },
            }
        },
    }


def test_create_team_without_members_is_refused(team_admin):
    with team_admin.client() as client:
        response = client.post("/api/teams", json={"name": "Red"})
    assert response.status_code == 400
    assert response.json()["errors"]["children"]["members"] == {
        "errors": ["At least one team leader must be assigned to the team."]
    }


def test_create_team_names_the_invalid_member(team_admin, make_user):
    lead = make_user()
    disabled = make_user(enabled=False)
    body = {
        "name": "Red",
        "members": [{"user": lead.id, "teamlead": True}, {"user": disabled.id}, {"user": 999999}],
    }
    with team_admin.client() as client:
        response = client.post("/api/teams", json=body)
    members = response.json()["errors"]["children"]["members"]
    assert members["children"]["0"] == {"children": {"user": {}, "teamlead": {}}}
    assert members["children"]["1"]["children"]["user"] == {"errors": ["The selected choice is invalid."]}
    assert members["children"]["2"]["children"]["user"] == {"errors": ["The selected choice is invalid."]}


def test_create_team_refuses_a_system_account_as_member(team_admin, make_user):
    lead = make_user()
    robot = make_user(system_account=True)
    body = {"name": "Red", "members": [{"user": lead.id, "teamlead": True}, {"user": robot.id}]}
    with team_admin.client() as client:
        members = client.post("/api/teams", json=body).json()["errors"]["children"]["members"]
    assert members["children"]["1"]["children"]["user"] == {"errors": ["The selected choice is invalid."]}


def test_create_team_member_needs_a_user(team_admin, make_user):
    body = {"name": "Red", "members": [{"user": make_user().id, "teamlead": True}, {"teamlead": True}]}
    with team_admin.client() as client:
        members = client.post("/api/teams", json=body).json()["errors"]["children"]["members"]
    assert members["children"]["1"]["children"]["user"] == {"errors": ["This value should not be blank."]}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("R", "This value is too short. It should have 2 characters or more."),
        ("R" * 101, "This value is too long. It should have 100 characters or less."),
        ("<b>", FORBIDDEN),
        ("", "This value should not be blank."),
    ],
)
def test_create_team_validates_the_name(team_admin, make_user, name, message):
    body = {"name": name, "members": [{"user": make_user().id, "teamlead": True}]}
    with team_admin.client() as client:
        response = client.post("/api/teams", json=body)
    assert response.json()["errors"]["children"]["name"] == {"errors": [message]}


def test_create_team_refuses_a_taken_name_regardless_of_case(team_admin, make_user, make_team):
    make_team(leads=[make_user()], name="Red")
    body = {"name": "RED", "members": [{"user": make_user().id, "teamlead": True}]}
    with team_admin.client() as client:
        response = client.post("/api/teams", json=body)
    assert response.json()["errors"]["children"]["name"] == {"errors": ["This value is already used."]}


def test_create_team_rejects_unknown_keys(team_admin, make_user):
    body = {"name": "Red", "members": [{"user": make_user().id, "teamlead": True}], "users": [1]}
    with team_admin.client() as client:
        response = client.post("/api/teams", json=body)
    assert response.json()["errors"]["errors"] == ["This form should not contain extra fields."]


def test_create_team_rejects_unknown_member_keys(team_admin, make_user):
    body = {"name": "Red", "members": [{"user": make_user().id, "teamlead": True, "role": "x"}]}
    with team_admin.client() as client:
        response = client.post("/api/teams", json=body)
    member = response.json()["errors"]["children"]["members"]["children"]["0"]
    assert member == {
        "errors": ["This form should not contain extra fields."],
        "children": {"user": {}, "teamlead": {}},
    }


def test_create_team_needs_create_team(make_user):
    lead = make_user("ROLE_TEAMLEAD")
    with lead.client() as client:
        response = client.post(
            "/api/teams", json={"name": "Red", "members": [{"user": lead.id, "teamlead": True}]}
        )
    assert response.status_code == 403


def test_teamlead_with_create_team_may_only_pick_led_members(make_user, make_team, set_permission):
    set_permission("ROLE_TEAMLEAD", "create_team", True)
    lead = make_user("ROLE_TEAMLEAD")
    mine = make_user()
    stranger = make_user()
    make_team(leads=[lead], members=[mine])
    body = {
        "name": "New",
        "members": [{"user": lead.id, "teamlead": True}, {"user": mine.id}, {"user": stranger.id}],
    }
    with lead.client() as client:
        members = client.post("/api/teams", json=body).json()["errors"]["children"]["members"]["children"]
    assert "errors" not in members["1"]["children"]["user"]
    assert members["2"]["children"]["user"] == {"errors": ["The selected choice is invalid."]}


# --- PATCH /api/teams/{id} --------------------------------------------------------------------


def test_patch_changes_the_name_and_keeps_members(team_admin, make_user, make_team):
    lead = make_user()
    team = make_team(leads=[lead], name="Old")
    with team_admin.client() as client:
        response = client.patch(f"/api/teams/{team.id}", json={"name": "New"})
    assert response.status_code == 200
    assert response.json()["name"] == "New"
    assert members_of(response.json()) == [(lead.id, True)]


def test_patch_members_replace_all_members(backend, team_admin, make_user, make_team):
    lead = make_user()
    old = make_user()
    new = make_user()
    team = make_team(leads=[lead], members=[old])
    body = {"members": [{"user": new.id, "teamlead": True}, {"user": lead.id, "teamlead": 0}]}
    with team_admin.client() as client:
        response = client.patch(f"/api/teams/{team.id}", json=body)
    assert sorted(members_of(response.json())) == sorted([(new.id, True), (lead.id, False)])
    with backend.db.session(write=False) as session:
        stored = session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team.id)).all()
    assert sorted(stored) == sorted([new.id, lead.id])


def test_patch_keeps_current_members_valid_even_when_disabled(backend, team_admin, make_user, make_team):
    lead = make_user()
    sleeper = make_user()
    team = make_team(leads=[lead], members=[sleeper])
    with backend.db.session() as session:
        from horae.users.models import User

        session.get(User, sleeper.id).enabled = False
    body = {"members": [{"user": lead.id, "teamlead": True}, {"user": sleeper.id}]}
    with team_admin.client() as client:
        response = client.patch(f"/api/teams/{team.id}", json=body)
    assert response.status_code == 200


def test_patch_members_need_a_teamlead(team_admin, make_user, make_team):
    lead = make_user()
    team = make_team(leads=[lead])
    with team_admin.client() as client:
        response = client.patch(
            f"/api/teams/{team.id}", json={"members": [{"user": lead.id, "teamlead": False}]}
        )
    assert response.json()["errors"]["children"]["members"]["errors"] == [
        "At least one team leader must be assigned to the team."
    ]


def test_patch_keeps_its_own_name(team_admin, make_user, make_team):
    team = make_team(leads=[make_user()], name="Same")
    with team_admin.client() as client:
        assert client.patch(f"/api/teams/{team.id}", json={"name": "Same"}).status_code == 200


def test_patch_refuses_another_teams_name(team_admin, make_user, make_team):
    make_team(leads=[make_user()], name="Taken")
    team = make_team(leads=[make_user()])
    with team_admin.client() as client:
        response = client.patch(f"/api/teams/{team.id}", json={"name": "taken"})
    assert response.json()["errors"]["children"]["name"] == {"errors": ["This value is already used."]}


def test_patch_by_a_teamlead_of_the_team_with_edit_team(make_user, make_team, set_permission):
    set_permission("ROLE_TEAMLEAD", "edit_team", True)
    lead = make_user("ROLE_TEAMLEAD")
    team = make_team(leads=[lead])
    foreign = make_team(leads=[make_user()])
    with lead.client() as client:
        assert client.patch(f"/api/teams/{team.id}", json={"name": "Mine"}).status_code == 200
        assert client.patch(f"/api/teams/{foreign.id}", json={"name": "Theirs"}).status_code == 403


def test_patch_unknown_team_is_404(team_admin):
    with team_admin.client() as client:
        assert client.patch("/api/teams/999999", json={"name": "x"}).status_code == 404


# --- DELETE /api/teams/{id} -------------------------------------------------------------------


def test_delete_team_answers_204(backend, team_admin, make_user, make_team, make_records):
    records = make_records()
    team = make_team(leads=[make_user()], customers=[records.customer])
    with team_admin.client() as client:
        response = client.delete(f"/api/teams/{team.id}")
        assert response.status_code == 204
        assert response.content == b""
        assert client.get(f"/api/teams/{team.id}").status_code == 404
    with backend.db.session(write=False) as session:
        assert session.get(Team, team.id) is None
        assert session.get(Customer, records.customer) is not None


def test_delete_team_needs_delete_team(make_user, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    team = make_team(leads=[lead])
    with lead.client() as client:
        assert client.delete(f"/api/teams/{team.id}").status_code == 403


def test_delete_unknown_team_is_404(team_admin):
    with team_admin.client() as client:
        assert client.delete("/api/teams/999999").status_code == 404


# --- members ----------------------------------------------------------------------------------


def test_add_member_as_a_plain_member(team_admin, make_user, make_team):
    lead = make_user()
    newcomer = make_user()
    team = make_team(leads=[lead])
    with team_admin.client() as client:
        response = client.post(f"/api/teams/{team.id}/members/{newcomer.id}")
    assert response.status_code == 200
    assert members_of(response.json()) == [(lead.id, True), (newcomer.id, False)]


def test_add_existing_member_is_a_bad_request(team_admin, make_user, make_team):
    lead = make_user()
    team = make_team(leads=[lead])
    with team_admin.client() as client:
        response = client.post(f"/api/teams/{team.id}/members/{lead.id}")
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_add_member_to_unknown_team_or_unknown_user_is_404(team_admin, make_user, make_team):
    team = make_team(leads=[make_user()])
    with team_admin.client() as client:
        assert client.post(f"/api/teams/999999/members/{team_admin.id}").status_code == 404
        assert client.post(f"/api/teams/{team.id}/members/999999").status_code == 404


def test_add_member_needs_access_to_the_user(make_user, make_team, set_permission):
    set_permission("ROLE_TEAMLEAD", "edit_team", True)
    lead = make_user("ROLE_TEAMLEAD")
    team = make_team(leads=[lead])
    teamed = make_user()
    make_team(leads=[make_user()], members=[teamed])
    loner = make_user()
    with lead.client() as client:
        assert client.post(f"/api/teams/{team.id}/members/{teamed.id}").status_code == 403
        assert client.post(f"/api/teams/{team.id}/members/{loner.id}").status_code == 200


def test_add_member_needs_edit_on_the_team(make_user, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    team = make_team(leads=[lead])
    with lead.client() as client:
        assert client.post(f"/api/teams/{team.id}/members/{make_user().id}").status_code == 403


def test_remove_member(team_admin, make_user, make_team):
    lead = make_user()
    member = make_user()
    team = make_team(leads=[lead], members=[member])
    with team_admin.client() as client:
        response = client.delete(f"/api/teams/{team.id}/members/{member.id}")
    assert response.status_code == 200
    assert members_of(response.json()) == [(lead.id, True)]


def test_remove_non_member_is_a_bad_request(team_admin, make_user, make_team):
    team = make_team(leads=[make_user()])
    with team_admin.client() as client:
        assert client.delete(f"/api/teams/{team.id}/members/{make_user().id}").status_code == 400


def test_remove_teamlead_is_a_bad_request(team_admin, make_user, make_team):
    lead = make_user()
    team = make_team(leads=[lead, make_user()])
    with team_admin.client() as client:
        response = client.delete(f"/api/teams/{team.id}/members/{lead.id}")
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_remove_member_of_unknown_team_or_user_is_404(team_admin, make_user, make_team):
    team = make_team(leads=[make_user()])
    with team_admin.client() as client:
        assert client.delete(f"/api/teams/999999/members/{team_admin.id}").status_code == 404
        assert client.delete(f"/api/teams/{team.id}/members/999999").status_code == 404


# --- customers, projects, activities ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "attribute"), [("customers", "customer"), ("projects", "project"), ("activities", "activity")]
)
def test_grant_and_revoke_access(team_admin, make_user, make_team, make_records, kind, attribute):
    records = make_records()
    record_id = getattr(records, attribute)
    team = make_team(leads=[make_user()])
    with team_admin.client() as client:
        granted = client.post(f"/api/teams/{team.id}/{kind}/{record_id}")
        assert granted.status_code == 200
        assert [r["id"] for r in granted.json()[kind]] == [record_id]
        twice = client.post(f"/api/teams/{team.id}/{kind}/{record_id}")
        assert twice.status_code == 400
        assert twice.json() == {"code": 400, "message": "Bad Request"}
        revoked = client.delete(f"/api/teams/{team.id}/{kind}/{record_id}")
        assert revoked.status_code == 200
        assert revoked.json()[kind] == []
        assert client.delete(f"/api/teams/{team.id}/{kind}/{record_id}").status_code == 400


@pytest.mark.parametrize("kind", ["customers", "projects", "activities"])
def test_link_with_unknown_team_or_record_is_404(team_admin, make_user, make_team, make_records, kind):
    records = make_records()
    team = make_team(leads=[make_user()])
    with team_admin.client() as client:
        assert client.post(f"/api/teams/999999/{kind}/{records.customer}").status_code == 404
        assert client.post(f"/api/teams/{team.id}/{kind}/999999").status_code == 404
        assert client.delete(f"/api/teams/{team.id}/{kind}/999999").status_code == 404


@pytest.mark.parametrize(
    ("kind", "attribute"), [("customers", "customer"), ("projects", "project"), ("activities", "activity")]
)
def test_link_needs_the_permissions_attribute(
    make_user, make_team, make_records, set_permission, kind, attribute
):
    set_permission("ROLE_TEAMLEAD", "edit_team", True)
    lead = make_user("ROLE_TEAMLEAD")
    team = make_team(leads=[lead])
    record_id = getattr(make_records(), attribute)
    with lead.client() as client:
        assert client.post(f"/api/teams/{team.id}/{kind}/{record_id}").status_code == 403


@pytest.mark.parametrize(
    ("kind", "attribute"), [("customers", "customer"), ("projects", "project"), ("activities", "activity")]
)
def test_teamlead_permission_works_for_records_of_led_teams(
    make_user, make_team, make_records, set_permission, kind, attribute
):
    set_permission("ROLE_TEAMLEAD", "edit_team", True)
    set_permission("ROLE_TEAMLEAD", f"permissions_teamlead_{attribute}", True)
    lead = make_user("ROLE_TEAMLEAD")
    records = make_records()
    make_team(
        leads=[lead], customers=[records.customer], projects=[records.project], activities=[records.activity]
    )
    target = make_team(leads=[lead])
    unrelated = getattr(make_records(), attribute)
    with lead.client() as client:
        assert client.post(f"/api/teams/{target.id}/{kind}/{getattr(records, attribute)}").status_code == 200
        assert client.post(f"/api/teams/{target.id}/{kind}/{unrelated}").status_code == 403


def test_link_needs_edit_on_the_team(make_user, make_team, make_records, set_permission):
    set_permission("ROLE_TEAMLEAD", "permissions_customer", True)
    lead = make_user("ROLE_TEAMLEAD")
    team = make_team(leads=[lead])
    with lead.client() as client:
        assert client.post(f"/api/teams/{team.id}/customers/{make_records().customer}").status_code == 403


def test_entity_has_a_fixed_number_of_queries(backend, team_admin, make_user, make_team, make_records):

    def build(n):
        records = [make_records() for _ in range(n)]
        return make_team(
            leads=[make_user()],
            members=[make_user() for _ in range(n)],
            customers=[r.customer for r in records],
            projects=[r.project for r in records],
            activities=[r.activity for r in records],
        )

    small, large = build(2), build(12)

    def count(client, team):
        counter = backend.count_queries()
        assert client.get(f"/api/teams/{team.id}").status_code == 200
        counter.active = False
        return len(counter)

    with team_admin.client() as client:
        client.get("/api/teams")
        assert count(client, small) == count(client, large)
