"""The routes every catalog record (customer, project, activity) has beside its own: custom
fields, rates and, for customers and projects, comments.

Each domain declares them on its router with `add_record_routes`; paths, operation ids,
summaries and answers follow Kimai's, spelled out once here for every kind of record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from horae.api.deps import ActorDep, BodyDep, SessionDep
from horae.api.openapi import answers, body_doc
from horae.api.responses import json_response, no_content
from horae.comments.schemas import COMMENT_FORM, comment_output
from horae.comments.service import RecordComments
from horae.meta.schemas import META_BODY_SCHEMA
from horae.meta.service import set_record_meta
from horae.rates.schemas import RATE_FORM, rate_output
from horae.rates.service import RecordRates
from horae.security.attributes import Record, RecordAccess
from horae.security.permissions import Actor


def add_record_routes(
    router: APIRouter,
    path: str,
    access: RecordAccess[Record],
    output: Callable[[Actor, Record], dict[str, Any]],
    *,
    rates: RecordRates[Record],
    comments: RecordComments[Record] | None = None,
) -> None:
    """Declares `{path}/{id}/meta`, `…/rates` and, given `comments`, `…/comments` in Kimai's order.

    `output` writes the record's entity, the answer of a changed custom field.
    """
    _add_meta_route(router, path, access, output)
    _add_rate_routes(router, path, rates)
    if comments is not None:
        _add_comment_routes(router, path, comments)


def _with_article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _add_meta_route(
    router: APIRouter, path: str, access: RecordAccess[Record], output: Callable[[Actor, Record], Any]
) -> None:
    kind = access.kind

    @router.patch(
        f"{path}/{{id:int}}/meta",
        name=f"set_{kind}_meta",
        operation_id=f"patch_patch_{kind}_meta",
        summary=f"Sets the value of a meta-field for an existing {kind}",
        responses=answers(f"{kind.capitalize()}Entity"),
        openapi_extra=META_BODY_SCHEMA,
    )
    def set_meta(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
        return json_response(output(actor, set_record_meta(session, actor, access, id, body)))


def _add_rate_routes(router: APIRouter, path: str, rates: RecordRates[Any]) -> None:
    kind = rates.access.kind
    schema = f"{kind.capitalize()}Rate"

    @router.get(
        f"{path}/{{id:int}}/rates",
        name=f"list_{kind}_rates",
        operation_id=f"get_get_{kind}_rates",
        summary=f"Returns a collection of all rates for one {kind}",
        responses=answers(schema, array=True),
    )
    def list_rates(id: int, actor: ActorDep, session: SessionDep) -> Response:
        return json_response([rate_output(rate) for rate in rates.rates(session, actor, id)])

    @router.post(
        f"{path}/{{id:int}}/rates",
        name=f"add_{kind}_rate",
        operation_id=f"post_post_{kind}_rate",
        summary=f"Adds a new rate to {_with_article(kind)}",
        responses=answers(schema),
        openapi_extra=body_doc(RATE_FORM),
    )
    def add_rate(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
        return json_response(rate_output(rates.add(session, actor, id, body)))

    @router.delete(
        f"{path}/{{id:int}}/rates/{{rateId:int}}",
        name=f"delete_{kind}_rate",
        operation_id=f"delete_delete_{kind}_rate",
        summary=f"Deletes one rate for {_with_article(kind)}",
        status_code=204,
        responses=answers(None, status=204, description="Deleted"),
    )
    def delete_rate(id: int, rateId: int, actor: ActorDep, session: SessionDep) -> Response:
        rates.delete(session, actor, id, rateId)
        return no_content()


def _add_comment_routes(router: APIRouter, path: str, comments: RecordComments[Any]) -> None:
    kind = comments.access.kind
    schema = f"{kind.capitalize()}Comment"

    @router.get(
        f"{path}/{{id:int}}/comments",
        name=f"list_{kind}_comments",
        operation_id=f"get_get_{kind}_comments",
        summary=f"Returns the comments of {_with_article(kind)}, pinned first",
        responses=answers(schema, array=True),
    )
    def list_comments(id: int, actor: ActorDep, session: SessionDep) -> Response:
        found = comments.comments(session, actor, id)
        return json_response([comment_output(comment, actor.timezone) for comment in found])

    @router.post(
        f"{path}/{{id:int}}/comments",
        name=f"add_{kind}_comment",
        operation_id=f"post_post_{kind}_comment",
        summary=f"Adds a comment to {_with_article(kind)}",
        responses=answers(schema),
        openapi_extra=body_doc(COMMENT_FORM),
    )
    def add_comment(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
        return json_response(comment_output(comments.add(session, actor, id, body), actor.timezone))

    @router.patch(
        f"{path}/{{id:int}}/comments/{{comment:int}}/pin",
        name=f"pin_{kind}_comment",
        operation_id=f"patch_patch_{kind}_comment_pin",
        summary=f"Pins or unpins {_with_article(kind)} comment",
        responses=answers(schema),
    )
    def pin_comment(id: int, comment: int, actor: ActorDep, session: SessionDep) -> Response:
        return json_response(comment_output(comments.pin(session, actor, id, comment), actor.timezone))

    @router.delete(
        f"{path}/{{id:int}}/comments/{{comment:int}}",
        name=f"delete_{kind}_comment",
        operation_id=f"delete_delete_{kind}_comment",
        summary=f"Deletes {_with_article(kind)} comment",
        status_code=204,
        responses=answers(None, status=204, description="Deleted"),
    )
    def delete_comment(id: int, comment: int, actor: ActorDep, session: SessionDep) -> Response:
        comments.delete(session, actor, id, comment)
        return no_content()
