"""Invoices: the invoices kept for customers, their files, and the templates and documents
Kimai's invoice pages make them from."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, Double, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from horae.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from horae.customers.models import Customer
    from horae.meta.models import InvoiceMeta
    from horae.users.models import User

INVOICE_STATUSES = ("new", "pending", "paid", "canceled")


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(50), unique=True)
    # The file's name as a download offers it; its bytes are kept in `invoice_files`.
    invoice_filename: Mapped[str] = mapped_column(String(150), unique=True)
    comment: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The zone the invoice was made in: its date is shown there.
    timezone: Mapped[str] = mapped_column(String(64))
    total: Mapped[float] = mapped_column(Double, default=0.0)
    tax: Mapped[float] = mapped_column(Double, default=0.0)
    vat: Mapped[float] = mapped_column(Double, default=0.0)
    currency: Mapped[str] = mapped_column(String(3))
    due_days: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(20), default="new")
    payment_date: Mapped[date | None] = mapped_column(Date)

    customer: Mapped[Customer] = relationship()
    user: Mapped[User] = relationship()
    meta: Mapped[list[InvoiceMeta]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceMeta.id"
    )


class InvoiceFile(Base):
    """The bytes of an invoice's file, apart from the row that lists read: the database is the
    one store every worker and host shares."""

    __tablename__ = "invoice_files"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary(length=2**31 - 1))


class InvoiceTemplate(Base):
    """What an invoice says about its sender and how it is made: numbering, calculation and the
    document it is rendered with."""

    __tablename__ = "invoice_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    company: Mapped[str] = mapped_column(String(255))
    vat_id: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    due_days: Mapped[int] = mapped_column(Integer, default=30)
    vat: Mapped[float] = mapped_column(Double, default=0.0)
    calculator: Mapped[str] = mapped_column(String(20), default="default")
    number_generator: Mapped[str] = mapped_column(String(20), default="default")
    # The name of the document (`invoice_documents`) the invoice is rendered with.
    renderer: Mapped[str] = mapped_column(String(150))
    payment_terms: Mapped[str | None] = mapped_column(Text)
    payment_details: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(6), default="en")


class InvoiceDocument(Base):
    """An uploaded document an invoice template renders with, by its file name."""

    __tablename__ = "invoice_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary(length=2**31 - 1))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
