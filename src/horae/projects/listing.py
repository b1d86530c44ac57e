"""The project list built from plain rows (see customers.listing for the approach)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from horae.api.wire import color_safe, format_date, output_color
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
from horae.customers.models import Customer
from horae.meta.models import ProjectMeta
from horae.projects.models import Project
from horae.security.permissions import Actor
from horae.teams.models import team_customers, team_projects

_P = Project.__table__.c
PROJECT_COLUMNS = (
    _P.id,
    _P.name,
    _P.customer_id,
    _P.number,
    _P.order_number,
    _P.order_date,
    _P.start,
    _P.end,
    _P.comment,
    _P.visible,
    _P.billable,
    _P.global_activities,
    _P.color,
    _P.budget,
    _P.time_budget,
    _P.budget_type,
    Customer.__table__.c.name.label("customer_name"),
)


def projects_json(session: Session, actor: Actor, statement: Select[Any]) -> bytes:
    """`GET /api/projects` for the filtered, ordered `statement` (Project joined with Customer)."""
    ids = ids_of(statement, Project.id)
    teams = teams_by_record(session, team_projects, "project_id", ids)
    meta = meta_by_record(session, ProjectMeta, ProjectMeta.project_id, ids)
    show_budget = BudgetRule(actor, "budget", "project")
    show_time = BudgetRule(actor, "time", "project")
    by_teams = show_budget.by_teams or show_time.by_teams
    customer_teams = (
        team_ids_by_record(session, team_customers, "customer_id", ids_of(statement, Project.customer_id))
        if by_teams
        else {}
    )

    def entry(row: Any) -> dict[str, Any]:
        (
            id_,
            name,
            customer_id,
            number,
            order_number,
            order_date,
            start,
            end,
            comment,
            visible,
            billable,
            global_activities,
            color,
            budget,
            time_budget,
            budget_type,
            customer_name,
        ) = row
        own_teams = teams.get(id_, EMPTY)
        own_color = output_color(color)
        result = {
            "id": id_,
            "name": name,
            "customer": customer_id,
            "number": number,
            "orderNumber": order_number,
            "orderDate": format_date(order_date),
            "start": format_date(start),
            "end": format_date(end),
            "comment": comment,
            "visible": visible,
            "billable": billable,
            "globalActivities": global_activities,
            "color": own_color,
            "color-safe": own_color or color_safe(None, name),
            "metaFields": meta.get(id_, EMPTY),
            "parentTitle": customer_name,
            "teams": own_teams,
        }
        if by_teams:
            groups = [[team["id"] for team in own_teams], customer_teams.get(customer_id, ())]
            budget_keys(result, budget, time_budget, budget_type, show_budget(groups), show_time(groups))
        else:
            budget_keys(
                result, budget, time_budget, budget_type, show_budget.everywhere, show_time.everywhere
            )
        return result

    return json_array(rows_of(session, statement.with_only_columns(*PROJECT_COLUMNS)), entry)
