"""Timesheet records: who worked on what, when, and at which rate."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from horae.activities.models import Activity
from horae.db import Base, UTCDateTime, utcnow
from horae.projects.models import Project
from horae.tags.models import Tag
from horae.users.models import User

if TYPE_CHECKING:
    from horae.meta.models import TimesheetMeta

timesheet_tags = Table(
    "timesheet_tags",
    Base.metadata,
    Column("timesheet_id", ForeignKey("timesheets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Timesheet(Base):
    __tablename__ = "timesheets"
    __table_args__ = (
        # Covers the sums of dashboards and reports per user and period (no row lookups).
        Index("ix_timesheets_user_id_begin", "user_id", "begin", "end", "duration", "rate"),
        Index("ix_timesheets_begin_end", "begin", "end"),
        Index("ix_timesheets_user_id_project_id_activity_id", "user_id", "project_id", "activity_id"),
        # The running records of a user or team (`end IS NULL`) with their begin, read from the
        # index alone: without `begin` SQLite preferred the covering index above and walked
        # every record of each user.
        Index("ix_timesheets_user_id_end", "user_id", "end", "begin"),
        Index("ix_timesheets_project_id_begin", "project_id", "begin"),
        Index("ix_timesheets_activity_id_begin", "activity_id", "begin"),
        Index("ix_timesheets_modified_at", "modified_at"),
        Index("ix_timesheets_date", "date"),
        # The reports of a user or team by local date (a month of the team's users, not all of
        # their years).
        Index("ix_timesheets_user_id_date", "user_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    begin: Mapped[datetime] = mapped_column(UTCDateTime)
    # None while the timer runs.
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The owner's timezone when the record was last saved; begin and end are shown in it.
    timezone: Mapped[str] = mapped_column(String(64))
    # The local calendar date of begin in that timezone, for reports grouped by day.
    date: Mapped[date] = mapped_column(Date)
    duration: Mapped[int] = mapped_column(Integer, default=0)
    break_seconds: Mapped[int] = mapped_column("break", Integer, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    rate: Mapped[Decimal] = mapped_column(Numeric(16, 4), default=Decimal("0"))
    internal_rate: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    fixed_rate: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    exported: Mapped[bool] = mapped_column(Boolean, default=False)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    category: Mapped[str] = mapped_column(String(10), default="work")
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    project: Mapped[Project] = relationship()
    activity: Mapped[Activity] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=timesheet_tags, order_by=Tag.name)
    meta: Mapped[list[TimesheetMeta]] = relationship(
        back_populates="timesheet", cascade="all, delete-orphan", order_by="TimesheetMeta.id"
    )
