"""/api/customers: list, CRUD, custom fields, rates and comments of customers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from horae.api.deps import ActorDep, BodyDep, SessionDep
from horae.api.openapi import answers, body_doc
from horae.api.params import parse_choice, parse_flag, parse_order, parse_visibility
from horae.api.responses import json_response, no_content
from horae.api.routing import UnitOfWorkRoute
from horae.customers import service
from horae.customers.models import Customer
from horae.customers.schemas import customer_entity, customer_form
from horae.errors import Gone
from horae.records.api import add_record_routes
from horae.security.attributes import can_customer
from horae.security.permissions import Actor

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=["Customer"])

REMOVED_TEAM_ENDPOINT = 'This endpoint was removed, use "POST /api/teams/" instead.'


def customer_output(actor: Actor, customer: Customer) -> dict[str, Any]:
    return customer_entity(
        customer,
        show_budget=can_customer(actor, "budget", customer),
        show_time=can_customer(actor, "time", customer),
    )


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
    return Response(
        service.list_customers(session, actor, query, details=details), media_type="application/json"
    )


@router.get(
    "/customers/{id:int}",
    operation_id="get_get_customer",
    summary="Returns one customer",
    responses=answers("CustomerEntity"),
)
def get_customer(id: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response(customer_output(actor, service.get_customer(session, actor, id)))


_FULL_FORM = customer_form(show_budget=True, show_time=True, with_teams=True)


@router.post(
    "/customers",
    operation_id="post_post_customer",
    summary="Creates a new customer",
    responses=answers("CustomerEntity"),
    openapi_extra=body_doc(_FULL_FORM),
)
def create_customer(actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return json_response(customer_output(actor, service.create_customer(session, actor, body)))


@router.patch(
    "/customers/{id:int}",
    operation_id="patch_patch_customer",
    summary="Update an existing customer",
    responses=answers("CustomerEntity"),
    openapi_extra=body_doc(_FULL_FORM.without("teams"), required=False),
)
def update_customer(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    return json_response(customer_output(actor, service.update_customer(session, actor, id, body)))


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


add_record_routes(
    router, "/customers", service.ACCESS, customer_output, rates=service.RATES, comments=service.COMMENTS
)


@router.post(
    "/customers/{id}/team",
    operation_id="post_post_customer_team",
    summary="Removed: use POST /api/teams/{id}/customers/{customerId}",
    deprecated=True,
    responses={410: {"description": "This endpoint was removed"}},
)
def removed_customer_team(id: str, actor: ActorDep) -> Any:
    raise Gone(REMOVED_TEAM_ENDPOINT)
