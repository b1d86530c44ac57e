"""Custom fields: the declared definitions and the values stored on each record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from horae.db import Base

if TYPE_CHECKING:
    from horae.activities.models import Activity
    from horae.customers.models import Customer
    from horae.invoices.models import Invoice
    from horae.projects.models import Project
    from horae.timesheets.models import Timesheet


class MetaFieldDefinition(Base):
    """A custom field that records of one entity type may carry (the allowed names)."""

    __tablename__ = "meta_field_definitions"
    __table_args__ = (UniqueConstraint("entity_type", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # customer, project, activity, timesheet, invoice
    entity_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    label: Mapped[str | None] = mapped_column(String(100))
    # string, text, integer, number, boolean, choice, date, email, url, color
    type: Mapped[str] = mapped_column(String(20), default="string")
    options: Mapped[str | None] = mapped_column(Text)
    default_value: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)


class MetaColumns:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    value: Mapped[str | None] = mapped_column(Text)
    visible: Mapped[bool] = mapped_column(Boolean, default=True)


class CustomerMeta(MetaColumns, Base):
    __tablename__ = "customer_meta"
    __table_args__ = (UniqueConstraint("customer_id", "name"),)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    customer: Mapped[Customer] = relationship(back_populates="meta")


class ProjectMeta(MetaColumns, Base):
    __tablename__ = "project_meta"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    project: Mapped[Project] = relationship(back_populates="meta")


class ActivityMeta(MetaColumns, Base):
    __tablename__ = "activity_meta"
    __table_args__ = (UniqueConstraint("activity_id", "name"),)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    activity: Mapped[Activity] = relationship(back_populates="meta")


class TimesheetMeta(MetaColumns, Base):
    __tablename__ = "timesheet_meta"
    __table_args__ = (UniqueConstraint("timesheet_id", "name"),)
    timesheet_id: Mapped[int] = mapped_column(ForeignKey("timesheets.id", ondelete="CASCADE"))
    timesheet: Mapped[Timesheet] = relationship(back_populates="meta")


class InvoiceMeta(MetaColumns, Base):
    __tablename__ = "invoice_meta"
    __table_args__ = (UniqueConstraint("invoice_id", "name"),)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    invoice: Mapped[Invoice] = relationship(back_populates="meta")
