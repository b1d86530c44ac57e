"""/api/activities: global and project activities, the list's project rules, CRUD, budgets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.meta.models import ActivityMeta
from horae.projects.models import Project
from horae.rates.models import ActivityRate
from horae.teams.models import team_activities

EMBEDDED_KEYS = [
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
]
ENTITY_KEYS = [*EMBEDDED_KEYS, "parentTitle", "teams"]
BUDGET_KEYS = ["budget", "timeBudget", "budgetType"]


def field_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Validation Failed"
    return {name: child["errors"] for name, child in response.json()["errors"]["children"].items() if child}


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()]


# --- shapes ---------------------------------------------------------------------------------


def test_get_returns_the_entity_shape_key_by_key(make_user, make_project, make_activity, make_team, set_meta):
    project = make_project(name="Website")
    activity = make_activity(
        project,
        "Design",
        number="A-1",
        comment="Pixels",
        billable=False,
        color="#ee82ee",
        budget=Decimal("250.75"),
        time_budget=1800,
        invoice_text="never shown",
    )
    team = make_team("Designers", activities=[activity])
    set_meta(activity, "kind", "creative")
    with make_user("ROLE_ADMIN").client() as client:
        body = client.get(f"/api/activities/{activity.id}").json()
    assert body == {
        "id": activity.id,
        "name": "Design",
        "project": project.id,
        "number": "A-1",
        "comment": "Pixels",
        "visible": True,
        "billable": False,
        "color": "#ee82ee",
        "color-safe": "#ee82ee",
        "metaFields": [{"name": "kind", "value": "creative"}],
        "parentTitle": "Website",
        "teams": [
            {"id": team.id, "name": "Designers", "color": None, "color-safe": body["teams"][0]["color-safe"]}
        ],
        "budget": 250.75,
        "timeBudget": 1800,
        "budgetType": None,
    }


def test_a_global_activity_has_no_project_and_no_parent_title(make_user, make_activity):
    activity = make_activity(name="Meeting")
    with make_user("ROLE_ADMIN").client() as client:
        body = client.get(f"/api/activities/{activity.id}").json()
    assert (body["project"], body["parentTitle"]) == (None, None)
    assert list(body) == [*ENTITY_KEYS, *BUDGET_KEYS]


# --- list -----------------------------------------------------------------------------------


def test_list_shows_global_and_project_activities(make_user, make_project, make_activity):
    make_activity(make_project(), "Project work")
    make_activity(name="Global work")
    with make_user().client() as client:
        body = client.get("/api/activities").json()
    assert [a["name"] for a in body] == ["Global work", "Project work"]
    assert all(list(a) == ENTITY_KEYS for a in body)


@pytest.mark.parametrize("value", ["1", "true"])
def test_list_globals_returns_only_global_activities(make_user, make_project, make_activity, value):
    make_activity(make_project(), "Project work")
    make_activity(name="Global work")
    with make_user().client() as client:
        assert names(client.get("/api/activities", params={"globals": value})) == ["Global work"]


@pytest.mark.parametrize("value", ["0", "false"])
def test_list_globals_off_does_not_exclude_globals(make_user, make_project, make_activity, value):
    make_activity(make_project(), "Project work")
    make_activity(name="Global work")
    with make_user().client() as client:
        assert names(client.get("/api/activities", params={"globals": value})) == [
            "Global work",
            "Project work",
        ]


def test_list_project_filter_adds_the_global_activities(make_user, make_project, make_activity):
    one, two = make_project(), make_project()
    make_activity(one, "One")
    make_activity(two, "Two")
    make_activity(name="Global")
    with make_user().client() as client:
        single = names(client.get("/api/activities", params={"project": one.id}))
        several = names(client.get("/api/activities", params={"projects[]": [one.id, two.id]}))
    assert single == ["Global", "One"]
    assert several == ["Global", "One", "Two"]


def test_list_reads_the_comma_separated_projects_of_older_clients(make_user, make_project, make_activity):
    one, two = make_project(), make_project()
    make_activity(one, "One")
    make_activity(two, "Two")
    make_activity(make_project(), "Three")
    with make_user().client() as client:
        assert names(client.get("/api/activities", params={"projects": f"{one.id},{two.id}"})) == [
            "One",
            "Two",
        ]


def test_list_single_project_without_global_activities_excludes_globals(
    make_user, make_project, make_activity
):
    closed = make_project(global_activities=False)
    other = make_project()
    make_activity(closed, "Closed work")
    make_activity(name="Global")
    with make_user().client() as client:
        single = names(client.get("/api/activities", params={"project": closed.id}))
        with_other = names(client.get("/api/activities", params={"projects[]": [closed.id, other.id]}))
    assert single == ["Closed work"]
    assert with_other == ["Closed work", "Global"]


def test_list_ignores_unknown_project_ids(make_user, make_project, make_activity):
    project = make_project()
    make_activity(project, "Work")
    make_activity(make_project(), "Elsewhere")
    with make_user().client() as client:
        known = names(client.get("/api/activities", params={"projects[]": [project.id, 999]}))
        unknown = names(client.get("/api/activities", params={"project": 999}))
    assert known == ["Work"]
    assert unknown == ["Elsewhere", "Work"]


def test_list_filter_by_an_inaccessible_project_is_forbidden(make_user, make_project, make_team):
    project = make_project()
    make_team(projects=[project])
    with make_user().client() as client:
        response = client.get("/api/activities", params={"project": project.id})
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


@pytest.mark.parametrize(
    ("visible", "expected"),
    [
        ("1", ["Global", "Shown"]),
        ("2", ["Hidden", "Hidden global"]),
        ("3", ["Global", "Hidden", "Hidden customer", "Hidden global", "Hidden project", "Shown"]),
    ],
)
def test_list_visibility_also_requires_visible_parents(
    make_user, make_customer, make_project, make_activity, visible, expected
):
    shown = make_project()
    make_activity(shown, "Shown")
    make_activity(shown, "Hidden", visible=False)
    make_activity(make_project(visible=False), "Hidden project")
    make_activity(make_project(make_customer(visible=False)), "Hidden customer")
    make_activity(name="Global")
    make_activity(name="Hidden global", visible=False)
    with make_user().client() as client:
        assert names(client.get("/api/activities", params={"visible": visible})) == expected


def test_list_orders_by_project_with_globals_first(make_user, make_project, make_activity):
    zed, alpha = make_project(name="Zed"), make_project(name="alpha")
    first = make_activity(zed, "A")
    second = make_activity(alpha, "B")
    third = make_activity(name="C")
    with make_user().client() as client:
        ascending = [a["id"] for a in client.get("/api/activities", params={"orderBy": "project"}).json()]
        descending = [
            a["id"]
            for a in client.get("/api/activities", params={"orderBy": "project", "order": "DESC"}).json()
        ]
    assert ascending == [third.id, second.id, first.id]
    assert descending == [first.id, second.id, third.id]


@pytest.mark.parametrize(
    "params",
    [{"globals": "yes"}, {"project": "x"}, {"projects[]": "1a"}, {"visible": "9"}, {"orderBy": "customer"}],
)
def test_list_refuses_malformed_parameters(make_user, params):
    with make_user().client() as client:
        response = client.get("/api/activities", params=params)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_list_term_searches_name_comment_and_number(make_user, make_activity, set_meta):
    make_activity(name="Design", number="D-1")
    make_activity(name="Meeting", comment="Design review")
    coding = make_activity(name="Coding")
    set_meta(coding, "kind", "design")
    with make_user().client() as client:
        assert names(client.get("/api/activities", params={"term": "design"})) == ["Design", "Meeting"]
        assert names(client.get("/api/activities", params={"term": "kind:design"})) == ["Coding"]


def test_list_applies_the_team_rule_to_activity_project_and_customer(
    make_user, make_customer, make_project, make_activity, make_team
):
    user = make_user()
    mine = make_activity(name="Mine")
    make_team(members=[user], activities=[mine])
    make_activity(name="Open")
    foreign = make_activity(name="Foreign")
    make_team(activities=[foreign])
    foreign_project = make_project()
    make_team(projects=[foreign_project])
    make_activity(foreign_project, "Foreign project")
    foreign_customer = make_customer()
    make_team(customers=[foreign_customer])
    make_activity(make_project(foreign_customer), "Foreign customer")
    with user.client() as client:
        assert names(client.get("/api/activities")) == ["Mine", "Open"]


def test_list_uses_the_same_number_of_queries_for_3_and_30_activities(
    backend, count_request_queries, make_user, make_customer, make_project, make_activity, make_team, set_meta
):
    admin = make_user("ROLE_ADMIN")
    team = make_team()

    def count_for(total: int) -> int:
        with backend.db.session() as session:
            session.execute(team_activities.delete())
            session.execute(Activity.__table__.delete())
            session.execute(Project.__table__.delete())
            session.execute(Customer.__table__.delete())
        for index in range(total):
            project = make_project(make_customer(), f"Project {index}") if index % 2 else None
            activity = make_activity(project, f"Activity {index}")
            set_meta(activity, "kind", "x")
            with backend.db.session() as session:
                session.execute(team_activities.insert().values(team_id=team.id, activity_id=activity.id))
        with admin.client() as client:
            count, response = count_request_queries(
                client, "/api/activities", params={"term": "activity", "orderBy": "project"}
            )
        assert len(response.json()) == total
        return count

    assert count_for(3) == count_for(30)


# --- single and budgets ---------------------------------------------------------------------


def test_get_unknown_activity_is_404_and_foreign_one_403(make_user, make_activity, make_team):
    activity = make_activity()
    with make_user().client() as client:
        assert client.get("/api/activities/999").status_code == 404
        assert client.get(f"/api/activities/{activity.id}").status_code == 403


def test_a_teamlead_may_view_and_see_budgets_of_activities_of_projects_it_leads(
    make_user, make_project, make_activity, make_team
):
    lead = make_user("ROLE_TEAMLEAD")
    project = make_project()
    activity = make_activity(project, "Led")
    other = make_activity(name="Global")
    make_team(leads=[lead], projects=[project])
    with lead.client() as client:
        single = client.get(f"/api/activities/{activity.id}")
        listed = {a["name"]: a for a in client.get("/api/activities").json()}
        forbidden = client.get(f"/api/activities/{other.id}")
    assert single.status_code == 200
    assert list(listed["Led"]) == [*ENTITY_KEYS, *BUDGET_KEYS]
    assert list(listed["Global"]) == ENTITY_KEYS
    assert forbidden.status_code == 403


def test_a_teamlead_of_a_global_activitys_own_team_gets_its_grants(make_user, make_activity, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    activity = make_activity(name="Global")
    make_team(leads=[lead], activities=[activity])
    with lead.client() as client:
        body = client.get(f"/api/activities/{activity.id}").json()
    assert list(body) == [*ENTITY_KEYS, *BUDGET_KEYS]


def test_a_plain_user_sees_no_activity_budget(make_user, make_project, make_activity, make_team):
    user = make_user()
    project = make_project()
    make_activity(project, "Work")
    make_team(members=[user], projects=[project])
    with user.client() as client:
        body = client.get("/api/activities").json()
    assert list(body[0]) == ENTITY_KEYS


# --- create ---------------------------------------------------------------------------------


def test_create_is_forbidden_without_create_activity(make_user):
    with make_user().client() as client:
        assert client.post("/api/activities", json={"name": "New"}).status_code == 403


def test_create_a_global_activity_with_defaults(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/activities", json={"name": "Meeting"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [*ENTITY_KEYS, *BUDGET_KEYS]
    assert (body["project"], body["number"], body["visible"], body["billable"]) == (None, "0001", True, True)


def test_create_a_project_activity(make_user, make_project):
    project = make_project(name="Website", start=date(2000, 1, 1), end=date(2000, 12, 31))
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(
            "/api/activities",
            json={"name": "Design", "project": project.id, "time_budget": "90m", "budgetType": "month"},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["project"], body["parentTitle"], body["timeBudget"], body["budgetType"]) == (
        project.id,
        "Website",
        5400,
        "month",
    )


@pytest.mark.parametrize("project_kind", ["unknown", "hidden", "hidden customer"])
def test_create_refuses_an_unusable_project(make_user, make_customer, make_project, project_kind):
    project_id = {
        "unknown": lambda: 999,
        "hidden": lambda: make_project(visible=False).id,
        "hidden customer": lambda: make_project(make_customer(visible=False)).id,
    }[project_kind]()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/activities", json={"name": "Work", "project": project_id})
    assert field_errors(response) == {"project": ["The selected choice is invalid."]}


def test_create_as_teamlead_uses_only_accessible_projects_and_led_teams(make_user, make_project, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    foreign = make_project()
    make_team(projects=[foreign])
    led = make_team(leads=[lead])
    other = make_team()
    with lead.client() as client:
        foreign_project = client.post("/api/activities", json={"name": "Work", "project": foreign.id})
        other_team = client.post("/api/activities", json={"name": "Work", "teams": [other.id]})
        budget = client.post("/api/activities", json={"name": "Work", "budget": 1})
        accepted = client.post("/api/activities", json={"name": "Work", "teams": [led.id]})
    assert field_errors(foreign_project) == {"project": ["The selected choice is invalid."]}
    assert field_errors(other_team) == {"teams": ["The selected choice is invalid."]}
    assert budget.json()["errors"]["errors"] == ["This form should not contain extra fields."]
    assert accepted.status_code == 200
    assert [t["id"] for t in accepted.json()["teams"]] == [led.id]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "name", "This value should not be blank."),
        ({"name": "A"}, "name", "This value is too short. It should have 2 characters or more."),
        ({"name": 'Say "hi"'}, "name", 'These characters are not allowed: < > " ='),
        (
            {"name": "Work", "number": "12345678901"},
            "number",
            "This value is too long. It should have 10 characters or less.",
        ),
        ({"name": "Work", "color": "#000001"}, "color", "The selected choice is invalid."),
        ({"name": "Work", "project": "abc"}, "project", "The selected choice is invalid."),
    ],
)
def test_create_field_validation(make_user, body, field, message):
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/activities", json=body)
    assert field_errors(response) == {field: [message]}


def test_create_refuses_a_number_in_use_unless_configured(make_user, make_activity, configure):
    make_activity(number="A-1")
    with make_user("ROLE_ADMIN").client() as client:
        refused = client.post("/api/activities", json={"name": "Work", "number": "A-1"})
        configure("activity.rules.allow_duplicate_number", "1")
        accepted = client.post("/api/activities", json={"name": "Work", "number": "A-1"})
    assert field_errors(refused) == {"number": ["The number A-1 is already used."]}
    assert accepted.status_code == 200


# --- update ---------------------------------------------------------------------------------


def test_update_a_global_activity_refuses_a_project(make_user, make_project, make_activity):
    activity = make_activity()
    project = make_project()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/activities/{activity.id}", json={"project": project.id})
    assert response.status_code == 400
    assert response.json()["errors"]["errors"] == ["This form should not contain extra fields."]
    assert "project" not in response.json()["errors"]["children"]


def test_update_moves_a_project_activity_within_its_customer_only(
    make_user, make_customer, make_project, make_activity
):
    customer = make_customer()
    current = make_project(customer, "Current", visible=False)
    sibling = make_project(customer, "Sibling")
    stranger = make_project(make_customer(), "Stranger")
    activity = make_activity(current)
    with make_user("ROLE_ADMIN").client() as client:
        kept = client.patch(f"/api/activities/{activity.id}", json={"project": current.id, "name": "Renamed"})
        refused = client.patch(f"/api/activities/{activity.id}", json={"project": stranger.id})
        emptied = client.patch(f"/api/activities/{activity.id}", json={"project": None})
        moved = client.patch(f"/api/activities/{activity.id}", json={"project": sibling.id})
    assert kept.status_code == 200
    assert field_errors(refused) == {"project": ["The selected choice is invalid."]}
    assert field_errors(emptied) == {"project": ["This value should not be blank."]}
    assert (moved.json()["project"], moved.json()["parentTitle"]) == (sibling.id, "Sibling")


def test_update_changes_only_the_submitted_fields(make_user, make_activity):
    activity = make_activity(name="Before", comment="Kept", billable=True)
    with make_user("ROLE_ADMIN").client() as client:
        body = client.patch(
            f"/api/activities/{activity.id}", json={"name": "After", "billable": False}
        ).json()
    assert (body["name"], body["comment"], body["billable"]) == ("After", "Kept", False)


def test_update_is_forbidden_without_edit_and_404_for_unknown(make_user, make_activity):
    activity = make_activity()
    with make_user("ROLE_TEAMLEAD").client() as client:
        assert client.patch(f"/api/activities/{activity.id}", json={"name": "x"}).status_code == 403
        assert client.patch("/api/activities/999", json={"name": "x"}).status_code == 404


# --- delete ---------------------------------------------------------------------------------


def test_delete_removes_the_activity_with_rates_fields_and_team_links(
    backend, make_user, make_activity, make_rate, set_meta, make_team
):
    activity = make_activity()
    kept = make_activity()
    make_rate(activity)
    set_meta(activity, "kind", "x")
    make_team(activities=[activity])
    with make_user("ROLE_ADMIN").client() as client:
        assert client.delete(f"/api/activities/{activity.id}").status_code == 204
    with backend.db.session(write=False) as session:
        assert list(session.scalars(select(Activity.id))) == [kept.id]
        for model in (ActivityRate, ActivityMeta):
            assert session.scalar(select(func.count()).select_from(model)) == 0
        assert session.scalar(select(func.count()).select_from(team_activities)) == 0


def test_delete_is_forbidden_without_delete_activity(make_user, make_activity):
    activity = make_activity()
    with make_user("ROLE_TEAMLEAD").client() as client:
        assert client.delete(f"/api/activities/{activity.id}").status_code == 403


def test_the_team_endpoint_is_gone(make_user):
    with make_user().client() as client:
        response = client.post("/api/activities/1/team")
    assert response.status_code == 410
    assert response.json()["message"] == 'This endpoint was removed, use "POST /api/teams/" instead.'
