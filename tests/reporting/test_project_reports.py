"""Project overview, inactive projects, project details and customers by month."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from horae.errors import BadRequest, Forbidden, NotFound
from horae.reporting.service import (
    customer_month_report,
    inactive_projects,
    project_details,
    project_overview,
)
from tests.factories.reporting import Scenario, actor_of, statements
from tests.reporting.expected import as_dict, counted, grouped, month_key, total


def run(backend: Any, viewer: Any, report: Any, **kwargs: Any) -> Any:
    with backend.db.session(write=False) as session:
        return report(session, actor_of(backend, viewer), **kwargs)


# --- overview ------------------------------------------------------------------------------------


def test_overview_totals_equal_the_projects_entries(backend: Any, scenario: Scenario) -> None:
    day = date(2024, 4, 1)
    overview = run(backend, scenario.admin, project_overview, day=day, budget="all", include_no_work=True)

    assert [row.project.name for row in overview.rows] == ["Support", "Website", "Migration", "Hidden work"]
    week_begin = day - timedelta(days=day.weekday())
    for row in overview.rows:
        entries = counted(scenario.entries, projects=[row.project.id])
        expected = total(entries)
        assert (row.total.duration, row.total.rate, row.total.internal_rate) == (
            expected["duration"], expected["rate"], expected["internal_rate"],
        )  # fmt: skip
        april = total(counted(entries, begin=date(2024, 4, 1), end=date(2024, 4, 30)))
        assert (row.month.duration, row.month.rate) == (april["duration"], april["rate"])
        assert row.today == total(counted(entries, begin=day, end=day))["duration"]
        assert (
            row.week
            == total(counted(entries, begin=week_begin, end=week_begin + timedelta(days=6)))["duration"]
        )
        not_exported = total(e for e in entries if not e.exported)
        assert (row.not_exported.duration, row.not_exported.rate) == (
            not_exported["duration"],
            not_exported["rate"],
        )
        not_billed = total(e for e in entries if not e.exported and e.billable)
        assert (row.not_billed.duration, row.not_billed.rate) == (not_billed["duration"], not_billed["rate"])
        non_billable = total(e for e in entries if not e.billable)
        assert (row.non_billable.duration, row.non_billable.rate) == (
            non_billable["duration"],
            non_billable["rate"],
        )
        assert row.last_record == max((e.local_date for e in entries), default=None)


def test_overview_counts_budgets_against_billable_entries_of_their_period(
    backend: Any, scenario: Scenario
) -> None:
    overview = run(backend, scenario.admin, project_overview, day=date(2024, 4, 1))
    rows = {row.project.name: row for row in overview.rows}

    # Only projects with a budget and with work are listed by default.
    assert set(rows) == {"Website", "Support", "Hidden work"}
    website = [e for e in counted(scenario.entries, projects=[scenario.website]) if e.billable]
    assert rows["Website"].budget.money == Decimal(1000)
    assert rows["Website"].budget.time == 36000
    assert rows["Website"].budget.money_used == total(website)["rate"]
    assert rows["Website"].budget.time_used == total(website)["duration"]
    assert rows["Website"].budget.money_percent == round(float(total(website)["rate"] / 10), 1)
    # Support has a monthly budget: April's billable entries only (the admin's, 30 April local).
    support = counted(
        scenario.entries, projects=[scenario.support], begin=date(2024, 4, 1), end=date(2024, 4, 30)
    )
    assert rows["Support"].budget.type == "month"
    assert rows["Support"].budget.time_used == total(e for e in support if e.billable)["duration"] == 3 * 3600
    assert rows["Support"].budget.time_percent == 75.0


def test_overview_lists_projects_without_budget_on_request(backend: Any, scenario: Scenario) -> None:
    without = run(backend, scenario.admin, project_overview, day=date(2024, 4, 1), budget="without")

    assert [row.project.name for row in without.rows] == ["Migration"]
    assert without.rows[0].budget.money is None and without.rows[0].budget.money_percent is None


def test_overview_leaves_out_ended_and_hidden_projects(backend: Any, scenario: Scenario) -> None:
    ledger = scenario.ledger
    ended = ledger.project(scenario.acme, "Ended", budget=10, end=date(2024, 3, 31))
    invisible = ledger.project(scenario.acme, "Invisible", budget=10, visible=False)
    for project in (ended, invisible):
        ledger.entry(scenario.admin.id, project, scenario.design, "2024-03-01T09:00", "2024-03-01T10:00")

    overview = run(backend, scenario.admin, project_overview, day=date(2024, 4, 1), budget="all")

    assert {"Ended", "Invisible"}.isdisjoint(row.project.name for row in overview.rows)


def test_a_teamlead_sees_projects_open_to_their_teams_only(backend: Any, scenario: Scenario) -> None:
    overview = run(backend, scenario.lead, project_overview, day=date(2024, 4, 1), budget="all")

    assert [row.project.name for row in overview.rows] == ["Support", "Website", "Migration"]
    # Bookings of every user count towards a project's figures.
    website = next(row for row in overview.rows if row.project.name == "Website")
    assert website.total.duration == total(counted(scenario.entries, projects=[scenario.website]))["duration"]


def test_a_plain_user_may_not_see_project_reports(backend: Any, scenario: Scenario) -> None:
    for report, kwargs in (
        (project_overview, {}),
        (inactive_projects, {}),
        (project_details, {"project_id": scenario.website}),
    ):
        with pytest.raises(Forbidden):
            run(backend, scenario.alice, report, **kwargs)


def test_overview_refuses_an_unknown_budget_filter(backend: Any, scenario: Scenario) -> None:
    with pytest.raises(BadRequest):
        run(backend, scenario.admin, project_overview, budget="some")


def test_overview_is_one_statement(backend: Any, scenario: Scenario) -> None:
    actor = actor_of(backend, scenario.lead)
    with backend.db.session(write=False) as session:
        counter = backend.count_queries()
        project_overview(session, actor, day=date(2024, 4, 1), budget="all", include_no_work=True)
        assert statements(counter) == 1


# --- inactive projects ---------------------------------------------------------------------------


def test_inactive_projects_have_no_booking_since_the_date(backend: Any, scenario: Scenario) -> None:
    idle = scenario.ledger.project(scenario.globex, "Idle")

    since, _, rows = run(backend, scenario.admin, inactive_projects, since=date(2024, 4, 1))

    assert since == date(2024, 4, 1)
    assert {(row.project.name, row.last_record) for row in rows} == {
        ("Idle", None),
        ("Migration", date(2024, 3, 31)),
        ("Hidden work", date(2024, 3, 31)),
    }
    migration = next(row for row in rows if row.project.name == "Migration")
    assert (
        migration.total.duration
        == total(counted(scenario.entries, projects=[scenario.migration]))["duration"]
    )
    assert idle in {row.project.id for row in rows}


# --- project details -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "admin", "super"])
def test_project_details_split_by_activity_user_and_month(
    backend: Any, scenario: Scenario, role: str
) -> None:
    details = run(
        backend, getattr(scenario, role), project_details, project_id=scenario.website, day=date(2024, 4, 9)
    )

    entries = counted(scenario.entries, projects=[scenario.website])
    assert {a.id: as_dict(t) for a, t, _ in details.activities} == grouped(entries, lambda e: e.activity_id)
    assert {(a.id, u.id): as_dict(t) for a, _, users in details.activities for u, t in users} == grouped(
        entries, lambda e: (e.activity_id, e.user_id)
    )
    assert {u.id: as_dict(t) for u, t in details.users} == grouped(entries, lambda e: e.user_id)
    assert {m: as_dict(t) for m, t in details.months} == grouped(entries, lambda e: month_key(e.local_date))
    assert [m for m, _ in details.months] == [202402, 202403, 202404]
    assert as_dict(details.total) == total(entries)
    assert as_dict(details.month) == total(counted(entries, begin=date(2024, 4, 1), end=date(2024, 4, 30)))
    assert details.budget.money_used == total(e for e in entries if e.billable)["rate"]


def test_project_details_of_a_project_outside_the_teams_is_forbidden(
    backend: Any, scenario: Scenario
) -> None:
    with pytest.raises(Forbidden):
        run(backend, scenario.lead, project_details, project_id=scenario.hidden)


def test_project_details_of_an_unknown_project_is_not_found(backend: Any, scenario: Scenario) -> None:
    with pytest.raises(NotFound):
        run(backend, scenario.admin, project_details, project_id=999_999)


def test_project_details_run_a_fixed_number_of_statements(backend: Any, scenario: Scenario) -> None:
    actor = actor_of(backend, scenario.admin)
    with backend.db.session(write=False) as session:
        counter = backend.count_queries()
        project_details(session, actor, project_id=scenario.website)
        # the project, the aggregate, activities, users
        assert statements(counter) == 4


# --- customers by month --------------------------------------------------------------------------


@pytest.mark.parametrize("month", [date(2024, 3, 1), date(2024, 4, 1)])
def test_customer_month_splits_by_project_activity_and_user(
    backend: Any, scenario: Scenario, month: date
) -> None:
    report = run(backend, scenario.admin, customer_month_report, day=month)

    end = report.period.end
    entries = counted(scenario.entries, begin=month, end=end)
    customer_of = {
        scenario.website: scenario.acme,
        scenario.support: scenario.acme,
        scenario.migration: scenario.globex,
        scenario.hidden: scenario.secret,
    }
    assert {c.customer.id: as_dict(c.total) for c in report.customers} == grouped(
        entries, lambda e: customer_of[e.project_id]
    )
    got_projects = {p.project.id: as_dict(p.total) for c in report.customers for p in c.projects}
    assert got_projects == grouped(entries, lambda e: e.project_id)
    got_activities = {
        (p.project.id, a.activity.id): as_dict(a.total)
        for c in report.customers
        for p in c.projects
        for a in p.activities
    }
    assert got_activities == grouped(entries, lambda e: (e.project_id, e.activity_id))
    got_users = {
        (p.project.id, a.activity.id, u.id): as_dict(t)
        for c in report.customers
        for p in c.projects
        for a in p.activities
        for u, t in a.users
    }
    assert got_users == grouped(entries, lambda e: (e.project_id, e.activity_id, e.user_id))
    assert as_dict(report.total) == total(entries)


def test_customer_month_for_one_customer(backend: Any, scenario: Scenario) -> None:
    report = run(
        backend, scenario.lead, customer_month_report, day=date(2024, 3, 1), customer_id=scenario.acme
    )

    assert [c.customer.name for c in report.customers] == ["ACME"]
    entries = counted(
        scenario.entries,
        projects=[scenario.website, scenario.support],
        begin=date(2024, 3, 1),
        end=date(2024, 3, 31),
    )
    assert as_dict(report.total) == total(entries)


def test_customer_month_hides_customers_outside_the_teams(backend: Any, scenario: Scenario) -> None:
    report = run(backend, scenario.lead, customer_month_report, day=date(2024, 3, 1))

    assert "Secret Corp" not in {c.customer.name for c in report.customers}
    with pytest.raises(Forbidden):
        run(backend, scenario.lead, customer_month_report, day=date(2024, 3, 1), customer_id=scenario.secret)


def test_customer_month_of_an_unknown_customer_is_not_found(backend: Any, scenario: Scenario) -> None:
    with pytest.raises(NotFound):
        run(backend, scenario.admin, customer_month_report, customer_id=999_999)


def test_a_plain_user_may_not_see_customer_reports(backend: Any, scenario: Scenario) -> None:
    with pytest.raises(Forbidden):
        run(backend, scenario.alice, customer_month_report)
