"""The customer, project and activity lists at scale: a fixed number of queries whatever the
length, and entries identical to the single-record answers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import insert

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.meta.models import ActivityMeta, CustomerMeta, ProjectMeta
from horae.projects.models import Project
from horae.teams.models import team_activities, team_customers, team_projects

LISTS = {
    "customers": {"visible": "3"},
    "projects": {"ignoreDates": "1", "visible": "3"},
    "activities": {"visible": "3"},
}
CUSTOMER_DETAILS = ["vatId", "addressLine1", "addressLine2", "addressLine3", "postCode", "city"]
# Team-member variants of the budget rules: granted per record, through its own or its parents' teams.
TEAM_BUDGET_PERMISSIONS = (
    "budget_team_customer",
    "time_team_customer",
    "budget_team_project",
    "time_team_project",
    "budget_team_activity",
    "time_team_activity",
)


def _empty_catalog(backend) -> None:
    with backend.db.session() as session:
        for table in (team_activities, team_projects, team_customers):
            session.execute(table.delete())
        for model in (ActivityMeta, ProjectMeta, CustomerMeta, Activity, Project, Customer):
            session.execute(model.__table__.delete())


def _bulk_catalog(backend, total: int, team_id: int) -> None:
    """`total` customers, projects and activities (every other one global), every third record
    with the team, every second with a custom field, written with a few bulk inserts."""
    _empty_catalog(backend)
    with backend.db.session() as session:
        customers = [
            {
                "id": index,
                "name": f"Customer {index}",
                "country": "DE",
                "currency": "EUR",
                "timezone": "Europe/Berlin",
                "language": "en",
                "visible": True,
                "billable": True,
                "budget": Decimal("10.50"),
                "time_budget": 3600,
            }
            for index in range(1, total + 1)
        ]
        session.execute(insert(Customer.__table__), customers)
        projects = [
            {
                "id": index,
                "name": f"Project {index}",
                "customer_id": index,
                "visible": True,
                "billable": True,
                "global_activities": True,
                "budget": Decimal(0),
                "time_budget": 0,
            }
            for index in range(1, total + 1)
        ]
        session.execute(insert(Project.__table__), projects)
        activities = [
            {
                "id": index,
                "name": f"Activity {index}",
                "project_id": index if index % 2 else None,
                "visible": True,
                "billable": True,
                "budget": Decimal(0),
                "time_budget": 0,
            }
            for index in range(1, total + 1)
        ]
        session.execute(insert(Activity.__table__), activities)
        for table, column in (
            (team_customers, "customer_id"),
            (team_projects, "project_id"),
            (team_activities, "activity_id"),
        ):
            links = [{"team_id": team_id, column: index} for index in range(1, total + 1, 3)]
            session.execute(insert(table), links)
        for model, column in (
            (CustomerMeta, "customer_id"),
            (ProjectMeta, "project_id"),
            (ActivityMeta, "activity_id"),
        ):
            values = [
                {column: index, "name": "kind", "value": f"v{index}", "visible": True}
                for index in range(1, total + 1, 2)
            ]
            session.execute(insert(model.__table__), values)


@pytest.mark.parametrize("caller", ["admin", "team member with team budget rights"])
@pytest.mark.parametrize("name", list(LISTS))
def test_list_uses_the_same_number_of_queries_for_3_30_and_3000_records(
    backend, count_request_queries, make_user, make_team, grant, name, caller
):
    if caller == "admin":
        user = make_user("ROLE_SUPER_ADMIN")
    else:
        user = make_user()
        for permission in TEAM_BUDGET_PERMISSIONS:
            grant("ROLE_USER", permission)
    team = make_team(members=[user])

    def count_for(total: int) -> int:
        _bulk_catalog(backend, total, team.id)
        with user.client() as client:
            count, response = count_request_queries(client, f"/api/{name}", params=LISTS[name])
        entries = response.json()
        assert len(entries) == total
        assert sum(1 for entry in entries if entry["teams"]) == len(range(1, total + 1, 3))
        return count

    assert count_for(3) == count_for(30) == count_for(3000)


def test_team_budget_rights_show_budgets_only_on_records_of_the_callers_teams(
    backend, make_user, make_team, grant
):
    user = make_user()
    for permission in TEAM_BUDGET_PERMISSIONS:
        grant("ROLE_USER", permission)
    team = make_team(members=[user])
    _bulk_catalog(backend, 12, team.id)
    # Records 1, 4, 7, 10 carry the team; a project activity also counts its project's and
    # customer's teams (activity n belongs to project n of customer n when n is odd).
    with user.client() as client:
        for name in LISTS:
            entries = client.get(f"/api/{name}", params=LISTS[name]).json()
            with_budget = sorted(entry["id"] for entry in entries if "budget" in entry)
            assert with_budget == [1, 4, 7, 10], name
            assert all(("timeBudget" in entry) == ("budget" in entry) for entry in entries)


@pytest.mark.parametrize("caller", ["ROLE_SUPER_ADMIN", "ROLE_TEAMLEAD", None])
def test_list_entries_equal_the_single_record_answers(
    make_user, make_team, make_customer, make_project, make_activity, set_meta, caller
):
    user = make_user(caller)
    other = make_user()
    customers = [
        make_customer("Alpha", color="#ff0000", budget=Decimal("12.34"), budget_type="month"),
        make_customer("beta", number="B-1", time_budget=7200),
        make_customer("Gamma", visible=False),
    ]
    projects = [
        make_project(customers[0], "Apollo", comment="c", budget=Decimal("5")),
        make_project(customers[1], "Zeus", global_activities=False, color="#00ff00"),
        make_project(customers[0], "hermes", visible=False),
    ]
    activities = [
        make_activity(None, "Global", budget=Decimal("1.5")),
        make_activity(projects[0], "Design", time_budget=60),
        make_activity(projects[1], "build", visible=False, number="7"),
    ]
    # Teams created out of order with the records, so that records list several teams.
    late = make_team("Late", leads=[user] if caller else [], members=[other], color="#123456")
    early = make_team(
        "Early",
        members=[user],
        customers=customers[:2],
        projects=projects[1:],
        activities=activities[1:],
    )
    make_team("Both", leads=[other], customers=customers[1:], projects=projects, activities=activities)
    for record in (*customers, *projects, *activities):
        set_meta(record, "hidden", "no", visible=False)
        set_meta(record, "shown", f"{record.name}!")
    assert late.id != early.id
    with user.client() as client:
        for name, params in LISTS.items():
            listed = client.get(f"/api/{name}", params=params)
            assert listed.status_code == 200
            assert listed.json(), name
            compared = 0
            for entry in listed.json():
                answer = client.get(f"/api/{name}/{entry['id']}")
                if answer.status_code == 403:  # listed (team rule) but not viewable (role rule)
                    continue
                single = answer.json()
                compared += 1
                # The customer entity adds its contact and address keys after the list's.
                assert list(single.items())[: len(entry)] == list(entry.items()), (name, entry["id"])
                assert len(single) == len(entry) or name == "customers"
            # Everyone sees some of every list; who may open which single record varies by role.
            assert compared == len(listed.json()) or caller != "ROLE_SUPER_ADMIN", name
        if caller == "ROLE_SUPER_ADMIN":
            plain = client.get("/api/customers", params=LISTS["customers"]).json()
            full = client.get("/api/customers", params={**LISTS["customers"], "full": "1"}).json()
            for short, entry in zip(plain, full, strict=True):
                single = client.get(f"/api/customers/{entry['id']}").json()
                assert list(entry) == [*short, *CUSTOMER_DETAILS]
                assert entry == {key: single[key] for key in entry}
