"""/api/projects: the list with its date and customer filters, CRUD, budgets per role,
duplication and cascading deletes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from horae.activities.models import Activity
from horae.comments.models import ProjectComment
from horae.customers.models import Customer
from horae.meta.models import ActivityMeta, ProjectMeta
from horae.projects.models import Project
from horae.rates.models import ActivityRate, ProjectRate
from horae.teams.models import team_activities, team_projects

EMBEDDED_KEYS = [
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
]
ENTITY_KEYS = [*EMBEDDED_KEYS, "parentTitle", "teams"]
BUDGET_KEYS = ["budget", "timeBudget", "budgetType"]
PROJECT_FORM_FIELDS = [
    "name",
    "customer",
    "number",
    "comment",
    "invoiceText",
    "orderNumber",
    "orderDate",
    "start",
    "end",
    "globalActivities",
    "color",
    "visible",
    "billable",
    "budget",
    "timeBudget",
    "budgetType",
    "metaFields",
    "teams",
]


def today() -> date:
    # the test users live in Europe/Berlin
    return datetime.now(ZoneInfo("Europe/Berlin")).date()


def field_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Validation Failed"
    return {name: child["errors"] for name, child in response.json()["errors"]["children"].items() if child}


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()]


# --- shapes ---------------------------------------------------------------------------------


def test_get_returns_the_entity_shape_key_by_key(make_user, make_customer, make_project, make_team, set_meta):
    customer = make_customer("Acme")
    project = make_project(
        customer,
        "Website",
        number="P-1",
        order_number="O-9",
        order_date=date(2024, 1, 15),
        start=date(2024, 2, 1),
        end=date(2024, 12, 31),
        comment="Relaunch",
        billable=False,
        global_activities=False,
        color="#ff0000",
        budget=Decimal("1000"),
        time_budget=36000,
        budget_type="month",
        invoice_text="never shown",
    )
    team = make_team("Web", projects=[project])
    set_meta(project, "code", "W1")
    with make_user("ROLE_ADMIN").client() as client:
        body = client.get(f"/api/projects/{project.id}").json()
    assert body == {
        "id": project.id,
        "name": "Website",
        "customer": customer.id,
        "number": "P-1",
        "orderNumber": "O-9",
        "orderDate": "2024-01-15",
        "start": "2024-02-01",
        "end": "2024-12-31",
        "comment": "Relaunch",
        "visible": True,
        "billable": False,
        "globalActivities": False,
        "color": "#ff0000",
        "color-safe": "#ff0000",
        "metaFields": [{"name": "code", "value": "W1"}],
        "parentTitle": "Acme",
        "teams": [
            {"id": team.id, "name": "Web", "color": None, "color-safe": body["teams"][0]["color-safe"]}
        ],
        "budget": 1000.0,
        "timeBudget": 36000,
        "budgetType": "month",
    }


def test_list_entries_have_the_same_shape_as_the_entity(make_user, make_project):
    make_project()
    with make_user("ROLE_ADMIN").client() as client:
        body = client.get("/api/projects").json()
    assert list(body[0]) == [*ENTITY_KEYS, *BUDGET_KEYS]


# --- list: dates ----------------------------------------------------------------------------


def test_list_shows_only_projects_running_today_by_default(make_user, make_project):
    day = today()
    make_project(name="Open ended")
    make_project(name="Running", start=day - timedelta(days=10), end=day + timedelta(days=10))
    make_project(name="Starts today", start=day)
    make_project(name="Ends today", end=day)
    make_project(name="Future", start=day + timedelta(days=1))
    make_project(name="Past", end=day - timedelta(days=1))
    with make_user().client() as client:
        assert names(client.get("/api/projects")) == ["Ends today", "Open ended", "Running", "Starts today"]


def test_list_ignore_dates_shows_every_project(make_user, make_project):
    day = today()
    make_project(name="Future", start=day + timedelta(days=1))
    make_project(name="Past", end=day - timedelta(days=1))
    with make_user().client() as client:
        assert names(client.get("/api/projects", params={"ignoreDates": "1"})) == ["Future", "Past"]


def test_list_start_and_end_name_the_days_a_project_must_run_on(make_user, make_project):
    make_project(name="January", start=date(2024, 1, 1), end=date(2024, 1, 31))
    make_project(name="February", start=date(2024, 2, 1), end=date(2024, 2, 29))
    make_project(name="Whole year", start=date(2024, 1, 1), end=date(2024, 12, 31))
    with make_user().client() as client:
        on_start = names(client.get("/api/projects", params={"start": "2024-01-15"}))
        on_end = names(client.get("/api/projects", params={"end": "2024-02-10T12:00:00"}))
        on_both = names(client.get("/api/projects", params={"start": "2024-01-31", "end": "2024-02-01"}))
    assert on_start == ["January", "Whole year"]
    assert on_end == ["February", "Whole year"]
    assert on_both == ["Whole year"]


@pytest.mark.parametrize(
    "params",
    [
        {"ignoreDates": "0"},
        {"ignoreDates": "true"},
        {"start": "15.01.2024"},
        {"start": "٢٠٢٤-01-01"},
        {"end": "2024-02-30"},
        {"globalActivities": "yes"},
        {"customer": "abc"},
        {"customer": "³"},
        {"customers[]": "x"},
        {"visible": "0"},
        {"order": "desc"},
        {"orderBy": "number"},
    ],
)
def test_list_refuses_malformed_parameters(make_user, params):
    with make_user().client() as client:
        response = client.get("/api/projects", params=params)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


# --- list: other filters --------------------------------------------------------------------


def test_list_filters_by_customer_and_customers(make_user, make_customer, make_project):
    one, two, three = make_customer("One"), make_customer("Two"), make_customer("Three")
    make_project(one, "P1")
    make_project(two, "P2")
    make_project(three, "P3")
    with make_user().client() as client:
        single = names(client.get("/api/projects", params={"customer": one.id}))
        several = names(client.get("/api/projects", params={"customers[]": [one.id, three.id, one.id]}))
        merged = names(client.get("/api/projects", params={"customer": two.id, "customers[]": [three.id]}))
    assert single == ["P1"]
    assert several == ["P1", "P3"]
    assert merged == ["P2", "P3"]


def test_list_reads_the_comma_separated_customers_of_older_clients(make_user, make_customer, make_project):
    one, two = make_customer(), make_customer()
    make_project(one, "P1")
    make_project(two, "P2")
    make_project(name="P3")
    with make_user().client() as client:
        assert names(client.get("/api/projects", params={"customers": f"{one.id},{two.id}"})) == ["P1", "P2"]


def test_list_ignores_unknown_customer_ids(make_user, make_customer, make_project):
    one = make_customer("One")
    make_project(one, "P1")
    make_project(name="P2")
    with make_user().client() as client:
        with_known = names(client.get("/api/projects", params={"customers[]": [one.id, 999]}))
        only_unknown = names(client.get("/api/projects", params={"customer": 999}))
    assert with_known == ["P1"]
    assert only_unknown == ["P1", "P2"]


def test_list_filter_by_an_inaccessible_customer_is_forbidden(make_user, make_customer, make_team):
    customer = make_customer()
    make_team(customers=[customer])
    with make_user().client() as client:
        response = client.get("/api/projects", params={"customer": customer.id})
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


@pytest.mark.parametrize(
    ("visible", "expected"),
    [("1", ["Shown"]), ("2", ["Hidden"]), ("3", ["Hidden", "Hidden customer", "Shown"])],
)
def test_list_visibility_also_requires_a_visible_customer(
    make_user, make_customer, make_project, visible, expected
):
    shown_customer = make_customer()
    hidden_customer = make_customer(visible=False)
    make_project(shown_customer, "Shown")
    make_project(shown_customer, "Hidden", visible=False)
    make_project(hidden_customer, "Hidden customer")
    with make_user().client() as client:
        assert names(client.get("/api/projects", params={"visible": visible})) == expected


def test_list_filters_by_global_activities(make_user, make_project):
    make_project(name="With globals", global_activities=True)
    make_project(name="Without globals", global_activities=False)
    with make_user().client() as client:
        on = names(client.get("/api/projects", params={"globalActivities": "1"}))
        off = names(client.get("/api/projects", params={"globalActivities": "0"}))
    assert on == ["With globals"]
    assert off == ["Without globals"]


def test_list_orders_by_customer_name(make_user, make_customer, make_project):
    zed, able = make_customer("Zed"), make_customer("able")
    first = make_project(zed, "A project")
    second = make_project(able, "B project")
    with make_user().client() as client:
        ascending = [p["id"] for p in client.get("/api/projects", params={"orderBy": "customer"}).json()]
        descending = [
            p["id"]
            for p in client.get("/api/projects", params={"orderBy": "customer", "order": "DESC"}).json()
        ]
        by_id = [
            p["id"] for p in client.get("/api/projects", params={"orderBy": "id", "order": "DESC"}).json()
        ]
    assert ascending == [second.id, first.id]
    assert descending == [first.id, second.id]
    assert by_id == [second.id, first.id]


def test_list_term_searches_name_comment_order_number_and_number(make_user, make_project):
    make_project(name="Alpha", order_number="PO-77")
    make_project(name="Beta", comment="about po-77")
    make_project(name="Gamma", number="PO-7")
    make_project(name="Delta")
    with make_user().client() as client:
        assert names(client.get("/api/projects", params={"term": "po-7"})) == ["Alpha", "Beta", "Gamma"]
        assert names(client.get("/api/projects", params={"term": "po-7 !beta"})) == ["Alpha", "Gamma"]


def test_list_applies_the_team_rule_to_project_and_customer(
    make_user, make_customer, make_project, make_team
):
    user = make_user()
    foreign_customer = make_customer()
    make_team(customers=[foreign_customer])
    mine = make_project(name="Mine")
    make_team(members=[user], projects=[mine])
    make_project(name="Open")
    foreign = make_project(name="Foreign")
    make_team(projects=[foreign])
    make_project(foreign_customer, "Foreign customer")
    with user.client() as client:
        assert names(client.get("/api/projects")) == ["Mine", "Open"]


def test_list_uses_the_same_number_of_queries_for_3_and_30_projects(
    backend, count_request_queries, make_user, make_customer, make_project, make_team, set_meta
):
    admin = make_user("ROLE_ADMIN")
    team = make_team()

    def count_for(total: int) -> int:
        with backend.db.session() as session:
            session.execute(team_projects.delete())
            session.execute(Project.__table__.delete())
            session.execute(Customer.__table__.delete())
        for index in range(total):
            project = make_project(make_customer(f"Customer {index}"), f"Project {index}")
            set_meta(project, "code", "x")
            with backend.db.session() as session:
                session.execute(team_projects.insert().values(team_id=team.id, project_id=project.id))
        with admin.client() as client:
            count, response = count_request_queries(
                client, "/api/projects", params={"term": "project", "orderBy": "customer"}
            )
        assert len(response.json()) == total
        return count

    assert count_for(3) == count_for(30)


# --- single and budgets ---------------------------------------------------------------------


def test_get_unknown_project_is_404_even_for_a_plain_user(make_user):
    with make_user().client() as client:
        assert client.get("/api/projects/999").status_code == 404


def test_get_is_forbidden_to_a_plain_user(make_user, make_project, make_team):
    user = make_user()
    project = make_project()
    make_team(members=[user], projects=[project])
    with user.client() as client:
        assert client.get(f"/api/projects/{project.id}").status_code == 403


def test_get_is_allowed_to_the_teamlead_of_the_customers_team(
    make_user, make_customer, make_project, make_team
):
    lead = make_user("ROLE_TEAMLEAD")
    customer = make_customer()
    project = make_project(customer)
    make_team(leads=[lead], customers=[customer])
    with lead.client() as client:
        body = client.get(f"/api/projects/{project.id}").json()
    assert list(body) == [*ENTITY_KEYS, *BUDGET_KEYS]


def test_a_user_sees_the_time_budget_of_projects_of_its_teams(
    make_user, make_customer, make_project, make_team
):
    user = make_user()
    by_project = make_project(name="Project team", time_budget=3600, budget=Decimal(5))
    customer = make_customer()
    by_customer = make_project(customer, "Customer team")
    make_project(name="Open")
    make_team(members=[user], projects=[by_project], customers=[customer])
    with user.client() as client:
        body = {p["name"]: p for p in client.get("/api/projects").json()}
    assert list(body["Project team"]) == [*ENTITY_KEYS, "timeBudget", "budgetType"]
    assert body["Project team"]["timeBudget"] == 3600
    assert list(body["Customer team"]) == [*ENTITY_KEYS, "timeBudget", "budgetType"]
    assert list(body["Open"]) == ENTITY_KEYS
    assert by_customer.id


def test_a_teamlead_sees_every_budget_of_projects_of_teams_it_leads(make_user, make_project, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    led = make_project(name="Led")
    member = make_project(name="Member")
    make_team(leads=[lead], projects=[led])
    make_team(members=[lead], projects=[member])
    with lead.client() as client:
        body = {p["name"]: p for p in client.get("/api/projects").json()}
    assert list(body["Led"]) == [*ENTITY_KEYS, *BUDGET_KEYS]
    # ROLE_TEAMLEAD also holds time_team_project
    assert list(body["Member"]) == [*ENTITY_KEYS, "timeBudget", "budgetType"]


# --- create ---------------------------------------------------------------------------------


def test_create_is_forbidden_without_create_project(make_user, make_customer):
    customer = make_customer()
    with make_user("ROLE_TEAMLEAD").client() as client:
        response = client.post("/api/projects", json={"name": "New", "customer": customer.id})
    assert response.status_code == 403


def test_create_applies_the_defaults(make_user, make_customer):
    customer = make_customer("Acme")
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/projects", json={"name": "New project", "customer": customer.id})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [*ENTITY_KEYS, *BUDGET_KEYS]
    assert body["number"] == "0001"
    assert (body["visible"], body["billable"], body["globalActivities"]) == (True, True, True)
    assert (body["start"], body["end"], body["orderDate"]) == (None, None, None)
    assert body["parentTitle"] == "Acme"
    assert body["customer"] == customer.id


def test_create_stores_dates_and_every_field(make_user, make_customer, make_team):
    customer = make_customer()
    team = make_team()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(
            "/api/projects",
            json={
                "name": "Dated",
                "customer": str(customer.id),
                "number": "D-1",
                "comment": "c",
                "invoiceText": "i",
                "order_number": "O-1",
                "orderDate": "2024-03-01",
                "start": "2024-03-02T10:00:00",
                "end": "2024-03-31",
                "globalActivities": False,
                "color": "#008000",
                "visible": True,
                "billable": False,
                "budget": 12,
                "timeBudget": "2h",
                "budgetType": None,
                "teams": [team.id],
            },
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["orderNumber"], body["orderDate"], body["start"], body["end"]) == (
        "O-1",
        "2024-03-01",
        "2024-03-02",
        "2024-03-31",
    )
    assert (body["globalActivities"], body["billable"], body["color"]) == (False, False, "#008000")
    assert (body["budget"], body["timeBudget"], body["budgetType"]) == (12.0, 7200, None)
    assert [t["id"] for t in body["teams"]] == [team.id]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "No customer"}, "customer", "This value should not be blank."),
        ({"customer": "CUSTOMER"}, "name", "This value should not be blank."),
        ({"name": "Unknown", "customer": 999}, "customer", "The selected choice is invalid."),
        ({"name": "Bad", "customer": "x"}, "customer", "The selected choice is invalid."),
        ({"name": "Long", "customer": "CUSTOMER", "number": "12345678901"}, "number", None),
        ({"name": "Date", "customer": "CUSTOMER", "orderDate": "01.02.2024"}, "orderDate", None),
        ({"name": "Date", "customer": "CUSTOMER", "start": "2024-02-30"}, "start", None),
        (
            {"name": "Reverse", "customer": "CUSTOMER", "start": "2024-02-02", "end": "2024-02-01"},
            "end",
            "End date must not be earlier then start date.",
        ),
        ({"name": "Order", "customer": "CUSTOMER", "orderNumber": "o" * 51}, "orderNumber", None),
    ],
)
def test_create_field_validation(make_user, make_customer, body, field, message):
    customer = make_customer()
    body = {k: (customer.id if v == "CUSTOMER" else v) for k, v in body.items()}
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/projects", json=body)
    errors = field_errors(response)
    assert list(errors) == [field]
    expected = {
        "number": "This value is too long. It should have 10 characters or less.",
        "orderDate": "Please enter a valid date.",
        "start": "Please enter a valid date.",
        "orderNumber": "This value is too long. It should have 50 characters or less.",
    }
    assert errors[field] == [message or expected[field]]
    assert list(response.json()["errors"]["children"]) == PROJECT_FORM_FIELDS


def test_create_refuses_a_hidden_customer(make_user, make_customer):
    customer = make_customer(visible=False)
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/projects", json={"name": "Hidden", "customer": customer.id})
    assert field_errors(response) == {"customer": ["The selected choice is invalid."]}


def test_create_refuses_a_customer_outside_the_callers_teams(make_user, make_customer, make_team, grant):
    grant("ROLE_TEAMLEAD", "create_project")
    lead = make_user("ROLE_TEAMLEAD")
    foreign = make_customer()
    make_team(customers=[foreign])
    mine = make_customer()
    make_team(members=[lead], customers=[mine])
    with lead.client() as client:
        refused = client.post("/api/projects", json={"name": "Foreign", "customer": foreign.id})
        accepted = client.post("/api/projects", json={"name": "Mine", "customer": mine.id})
    assert field_errors(refused) == {"customer": ["The selected choice is invalid."]}
    assert accepted.status_code == 200
    # without budget_project, the budget fields are not part of the form
    assert "budget" not in refused.json()["errors"]["children"]


def test_create_refuses_a_number_in_use(make_user, make_customer, make_project):
    make_project(number="P-1")
    customer = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(
            "/api/projects", json={"name": "Dup", "customer": customer.id, "number": "P-1"}
        )
    assert field_errors(response) == {"number": ["The number P-1 is already used."]}


# --- update ---------------------------------------------------------------------------------


def test_update_moves_the_project_to_another_visible_customer(make_user, make_customer, make_project):
    project = make_project(make_customer("Old"))
    new = make_customer("New")
    hidden = make_customer("Hidden", visible=False)
    with make_user("ROLE_ADMIN").client() as client:
        moved = client.patch(f"/api/projects/{project.id}", json={"customer": new.id})
        refused = client.patch(f"/api/projects/{project.id}", json={"customer": hidden.id})
    assert (moved.json()["customer"], moved.json()["parentTitle"]) == (new.id, "New")
    assert field_errors(refused) == {"customer": ["The selected choice is invalid."]}


def test_update_keeps_a_hidden_current_customer(make_user, make_customer, make_project):
    customer = make_customer(visible=False)
    project = make_project(customer)
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(
            f"/api/projects/{project.id}", json={"customer": customer.id, "name": "Renamed"}
        )
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"


def test_update_accepts_html5_datetimes_and_checks_the_order(make_user, make_project):
    project = make_project(start=date(2024, 1, 1))
    with make_user("ROLE_ADMIN").client() as client:
        updated = client.patch(f"/api/projects/{project.id}", json={"end": "2024-06-30T00:00:00"})
        refused = client.patch(f"/api/projects/{project.id}", json={"start": "2024-07-01"})
        cleared = client.patch(f"/api/projects/{project.id}", json={"start": None, "end": ""})
    assert updated.json()["end"] == "2024-06-30"
    assert field_errors(refused) == {"end": ["End date must not be earlier then start date."]}
    assert (cleared.json()["start"], cleared.json()["end"]) == (None, None)


def test_update_refuses_teams_and_is_forbidden_without_edit(make_user, make_project, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    project = make_project()
    make_team(leads=[lead], projects=[project])
    with lead.client() as client:
        assert client.patch(f"/api/projects/{project.id}", json={"name": "Nope"}).status_code == 403
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/projects/{project.id}", json={"teams": []})
    assert response.json()["errors"]["errors"] == ["This form should not contain extra fields."]


def test_update_unknown_project_is_404(make_user):
    with make_user().client() as client:
        assert client.patch("/api/projects/999", json={"name": "x"}).status_code == 404


# --- delete ---------------------------------------------------------------------------------


def test_delete_removes_the_project_its_activities_rates_comments_and_fields(
    backend, make_user, make_project, make_activity, make_rate, make_comment, set_meta, make_team
):
    admin = make_user("ROLE_ADMIN")
    project = make_project()
    other = make_project()
    activity = make_activity(project)
    make_activity(other)
    global_activity = make_activity()
    make_rate(project)
    make_rate(activity)
    make_comment(project, admin)
    set_meta(project, "code", "x")
    set_meta(activity, "code", "y")
    make_team(projects=[project], activities=[activity])
    with admin.client() as client:
        assert client.delete(f"/api/projects/{project.id}").status_code == 204
    with backend.db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 1
        assert set(session.scalars(select(Activity.id))) == {
            global_activity.id,
            *session.scalars(select(Activity.id).where(Activity.project_id == other.id)),
        }
        for model in (ProjectRate, ActivityRate, ProjectComment, ProjectMeta, ActivityMeta):
            assert session.scalar(select(func.count()).select_from(model)) == 0
        assert session.scalar(select(func.count()).select_from(team_projects)) == 0
        assert session.scalar(select(func.count()).select_from(team_activities)) == 0


def test_delete_is_forbidden_without_delete_project(make_user, make_project, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    project = make_project()
    make_team(leads=[lead], projects=[project])
    with lead.client() as client:
        assert client.delete(f"/api/projects/{project.id}").status_code == 403


# --- duplicate ------------------------------------------------------------------------------


def test_duplicate_copies_the_project_with_teams_fields_rates_and_visible_activities(
    backend, make_user, make_project, make_activity, make_team, make_rate, set_meta
):
    admin = make_user("ROLE_ADMIN")
    project = make_project(
        name="Website",
        number="0001",
        start=date(2024, 1, 1),
        end=date(2024, 6, 30),
        comment="c",
        budget=Decimal(9),
    )
    team = make_team(projects=[project])
    set_meta(project, "code", "W")
    make_rate(project, "80", user=admin)
    visible = make_activity(project, "Design", number="A-1")
    make_activity(project, "Hidden", visible=False)
    make_activity(name="Global")
    set_meta(visible, "kind", "creative")
    make_rate(visible, "95")
    with admin.client() as client:
        response = client.post(f"/api/projects/{project.id}/duplicate")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Website [COPY]"
    assert body["id"] != project.id
    assert body["number"] == "0002"
    assert (body["start"], body["end"]) == ("2024-06-30", None)
    assert (body["comment"], body["budget"]) == ("c", 9.0)
    assert [t["id"] for t in body["teams"]] == [team.id]
    assert body["metaFields"] == [{"name": "code", "value": "W"}]
    with backend.db.session(write=False) as session:
        rates = session.scalars(select(ProjectRate).where(ProjectRate.project_id == body["id"])).all()
        assert [(r.user_id, r.rate) for r in rates] == [(admin.id, Decimal("80"))]
        copies = session.scalars(select(Activity).where(Activity.project_id == body["id"])).all()
        assert [a.name for a in copies] == ["Design"]
        assert copies[0].number not in (None, "A-1")
        assert [(m.name, m.value) for m in copies[0].meta] == [("kind", "creative")]
        activity_rates = session.scalars(
            select(ActivityRate).where(ActivityRate.activity_id == copies[0].id)
        ).all()
        assert [r.rate for r in activity_rates] == [Decimal("95")]


def test_duplicate_needs_edit_and_both_create_permissions(make_user, make_project, grant):
    project = make_project()
    grant("ROLE_ADMIN", "create_activity", allowed=False)
    with make_user("ROLE_ADMIN").client() as client:
        assert client.post(f"/api/projects/{project.id}/duplicate").status_code == 403
        assert client.post("/api/projects/999/duplicate").status_code == 404


# --- removed endpoint -----------------------------------------------------------------------


def test_the_team_endpoint_is_gone(make_user):
    with make_user().client() as client:
        response = client.post("/api/projects/1/team")
    assert response.status_code == 410
    assert response.json()["message"] == 'This endpoint was removed, use "POST /api/teams/" instead.'
