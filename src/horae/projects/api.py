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
from horae.api.responses import json_response
from horae.comments.schemas import COMMENT_FORM, comment_output
from horae.errors import BadRequest, Gone
from horae.meta.schemas import META_BODY_SCHEMA
from horae.projects import service
from horae.projects.models import Project
from horae.projects.schemas import project_entity, project_form
from horae.rates.schemas import RATE_FORM, rate_output
from horae.security.attributes import can_project
from horae.security.permissions import Actor

router = APIRouter(prefix="/api", tags=["Project"])

REMOVED_TEAM_ENDPOINT = 'This endpoint was removed, use "POST /api/teams/" instead.'


def project_output(actor: Actor, project: Project) -> dict[str, Any]:
    return project_entity(
        project,
        show_budget=can_project(actor, "budget", project),
        show_time=can_project(actor, "time", project),
    )


def no_content() -> Response:
    return Response(status_code=204)


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
    return json_response([project_output(actor, p) for p in service.list_projects(session, actor, query)])


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


@router.patch(
    "/projects/{id:int}/meta",
    operation_id="patch_patch_project_meta",
    summary="Sets the value of a meta-field for an existing project",
    responses=answers("ProjectEntity"),
    openapi_extra=META_BODY_SCHEMA,
)
def set_project_meta(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return json_response(project_output(actor, service.set_project_meta(session, actor, id, body)))


@router.get(
    "/projects/{id:int}/rates",
    operation_id="get_get_project_rates",
    summary="Returns a collection of all rates for one project",
    responses=answers("ProjectRate", array=True),
)
def list_project_rates(id: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response([rate_output(rate) for rate in service.project_rates(session, actor, id)])


@router.post(
    "/projects/{id:int}/rates",
    operation_id="post_post_project_rate",
    summary="Adds a new rate to a project",
    responses=answers("ProjectRate"),
    openapi_extra=body_doc(RATE_FORM),
)
def add_project_rate(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return json_response(rate_output(service.add_project_rate(session, actor, id, body)))


@router.delete(
    "/projects/{id:int}/rates/{rateId:int}",
    operation_id="delete_delete_project_rate",
    summary="Deletes one rate for a project",
    status_code=204,
    responses=answers(None, status=204, description="Deleted"),
)
def delete_project_rate(id: int, rateId: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_project_rate(session, actor, id, rateId)
    return no_content()


@router.get(
    "/projects/{id:int}/comments",
    operation_id="get_get_project_comments",
    summary="Returns the comments of a project, pinned first",
    responses=answers("ProjectComment", array=True),
)
def list_project_comments(id: int, actor: ActorDep, session: SessionDep) -> Response:
    found = service.project_comments(session, actor, id)
    return json_response([comment_output(comment, actor.timezone) for comment in found])


@router.post(
    "/projects/{id:int}/comments",
    operation_id="post_post_project_comment",
    summary="Adds a comment to a project",
    responses=answers("ProjectComment"),
    openapi_extra=body_doc(COMMENT_FORM),
)
def add_project_comment(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    comment = service.add_project_comment(session, actor, id, body)
    return json_response(comment_output(comment, actor.timezone))


@router.patch(
    "/projects/{id:int}/comments/{comment:int}/pin",
    operation_id="patch_patch_project_comment_pin",
    summary="Pins or unpins a project comment",
    responses=answers("ProjectComment"),
)
def pin_project_comment(id: int, comment: int, actor: ActorDep, session: SessionDep) -> Response:
    found = service.pin_project_comment(session, actor, id, comment)
    return json_response(comment_output(found, actor.timezone))


@router.delete(
    "/projects/{id:int}/comments/{comment:int}",
    operation_id="delete_delete_project_comment",
    summary="Deletes a project comment",
    status_code=204,
    responses=answers(None, status=204, description="Deleted"),
)
def delete_project_comment(id: int, comment: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_project_comment(session, actor, id, comment)
    return no_content()


@router.post(
    "/projects/{id}/team",
    operation_id="post_post_project_team",
    summary="Removed: use POST /api/teams/{id}/projects/{projectId}",
    deprecated=True,
    responses={410: {"description": "This endpoint was removed"}},
)
def removed_project_team(id: str, actor: ActorDep) -> Any:
    raise Gone(REMOVED_TEAM_ENDPOINT)
