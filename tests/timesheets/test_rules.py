"""Validation rules on drafts, without a database (contract TIMESHEETS §6.7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.projects.models import Project
from horae.security.matrix import DEFAULT_GRANTS
from horae.security.permissions import Actor
from horae.teams.models import Team, TeamMember
from horae.timesheets.access import TimesheetAccess
from horae.timesheets.rates import RateResult
from horae.timesheets.rules import (
    Calculated,
    Draft,
    RuleContext,
    Snapshot,
    TimesheetSettings,
    Violation,
    automatic_billable,
    validate,
)
from horae.users.models import User

NOW = datetime(2024, 5, 10, 12, tzinfo=UTC)


def make_user(user_id: int = 1, teams: tuple[Team, ...] = ()) -> User:
    user = User(id=user_id, username=f"u{user_id}", email=f"u{user_id}@example.com", roles=[], preferences=[])
    user.memberships = [
        TeamMember(team_id=team.id, team=team, user_id=user_id, teamlead=False) for team in teams
    ]
    return user


def actor_for(user: User, role: str = "ROLE_USER") -> Actor:
    return Actor(user, frozenset(DEFAULT_GRANTS["ROLE_USER"] | DEFAULT_GRANTS.get(role, frozenset())))


def work(teams: tuple[Team, ...] = ()) -> tuple[Project, Activity]:
    customer = Customer(id=1, name="C", visible=True, billable=True, teams=[])
    project = Project(id=1, name="P", customer=customer, visible=True, billable=True, global_activities=True)
    project.teams = list(teams)
    activity = Activity(id=1, name="A", project_id=1, visible=True, billable=True, teams=[])
    activity.project = project
    return project, activity


def check(
    draft: Draft, *, settings: TimesheetSettings | None = None, original: Snapshot | None = None, actor=None
):
    actor = actor or actor_for(draft.user)
    calculated = Calculated(
        draft.begin,
        draft.end,
        int((draft.end - draft.begin).total_seconds()) if draft.end and draft.begin else 0,
        True,
        RateResult(Decimal(0), None, None, None),
        None,
    )
    ctx = RuleContext(None, actor, settings or TimesheetSettings(), TimesheetAccess(actor), NOW, original)  # type: ignore[arg-type]
    return validate(draft, calculated, ctx)


def draft_for(user: User, begin=NOW - timedelta(hours=2), end=NOW - timedelta(hours=1), teams=()) -> Draft:
    project, activity = work(teams)
    return Draft(user=user, project=project, activity=activity, begin=begin, end=end, timezone="UTC")


def snapshot(draft: Draft, **changes) -> Snapshot:
    base = Snapshot(
        1, draft.user.id, 1, 1, draft.begin, draft.end, 3600, Decimal(0), True, False, date(2024, 5, 10)
    )
    return replace(base, **changes)


def test_a_valid_draft_has_no_violations():
    assert check(draft_for(make_user())) == []


def test_without_begin_only_the_begin_is_reported():
    draft = draft_for(make_user(), begin=None)
    assert check(draft) == [Violation("begin_date", "You must submit a begin date.")]


def test_end_before_begin_is_also_a_negative_duration():
    draft = draft_for(make_user(), begin=NOW - timedelta(hours=1), end=NOW - timedelta(hours=2))
    assert check(draft) == [
        Violation("end_date", "The end date must not be earlier than the start date."),
        Violation("duration", "Duration cannot be negative."),
    ]


def test_missing_activity_depends_on_the_setting():
    draft = draft_for(make_user())
    draft.activity = None
    assert check(draft) == [Violation("activity", "An activity needs to be selected.")]
    assert check(draft, settings=TimesheetSettings(require_activity=False)) == []


def test_a_new_project_restricted_to_other_teams_is_not_allowed():
    outsiders = Team(id=7, name="outsiders")
    draft = draft_for(make_user(), teams=(outsiders,))
    assert Violation("project", "You are not allowed to use this project.") in check(draft)


def test_an_unchanged_restricted_project_is_fine():
    outsiders = Team(id=7, name="outsiders")
    draft = draft_for(make_user(), teams=(outsiders,))
    assert check(draft, original=snapshot(draft)) == []


def test_view_all_data_skips_the_team_rule():
    user = make_user()
    outsiders = Team(id=7, name="outsiders")
    assert check(draft_for(user, teams=(outsiders,)), actor=actor_for(user, "ROLE_ADMIN")) == []


def test_disabled_entities_only_matter_for_new_or_running_records():
    draft = draft_for(make_user())
    draft.project.visible = False
    assert check(draft) == [Violation("project", "Cannot start a disabled project.")]
    assert check(draft, original=snapshot(draft)) == []
    draft.end = None
    assert Violation("project", "Cannot start a disabled project.") in check(draft, original=snapshot(draft))


@pytest.mark.parametrize(
    ("mode", "path"), [("default", "end_date"), ("duration_fixed_begin", "duration"), ("punch", "start_date")]
)
def test_a_running_draft_without_start_permission_names_the_modes_path(mode, path):
    user = make_user()
    actor = Actor(user, frozenset(DEFAULT_GRANTS["ROLE_USER"] - {"start_own_timesheet"}))
    draft = draft_for(user, end=None)
    violations = check(draft, settings=TimesheetSettings(mode=mode), actor=actor)
    assert violations == [Violation(path, "You are not allowed to start this timesheet record.")]


def test_long_running_messages_show_hours_and_minutes():
    draft = draft_for(make_user(), begin=NOW - timedelta(hours=13), end=NOW)
    assert check(draft, settings=TimesheetSettings(long_running_minutes=750)) == [
        Violation("duration", "Maximum 12:30 hours allowed.")
    ]


def test_automatic_billable_needs_all_three_levels():
    draft = draft_for(make_user())
    assert automatic_billable(draft) is True
    draft.project.customer.billable = False
    assert automatic_billable(draft) is False
