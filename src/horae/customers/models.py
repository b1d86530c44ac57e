"""Customers: the top of the customer → project → activity hierarchy."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from horae.db import Base, UTCDateTime, utcnow
from horae.teams.models import team_customers

if TYPE_CHECKING:
    from horae.meta.models import CustomerMeta
    from horae.teams.models import Team


class BudgetColumns:
    """Money and time budgets shared by customers, projects and activities."""

    budget: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))
    time_budget: Mapped[int] = mapped_column(Integer, default=0)
    # None means the budget covers the whole lifetime, "month" means each calendar month.
    budget_type: Mapped[str | None] = mapped_column(String(10))


class Customer(BudgetColumns, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(150), index=True)
    # Unique unless the *.rules.allow_duplicate_number setting allows repeats: checked by the service.
    number: Mapped[str | None] = mapped_column(String(50), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    visible: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    company: Mapped[str | None] = mapped_column(String(100))
    vat_id: Mapped[str | None] = mapped_column(String(50))
    contact: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(Text)
    address_line1: Mapped[str | None] = mapped_column(String(150))
    address_line2: Mapped[str | None] = mapped_column(String(150))
    address_line3: Mapped[str | None] = mapped_column(String(150))
    post_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(35), default="en")
    currency: Mapped[str] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(30))
    fax: Mapped[str | None] = mapped_column(String(30))
    mobile: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(75))
    invoice_email: Mapped[str | None] = mapped_column(String(75))
    homepage: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    invoice_text: Mapped[str | None] = mapped_column(Text)
    buyer_reference: Mapped[str | None] = mapped_column(String(50))
    color: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=team_customers, back_populates="customers")
    meta: Mapped[list[CustomerMeta]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerMeta.id"
    )
