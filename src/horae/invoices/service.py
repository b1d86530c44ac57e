"""Invoices through Kimai's API: the archive list, one invoice, its custom fields, its file and
its removal; the removal of invoice templates and documents (contract §9).

An invoice is visible to a caller with `view_invoice` who may see its customer (the customer's
team rule, §0.5); changing its custom fields also takes `create_invoice`, deleting it
`delete_invoice`, which no role holds unless granted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from horae.api.pagination import Page
from horae.api.wire import localize, zone
from horae.customers.models import Customer
from horae.errors import BadRequest, Forbidden, NotFound
from horae.invoices.models import INVOICE_STATUSES, Invoice, InvoiceDocument, InvoiceFile, InvoiceTemplate
from horae.meta.service import set_meta_field
from horae.security.permissions import Actor
from horae.security.visibility import can_access_customer, customer_visible
from horae.timesheets.search import ListQuery


def _require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden("invoice")


def _loaded() -> Any:
    return (
        selectinload(Invoice.customer).selectinload(Customer.meta),
        selectinload(Invoice.customer).selectinload(Customer.teams),
        selectinload(Invoice.user),
        selectinload(Invoice.meta),
    )


def find_invoice(session: Session, actor: Actor, invoice_id: int, *permissions: str) -> Invoice:
    """The invoice (404 when unknown, before any permission), then `view_invoice` and the
    customer's visibility, then each further role permission (403)."""
    invoice = session.scalars(select(Invoice).where(Invoice.id == invoice_id).options(*_loaded())).first()
    if invoice is None:
        raise NotFound("invoice")
    _require(actor.can("view_invoice") and can_access_customer(actor, invoice.customer))
    for permission in permissions:
        _require(actor.can(permission))
    return invoice


def list_invoices(
    session: Session, actor: Actor, items: Sequence[tuple[str, str]]
) -> tuple[list[Invoice], int, Page]:
    """GET /api/invoices: newest first, filtered by creation time, customers and status."""
    _require(actor.can("view_invoice"))
    # An empty parameter counts as left out (Kimai's requirements let an empty value pass).
    query = ListQuery([(key, value) for key, value in items if value != ""])
    begin = query.moment("begin", actor.timezone)
    end = query.moment("end", actor.timezone)
    statuses = query.array("status", "|".join(INVOICE_STATUSES))
    customer_ids = [int(value) for value in query.array("customers", r"\d+") if len(value) < 10]
    page = query.page()
    conditions: list[Any] = [customer_visible(actor, Invoice.customer_id)]
    if customer_ids:
        customers = session.scalars(
            select(Customer).where(Customer.id.in_(set(customer_ids))).options(selectinload(Customer.teams))
        ).all()
        for customer in customers:
            _require(can_access_customer(actor, customer))
        if customers:
            conditions.append(Invoice.customer_id.in_([customer.id for customer in customers]))
    if begin is not None:
        conditions.append(Invoice.created_at >= begin)
    if end is not None:
        conditions.append(Invoice.created_at <= end)
    if statuses:
        conditions.append(Invoice.status.in_(set(statuses)))
    total = session.scalar(select(func.count(Invoice.id)).where(*conditions)) or 0
    page.check_in_range(total)
    invoices = session.scalars(
        select(Invoice)
        .where(*conditions)
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())
        .offset(page.offset)
        .limit(page.size)
        .options(*_loaded())
    ).all()
    return list(invoices), total, page


def set_custom_fields(session: Session, actor: Actor, invoice_id: int, items: Any) -> Invoice:
    """PATCH /api/invoices/{id}/custom-fields: a list of {name, value}, each a defined invoice
    field; all are checked before any is stored."""
    invoice = find_invoice(session, actor, invoice_id, "create_invoice")
    if not isinstance(items, list):
        raise BadRequest("expected a list of custom fields")
    for item in items:
        if not isinstance(item, dict) or "name" not in item or "value" not in item:
            raise BadRequest("each custom field needs a name and a value")
    with session.no_autoflush:
        for item in items:
            set_meta_field(session, invoice, item["name"], item["value"])
    session.flush()
    return invoice


def invoice_file(session: Session, actor: Actor, invoice_id: int) -> tuple[Invoice, bytes]:
    invoice = find_invoice(session, actor, invoice_id)
    content = session.scalar(select(InvoiceFile.content).where(InvoiceFile.invoice_id == invoice.id))
    if content is None:
        raise NotFound("invoice file")
    return invoice, content


def delete_invoice(session: Session, actor: Actor, invoice_id: int) -> None:
    """The invoice, its custom fields and its file."""
    invoice = find_invoice(session, actor, invoice_id, "delete_invoice")
    session.execute(delete(InvoiceFile).where(InvoiceFile.invoice_id == invoice.id))
    session.delete(invoice)
    session.flush()


def delete_template(session: Session, actor: Actor, template_id: int) -> None:
    template = session.get(InvoiceTemplate, template_id)
    if template is None:
        raise NotFound("invoice template")
    _require(actor.can("manage_invoice_template"))
    session.delete(template)
    session.flush()


def delete_document(session: Session, actor: Actor, name: str) -> None:
    """An uploaded document, by its name; one a template renders with stays (400)."""
    if "\x00" in name:  # no stored name holds one, and PostgreSQL refuses it in a statement
        raise NotFound("invoice document")
    document = session.scalar(select(InvoiceDocument.id).where(InvoiceDocument.name == name))
    if document is None:
        raise NotFound("invoice document")
    _require(actor.can("manage_invoice_template"))
    used = session.scalar(select(func.count(InvoiceTemplate.id)).where(InvoiceTemplate.renderer == name))
    if used:
        raise BadRequest("the document is used by an invoice template")
    session.execute(delete(InvoiceDocument).where(InvoiceDocument.id == document))


def payment_moment(invoice: Invoice, timezone: str) -> datetime | None:
    """The payment date as Kimai writes it: midnight of that day, in the caller's zone."""
    if invoice.payment_date is None:
        return None
    return localize(datetime.combine(invoice.payment_date, time(0, 0)), timezone)


def is_overdue(invoice: Invoice, now: datetime | None = None) -> bool:
    """Kimai's rule: the due date (the creation's wall time plus the due days, in the invoice's
    zone) has passed, whatever the status."""
    created = invoice.created_at.astimezone(zone(invoice.timezone)).replace(tzinfo=None)
    due = localize(created + timedelta(days=invoice.due_days), invoice.timezone)
    return due < (now or datetime.now(UTC))
