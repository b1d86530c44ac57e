"""/api/teams: teams, their members and the records they may use."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from horae.api.deps import ActorDep, BodyDep, SessionDep
from horae.api.forms import FormContext
from horae.api.openapi import answers, body_doc
from horae.api.params import path_id
from horae.api.responses import json_response
from horae.api.routing import UnitOfWorkRoute
from horae.config.service import load_config
from horae.errors import ValidationFailed
from horae.teams import service
from horae.teams.schemas import TEAM_FORM, team_collection, team_entity

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=["Team"])


@router.get(
    "/teams",
    operation_id="get_get_teams",
    summary="Returns the teams the caller may see (all with view_all_data, else the led ones)",
    responses=answers("TeamCollection", array=True),
)
def list_teams(actor: ActorDep, session: SessionDep) -> Response:
    return json_response([team_collection(team) for team in service.list_teams(session, actor)])


@router.get(
    "/teams/{id:int}",
    operation_id="get_get_team",
    summary="Returns one team",
    responses=answers("TeamEntity"),
)
def get_team(id: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response(team_entity(service.get_team(session, actor, path_id(id))))


@router.post(
    "/teams",
    operation_id="post_post_team",
    summary="Creates a new team with at least one teamlead",
    openapi_extra=body_doc(TEAM_FORM),
    responses=answers("TeamEntity"),
)
def create_team(actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    service.require_create(actor)
    config = load_config(session)
    ctx = FormContext(timezone=actor.timezone, colors=list(config.colors().values()))
    data = TEAM_FORM.parse(body, partial=False, ctx=ctx)
    try:
        team = service.create_team(session, actor, data.values)
    except ValidationFailed as exc:
        raise TEAM_FORM.fail(exc.field_errors, exc.global_errors, data) from exc
    return json_response(team_entity(team))


@router.patch(
    "/teams/{id:int}",
    operation_id="patch_patch_team",
    summary="Updates a team; sent members replace all members",
    openapi_extra=body_doc(TEAM_FORM, required=False),
    responses=answers("TeamEntity"),
)
def update_team(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    team = service.load_team(session, path_id(id))
    service.require_edit(actor, team)
    config = load_config(session)
    ctx = FormContext(
        timezone=actor.timezone, colors=list(config.colors().values()), current={"color": team.color}
    )
    data = TEAM_FORM.parse(body, partial=True, ctx=ctx)
    try:
        team = service.update_team(session, actor, team, data.values)
    except ValidationFailed as exc:
        raise TEAM_FORM.fail(exc.field_errors, exc.global_errors, data) from exc
    return json_response(team_entity(team))


@router.delete(
    "/teams/{id:int}",
    operation_id="delete_delete_team",
    summary="Deletes a team",
    status_code=204,
    responses=answers(None, status=204),
)
def delete_team(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_team(session, actor, path_id(id))
    return Response(status_code=204)


@router.post(
    "/teams/{id:int}/members/{userId:int}",
    operation_id="post_post_team_member",
    summary="Adds a member to a team",
    responses=answers("TeamEntity"),
)
def add_member(id: int, userId: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response(team_entity(service.add_member(session, actor, path_id(id), path_id(userId))))


@router.delete(
    "/teams/{id:int}/members/{userId:int}",
    operation_id="delete_delete_team_member",
    summary="Removes a member from a team",
    responses=answers("TeamEntity"),
)
def remove_member(id: int, userId: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response(team_entity(service.remove_member(session, actor, path_id(id), path_id(userId))))


def _link(
    kind: str, id: int, record_id: int, actor: ActorDep, session: SessionDep, *, grant: bool
) -> Response:
    team = service.change_link(session, actor, path_id(id), kind, path_id(record_id), grant=grant)
    return json_response(team_entity(team))


@router.post(
    "/teams/{id:int}/customers/{customerId:int}",
    operation_id="post_post_team_customer",
    summary="Grants a team access to a customer",
    responses=answers("TeamEntity"),
)
def grant_customer(id: int, customerId: int, actor: ActorDep, session: SessionDep) -> Response:
    return _link("customers", id, customerId, actor, session, grant=True)


@router.delete(
    "/teams/{id:int}/customers/{customerId:int}",
    operation_id="delete_delete_team_customer",
    summary="Revokes a team's access to a customer",
    responses=answers("TeamEntity"),
)
def revoke_customer(id: int, customerId: int, actor: ActorDep, session: SessionDep) -> Response:
    return _link("customers", id, customerId, actor, session, grant=False)


@router.post(
    "/teams/{id:int}/projects/{projectId:int}",
    operation_id="post_post_team_project",
    summary="Grants a team access to a project",
    responses=answers("TeamEntity"),
)
def grant_project(id: int, projectId: int, actor: ActorDep, session: SessionDep) -> Response:
    return _link("projects", id, projectId, actor, session, grant=True)


@router.delete(
    "/teams/{id:int}/projects/{projectId:int}",
    operation_id="delete_delete_team_project",
    summary="Revokes a team's access to a project",
    responses=answers("TeamEntity"),
)
def revoke_project(id: int, projectId: int, actor: ActorDep, session: SessionDep) -> Response:
    return _link("projects", id, projectId, actor, session, grant=False)


@router.post(
    "/teams/{id:int}/activities/{activityId:int}",
    operation_id="post_post_team_activity",
    summary="Grants a team access to an activity",
    responses=answers("TeamEntity"),
)
def grant_activity(id: int, activityId: int, actor: ActorDep, session: SessionDep) -> Response:
    return _link("activities", id, activityId, actor, session, grant=True)


@router.delete(
    "/teams/{id:int}/activities/{activityId:int}",
    operation_id="delete_delete_team_activity",
    summary="Revokes a team's access to an activity",
    responses=answers("TeamEntity"),
)
def revoke_activity(id: int, activityId: int, actor: ActorDep, session: SessionDep) -> Response:
    return _link("activities", id, activityId, actor, session, grant=False)
