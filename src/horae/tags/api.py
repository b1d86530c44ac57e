"""/api/tags: tag names, tag search, create and delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from horae.api.deps import ActorDep, BodyDep, SessionDep
from horae.api.forms import MAX_ID, FormContext
from horae.api.openapi import answers, body_doc
from horae.api.params import ascii_digits
from horae.api.responses import json_response
from horae.api.routing import UnitOfWorkRoute
from horae.config.service import load_config
from horae.errors import NotFound, ValidationFailed
from horae.tags import service
from horae.tags.schemas import TAG_FORM, tag_entity

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=["Tag"])


@router.get(
    "/tags",
    operation_id="get_get_tags",
    summary="Returns the names of visible tags (deprecated: use /api/tags/find)",
    deprecated=True,
    responses={
        200: {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}},
        }
    },
)
def list_tag_names(
    actor: ActorDep,
    session: SessionDep,
    name: Annotated[str | None, Query(description="Part of the tag name")] = None,
) -> Response:
    return Response(service.tag_names_json(session, name), media_type="application/json")


@router.get(
    "/tags/find",
    operation_id="get_get_tags_full",
    summary="Searches visible tags by name (no name: no result)",
    responses=answers("TagEntity", array=True),
)
def find_tags(
    actor: ActorDep,
    session: SessionDep,
    name: Annotated[str | None, Query(description="Part of the tag name")] = None,
) -> Response:
    return Response(service.found_tags_json(session, name), media_type="application/json")


@router.post(
    "/tags",
    operation_id="post_post_tag",
    summary="Creates a new tag (a left out `visible` creates a hidden tag)",
    openapi_extra=body_doc(TAG_FORM),
    responses=answers("TagEntity"),
)
def create_tag(actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    service.require_create(actor)
    config = load_config(session)
    ctx = FormContext(timezone=actor.timezone, colors=list(config.colors().values()))
    data = TAG_FORM.parse(body, partial=False, ctx=ctx)
    try:
        tag = service.create_tag(session, actor, data.values)
    except ValidationFailed as exc:
        raise TAG_FORM.fail(exc.field_errors, exc.global_errors, data) from exc
    return json_response(tag_entity(tag))


@router.delete(
    "/tags/{id}",
    operation_id="delete_delete_tag",
    summary="Deletes a tag",
    status_code=204,
    responses=answers(None, status=204),
)
def delete_tag(id: str, actor: ActorDep, session: SessionDep) -> Response:
    # The path has no digits requirement in Kimai: anything else is simply not found.
    if not ascii_digits(id) or int(id) > MAX_ID:
        raise NotFound("tag")
    service.delete_tag(session, actor, int(id))
    return Response(status_code=204)
