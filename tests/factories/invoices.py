"""Test data for the invoice endpoints: invoices (with files and custom fields), invoice
templates and documents, and export templates, built straight from the models (Horae makes no
invoices through its API)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

import pytest

from horae.exports.models import ExportTemplate
from horae.invoices.models import Invoice, InvoiceDocument, InvoiceFile, InvoiceTemplate
from horae.meta.models import InvoiceMeta, MetaFieldDefinition

_sequence = itertools.count(1)


class InvoiceFactory:
    def __init__(self, backend: Any) -> None:
        self.db = backend.db

    def create(
        self,
        customer: Any,
        user: Any,
        created_at: datetime,
        *,
        timezone: str = "Europe/Berlin",
        status: str = "new",
        total: float = 119.0,
        tax: float = 19.0,
        vat: float = 19.0,
        due_days: int = 30,
        payment_date: date | None = None,
        comment: str | None = None,
        filename: str | None = None,
        content: bytes | None = None,
        meta: dict[str, tuple[str, bool]] | None = None,
    ) -> Invoice:
        number = next(_sequence)
        with self.db.session() as session:
            invoice = Invoice(
                invoice_number=f"INV-{number:05d}",
                invoice_filename=filename or f"invoice-{number:05d}.pdf",
                comment=comment,
                customer_id=customer.id,
                user_id=user.id,
                created_at=created_at.astimezone(UTC),
                timezone=timezone,
                total=total,
                tax=tax,
                vat=vat,
                currency="EUR",
                due_days=due_days,
                status=status,
                payment_date=payment_date,
            )
            invoice.meta = [
                InvoiceMeta(name=name, value=value, visible=visible)
                for name, (value, visible) in (meta or {}).items()
            ]
            session.add(invoice)
            session.flush()
            if content is not None:
                session.add(InvoiceFile(invoice_id=invoice.id, content=content))
        return invoice

    def field(self, name: str, *, visible: bool = True) -> None:
        with self.db.session() as session:
            session.add(MetaFieldDefinition(entity_type="invoice", name=name, visible=visible))

    def template(self, name: str, renderer: str) -> InvoiceTemplate:
        with self.db.session() as session:
            template = InvoiceTemplate(name=name, title=name, company="Horae Ltd.", renderer=renderer)
            session.add(template)
            session.flush()
        return template

    def document(self, name: str) -> InvoiceDocument:
        with self.db.session() as session:
            document = InvoiceDocument(name=name, content=b"<html></html>")
            session.add(document)
            session.flush()
        return document

    def export_template(self, title: str) -> ExportTemplate:
        with self.db.session() as session:
            template = ExportTemplate(title=title, renderer="csv", columns=["date", "duration"])
            session.add(template)
            session.flush()
        return template

    def count(self, model: type) -> int:
        with self.db.session(write=False) as session:
            return session.query(model).count()

    def stored(self, invoice_id: int) -> Invoice | None:
        with self.db.session(write=False) as session:
            invoice = session.get(Invoice, invoice_id)
            if invoice is not None:
                _ = list(invoice.meta)
            return invoice


@pytest.fixture
def invoices(backend: Any) -> InvoiceFactory:
    return InvoiceFactory(backend)
