"""/api/invoices: the invoice archive, one invoice, its custom fields, its file, deletes; the
internal deletes of invoice templates and documents (contract §9)."""

from __future__ import annotations

import mimetypes
import re
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from horae.api.deps import ActorDep, BodyDep, SessionDep
from horae.api.openapi import NAME_VALUE_LIST_BODY, answers
from horae.api.params import path_id
from horae.api.responses import json_response, no_content
from horae.api.routing import UnitOfWorkRoute
from horae.invoices import service
from horae.invoices.models import INVOICE_STATUSES
from horae.invoices.schemas import invoice_output

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api", tags=["Invoice"])

_PLAIN_FILENAME = re.compile(r"[A-Za-z0-9._-]+")


@router.get(
    "/invoices",
    operation_id="get_get_invoices",
    summary="Returns a paginated collection of invoices, newest first",
    responses=answers("InvoiceCollection", array=True, paginated=True),
)
def list_invoices(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    begin: str | None = Query(None, description="Created at or after (YYYY-MM-DDThh:mm:ss, your zone)"),
    end: str | None = Query(None, description="Created at or before (YYYY-MM-DDThh:mm:ss, your zone)"),
    customers: list[str] = Query([], alias="customers[]", description="Customer IDs"),
    status: list[str] = Query([], alias="status[]", description=f"Statuses: {', '.join(INVOICE_STATUSES)}"),
    page: str | None = Query(None, description="The page (default 1); past the last one: 404"),
    size: str | None = Query(None, description="Invoices per page (default 50, at most 500)"),
) -> Response:
    invoices, total, shown = service.list_invoices(session, actor, request.query_params.multi_items())
    return json_response(
        [invoice_output(invoice, actor.timezone) for invoice in invoices], headers=shown.headers(total)
    )


@router.get(
    "/invoices/{id:int}",
    operation_id="get_get_invoice",
    summary="Returns one invoice",
    responses=answers("Invoice"),
)
def get_invoice(id: int, actor: ActorDep, session: SessionDep) -> Response:
    return json_response(invoice_output(service.find_invoice(session, actor, path_id(id)), actor.timezone))


@router.patch(
    "/invoices/{id:int}/custom-fields",
    operation_id="patch_patch_invoice_custom_fields",
    summary="Sets custom fields of an invoice",
    openapi_extra=NAME_VALUE_LIST_BODY,
    responses=answers("Invoice"),
)
def set_custom_fields(id: int, actor: ActorDep, session: SessionDep, body: BodyDep) -> Response:
    invoice = service.set_custom_fields(session, actor, path_id(id), body)
    return json_response(invoice_output(invoice, actor.timezone))


@router.get(
    "/invoices/{id:int}/download",
    operation_id="get_download_invoice",
    summary="Downloads the invoice's file",
    response_class=Response,
    responses={200: {"description": "The file", "content": {"application/octet-stream": {}}}},
)
def download_invoice(id: int, actor: ActorDep, session: SessionDep) -> Response:
    invoice, content = service.invoice_file(session, actor, path_id(id))
    name = invoice.invoice_filename
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if _PLAIN_FILENAME.fullmatch(name):
        disposition = f"attachment; filename={name}"
    else:
        fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.delete(
    "/invoices/{id:int}",
    operation_id="delete_delete_invoice",
    summary="Deletes an invoice and its file (needs the delete_invoice permission)",
    status_code=204,
    responses=answers(None, status=204),
)
def delete_invoice(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_invoice(session, actor, path_id(id))
    return no_content()


@router.delete(
    "/invoices/templates/{id:int}",
    operation_id="delete_delete_invoice_template",
    summary="Deletes an invoice template (internal)",
    status_code=204,
    responses=answers(None, status=204),
)
def delete_invoice_template(id: int, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_template(session, actor, path_id(id))
    return no_content()


@router.delete(
    "/invoices/documents/{id}",
    operation_id="delete_delete_invoice_document",
    summary="Deletes an uploaded invoice document by its name (internal)",
    status_code=204,
    responses=answers(None, status=204),
)
def delete_invoice_document(id: str, actor: ActorDep, session: SessionDep) -> Response:
    service.delete_document(session, actor, id)
    return no_content()
