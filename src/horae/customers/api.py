"""/api/customers: list, CRUD, custom fields, rates and comments of customers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from horae.api.deps import ActorDep, BodyDep, SessionDep
from horae.api.openapi import answers, body_doc
from horae.api.params import parse_choice, parse_flag, parse_order, parse_visibility
from horae.api.responses import json_response
from horae.comments.schemas import COMMENT_FORM, comment_output
from horae.customers import service
from horae.customers.models import Customer
from horae.customers.schemas import customer_collection, customer_entity, customer_form
from horae.errors import Gone
from horae.meta.schemas import META_BODY_SCHEMA
from horae.rates.schemas import RATE_FORM, rate_output
from horae.security.attributes import can_customer
from horae.security.permissions import Actor

router = APIRouter(prefix="/api", tags=["Customer"])

REMOVED_TEAM_ENDPOINT = 'This endpoint was removed, use "POST /api/teams/" instead.'


def entity_response(actor: Actor, customer: Customer) -> Response:
    return json_response(
        customer_entity(
            customer,
            show_budget=can_customer(actor, "budget", customer),
            show_time=can_customer(actor, "time", customer),
        )
    )


def no_content() -> Response:
    return Response(status_code=204)


@router.get(
    "/customers",
    operation_id="get_get_customers",
    summary="Returns a collection of customers (which are visible to the user)",
    responses=answers("CustomerCollection", array=True),
)
def list_customers(
    actor: ActorDep,
    session: SessionDep,
    visible: str | None = Query(None, description="Visibility: 1 visible (default), 2 hidden, 3 both"),
    order: str | None = Query(None, description="ASC (default) or DESC"),
    orderBy: str | None = Query(None, description="id or name (default)"),
    term: str | None = Query(None, description="Free search term"),
    full: str | None = Query(None, description="1: include the address details (needs details_customer)"),
) -> Response:
    query = service.CustomerQuery(
        visible=parse_visibility(visible),
        order=parse_order(order),
        order_by=parse_choice(orderBy, ("id", "name"), "name"),
        term=term,
    )
    details = bool(parse_flag(full, words=True)) and actor.can("details_customer")
    customers = service.list_customers(session, actor, query)
    return json_response(
        [
            customer_collection(
                customer,
                show_budget=can_customer(actor, "budget", customer),
                show_time=can_customer(actor, "time", customer),
                details=details,
            )
            for customer in customers
        ]
    )


@router.get(
    "/customers/{id:int}",
    operation_id="get_get_customer",
    summary="Returns one customer",
    responses=answers("CustomerEntity"),
)
def get_customer(id: int, actor: ActorDep, session: SessionDep) -> Response:
    return entity_response(actor, service.get_customer(session, actor, id))


_FULL_FORM = customer_form(show_budget=True, show_time=True, with_teams=True)


@router.post(
    "/customers",
    operation_id="post_post_customer",
    summary="Creates a new customer",
    responses=answers("CustomerEntity"),
    openapi_extra=body_doc(_FULL_FORM),
)
def create_customer(actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return entity_response(actor, service.create_customer(session, actor, body))


@router.patch(
    "/customers/{id:int}",
    operation_id="patch_patch_customer",
    summary="Update an existing customer",
    responses=answers("CustomerEntity"),
    openapi_extra=body_doc(_FULL_FORM.without("teams"), required=False),
)
def update_customer(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return entity_response(actor, service.update_customer(session, actor, id, body))


@router.delete(
    "/customers/{id:int}",
    operation_id="delete_delete_customer",
    summary="Delete a customer and all its linked data (projects, activities, timesheets …)",
    status_code=204,
    responses=answers(None, status=204, description="Deleted"),
)
def delete_customer(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_customer(session, actor, id)
    return no_content()


@router.patch(
    "/customers/{id:int}/meta",
    operation_id="patch_patch_customer_meta",
    summary="Sets the value of a meta-field for an existing customer",
    responses=answers("CustomerEntity"),
    openapi_extra=META_BODY_SCHEMA,
)
def set_customer_meta(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return entity_response(actor, service.set_customer_meta(session, actor, id, body))


@router.get(
    "/customers/{id:int}/rates",
    operation_id="get_get_customer_rates",
    summary="Returns a collection of all rates for one customer",
    responses=answers("CustomerRate", array=True),
)
def list_customer_rates(id: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response([rate_output(rate) for rate in service.customer_rates(session, actor, id)])


@router.post(
    "/customers/{id:int}/rates",
    operation_id="post_post_customer_rate",
    summary="Adds a new rate to a customer",
    responses=answers("CustomerRate"),
    openapi_extra=body_doc(RATE_FORM),
)
def add_customer_rate(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return json_response(rate_output(service.add_customer_rate(session, actor, id, body)))


@router.delete(
    "/customers/{id:int}/rates/{rateId:int}",
    operation_id="delete_delete_customer_rate",
    summary="Deletes one rate for a customer",
    status_code=204,
    responses=answers(None, status=204, description="Deleted"),
)
def delete_customer_rate(id: int, rateId: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_customer_rate(session, actor, id, rateId)
    return no_content()


@router.get(
    "/customers/{id:int}/comments",
    operation_id="get_get_customer_comments",
    summary="Returns the comments of a customer, pinned first",
    responses=answers("CustomerComment", array=True),
)
def list_customer_comments(id: int, actor: ActorDep, session: SessionDep) -> Response:
    found = service.customer_comments(session, actor, id)
    return json_response([comment_output(comment, actor.timezone) for comment in found])


@router.post(
    "/customers/{id:int}/comments",
    operation_id="post_post_customer_comment",
    summary="Adds a comment to a customer",
    responses=answers("CustomerComment"),
    openapi_extra=body_doc(COMMENT_FORM),
)
def add_customer_comment(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    comment = service.add_customer_comment(session, actor, id, body)
    return json_response(comment_output(comment, actor.timezone))


@router.patch(
    "/customers/{id:int}/comments/{comment:int}/pin",
    operation_id="patch_patch_customer_comment_pin",
    summary="Pins or unpins a customer comment",
    responses=answers("CustomerComment"),
)
def pin_customer_comment(id: int, comment: int, actor: ActorDep, session: SessionDep) -> Response:
    found = service.pin_customer_comment(session, actor, id, comment)
    return json_response(comment_output(found, actor.timezone))


@router.delete(
    "/customers/{id:int}/comments/{comment:int}",
    operation_id="delete_delete_customer_comment",
    summary="Deletes a customer comment",
    status_code=204,
    responses=answers(None, status=204, description="Deleted"),
)
def delete_customer_comment(id: int, comment: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_customer_comment(session, actor, id, comment)
    return no_content()


@router.post(
    "/customers/{id}/team",
    operation_id="post_post_customer_team",
    summary="Removed: use POST /api/teams/{id}/customers/{customerId}",
    deprecated=True,
    responses={410: {"description": "This endpoint was removed"}},
)
def removed_customer_team(id: str, actor: ActorDep) -> Any:
    raise Gone(REMOVED_TEAM_ENDPOINT)
