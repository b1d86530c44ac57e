"""One user's week, month and year: every cell and total equals the sum of the entries behind it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from horae.errors import Forbidden, NotFound
from horae.reporting.service import user_period_report
from tests.factories.reporting import Scenario, actor_of, statements
from tests.reporting.expected import as_dict, counted, grouped, month_key, shown, total


def report_as(backend: Any, viewer: Any, **kwargs: Any) -> Any:
    with backend.db.session(write=False) as session:
        return user_period_report(session, actor_of(backend, viewer), **kwargs)


def assert_matches_entries(report: Any, entries: list[Any], *, by_month: bool) -> None:
    def column(e: Any) -> Any:
        return month_key(e.local_date) if by_month else e.local_date

    def expect(figures: dict[Any, Any]) -> dict[Any, Any]:
        return shown(figures, report.show_rates)

    cells = grouped(entries, lambda e: (e.project_id, e.activity_id, column(e)))
    got_cells = {
        (row.project.id, row.activity.id, key): as_dict(value)
        for row in report.rows
        for key, value in row.values.items()
    }
    assert got_cells == expect(cells)
    assert {(r.project.id, r.activity.id): as_dict(r.total) for r in report.rows} == expect(
        grouped(entries, lambda e: (e.project_id, e.activity_id))
    )
    assert {p.project.id: as_dict(p.total) for p in report.projects} == expect(
        grouped(entries, lambda e: e.project_id)
    )
    projects = {e.project_id: e for e in entries}
    customer_of = {p.project.id: p.project.customer.id for p in report.projects}
    assert {c.customer.id: as_dict(c.total) for c in report.customers} == expect(
        grouped(entries, lambda e: customer_of[e.project_id])
    )
    assert set(customer_of) == set(projects)
    assert {k: as_dict(v) for k, v in report.column_totals.items()} == expect(grouped(entries, column))
    assert {k: as_dict(v) for k, v in report.weekdays.items()} == expect(
        grouped(entries, lambda e: e.local_date.isoweekday())
    )
    assert as_dict(report.total) == expect(total(entries))


def test_week_report_groups_by_local_date_across_the_dst_change(backend: Any, scenario: Scenario) -> None:
    report = report_as(backend, scenario.alice, kind="week", day=date(2024, 3, 31))

    assert (report.period.begin, report.period.end) == (date(2024, 3, 25), date(2024, 3, 31))
    assert [c.key for c in report.columns] == [date(2024, 3, d) for d in range(25, 32)]
    entries = counted(
        scenario.entries, users=[scenario.alice.id], begin=date(2024, 3, 25), end=date(2024, 3, 31)
    )
    assert_matches_entries(report, entries, by_month=False)
    # The entry across the spring-forward gap lasted one real hour; 23:30-00:30 adds one more.
    assert report.column_totals[date(2024, 3, 31)].duration == 3600 + 3600


def test_week_starts_on_sunday_when_the_viewer_prefers_it(backend: Any, scenario: Scenario) -> None:
    scenario.ledger.preference(scenario.alice.id, "first_weekday", "sunday")

    report = report_as(backend, scenario.alice, kind="week", day=date(2024, 3, 31))

    assert (report.period.begin, report.period.end) == (date(2024, 3, 31), date(2024, 4, 6))
    assert report.first_weekday == "sunday"
    entries = counted(
        scenario.entries, users=[scenario.alice.id], begin=date(2024, 3, 31), end=date(2024, 4, 6)
    )
    assert_matches_entries(report, entries, by_month=False)


@pytest.mark.parametrize("month", [date(2024, 3, 1), date(2024, 4, 1), date(2024, 2, 1)])
def test_month_report_equals_the_entries_of_the_month(backend: Any, scenario: Scenario, month: date) -> None:
    report = report_as(backend, scenario.alice, kind="month", day=month)

    end = report.period.end
    assert report.period.begin == month
    assert len(report.columns) == end.day
    entries = counted(scenario.entries, users=[scenario.alice.id], begin=month, end=end)
    assert_matches_entries(report, entries, by_month=False)


def test_month_boundary_splits_entries_by_their_own_local_date(backend: Any, scenario: Scenario) -> None:
    march = report_as(backend, scenario.alice, kind="month", day=date(2024, 3, 15))
    april = report_as(backend, scenario.alice, kind="month", day=date(2024, 4, 15))

    # 23:30 on 31 March (ends in April) belongs to March; 00:30 on 1 April (still March in UTC)
    # belongs to April.
    assert march.column_totals[date(2024, 3, 31)].duration == 3600 + 3600
    assert april.column_totals[date(2024, 4, 1)].duration == 90 * 60 + 75 * 60


def test_year_report_has_one_column_per_month(backend: Any, scenario: Scenario) -> None:
    report = report_as(backend, scenario.alice, kind="year", day=date(2024, 6, 1))

    assert [c.key for c in report.columns] == [202400 + m for m in range(1, 13)]
    entries = counted(
        scenario.entries, users=[scenario.alice.id], begin=date(2024, 1, 1), end=date(2024, 12, 31)
    )
    assert_matches_entries(report, entries, by_month=True)


def test_a_user_in_new_york_is_reported_on_new_york_dates(backend: Any, scenario: Scenario) -> None:
    report = report_as(backend, scenario.admin, kind="month", day=date(2024, 3, 1), user_id=scenario.bob.id)

    entries = counted(
        scenario.entries, users=[scenario.bob.id], begin=date(2024, 3, 1), end=date(2024, 3, 31)
    )
    assert_matches_entries(report, entries, by_month=False)
    assert set(report.column_totals) == {date(2024, 3, 10), date(2024, 3, 31)}


def test_a_user_sees_their_own_money_only_with_view_rate_permission(backend: Any, scenario: Scenario) -> None:
    own = report_as(backend, scenario.alice, kind="month", day=date(2024, 3, 1))
    led = report_as(backend, scenario.lead, kind="month", day=date(2024, 3, 1), user_id=scenario.alice.id)

    assert own.show_rates is False
    assert own.total.rate is None and own.total.internal_rate is None
    assert own.total.duration > 0
    assert led.show_rates is True
    assert (
        led.total.rate
        == total(
            counted(
                scenario.entries, users=[scenario.alice.id], begin=date(2024, 3, 1), end=date(2024, 3, 31)
            )
        )["rate"]
    )


def test_a_plain_user_cannot_see_another_users_report(backend: Any, scenario: Scenario) -> None:
    with pytest.raises(Forbidden):
        report_as(backend, scenario.alice, kind="week", day=date(2024, 3, 31), user_id=scenario.bob.id)


def test_a_teamlead_sees_members_of_led_teams_only(backend: Any, scenario: Scenario) -> None:
    member = report_as(backend, scenario.lead, kind="week", day=date(2024, 3, 31), user_id=scenario.alice.id)
    assert member.subject.id == scenario.alice.id

    for outsider in (scenario.bob, scenario.carol, scenario.admin):
        with pytest.raises(Forbidden):
            report_as(backend, scenario.lead, kind="week", day=date(2024, 3, 31), user_id=outsider.id)


@pytest.mark.parametrize("role", ["admin", "super"])
def test_admins_see_every_user(backend: Any, scenario: Scenario, role: str) -> None:
    viewer = getattr(scenario, role)
    for subject in (scenario.alice, scenario.bob, scenario.carol, scenario.lead):
        report = report_as(backend, viewer, kind="month", day=date(2024, 4, 1), user_id=subject.id)
        entries = counted(scenario.entries, users=[subject.id], begin=date(2024, 4, 1), end=date(2024, 4, 30))
        assert_matches_entries(report, entries, by_month=False)


def test_an_unknown_user_is_not_found(backend: Any, scenario: Scenario) -> None:
    with pytest.raises(NotFound):
        report_as(backend, scenario.admin, kind="week", day=date(2024, 3, 31), user_id=999_999)


def test_the_report_runs_a_fixed_number_of_statements(backend: Any, scenario: Scenario) -> None:
    actor = actor_of(backend, scenario.admin)
    counts = []
    for month in (date(2024, 2, 1), date(2024, 3, 1)):
        with backend.db.session(write=False) as session:
            counter = backend.count_queries()
            user_period_report(session, actor, kind="month", day=month, user_id=scenario.alice.id)
            counts.append(statements(counter))
            counter.active = False
    # the subject, the aggregate, projects, activities
    assert counts[0] == counts[1] == 4
