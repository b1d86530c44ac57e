"""The team predicates of security/visibility.py: shared per set of teams, exact per caller."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select
from sqlalchemy.dialects import sqlite

from horae.projects.models import Project
from horae.security.visibility import activity_visible, customer_visible, project_visible


@dataclass
class Caller:
    team_ids: frozenset[int]
    sees_all: bool = False


def sql(predicate) -> str:
    return str(predicate.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def test_callers_with_the_same_teams_share_one_predicate():
    for visible in (customer_visible, project_visible, activity_visible):
        assert visible(Caller(frozenset({1, 2}))) is visible(Caller(frozenset({2, 1})))
        assert visible(Caller(frozenset({1, 2}))) is not visible(Caller(frozenset({1, 3})))


def test_a_shared_predicate_names_its_callers_teams_only():
    assert "IN (4, 7)" in sql(project_visible(Caller(frozenset({4, 7}))))
    assert "IN (5)" in sql(activity_visible(Caller(frozenset({5}))))
    without_teams = sql(customer_visible(Caller(frozenset())))
    assert "NOT (EXISTS" in without_teams and " IN (" not in without_teams


def test_a_shared_predicate_writes_its_teams_into_the_statement():
    """Its statements are kept per set of teams: the ids are part of the SQL text, so that
    SQLAlchemy does not render the statement again at each execution as it does a list."""
    for visible in (customer_visible, project_visible, activity_visible):
        compiled = (
            select(literal(1)).where(visible(Caller(frozenset({7, 4})))).compile(dialect=sqlite.dialect())
        )
        assert not compiled.post_compile_params
        assert "IN (4, 7)" in compiled.string


def test_predicates_on_other_columns_are_built_for_them():
    other = project_visible(Caller(frozenset({1})), project_id=Project.id + 0)
    assert other is not project_visible(Caller(frozenset({1})))
    assert "projects.id + 0" in sql(other)


def test_view_all_data_sees_everything():
    for visible in (customer_visible, project_visible, activity_visible):
        assert sql(visible(Caller(frozenset({1}), sees_all=True))) == "1"


def test_kept_team_links_decide_as_the_entities_teams_do():
    """`TeamLinks` answers `can_access_project`/`can_access_activity` from the link tables as
    read; every combination of restricted customer, project, activity and parent project."""
    from itertools import product
    from types import SimpleNamespace

    from horae.security.visibility import TeamLinks, can_access_activity, can_access_project

    def team(team_id: int) -> SimpleNamespace:
        return SimpleNamespace(id=team_id)

    restrictions = [(), (1,), (2,), (1, 2)]
    for customer_teams, project_teams, activity_teams, own_project in product(
        restrictions, restrictions, restrictions, (False, True)
    ):
        customer = SimpleNamespace(id=10, teams=[team(t) for t in customer_teams])
        project = SimpleNamespace(
            id=20, customer_id=10, customer=customer, teams=[team(t) for t in project_teams]
        )
        activity = SimpleNamespace(
            id=30, project=project if own_project else None, teams=[team(t) for t in activity_teams]
        )
        links = TeamLinks(
            {10: frozenset(customer_teams)} if customer_teams else {},
            {20: frozenset(project_teams)} if project_teams else {},
            {30: frozenset(activity_teams)} if activity_teams else {},
        )
        for teams in (frozenset(), frozenset({1}), frozenset({2}), frozenset({3})):
            for caller in (Caller(teams), Caller(teams, sees_all=True)):
                assert links.reaches_project(caller, project) == can_access_project(caller, project)
                assert links.reaches_activity(caller, activity) == can_access_activity(caller, activity)
