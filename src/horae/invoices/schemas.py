"""Invoices on the wire: the Invoice shape (16 keys, the same in lists and alone)."""

from __future__ import annotations

from typing import Any

from horae.api.embedded import customer_embedded, user_embedded
from horae.api.openapi import ref, register_schema
from horae.api.wire import format_datetime
from horae.invoices.models import INVOICE_STATUSES, Invoice
from horae.invoices.service import is_overdue, payment_moment
from horae.meta.service import visible_meta


def invoice_output(invoice: Invoice, timezone: str) -> dict[str, Any]:
    """`timezone`: the caller's, in which a payment date is written (its midnight)."""
    return {
        "id": invoice.id,
        "invoiceNumber": invoice.invoice_number,
        "comment": invoice.comment,
        "customer": customer_embedded(invoice.customer),
        "user": user_embedded(invoice.user),
        "createdAt": format_datetime(invoice.created_at, invoice.timezone),
        "total": float(invoice.total),
        "tax": float(invoice.tax),
        "currency": invoice.currency,
        "dueDays": invoice.due_days,
        "vat": float(invoice.vat),
        "status": invoice.status,
        "invoiceFilename": invoice.invoice_filename,
        "paymentDate": format_datetime(payment_moment(invoice, timezone), timezone),
        "overdue": is_overdue(invoice),
        "metaFields": visible_meta(invoice),
    }


_INVOICE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "invoiceNumber": {"type": "string"},
        "comment": {"type": "string", "nullable": True},
        "customer": ref("Customer"),
        "user": ref("User"),
        "createdAt": {"type": "string", "format": "date-time"},
        "total": {"type": "number"},
        "tax": {"type": "number"},
        "currency": {"type": "string"},
        "dueDays": {"type": "integer"},
        "vat": {"type": "number"},
        "status": {"type": "string", "enum": list(INVOICE_STATUSES)},
        "invoiceFilename": {"type": "string"},
        "paymentDate": {"type": "string", "format": "date-time", "nullable": True},
        "overdue": {"type": "boolean"},
        "metaFields": {"type": "array", "items": ref("MetaField")},
    },
}
register_schema("Invoice", _INVOICE)
register_schema("InvoiceCollection", _INVOICE)
