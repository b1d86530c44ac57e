"""/api/projects: list, CRUD, duplication, custom fields, rates and comments of projects."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from horae.api.deps import ActorDep, BodyDep, SessionDep
from horae.api.openapi import answers, body_doc
from horae.api.params import (
    parse_choice,
    parse_flag,
    parse_id,
    parse_id_list,
    parse_order,
    parse_query_date,
    parse_visibility,
)
from horae.api.responses import json_response, no_content
from horae.api.routing import UnitOfWorkRoute
from horae.errors import BadRequest, Gone
from horae.projects import service
from horae.projects.models import Project
from horae.projects.schemas import project_entity, project_form
from horae.records.api import add_record_routes
from horae.security.attributes import can_project
from horae.security.permissions import Actor

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=["Project"])

REMOVED_TEAM_ENDPOINT = 'This endpoint was removed, use "POST /api/teams/" instead.'


def project_output(actor: Actor, project: Project) -> dict[str, Any]:
    return project_entity(
        project,
        show_budget=can_project(actor, "budget", project),
        show_time=can_project(actor, "time", project),
    )


@router.get(
    "/projects",
    operation_id="get_get_projects",
    summary="Returns a collection of projects (which are visible to the user)",
    description="Without start, end or ignoreDates=1 only projects running today are returned.",
    responses=answers("ProjectCollection", array=True),
)
def list_projects(
    actor: ActorDep,
    session: SessionDep,
    customer: str | None = Query(None, description="Customer ID to filter projects"),
    customers: list[str] = Query([], alias="customers[]", description="Customer IDs to filter projects"),
    customers_csv: list[str] = Query(
        [],
        alias="customers",
        description="Comma separated customer IDs (older clients)",
        include_in_schema=False,
    ),
    visible: str | None = Query(None, description="Visibility: 1 visible (default), 2 hidden, 3 both"),
    start: str | None = Query(None, description="Only projects running on this day (YYYY-MM-DD)"),
    end: str | None = Query(None, description="Only projects running on this day (YYYY-MM-DD)"),
    ignoreDates: str | None = Query(None, description="1: do not filter by dates"),
    globalActivities: str | None = Query(None, description="0/1: filter on allowing global activities"),
    order: str | None = Query(None, description="ASC (default) or DESC"),
    orderBy: str | None = Query(None, description="id, name (default) or customer"),
    term: str | None = Query(None, description="Free search term"),
) -> Response:
    customer_ids = parse_id_list(customers, customers_csv)
    single = parse_id(customer)
    if single is not None and single not in customer_ids:
        customer_ids.insert(0, single)
    if ignoreDates not in (None, "", "1"):
        raise BadRequest("ignoreDates only takes 1")
    query = service.ProjectQuery(
        customers=customer_ids,
        visible=parse_visibility(visible),
        start=parse_query_date(start),
        end=parse_query_date(end),
        ignore_dates=ignoreDates == "1",
        global_activities=parse_flag(globalActivities),
        order=parse_order(order),
        order_by=parse_choice(orderBy, ("id", "name", "customer"), "name"),
        term=term,
    )
    return Response(service.list_projects(session, actor, query), media_type="application/json")


@router.get(
    "/projects/{id:int}",
    operation_id="get_get_project",
    summary="Returns one project",
    responses=answers("ProjectEntity"),
)
def get_project(id: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response(project_output(actor, service.get_project(session, actor, id)))


_FULL_FORM = project_form(show_budget=True, show_time=True, with_teams=True)


@router.post(
    "/projects",
    operation_id="post_post_project",
    summary="Creates a new project",
    responses=answers("ProjectEntity"),
    openapi_extra=body_doc(_FULL_FORM),
)
def create_project(actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return json_response(project_output(actor, service.create_project(session, actor, body)))


@router.patch(
    "/projects/{id:int}",
    operation_id="patch_patch_project",
    summary="Update an existing project",
    responses=answers("ProjectEntity"),
    openapi_extra=body_doc(_FULL_FORM.without("teams"), required=False),
)
def update_project(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return json_response(project_output(actor, service.update_project(session, actor, id, body)))


@router.delete(
    "/projects/{id:int}",
    operation_id="delete_delete_project",
    summary="Delete a project and all its linked data (activities, timesheets …)",
    status_code=204,
    responses=answers(None, status=204, description="Deleted"),
)
def delete_project(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_project(session, actor, id)
    return no_content()


@router.post(
    "/projects/{id:int}/duplicate",
    operation_id="post_post_project_duplicate",
    summary="Duplicates a project with its teams, custom fields, rates and visible activities",
    status_code=201,
    responses=answers("ProjectEntity", status=201, description="The copy"),
)
def duplicate_project(id: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response(
        project_output(actor, service.duplicate_project(session, actor, id)), status_code=201
    )


add_record_routes(
    router, "/projects", service.ACCESS, project_output, rates=service.RATES, comments=service.COMMENTS
)


@router.post(
    "/projects/{id}/team",
    operation_id="post_post_project_team",
    summary="Removed: use POST /api/teams/{id}/projects/{projectId}",
    deprecated=True,
    responses={410: {"description": "This endpoint was removed"}},
)
def removed_project_team(id: str, actor: ActorDep) -> Any:
    raise Gone(REMOVED_TEAM_ENDPOINT)
