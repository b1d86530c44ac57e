"""The activity list built from plain rows (see customers.listing for the approach)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from horae.activities.models import Activity
from horae.api.wire import color_safe, output_color
from horae.customers.listing import (
    EMPTY,
    BudgetRule,
    budget_keys,
    ids_of,
    json_array,
    meta_by_record,
    rows_of,
    team_ids_by_record,
    teams_by_record,
)
from horae.meta.models import ActivityMeta
from horae.security.permissions import Actor
from horae.teams.models import team_activities, team_customers, team_projects

_A = Activity.__table__.c
ACTIVITY_COLUMNS = (
    _A.id,
    _A.name,
    _A.project_id,
    _A.number,
    _A.comment,
    _A.visible,
    _A.billable,
    _A.color,
    _A.budget,
    _A.time_budget,
    _A.budget_type,
)


def activities_json(session: Session, actor: Actor, statement: Select[Any], parent: Any) -> bytes:
    """`GET /api/activities` for the filtered, ordered `statement`, which outer-joins the
    activity's project as the alias `parent`."""
    ids = ids_of(statement, Activity.id)
    teams = teams_by_record(session, team_activities, "activity_id", ids)
    meta = meta_by_record(session, ActivityMeta, ActivityMeta.activity_id, ids)
    show_budget = BudgetRule(actor, "budget", "activity")
    show_time = BudgetRule(actor, "time", "activity")
    by_teams = show_budget.by_teams or show_time.by_teams
    project_teams: dict[int, list[int]] = {}
    customer_teams: dict[int, list[int]] = {}
    if by_teams:
        project_teams = team_ids_by_record(session, team_projects, "project_id", ids_of(statement, parent.id))
        customer_teams = team_ids_by_record(
            session, team_customers, "customer_id", ids_of(statement, parent.customer_id)
        )

    def entry(row: Any) -> dict[str, Any]:
        (
            id_,
            name,
            project_id,
            number,
            comment,
            visible,
            billable,
            color,
            budget,
            time_budget,
            budget_type,
            project_name,
            customer_id,
        ) = row
        own_teams = teams.get(id_, EMPTY)
        own_color = output_color(color)
        result = {
            "id": id_,
            "name": name,
            "project": project_id,
            "number": number,
            "comment": comment,
            "visible": visible,
            "billable": billable,
            "color": own_color,
            "color-safe": own_color or color_safe(None, name),
            "metaFields": meta.get(id_, EMPTY),
            "parentTitle": project_name,
            "teams": own_teams,
        }
        if by_teams:
            groups: list[Any] = [[team["id"] for team in own_teams]]
            if project_id is not None:
                groups.append(project_teams.get(project_id, ()))
                groups.append(customer_teams.get(customer_id, ()))
            budget_keys(result, budget, time_budget, budget_type, show_budget(groups), show_time(groups))
        else:
            budget_keys(
                result, budget, time_budget, budget_type, show_budget.everywhere, show_time.everywhere
            )
        return result

    columns = (*ACTIVITY_COLUMNS, parent.name.label("project_name"), parent.customer_id.label("customer_id"))
    return json_array(rows_of(session, statement.with_only_columns(*columns)), entry)
