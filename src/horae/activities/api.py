"""/api/activities: list, CRUD, custom fields and rates of activities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from horae.activities import service
from horae.activities.models import Activity
from horae.activities.schemas import activity_entity, activity_form
from horae.api.deps import ActorDep, BodyDep, SessionDep
from horae.api.openapi import answers, body_doc
from horae.api.params import parse_choice, parse_flag, parse_id, parse_id_list, parse_order, parse_visibility
from horae.api.responses import json_response, no_content
from horae.api.routing import UnitOfWorkRoute
from horae.errors import Gone
from horae.records.api import add_record_routes
from horae.security.attributes import can_activity
from horae.security.permissions import Actor

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=["Activity"])

REMOVED_TEAM_ENDPOINT = 'This endpoint was removed, use "POST /api/teams/" instead.'


def activity_output(actor: Actor, activity: Activity) -> dict[str, Any]:
    return activity_entity(
        activity,
        show_budget=can_activity(actor, "budget", activity),
        show_time=can_activity(actor, "time", activity),
    )


@router.get(
    "/activities",
    operation_id="get_get_activities",
    summary="Returns a collection of activities (which are visible to the user)",
    description="A project filter returns the project's activities and the global ones.",
    responses=answers("ActivityCollection", array=True),
)
def list_activities(
    actor: ActorDep,
    session: SessionDep,
    project: str | None = Query(None, description="Project ID to filter activities"),
    projects: list[str] = Query([], alias="projects[]", description="Project IDs to filter activities"),
    projects_csv: list[str] = Query(
        [],
        alias="projects",
        description="Comma separated project IDs (older clients)",
        include_in_schema=False,
    ),
    visible: str | None = Query(None, description="Visibility: 1 visible (default), 2 hidden, 3 both"),
    globals: str | None = Query(None, description="1/true: only global activities"),
    orderBy: str | None = Query(None, description="id, name (default) or project"),
    order: str | None = Query(None, description="ASC (default) or DESC"),
    term: str | None = Query(None, description="Free search term"),
) -> Response:
    project_ids = parse_id_list(projects, projects_csv)
    single = parse_id(project)
    if single is not None and single not in project_ids:
        project_ids.insert(0, single)
    query = service.ActivityQuery(
        projects=project_ids,
        visible=parse_visibility(visible),
        globals_only=bool(parse_flag(globals, words=True)),
        order=parse_order(order),
        order_by=parse_choice(orderBy, ("id", "name", "project"), "name"),
        term=term,
    )
    return Response(service.list_activities(session, actor, query), media_type="application/json")


@router.get(
    "/activities/{id:int}",
    operation_id="get_get_activity",
    summary="Returns one activity",
    responses=answers("ActivityEntity"),
)
def get_activity(id: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response(activity_output(actor, service.get_activity(session, actor, id)))


_FULL_FORM = activity_form(show_budget=True, show_time=True, with_teams=True)


@router.post(
    "/activities",
    operation_id="post_post_activity",
    summary="Creates a new activity",
    responses=answers("ActivityEntity"),
    openapi_extra=body_doc(_FULL_FORM),
)
def create_activity(actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return json_response(activity_output(actor, service.create_activity(session, actor, body)))


@router.patch(
    "/activities/{id:int}",
    operation_id="patch_patch_activity",
    summary="Update an existing activity",
    responses=answers("ActivityEntity"),
    openapi_extra=body_doc(_FULL_FORM.without("teams"), required=False),
)
def update_activity(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return json_response(activity_output(actor, service.update_activity(session, actor, id, body)))


@router.delete(
    "/activities/{id:int}",
    operation_id="delete_delete_activity",
    summary="Delete an activity and its timesheets",
    status_code=204,
    responses=answers(None, status=204, description="Deleted"),
)
def delete_activity(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_activity(session, actor, id)
    return no_content()


add_record_routes(router, "/activities", service.ACCESS, activity_output, rates=service.RATES)


@router.post(
    "/activities/{id}/team",
    operation_id="post_post_activity_team",
    summary="Removed: use POST /api/teams/{id}/activities/{activityId}",
    deprecated=True,
    responses={410: {"description": "This endpoint was removed"}},
)
def removed_activity_team(id: str, actor: ActorDep) -> Any:
    raise Gone(REMOVED_TEAM_ENDPOINT)
