"""All users by week, month and year: each user's cells and totals equal their entries' sums."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from horae.errors import Forbidden
from horae.reporting.service import users_period_report
from horae.reporting.sql import Totals
from horae.teams.models import TeamMember
from tests.factories.reporting import Scenario, actor_of, statements
from tests.reporting.expected import as_dict, counted, grouped, month_key, total


def report_as(backend: Any, viewer: Any, **kwargs: Any) -> Any:
    with backend.db.session(write=False) as session:
        return users_period_report(session, actor_of(backend, viewer), **kwargs)


def assert_matches_entries(report: Any, entries: list[Any], *, by_month: bool) -> None:
    def column(e: Any) -> Any:
        return month_key(e.local_date) if by_month else e.local_date

    got = {(row.user.id, key): as_dict(value) for row in report.rows for key, value in row.values.items()}
    assert got == grouped(entries, lambda e: (e.user_id, column(e)))
    booked = grouped(entries, lambda e: e.user_id)
    assert {row.user.id: as_dict(row.total) for row in report.rows if row.user.id in booked} == booked
    assert all(row.total.duration == 0 for row in report.rows if row.user.id not in booked)
    assert {k: as_dict(v) for k, v in report.column_totals.items()} == grouped(entries, column)
    assert as_dict(report.total) == total(entries)


@pytest.mark.parametrize(
    ("kind", "day", "begin", "end"),
    [
        ("week", date(2024, 4, 1), date(2024, 4, 1), date(2024, 4, 7)),
        ("week", date(2024, 3, 31), date(2024, 3, 25), date(2024, 3, 31)),
        ("month", date(2024, 3, 9), date(2024, 3, 1), date(2024, 3, 31)),
        ("month", date(2024, 4, 30), date(2024, 4, 1), date(2024, 4, 30)),
        ("year", date(2024, 7, 4), date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_an_admin_sees_every_users_figures(
    backend: Any, scenario: Scenario, kind: str, day: date, begin: date, end: date
) -> None:
    report = report_as(backend, scenario.admin, kind=kind, day=day)

    assert (report.period.begin, report.period.end) == (begin, end)
    assert {row.user.username for row in report.rows} == {
        "alice",
        "bob",
        "lead",
        "carol",
        "admin_anna",
        "super_sam",
    }
    assert_matches_entries(report, counted(scenario.entries, begin=begin, end=end), by_month=kind == "year")


def test_a_super_admin_sees_every_user_too(backend: Any, scenario: Scenario) -> None:
    report = report_as(backend, scenario.super, kind="month", day=date(2024, 3, 1))

    entries = counted(scenario.entries, begin=date(2024, 3, 1), end=date(2024, 3, 31))
    assert_matches_entries(report, entries, by_month=False)


def test_a_teamlead_sees_themselves_and_the_members_of_led_teams(backend: Any, scenario: Scenario) -> None:
    report = report_as(backend, scenario.lead, kind="month", day=date(2024, 4, 1))

    assert [row.user.username for row in report.rows] == ["alice", "lead"]
    users = [scenario.alice.id, scenario.lead.id]
    entries = counted(scenario.entries, users=users, begin=date(2024, 4, 1), end=date(2024, 4, 30))
    assert_matches_entries(report, entries, by_month=False)


def test_a_teamlead_without_teams_sees_only_themselves(
    backend: Any, scenario: Scenario, make_user: Any
) -> None:
    loner = make_user("ROLE_TEAMLEAD", username="loner")
    scenario.ledger.entry(loner.id, scenario.website, scenario.design, "2024-04-03T09:00", "2024-04-03T10:00")

    report = report_as(backend, loner, kind="month", day=date(2024, 4, 1))

    assert [row.user.username for row in report.rows] == ["loner"]
    assert report.total.duration == 3600


def test_a_plain_user_may_not_see_the_users_report(backend: Any, scenario: Scenario) -> None:
    with pytest.raises(Forbidden):
        report_as(backend, scenario.alice, kind="week", day=date(2024, 4, 1))


def test_a_disabled_user_appears_only_with_bookings(backend: Any, scenario: Scenario, make_user: Any) -> None:
    gone = make_user(username="gone", enabled=False)
    scenario.ledger.entry(gone.id, scenario.website, scenario.design, "2024-03-05T09:00", "2024-03-05T10:00")

    march = report_as(backend, scenario.admin, kind="month", day=date(2024, 3, 1))
    april = report_as(backend, scenario.admin, kind="month", day=date(2024, 4, 1))

    assert "gone" in {row.user.username for row in march.rows}
    assert "gone" not in {row.user.username for row in april.rows}


def test_the_users_report_runs_a_fixed_number_of_statements(backend: Any, scenario: Scenario) -> None:
    actor = actor_of(backend, scenario.admin)
    counts = []
    for kind in ("week", "year"):
        with backend.db.session(write=False) as session:
            counter = backend.count_queries()
            users_period_report(session, actor, kind=kind, day=date(2024, 3, 31))
            counts.append(statements(counter))
            counter.active = False
    # the aggregate and the users
    assert counts == [2, 2]


def test_reports_of_different_scopes_and_periods_are_kept_apart(
    backend: Any, scenario: Scenario, make_user: Any
) -> None:
    # The report's statements are built once per scope of users and kind of column: each
    # viewer and period must still get its own figures, in any order and on a second pass.
    loner = make_user("ROLE_TEAMLEAD", username="loner")
    scenario.ledger.entry(loner.id, scenario.website, scenario.design, "2024-04-03T09:00", "2024-04-03T10:00")
    viewers = [
        (scenario.admin, None),
        (scenario.lead, [scenario.alice.id, scenario.lead.id]),
        (loner, [loner.id]),
        (scenario.super, None),
    ]
    periods = [
        ("month", date(2024, 3, 9), date(2024, 3, 1), date(2024, 3, 31)),
        ("year", date(2024, 7, 4), date(2024, 1, 1), date(2024, 12, 31)),
        ("month", date(2024, 4, 30), date(2024, 4, 1), date(2024, 4, 30)),
        ("week", date(2024, 4, 1), date(2024, 4, 1), date(2024, 4, 7)),
    ]
    for _ in range(2):
        for viewer, users in viewers:
            for kind, day, begin, end in periods:
                report = report_as(backend, viewer, kind=kind, day=day)
                entries = counted(scenario.entries, users=users, begin=begin, end=end)
                assert_matches_entries(report, entries, by_month=kind == "year")


def test_a_teamlead_sees_members_who_joined_after_an_earlier_report(backend: Any, scenario: Scenario) -> None:
    before = report_as(backend, scenario.lead, kind="month", day=date(2024, 3, 1))
    with backend.db.session() as session:
        team_id = session.scalar(
            select(TeamMember.team_id).where(TeamMember.user_id == scenario.lead.id, TeamMember.teamlead)
        )
        session.add(TeamMember(team_id=team_id, user_id=scenario.carol.id, teamlead=False))

    after = report_as(backend, scenario.lead, kind="month", day=date(2024, 3, 1))

    assert [row.user.username for row in before.rows] == ["alice", "lead"]
    assert [row.user.username for row in after.rows] == ["alice", "carol", "lead"]
    users = [scenario.alice.id, scenario.carol.id, scenario.lead.id]
    entries = counted(scenario.entries, users=users, begin=date(2024, 3, 1), end=date(2024, 3, 31))
    assert_matches_entries(after, entries, by_month=False)


def test_a_user_without_bookings_has_empty_cells_and_zero_totals(backend: Any, scenario: Scenario) -> None:
    report = report_as(backend, scenario.admin, kind="month", day=date(2024, 3, 1))

    anna = next(row for row in report.rows if row.user.username == "admin_anna")
    assert dict(anna.values) == {} and anna.values.get(date(2024, 3, 5)) is None
    assert as_dict(anna.total) == as_dict(Totals.zero(True))


@pytest.mark.parametrize("teams", [{4}, {3, 1}])
def test_a_teamleads_scope_binds_each_team_without_a_list_parameter(teams: set[int]) -> None:
    """The members of led teams are selected with one parameter per team: SQLAlchemy writes a
    list parameter's values into the statement's text on every execution, and the dashboard's
    sums repeat the condition once per period."""
    from types import SimpleNamespace

    from horae.reporting.scope import reportable_users

    lead = SimpleNamespace(sees_all=False, id=7, led_team_ids=frozenset(teams))
    compiled = select(TeamMember.user_id).where(reportable_users(lead, TeamMember.user_id)).compile()
    assert not compiled.post_compile_params
    assert sorted(compiled.params.values()) == sorted({7, *teams})
