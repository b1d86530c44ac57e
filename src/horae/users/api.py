"""/api/users: list, profile, create, edit, preferences, access tokens and custom roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from horae.api.deps import ActorDep, BodyDep, SessionDep, SettingsDep
from horae.api.forms import bool_query
from horae.api.openapi import NAME_VALUE_LIST_BODY, answers, body_doc
from horae.api.params import path_id
from horae.api.responses import json_response
from horae.api.routing import UnitOfWorkRoute
from horae.config.service import load_config
from horae.errors import BadRequest, ValidationFailed
from horae.users import service
from horae.users.schemas import (
    USER_CREATE_DOC,
    USER_EDIT_DOC,
    form_context,
    user_collection,
    user_create_defaults,
    user_create_form,
    user_edit_form,
    user_entity,
)

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=["User"])

VISIBILITY = {"1": 1, "2": 2, "3": 3}


def _choice(value: str | None, allowed: set[str], default: str) -> str:
    if value is None:
        return default
    if value not in allowed:
        raise BadRequest(f"invalid value {value!r}")
    return value


@router.get(
    "/users",
    operation_id="get_get_users",
    summary="Returns the collection of users (which user is returned depends on the caller)",
    responses=answers("UserCollection", array=True),
)
def list_users(
    actor: ActorDep,
    session: SessionDep,
    visible: Annotated[str | None, Query(description="1=visible (default), 2=hidden, 3=all")] = None,
    orderBy: Annotated[str | None, Query(description="id, username (default), alias or email")] = None,
    order: Annotated[str | None, Query(description="ASC (default) or DESC")] = None,
    term: Annotated[str | None, Query(description="Free search term")] = None,
    full: Annotated[str | None, Query(description="1 or true: return UserEntity items")] = None,
) -> Response:
    service.require_user_list(actor)
    visibility = VISIBILITY[_choice(visible, set(VISIBILITY), "1")]
    order_by = _choice(orderBy, set(service.USER_ORDER_COLUMNS), "username")
    direction = _choice(order, {"ASC", "DESC"}, "ASC")
    expanded = bool_query(full) or False
    users = service.list_users(
        session, actor, visible=visibility, order_by=order_by, order=direction, term=term
    )
    if expanded:
        return json_response([user_entity(user, actor, with_defaults=False) for user in users])
    return json_response([user_collection(user) for user in users])


@router.get(
    "/users/me",
    operation_id="get_get_user_me",
    summary="Returns the current user",
    responses=answers("UserEntity"),
)
def me(actor: ActorDep, session: SessionDep) -> Response:
    user = service.get_user(session, actor.id)
    return json_response(user_entity(user, actor, with_defaults=False))


@router.get(
    "/users/{id:int}",
    operation_id="get_get_user",
    summary="Returns one user",
    responses=answers("UserEntity"),
)
def get_user(id: int, actor: ActorDep, session: SessionDep) -> Response:
    user = service.get_user_for_view(session, actor, path_id(id))
    return json_response(user_entity(user, actor))


@router.post(
    "/users",
    operation_id="post_post_user",
    summary="Creates a new user (a left out `enabled` creates a disabled user)",
    openapi_extra=body_doc(USER_CREATE_DOC),
    responses=answers("UserEntity"),
)
def create_user(actor: ActorDep, session: SessionDep, settings: SettingsDep, body: BodyDep) -> Response:
    service.require_create_user(actor)
    config = load_config(session)
    language = config.get("defaults.user.language") or settings.default_language
    timezone = config.get("defaults.user.timezone") or settings.default_timezone
    form = user_create_form(session, actor, config)
    data = form.parse(
        user_create_defaults(body, language, timezone), partial=False, ctx=form_context(actor, config)
    )
    try:
        user = service.create_user_from_form(session, actor, data.values)
    except ValidationFailed as exc:
        raise form.fail(exc.field_errors, exc.global_errors, data) from exc
    return json_response(user_entity(user, actor))


@router.patch(
    "/users/{id:int}",
    operation_id="patch_patch_user",
    summary="Updates a user; `roles` replaces all roles",
    openapi_extra=body_doc(USER_EDIT_DOC, required=False),
    responses=answers("UserEntity"),
)
def update_user(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    user = service.get_user_for_edit(session, actor, path_id(id))
    config = load_config(session)
    form = user_edit_form(session, actor, user, config)
    data = form.parse(body, partial=True, ctx=form_context(actor, config, user))
    try:
        service.update_user(session, actor, user, data.values)
    except ValidationFailed as exc:
        raise form.fail(exc.field_errors, exc.global_errors, data) from exc
    return json_response(user_entity(user, actor))


@router.patch(
    "/users/{id:int}/preferences",
    operation_id="patch_patch_user_preference",
    summary="Updates preferences of a user",
    openapi_extra=NAME_VALUE_LIST_BODY,
    responses=answers("UserEntity"),
)
def update_preferences(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    user = service.get_user(session, path_id(id))
    service.update_preferences(session, actor, user, body)
    return json_response(user_entity(user, actor))


@router.delete(
    "/users/api-token/{id:int}",
    operation_id="delete_delete_api_token",
    summary="Deletes an API access token",
    responses=answers(None),
)
def delete_access_token(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_access_token(session, actor, path_id(id))
    return json_response(None)


@router.delete(
    "/users/roles/{id:int}",
    operation_id="delete_delete_role",
    summary="Deletes a custom role and removes it from every user",
    status_code=204,
    responses=answers(None, status=204),
)
def delete_role(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_role(session, actor, path_id(id))
    return Response(status_code=204)
